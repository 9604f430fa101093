"""Admin for deliveries (the outbox), feed credentials and hospital e-mail contacts."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    DeliveryState,
    DispatchOutbox,
    FeedCredential,
    HospitalComplaintContact,
)
from complaints.services._outbox import publish
from complaints.services.feeds import feed_credential_issue, feed_credential_rotate
from hospitals.admin_scope import HospitalScopedAdminMixin, is_operator, scope_queryset
from hub.admin_mixins import ReadOnlyAdminMixin


@admin.register(DispatchOutbox)
class DispatchOutboxAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "complaint",
        "authorization",
        "channel",
        "hospital",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    ]
    list_filter = ["state", "channel"]
    search_fields = ["complaint__public_id", "key"]
    readonly_fields = [f.name for f in DispatchOutbox._meta.fields] + ["key"]
    actions = ["retry_now"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("complaint", "hospital", "authorization")
        return scope_queryset(request, qs, "complaint__hospital")

    @admin.action(description=_("Deliver again now (failed or pending rows)"))
    def retry_now(self, request, queryset):
        rows = queryset.filter(state__in=[DeliveryState.FAILED, DeliveryState.PENDING])
        ids = list(rows.values_list("pk", flat=True))
        rows.update(
            state=DeliveryState.PENDING, next_attempt_at=timezone.now(), attempts=0, claimed_at=None
        )
        publish(ids)
        self.message_user(request, _("%(n)s deliveries queued.") % {"n": len(ids)})

    def get_actions(self, request):
        actions = super().get_actions(request)
        if is_operator(request):
            actions.pop("retry_now", None)
        return actions


@admin.register(FeedCredential)
class FeedCredentialAdmin(admin.ModelAdmin):
    list_display = ["name", "paasid", "is_enabled", "callback_url_prefix", "created_at"]
    fields = ["name", "paasid", "is_enabled", "callback_url_prefix", "paastoken_masked"]
    readonly_fields = ["paastoken_masked"]
    actions = ["rotate"]

    def has_view_permission(self, request, obj=None):
        return not is_operator(request) and super().has_view_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ["paastoken_masked"] + (["paasid"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        feed, token, key = feed_credential_issue(
            actor=request.user,
            name=obj.name,
            paasid=obj.paasid,
            callback_url_prefix=obj.callback_url_prefix,
        )
        obj.pk = feed.pk
        self._show_once(request, feed, token, key)

    def _show_once(self, request, feed, token, key):
        self.message_user(
            request,
            _(
                "Hand these to the feed operator now; they are not shown again: "
                "paasid %(paasid)s, paastoken %(token)s, SM4 key %(key)s"
            )
            % {"paasid": feed.paasid, "token": token, "key": key},
            messages.WARNING,
        )

    @admin.action(description=_("Rotate paastoken and SM4 key"))
    def rotate(self, request, queryset):
        for feed in queryset:
            token, key = feed_credential_rotate(actor=request.user, feed=feed)
            self._show_once(request, feed, token, key)


@admin.register(HospitalComplaintContact)
class HospitalComplaintContactAdmin(HospitalScopedAdminMixin, admin.ModelAdmin):
    list_display = ["hospital", "email", "is_enabled"]
    list_filter = ["is_enabled"]
    search_fields = ["hospital__org_code", "hospital__org_name", "email"]
