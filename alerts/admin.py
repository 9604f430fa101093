"""The alert queue of the city's back office: open alerts first; acknowledge,
add a note, close, lift a phone block.

City administrators act (``change`` permission); city auditors read
(``view``); hospital operators do not see alerts at all (hospitals are what
the alerts watch). Every change goes through ``alerts.services`` (and its
operation-log row); nothing here saves an alert directly.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from alerts import selectors, services
from alerts.models import Alert, AlertState, PhoneBlock
from alerts.rules import ADVICE
from hub.admin_mixins import ReadOnlyAdminMixin
from hub.errors import HubError

ACKNOWLEDGE, CLOSE, LIFT_BLOCK = "acknowledge", "close", "lift_block"


class AlertForm(forms.ModelForm):
    """The change page's controls: a note, and what to do with the alert."""

    add_note = forms.CharField(
        label=_("add a note"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        required=False,
        help_text=_("What was asked, what was found. Do not write ID or phone numbers."),
    )
    then = forms.ChoiceField(
        label=_("then"),
        required=False,
        choices=[
            ("", "---------"),
            (ACKNOWLEDGE, _("Acknowledge")),
            (CLOSE, _("Close")),
            (LIFT_BLOCK, _("Lift the phone block")),
        ],
    )

    class Meta:
        model = Alert
        fields: list[str] = []


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("todo", _("Not closed")),
            ("open", _("Open")),
            ("blocking", _("Phone blocked")),
            ("closed", _("Closed")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "todo":
            return queryset.exclude(state=AlertState.CLOSED)
        if value == "open":
            return queryset.filter(state=AlertState.OPEN)
        if value == "blocking":
            return queryset.filter(
                phone_blocks__isnull=False, phone_blocks__lifted_at__isnull=True
            ).distinct()
        if value == "closed":
            return queryset.filter(state=AlertState.CLOSED)
        return queryset


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    form = AlertForm
    list_display = (
        "created_at",
        "rule",
        "severity",
        "state",
        "hospital",
        "subject",
        "phone_blocked",
        "acknowledged_by",
        "closed_at",
    )
    list_display_links = ("created_at", "rule")
    list_filter = (QueueFilter, "state", "rule", "severity", "day")
    list_select_related = ("hospital", "acknowledged_by")
    search_fields = ("subject", "hospital__org_code", "hospital__org_name")
    date_hierarchy = "created_at"
    actions = ["acknowledge", "close", "lift_block"]
    detail_fields = (
        "rule",
        "severity",
        "state",
        "hospital",
        "subject",
        "day",
        "created_at",
        "figures",
        "advice",
        "block_status",
        "notes_text",
        "acknowledged_at",
        "acknowledged_by",
        "closed_at",
        "closed_by",
    )

    # --- queue ------------------------------------------------------------------------
    def get_queryset(self, request):
        # Not super(): ModelAdmin orders by get_ordering() before the rank exists.
        queue = selectors.alert_queue(self.model._default_manager.all())
        return queue.prefetch_related("phone_blocks")

    def get_ordering(self, request):
        return ["queue_rank", "-created_at", "-id"]

    @admin.display(description=_("phone blocked"), boolean=True)
    def phone_blocked(self, obj: Alert):
        blocks = list(obj.phone_blocks.all())
        if not blocks:
            return None
        return any(block.lifted_at is None for block in blocks)

    # --- the page ---------------------------------------------------------------------
    @admin.display(description=_("figures"))
    def figures(self, obj: Alert):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{}</li>", ((line,) for line in services.figure_lines(obj.details))
            ),
        )

    @admin.display(description=_("what to do"))
    def advice(self, obj: Alert):
        return ADVICE.get(obj.rule, "")

    @admin.display(description=_("phone block"))
    def block_status(self, obj: Alert):
        block = obj.phone_blocks.order_by("-blocked_at").first()
        if block is None:
            return "-"
        if block.lifted_at is None:
            return _("%(phone)s blocked since %(time)s") % {
                "phone": block.phone_masked,
                "time": _local(block.blocked_at),
            }
        return _("%(phone)s blocked %(blocked)s, lifted %(lifted)s by %(user)s") % {
            "phone": block.phone_masked,
            "blocked": _local(block.blocked_at),
            "lifted": _local(block.lifted_at),
            "user": block.lifted_by.get_username() if block.lifted_by else "-",
        }

    @admin.display(description=_("notes"))
    def notes_text(self, obj: Alert):
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', obj.notes or "-")

    def get_fields(self, request, obj=None):
        fields = list(self.detail_fields)
        if obj is not None and self.has_change_permission(request, obj):
            fields += ["add_note", "then"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.detail_fields

    def has_add_permission(self, request):
        return False  # only the rules raise alerts

    def has_delete_permission(self, request, obj=None):
        return False  # alerts are records; close them

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        steps = []
        if data.get("add_note"):
            steps.append(
                lambda: services.alert_note_add(
                    alert=obj, text=data["add_note"], actor=request.user
                )
            )
        then = data.get("then")
        if then == ACKNOWLEDGE:
            steps.append(lambda: services.alert_acknowledge(alert=obj, actor=request.user))
        elif then == CLOSE:
            steps.append(lambda: services.alert_close(alert=obj, actor=request.user))
        elif then == LIFT_BLOCK:
            steps.append(lambda: services.phone_block_lift(alert=obj, actor=request.user))
        for step in steps:
            try:
                step()
            except HubError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    # --- bulk actions -----------------------------------------------------------------
    def _each(self, request, queryset, func) -> None:
        done, refused = 0, []
        for alert in queryset:
            try:
                func(alert=alert, actor=request.user)
            except HubError as exc:
                refused.append(f"#{alert.pk}: {exc.message}")
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d alert updated.", "%(n)d alerts updated.", done) % {"n": done},
                messages.SUCCESS,
            )
        for line in refused[:20]:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Acknowledge"), permissions=["change"])
    def acknowledge(self, request, queryset):
        self._each(request, queryset, services.alert_acknowledge)

    @admin.action(description=_("Close"), permissions=["change"])
    def close(self, request, queryset):
        self._each(request, queryset, services.alert_close)

    @admin.action(description=_("Lift the phone block"), permissions=["change"])
    def lift_block(self, request, queryset):
        self._each(request, queryset, services.phone_block_lift)


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


@admin.register(PhoneBlock)
class PhoneBlockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Blocked phones, masked; a block is lifted on its alert."""

    list_display = ("phone_masked", "alert", "blocked_at", "lifted_at", "lifted_by")
    list_filter = ("lifted_at",)
    list_select_related = ("alert", "lifted_by")
    fields = ("phone_masked", "alert", "blocked_at", "lifted_at", "lifted_by")
    readonly_fields = fields
