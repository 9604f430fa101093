"""Back office for the consent records.

Read-only: consents change only through their services (the hospital's API,
the patient's pages, the tasks). City administrators may revoke (relayed to
the province with status "0", as everywhere else). Hospital operators see
only their own hospital's consents; ID numbers, names and phones are masked.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hospitals.admin_scope import HospitalScopedAdminMixin
from hub.admin_mixins import ReadOnlyAdminMixin
from hub.errors import HubError
from relay.endings import authorization_revoke
from relay.models import Authorization, State
from relay.services import authorization_review_decide


@admin.register(Authorization)
class AuthorizationAdmin(HospitalScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "hospital",
        "method",
        "state",
        "masked_patient",
        "staff_no",
        "granted_at",
        "valid_until",
        "sync_state",
        "phone_check",
        "province_target",
    )
    list_filter = (
        "state",
        "method",
        "province_target",
        "held_for_review",
        "phone_check",
        "sync_state",
        "hospital__district",
    )
    list_select_related = ("hospital", "system")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "hospital",
        "system",
        "province_target",
        "method",
        "state",
        "masked_patient",
        "masked_name",
        "card_type",
        "masked_phone",
        "phone_check",
        "code_sent_to",
        "staff_no",
        "staff_name",
        "auth_days",
        "created_at",
        "granted_at",
        "valid_until",
        "ended_at",
        "held_for_review",
        "sync_state",
        "sync_attempts",
        "sync_reason",
        "sync_next_at",
        "synced_at",
    )
    readonly_fields = fields
    actions = ["revoke_selected", "approve_held", "refuse_held"]

    @admin.display(description=_("patient ID"))
    def masked_patient(self, obj: Authorization) -> str:
        return obj.patient_idcard_masked

    @admin.display(description=_("patient name"))
    def masked_name(self, obj: Authorization) -> str:
        return obj.patient_name_masked

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Authorization) -> str:
        return obj.phone_masked

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("relay.change_authorization"):
            for name in ("revoke_selected", "approve_held", "refuse_held"):
                actions.pop(name, None)
        return actions

    def _decide_held(self, request, queryset, *, approve: bool) -> None:
        done = 0
        for auth in queryset.filter(held_for_review=True, state=State.PENDING):
            try:
                authorization_review_decide(authorization=auth, approve=approve, actor=request.user)
            except HubError as exc:
                self.message_user(request, f"#{auth.pk}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(n)d consent decided.", "%(n)d consents decided.", done) % {"n": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Approve the selected mode-1 consents held for review"))
    def approve_held(self, request, queryset):
        self._decide_held(request, queryset, approve=True)

    @admin.action(description=_("Refuse the selected mode-1 consents held for review"))
    def refuse_held(self, request, queryset):
        self._decide_held(request, queryset, approve=False)

    @admin.action(description=_("Revoke the selected consents (relayed to the province)"))
    def revoke_selected(self, request, queryset):
        revoked = 0
        for auth in queryset.filter(state__in=[State.GRANTED, State.PENDING]):
            try:
                authorization_revoke(authorization=auth, actor=request.user)
            except HubError as exc:
                self.message_user(request, f"#{auth.pk}: {exc.message}", messages.ERROR)
            else:
                revoked += 1
        self.message_user(
            request,
            ngettext("%(n)d consent revoked.", "%(n)d consents revoked.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )
