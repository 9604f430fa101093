"""Admin for the registry: hospitals, their systems (``hospitals.admin.systems``)
and onboarding history, plus the stage, credential and report actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hospitals.admin.display import contact_phone_masked
from hospitals.admin.forms import HospitalForm, StageForm
from hospitals.admin.systems import IntegratedSystemInline, credentials_page, systems_formset_save
from hospitals.admin_scope import HospitalScopedAdminMixin, is_operator
from hospitals.models import Hospital, IntegratedSystem, StageChange
from hospitals.report import operation_report_filename, operation_report_xlsx
from hospitals.services import (
    hospital_advance_stage,
    hospital_create,
    hospital_reactivate,
    hospital_set_province_account,
    hospital_suspend,
    hospital_update,
)
from hospitals.services.registry import EDITABLE_FIELDS
from hub.errors import HubError


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    fields = ["created_at", "from_stage", "to_stage", "actor", "note", "evidence"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Hospital)
class HospitalAdmin(HospitalScopedAdminMixin, admin.ModelAdmin):
    hospital_field = "pk"
    form = HospitalForm
    list_display = ["org_code", "org_name", "district", "level", "status", "stage", "relay"]
    list_filter = ["status", "stage", "level", "district"]
    search_fields = ["org_code", "org_name", "uscc"]
    readonly_fields = [contact_phone_masked, "status", "stage", "went_live_on", "tools"]
    inlines = [IntegratedSystemInline, StageChangeInline]
    actions = ["suspend_selected", "reactivate_selected"]
    fieldsets = [
        (None, {"fields": ["org_code", "org_name", "uscc", "level", "district"]}),
        (_("Contact"), {"fields": ["contact_name", contact_phone_masked, "new_contact_phone"]}),
        (
            _("Onboarding"),
            {"fields": ["status", "stage", "went_live_on", "tools"]},
        ),
        (
            _("Calls"),
            {
                "fields": [
                    "callback_url",
                    "ip_allowlist",
                    "throttle_rate",
                    "mode1_daily_cap",
                    "consent_at",
                    "province_account",
                ]
            },
        ),
        (
            _("Operation report"),
            {"fields": ["authorization_integration", "viewing_integration"]},
        ),
    ]

    @admin.display(boolean=True, description=_("may relay"))
    def relay(self, obj: Hospital) -> bool:
        return obj.may_relay

    @admin.display(description=_("actions"))
    def tools(self, obj: Hospital) -> str:
        if not obj.pk:
            return ""
        links = [
            (
                reverse("admin:hospitals_hospital_stage", args=[obj.pk]),
                _("Change onboarding stage"),
            ),
            (
                reverse("admin:hospitals_jointtestrecording_hospital", args=[obj.pk]),
                _("Joint test with the province"),
            ),
            (
                reverse("admin:hospitals_hospital_rotate", args=[obj.pk]),
                _("Issue / rotate hub credentials"),
            ),
            (
                reverse("admin:hospitals_hospital_report", args=[obj.pk]),
                _("Export operation report"),
            ),
        ]
        return format_html(
            " | ".join(['<a href="{}">{}</a>'] * len(links)),
            *[item for link in links for item in link],
        )

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/stage/",
                self.admin_site.admin_view(self.stage_view),
                name="hospitals_hospital_stage",
            ),
            path(
                "<int:pk>/credentials/",
                self.admin_site.admin_view(self.rotate_view),
                name="hospitals_hospital_rotate",
            ),
            path(
                "<int:pk>/report.xlsx",
                self.admin_site.admin_view(self.report_view),
                name="hospitals_hospital_report",
            ),
        ]
        return urls + super().get_urls()

    # --- saving through the services (validation + operation log) ------------

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        phone = data.get("new_contact_phone") or None
        if not change:
            fields = {f: data[f] for f in EDITABLE_FIELDS if f in data and f != "org_name"}
            if phone:
                fields["contact_phone"] = phone
            created = hospital_create(
                actor=request.user, org_code=data["org_code"], org_name=data["org_name"], **fields
            )
            obj.pk = created.pk
            obj._state.adding = False
            if data.get("province_account"):
                hospital_set_province_account(
                    actor=request.user, hospital=created, account=data["province_account"]
                )
            return
        changed = {f: data[f] for f in form.changed_data if f in EDITABLE_FIELDS}
        if phone:
            changed["contact_phone"] = phone
        if changed:
            hospital_update(actor=request.user, hospital=obj, **changed)
        if "province_account" in form.changed_data:
            hospital_set_province_account(
                actor=request.user, hospital=obj, account=data.get("province_account")
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is IntegratedSystem:
            systems_formset_save(request, formset)  # validated, operation-logged
            return
        super().save_formset(request, form, formset, change)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("org_code")  # the province's key for the hospital
        return fields

    # --- actions ----------------------------------------------------------------

    def _require_city_admin(self, request, obj=None) -> None:
        if is_operator(request) or not self.has_change_permission(request, obj):
            raise PermissionDenied

    @admin.action(description=_("Suspend the selected hospitals"))
    def suspend_selected(self, request, queryset):
        self._require_city_admin(request)
        for hospital in queryset:
            hospital_suspend(actor=request.user, hospital=hospital, note="admin action")
        self.message_user(request, _("Suspended %(n)d hospitals.") % {"n": queryset.count()})

    @admin.action(description=_("Reactivate the selected hospitals"))
    def reactivate_selected(self, request, queryset):
        self._require_city_admin(request)
        for hospital in queryset:
            hospital_reactivate(actor=request.user, hospital=hospital, note="admin action")
        self.message_user(request, _("Reactivated %(n)d hospitals.") % {"n": queryset.count()})

    def stage_view(self, request, pk: int):
        hospital = get_object_or_404(self.get_queryset(request), pk=pk)
        self._require_city_admin(request, hospital)
        form = StageForm(request.POST or None, request.FILES or None, hospital=hospital)
        if request.method == "POST" and form.is_valid():
            try:
                hospital_advance_stage(
                    hospital=hospital,
                    to_stage=form.cleaned_data["to_stage"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    evidence=form.cleaned_data.get("evidence"),
                )
            except HubError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("Stage changed."), messages.SUCCESS)
                return redirect("admin:hospitals_hospital_change", hospital.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": hospital,
            "title": _("Change onboarding stage"),
            "form": form,
        }
        return TemplateResponse(request, "admin/hospitals/stage_form.html", context)

    def rotate_view(self, request, pk: int):
        hospital = get_object_or_404(self.get_queryset(request), pk=pk)
        self._require_city_admin(request, hospital)
        return credentials_page(self, request, hospital)

    def report_view(self, request, pk: int):
        hospital = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, hospital):
            raise PermissionDenied
        response = HttpResponse(
            operation_report_xlsx(hospital),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{operation_report_filename(hospital)}"
        )
        return response
