"""Back office of patient verification, read only, every number masked:
code challenges (no code material) and phones of record; plus the import of
phones of record from the city's resident registry (upload, then a job page
with a progress bar polled from a static script)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from hub.admin_mixins import ReadOnlyAdminMixin
from identity.models import CodeChallenge, PatientPhone, PhoneImportJob
from identity.phone_import import MAX_BYTES, ImportFileError, phone_import_job_create

#: Who may import: the city administrators (every permission); never an
#: auditor (view only) or a hospital operator.
IMPORT_PERMISSION = "identity.add_phoneimportjob"
JOB_VIEW_PERMISSIONS = ("identity.view_phoneimportjob", IMPORT_PERMISSION)


@admin.register(CodeChallenge)
class CodeChallengeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "reference",
        "channel",
        "state",
        "masked_phone_display",
        "created_at",
        "expires_at",
        "failures_display",
        "backend",
    )
    list_filter = ("channel", "state", "backend")
    search_fields = ("reference",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    # The sealed phone, the salt and the MAC never appear on the page.
    fields = (
        "reference",
        "channel",
        "state",
        "masked_phone_display",
        "created_at",
        "expires_at",
        "used_at",
        "failures_display",
        "last_generated_timestamp",
        "backend",
        "provider_message_id",
    )
    readonly_fields = fields

    @admin.display(description=_("phone number"))
    def masked_phone_display(self, obj: CodeChallenge) -> str:
        return obj.masked_phone

    @admin.display(description=_("wrong codes"))
    def failures_display(self, obj: CodeChallenge) -> int:
        return obj.throttling_failure_count


class PhoneImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 text, the header row cardType,idcard,phone, then one patient a line."),
    )


@admin.register(PatientPhone)
class PatientPhoneAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "masked_idcard_display",
        "masked_phone_display",
        "card_type",
        "source",
        "evidence",
        "recorded_at",
    )
    list_filter = ("source",)
    # No search box: ID and phone numbers are sealed and cannot be searched.
    ordering = ("-recorded_at",)
    # Only masked values: the sealed fields and digests never reach the page.
    fields = list_display
    readonly_fields = fields

    @admin.display(description=_("ID number"))
    def masked_idcard_display(self, obj: PatientPhone) -> str:
        return obj.masked_idcard

    @admin.display(description=_("phone number"))
    def masked_phone_display(self, obj: PatientPhone) -> str:
        return obj.masked_phone

    def changelist_view(self, request, extra_context=None):
        extra = {"may_import": request.user.has_perm(IMPORT_PERMISSION), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="identity_patientphone_import"),
            path("import/<int:pk>/", wrap(self.job_view), name="identity_phoneimportjob_progress"),
            path(
                "import/<int:pk>/status/",
                wrap(self.job_status_view),
                name="identity_phoneimportjob_status",
            ),
        ] + super().get_urls()

    def _context(self, request, title, **more) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **more,
        }

    def import_view(self, request):
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied
        form = PhoneImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            # One byte past the limit is enough for the service to refuse it.
            data = form.cleaned_data["file"].read(MAX_BYTES + 1)
            try:
                job = phone_import_job_create(data=data, actor=request.user)
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("admin:identity_phoneimportjob_progress", job.pk)
        context = self._context(request, _("Import phones of record"), form=form)
        return TemplateResponse(request, "admin/identity/patientphone/import.html", context)

    def _job(self, request, pk: int) -> PhoneImportJob:
        if not any(request.user.has_perm(p) for p in JOB_VIEW_PERMISSIONS):
            raise PermissionDenied
        # Never load the uploaded file (large, and personal data) to show a job.
        jobs = PhoneImportJob.objects.defer("upload").select_related("uploaded_by")
        return get_object_or_404(jobs, pk=pk)

    def job_view(self, request, pk: int):
        job = self._job(request, pk)
        report = job.report or {}
        refused_lines = report.get("refused_lines", [])
        context = self._context(
            request,
            _("Phone import #%(id)d") % {"id": job.pk},
            job=job,
            report=report,
            refused_lines=refused_lines,
            refused_cut=len(refused_lines) < report.get("refused", 0),
            may_import=request.user.has_perm(IMPORT_PERMISSION),
        )
        return TemplateResponse(request, "admin/identity/patientphone/import_job.html", context)

    def job_status_view(self, request, pk: int):
        job = self._job(request, pk)
        report = job.report or {}
        return JsonResponse(
            {
                "id": job.pk,
                "state": job.state,
                "state_display": job.get_state_display(),
                "finished": job.finished,
                "total_lines": job.total_lines,
                "done_lines": job.done_lines,
                **{k: report.get(k) for k in ("taken", "changed", "unchanged", "refused")},
                "error": job.error,
            }
        )


@admin.register(PhoneImportJob)
class PhoneImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The imports made so far; each opens on its job page."""

    list_display = (
        "__str__",
        "state",
        "uploaded_by",
        "created_at",
        "finished_at",
        "done_lines",
        "total_lines",
        "counts_display",
    )
    list_filter = ("state",)
    ordering = ("-created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("upload").select_related("uploaded_by")

    @admin.display(description=_("taken / changed / unchanged / refused"))
    def counts_display(self, obj: PhoneImportJob) -> str:
        report = obj.report or {}
        if not report:
            return "—"
        keys = ("taken", "changed", "unchanged", "refused")
        return " / ".join(str(report.get(k, 0)) for k in keys)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        return redirect("admin:identity_phoneimportjob_progress", int(object_id))
