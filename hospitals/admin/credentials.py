"""Admin for secrets: hub credentials (read-only, masked) and province accounts
(secrets write-only)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hospitals.admin.display import paastoken_masked, sm4_key_masked
from hospitals.admin.forms import ProvinceAccountForm
from hospitals.admin_scope import is_operator
from hospitals.models import HubCredential, ProvinceAccount
from hospitals.services import province_account_rotate, province_account_save


@admin.register(HubCredential)
class HubCredentialAdmin(admin.ModelAdmin):
    """Issued from the hospital's page ("Issue / rotate hub credentials"),
    per connected system."""

    list_display = [
        "paasid",
        "hospital",
        "system",
        "app_id",
        paastoken_masked,
        sm4_key_masked,
        "created_at",
        "valid_until",
    ]
    list_filter = ["valid_until"]
    list_select_related = ["hospital", "system"]
    search_fields = [
        "paasid",
        "hospital__org_code",
        "hospital__org_name",
        "system__name",
        "=system__app_id",
    ]
    fields = [
        "paasid",
        "hospital",
        "system",
        "app_id",
        paastoken_masked,
        sm4_key_masked,
        "created_at",
        "created_by",
        "valid_until",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return not is_operator(request) and super().has_view_permission(request, obj)

    @admin.display(description=_("hub appId"))
    def app_id(self, obj: HubCredential) -> str:
        return (obj.system.app_id or "—") if obj.system_id else "—"


@admin.register(ProvinceAccount)
class ProvinceAccountAdmin(admin.ModelAdmin):
    form = ProvinceAccountForm
    list_display = [
        "name",
        "paasid",
        "app_id",
        "call_sys_code",
        "is_city_default",
        "secrets_rotated_at",
    ]
    readonly_fields = [paastoken_masked, sm4_key_masked, "secrets_rotated_at"]
    fields = [
        "name",
        "paasid",
        "app_id",
        "call_sys_code",
        "is_city_default",
        paastoken_masked,
        "new_paastoken",
        sm4_key_masked,
        "new_sm4_key",
        "secrets_rotated_at",
    ]

    def has_view_permission(self, request, obj=None):
        return not is_operator(request) and super().has_view_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = province_account_save(
                actor=request.user,
                name=data["name"],
                paasid=data["paasid"],
                paastoken=data["new_paastoken"],
                sm4_key=data["new_sm4_key"],
                app_id=data["app_id"],
                call_sys_code=data["call_sys_code"],
                is_city_default=data["is_city_default"],
            )
            obj.pk = saved.pk
            obj._state.adding = False
            return
        current = ProvinceAccount.objects.get(pk=obj.pk)
        province_account_save(
            actor=request.user,
            account=current,
            name=data["name"],
            paasid=data["paasid"],
            paastoken=current.paastoken,
            sm4_key=current.sm4_key,
            app_id=data["app_id"],
            call_sys_code=data["call_sys_code"],
            is_city_default=data["is_city_default"],
        )
        if data.get("new_paastoken") or data.get("new_sm4_key"):
            province_account_rotate(
                actor=request.user,
                account=current,
                paastoken=data.get("new_paastoken") or None,
                sm4_key=data.get("new_sm4_key") or None,
            )
