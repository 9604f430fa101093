"""The complaint queue: by hospital and state, overdue first; follow-ups
inline; bulk actions; the change page's comment / resolve / reassign controls.

Hospital operators see only their own hospital's complaints
(``HospitalScopedAdminMixin``) and get only the actions a hospital may take.
Every change goes through ``complaints.services`` (lifecycle table, follow-up
and operation-log row); nothing here saves a complaint directly.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from complaints import selectors, services
from complaints.admin.forms import ComplaintChangeForm, ComplaintEntryForm, ReassignForm
from complaints.models import Complaint, ComplaintFollowUp, DispatchOutbox
from hospitals.admin_scope import HospitalScopedAdminMixin, is_operator, scope_queryset
from hub.admin_mixins import ReadOnlyAdminMixin
from hub.errors import HubError

CITY_ONLY_ACTIONS = ("reassign", "send_to_triage", "close", "reopen", "escalate", "hold", "release")


class FollowUpInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ComplaintFollowUp
    fields = ["created_at", "kind", "from_state", "to_state", "actor_label", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DispatchOutbox
    fields = ["channel", "state", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("triage", _("City triage")),
            ("hold", _("On hold")),
            ("open", _("Open")),
        ]

    def queryset(self, request, queryset):
        from complaints.lifecycle import OPEN_STATES

        value = self.value()
        if value == "overdue":
            return queryset.filter(overdue=True)
        if value == "triage":
            return queryset.filter(hospital__isnull=True, state__in=OPEN_STATES)
        if value == "hold":
            return queryset.filter(on_hold_since__isnull=False)
        if value == "open":
            return queryset.filter(state__in=OPEN_STATES)
        return queryset


@admin.register(Complaint)
class ComplaintAdmin(HospitalScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "short_id",
        "state",
        "overdue_flag",
        "hospital",
        "triage_reason",
        "category",
        "received_at",
        "acknowledge_due_at",
        "resolve_due_at",
        "on_hold_since",
    ]
    list_filter = [QueueFilter, "state", "hospital", "category", "source", "triage_reason"]
    search_fields = ["org_code", "external_ref", "patient_name"]
    list_select_related = ["hospital"]
    inlines = [FollowUpInline, DeliveryInline]
    actions = [
        "acknowledge",
        "reassign",
        "send_to_triage",
        "hold",
        "release",
        "escalate",
        "close",
        "reopen",
    ]
    detail_fields = [
        "public_id",
        "state",
        "source",
        "submitted_by_hospital",
        "submitted_by_feed",
        "external_ref",
        "org_code",
        "hospital",
        "triage_reason",
        "patient_name",
        "patient_idcard_masked",
        "category",
        "record_date",
        "description",
        "reporter_name",
        "reporter_phone_masked",
        "received_at",
        "acknowledge_due_at",
        "resolve_due_at",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "resolution",
        "on_hold_since",
        "paused_seconds",
        "escalated_at",
        "escalation_reason",
        "ack_breached",
        "resolve_breached",
    ]

    # --- queue ------------------------------------------------------------------
    def get_queryset(self, request):
        # Not super(): ModelAdmin orders before we could annotate ``overdue``.
        qs = selectors.with_overdue(Complaint.objects.select_related("hospital"))
        return scope_queryset(request, qs, self.hospital_field).order_by(
            *self.get_ordering(request)
        )

    def get_ordering(self, request):
        return ["-overdue", "resolve_due_at", "-received_at"]

    @admin.display(description=_("id"))
    def short_id(self, obj):
        return str(obj.public_id)[:8]

    @admin.display(description=_("overdue"), boolean=True, ordering="overdue")
    def overdue_flag(self, obj):
        return bool(getattr(obj, "overdue", obj.is_overdue()))

    @admin.display(description=_("patient ID number"))
    def patient_idcard_masked(self, obj):
        return obj.patient_idcard_masked

    @admin.display(description=_("reporter phone"))
    def reporter_phone_masked(self, obj):
        return obj.reporter_phone_masked

    # --- forms ------------------------------------------------------------------
    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ComplaintEntryForm if obj is None else ComplaintChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(ComplaintEntryForm.Meta.fields) + [
                "entry_patient_idcard",
                "entry_reporter_phone",
            ]
        controls = ["add_comment", "resolve_with"]
        if not is_operator(request):
            controls += ["reassign_to", "send_to_triage"]
        return self.detail_fields + controls

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.detail_fields

    def has_delete_permission(self, request, obj=None):
        return False  # complaints are records; close them instead

    def has_add_permission(self, request):
        return not is_operator(request) and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        if not change:
            complaint, _created = services.complaint_submit(
                actor=request.user, source="admin", data=form.complaint_input()
            )
            obj.pk = complaint.pk
            obj.public_id = complaint.public_id
            return
        data = form.cleaned_data
        steps = []
        if data.get("add_comment"):
            steps.append(
                lambda: services.complaint_comment(
                    actor=request.user, complaint=obj, note=data["add_comment"]
                )
            )
        if data.get("reassign_to") or data.get("send_to_triage"):
            steps.append(
                lambda: services.complaint_reassign(
                    actor=request.user, complaint=obj, hospital=data.get("reassign_to")
                )
            )
        if data.get("resolve_with"):
            steps.append(
                lambda: services.complaint_resolve(
                    actor=request.user, complaint=obj, resolution=data["resolve_with"]
                )
            )
        for step in steps:
            try:
                step()
            except HubError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    def save_related(self, request, form, formsets, change):
        # Inlines are read-only history: save nothing, report no change.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    # --- bulk actions -----------------------------------------------------------
    def get_actions(self, request):
        actions = super().get_actions(request)
        if is_operator(request):
            for name in CITY_ONLY_ACTIONS:
                actions.pop(name, None)
        return actions

    def _each(self, request, queryset, func, **kwargs):
        done, refused = 0, []
        for complaint in queryset:
            try:
                func(actor=request.user, complaint=complaint, **kwargs)
                done += 1
            except HubError as exc:
                refused.append(f"{str(complaint.public_id)[:8]}: {exc.message}")
        if done:
            self.message_user(request, _("%(n)s complaints updated.") % {"n": done})
        for line in refused[:20]:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Acknowledge"))
    def acknowledge(self, request, queryset):
        self._each(request, queryset, services.complaint_acknowledge)

    @admin.action(description=_("Put on hold (pause the deadlines)"))
    def hold(self, request, queryset):
        self._each(request, queryset, services.complaint_hold)

    @admin.action(description=_("Release the hold"))
    def release(self, request, queryset):
        self._each(request, queryset, services.complaint_release)

    @admin.action(description=_("Escalate to the city"))
    def escalate(self, request, queryset):
        self._each(request, queryset, services.complaint_escalate, reason="manual")

    @admin.action(description=_("Close"))
    def close(self, request, queryset):
        self._each(request, queryset, services.complaint_close)

    @admin.action(description=_("Reopen"))
    def reopen(self, request, queryset):
        self._each(request, queryset, services.complaint_reopen)

    @admin.action(description=_("Send to the city triage queue"))
    def send_to_triage(self, request, queryset):
        self._each(request, queryset, services.complaint_reassign, hospital=None)

    @admin.action(description=_("Reassign to a hospital…"))
    def reassign(self, request, queryset):
        if "apply" in request.POST:
            form = ReassignForm(request.POST)
            if form.is_valid():
                self._each(
                    request,
                    queryset,
                    services.complaint_reassign,
                    hospital=form.cleaned_data["hospital"],
                    note=form.cleaned_data["note"],
                )
                return None
        else:
            form = ReassignForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reassign complaints"),
            "form": form,
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/reassign.html", context)
