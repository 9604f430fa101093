"""Back-office view of code challenges: read only, phone masked, no code material."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hub.admin_mixins import ReadOnlyAdminMixin
from identity.models import CodeChallenge


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
