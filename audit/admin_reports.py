"""Back office of the monthly reports: the list, "build the report now" (a
month picker: any past month, or the current month to date), the report page
(the per-hospital table, the files) and the city summary (seed appendix 1
aggregated over the city's hospitals, ``hospitals.report.city_summary_xlsx``).

Building runs in the request: the report reads the daily counters (a few
hundred thousand rows for a city-sized month, grouped in SQL), so it takes
seconds, and the officer lands on the built report. Rebuilding a month
replaces its files; the monthly Celery task rebuilds the last month in full
on the 1st, so a month-to-date report is superseded by the complete one.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.models import MonthlyReport
from audit.reports import city_summary_for_report, report_build, report_filename
from audit.selectors import Month
from audit.usage import SUMMARY_COLUMNS
from hospitals.admin_scope import is_operator
from hospitals.report import city_summary_filename

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BuildReportForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        help_text=_("Any past month, or the current month (month to date)."),
        widget=forms.TextInput(attrs={"type": "month", "required": True}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget.attrs["max"] = str(Month.current())

    def clean_month(self) -> Month:
        try:
            month = Month.parse(self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None
        if (month.year, month.month) > (Month.current().year, Month.current().month):
            raise forms.ValidationError(_("A month that has not begun has no report."))
        return month


def summary_table(report: MonthlyReport) -> dict:
    """The report page's table: the summary columns (today's list, so new
    columns show; a figure the report did not have is blank), a row per
    hospital and the city's totals."""
    summary = report.summary or {}
    totals = summary.get("totals") or {}
    columns = [(key, str(label)) for key, _pattern, label in SUMMARY_COLUMNS]
    rows = [
        {
            "org_code": row.get("org_code", ""),
            "org_name": row.get("org_name", ""),
            "values": [row.get("current", {}).get(key, "") for key, _label in columns],
        }
        for row in summary.get("rows") or []
    ]
    return {
        "columns": columns,
        "rows": rows,
        "totals": [totals.get(key, "") for key, _label in columns],
        "previous": [(summary.get("previous_totals") or {}).get(k, "") for k, _l in columns],
        "through": summary.get("through"),
        "hospitals": summary.get("hospitals", len(rows)),
        "availability": summary.get("availability") or {},
        "extra_totals": summary.get("extra_totals") or {},
    }


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ("month", "period", "built_at", "downloads", "recipients")
    readonly_fields = ("month", "period", "built_at", "downloads", "figures", "emailed_to")
    fields = readonly_fields
    change_list_template = "admin/audit/monthlyreport/change_list.html"
    change_form_template = "admin/audit/monthlyreport/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def may_build(self, request) -> bool:
        return request.user.has_perm("audit.add_monthlyreport") and not is_operator(request)

    @admin.display(description=_("period"))
    def period(self, obj):
        through = (obj.summary or {}).get("through")
        if through:
            return gettext("month to date, through %(day)s") % {"day": through}
        return gettext("whole month")

    @admin.display(description=_("files"))
    def downloads(self, obj):
        links = []
        for kind, label in (
            ("xlsx", "XLSX"),
            ("csv", "CSV"),
            ("chart", "PNG"),
            ("city-summary", gettext("city summary (appendix 1)")),
        ):
            if kind == "city-summary" or getattr(obj, kind):
                url = reverse("admin:audit_monthlyreport_download", args=[obj.pk, kind])
                links.append(
                    format_html('<a href="{}" class="download-{}">{}</a>', url, kind, label)
                )
        return format_html(" · ".join(["{}"] * len(links)), *links)

    @admin.display(description=_("report figures"))
    def figures(self, obj):
        return render_to_string(
            "admin/audit/monthlyreport/summary_table.html", {"table": summary_table(obj)}
        )

    @admin.display(description=_("e-mailed to"))
    def recipients(self, obj):
        return len(obj.emailed_to or [])

    def changelist_view(self, request, extra_context=None):
        extra = {"may_build": self.may_build(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = MonthlyReport.objects.filter(pk=object_id).first()
        extra = {
            "may_build": self.may_build(request),
            "build_form": BuildReportForm(initial={"month": report.month}) if report else None,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def get_urls(self):
        download = self.admin_site.admin_view(self.download_view)
        build = self.admin_site.admin_view(self.build_view)
        return [
            path("build/", build, name="audit_monthlyreport_build"),
            path(
                "<int:pk>/download/<str:kind>/",
                download,
                name="audit_monthlyreport_download",
            ),
            *super().get_urls(),
        ]

    def build_view(self, request):
        """Build (or rebuild) a month's report now, then show it."""
        if not self.may_build(request):
            raise PermissionDenied
        form = BuildReportForm(request.POST or None, initial={"month": str(Month.current())})
        if request.method == "POST" and form.is_valid():
            report = report_build(month=form.cleaned_data["month"], actor=request.user)
            self.message_user(
                request,
                gettext("The report of %(month)s was built.") % {"month": report.month},
                messages.SUCCESS,
            )
            return redirect("admin:audit_monthlyreport_change", report.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Build the report now"),
            "form": form,
            "today": timezone.localdate(),
        }
        return TemplateResponse(request, "admin/audit/monthlyreport/build.html", context)

    def download_view(self, request, pk: int, kind: str):
        # Served through admin (permission-checked), never from a public media URL.
        if not self.has_view_permission(request) or kind not in (
            "xlsx",
            "csv",
            "chart",
            "city-summary",
        ):
            raise Http404
        report = MonthlyReport.objects.filter(pk=pk).first()
        if report is None:
            raise Http404
        if kind == "city-summary":
            if is_operator(request):
                raise PermissionDenied
            response = HttpResponse(city_summary_for_report(report), content_type=XLSX)
            response["Content-Disposition"] = (
                f"attachment; filename*=UTF-8''{city_summary_filename(report.month)}"
            )
            return response
        if not getattr(report, kind):
            raise Http404
        field_file = getattr(report, kind)
        suffix = "png" if kind == "chart" else kind
        return FileResponse(
            field_file.open("rb"),
            as_attachment=True,
            filename=report_filename(report.month, suffix),
        )
