"""A complaint about a health record, and its follow-up history.

The patient's ID number and the reporter's phone are sealed at rest
(``hub.protect``); the ID number also has a keyed digest for lookups (the
patient's own pages find their complaints by it). ``state`` moves only
through ``complaints.services`` (which consult ``complaints.lifecycle``), and
every move writes a ``ComplaintFollowUp``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.lifecycle import OPEN_STATES, State
from hub.protect import SealedTextField, mask_id, mask_phone

DESCRIPTION_MAX = 2000


class Source(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital (doctor on the patient's behalf)")
    FEED = "feed", _("Province feed")
    PATIENT = "patient", _("Patient")
    ADMIN = "admin", _("City back office")


class Category(models.TextChoices):
    """The parts of the province's record viewer (spec §2.4)."""

    BASIC = "basic", _("Basic information")
    VISIT = "visit", _("Visit records")
    LAB = "lab", _("Examination and lab reports")
    CHECKUP = "checkup", _("Health check-ups")
    BLOOD = "blood", _("Blood")
    VACCINATION = "vaccination", _("Vaccinations")


class TriageReason(models.TextChoices):
    NONE = "", _("Routed to a hospital")
    UNKNOWN_ORG = "unknown_org", _("Unknown orgCode")
    SUSPENDED = "suspended", _("Source hospital suspended")
    NOT_LIVE = "not_live", _("Source hospital not live")
    MANUAL = "manual", _("Sent to triage by the city")


class Complaint(models.Model):
    id = models.BigAutoField(primary_key=True)
    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    submitted_by_hospital = models.ForeignKey(
        "hospitals.Hospital",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_raised",
        verbose_name=_("raised by hospital"),
    )
    submitted_by_feed = models.ForeignKey(
        "complaints.FeedCredential",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("raised through feed"),
    )
    submitted_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    external_ref = models.CharField(_("external reference"), max_length=128, blank=True)
    org_code = models.CharField(_("source institution (orgCode)"), max_length=32)
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("routed to"),
    )
    triage_reason = models.CharField(
        _("triage reason"), max_length=16, choices=TriageReason.choices, blank=True
    )
    patient_idcard = SealedTextField(_("patient ID number"), purpose="complaint-patient-idcard")
    patient_digest = models.CharField(max_length=64, db_index=True, editable=False)
    patient_name = models.CharField(_("patient name"), max_length=100)
    category = models.CharField(_("record category"), max_length=16, choices=Category.choices)
    record_date = models.DateField(_("record date"))
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    reporter_name = models.CharField(_("raised by"), max_length=100, blank=True)
    reporter_phone = SealedTextField(
        _("reporter phone"), purpose="complaint-reporter-phone", null=True
    )
    callback_url = models.URLField(_("feed callback URL"), max_length=500, blank=True)

    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.RECEIVED
    )
    state_changed_at = models.DateTimeField(_("state since"), default=timezone.now)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    routed_at = models.DateTimeField(_("routed"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    acknowledge_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    on_hold_since = models.DateTimeField(_("on hold since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("time on hold (s)"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalation_reason = models.CharField(_("escalation reason"), max_length=32, blank=True)
    # Sticky: once a deadline was missed the complaint counts as overdue in reports.
    ack_breached = models.BooleanField(_("acknowledgement overdue"), default=False)
    resolve_breached = models.BooleanField(_("resolution overdue"), default=False)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        constraints = [
            # The same feed item (or HIS retry) twice is one complaint.
            models.UniqueConstraint(
                fields=["submitted_by_feed", "external_ref"],
                condition=Q(submitted_by_feed__isnull=False) & ~Q(external_ref=""),
                name="complaint_feed_ref_unique",
            ),
            models.UniqueConstraint(
                fields=["submitted_by_hospital", "external_ref"],
                condition=Q(submitted_by_hospital__isnull=False) & ~Q(external_ref=""),
                name="complaint_hospital_ref_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["hospital", "state"], name="complaint_hospital_state"),
            models.Index(fields=["state", "resolve_due_at"], name="complaint_state_due"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)[:8]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def in_triage(self) -> bool:
        return self.hospital_id is None and self.is_open

    @property
    def on_hold(self) -> bool:
        return self.on_hold_since is not None

    def is_overdue(self, now=None) -> bool:
        if not self.is_open or self.on_hold:
            return False
        now = now or timezone.now()
        if self.resolve_due_at and now > self.resolve_due_at:
            return True
        return bool(
            self.acknowledged_at is None
            and self.acknowledge_due_at
            and now > self.acknowledge_due_at
        )

    @property
    def patient_idcard_masked(self) -> str:
        return mask_id(self.patient_idcard)

    @property
    def reporter_phone_masked(self) -> str:
        return mask_phone(self.reporter_phone)


class FollowUpKind(models.TextChoices):
    TRANSITION = "transition", _("State change")
    COMMENT = "comment", _("Comment")
    HOLD = "hold", _("Put on hold")
    RELEASE = "release", _("Hold released")
    DELIVERY = "delivery", _("Delivery")
    NOTICE = "notice", _("Notification")


class ComplaintFollowUp(models.Model):
    """One thing that happened to a complaint: who, when, what, old -> new."""

    Kind = FollowUpKind

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("complaint")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FollowUpKind.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=State.choices, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_hospital = models.ForeignKey(
        "hospitals.Hospital",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hospital"),
    )
    actor_label = models.CharField(_("by"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        if self.kind == FollowUpKind.TRANSITION:
            return f"{self.from_state or '-'} -> {self.to_state}"
        return self.get_kind_display()
