"""Security alerts the city acts on, and the phones they block.

An :class:`Alert` is one condition a rule (``alerts.rules``) found: which
rule, how serious, which hospital, a masked subject (a masked phone, an org
code and staff number; never an ID or phone number in clear) and the figures
that tripped it. ``dedup_key`` (rule, day, scope) makes the same condition on
the same day one alert, however often the rules are evaluated. The city's
officers work the queue: acknowledge, add notes, close.

A :class:`PhoneBlock` is the blocking rule's effect: SMS codes are no longer
sent to that phone (``hub.phone_blocks``, asked by the relay) until an
officer lifts the block.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    PHONE_MANY_PATIENTS = "phone_many_patients", _("one phone, codes for many patients")
    STAFF_MANY_PATIENTS = "staff_many_patients", _("one staff number, many patients")
    MODE1_GRANTS_SPIKE = "mode1_grants_spike", _("online-appointment grants far above usual")
    FAILED_VERIFICATIONS_SPIKE = (
        "failed_verifications_spike",
        _("failed verifications far above usual"),
    )
    NIGHT_BULK_VIEWS = "night_bulk_views", _("bulk record views at night")
    PATIENT_BLOCKED = "patient_blocked", _("a patient's codes guessed across hospitals")


class Severity(models.TextChoices):
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class AlertState(models.TextChoices):
    OPEN = "open", _("open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    CLOSED = "closed", _("closed")


class Alert(models.Model):
    rule = models.CharField(_("rule"), max_length=40, choices=Rule.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        verbose_name=_("hospital"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Masked or digested only: "138****8000", "455404482 / staff doc001".
    subject = models.CharField(_("subject"), max_length=200)
    # The figures that tripped the rule (counts, baseline, threshold, window):
    # no personal data.
    details = models.JSONField(_("figures"), default=dict, blank=True)
    day = models.DateField(_("day"))
    dedup_key = models.CharField(max_length=200, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=16, choices=AlertState.choices, default=AlertState.OPEN
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("security alert")
        verbose_name_plural = _("security alerts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="alerts_queue"),
            models.Index(fields=["hospital", "-created_at"], name="alerts_hospital"),
        ]

    def __str__(self) -> str:
        # Operation-log rows show this: no personal data.
        return f"Alert #{self.pk} ({self.rule}, {self.state})"

    def snapshot(self) -> dict:
        """What the operation log may hold."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "state": self.state,
            "hospital_id": self.hospital_id,
            "day": self.day.isoformat() if self.day else None,
        }


class PhoneBlock(models.Model):
    """SMS codes are not sent to this phone while the block is active
    (``lifted_at`` empty). One active block per phone."""

    phone_digest = models.CharField(max_length=64, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=16, blank=True, default="")
    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.PROTECT, related_name="phone_blocks"
    )
    blocked_at = models.DateTimeField(_("blocked at"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("blocked phone")
        verbose_name_plural = _("blocked phones")
        ordering = ["-blocked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone_digest"],
                condition=Q(lifted_at__isnull=True),
                name="alerts_one_active_block_per_phone",
            )
        ]
        indexes = [models.Index(fields=["phone_digest", "-blocked_at"], name="alerts_block_phone")]

    def __str__(self) -> str:
        return f"Phone block #{self.pk} ({self.phone_masked})"

    @property
    def active(self) -> bool:
        return self.lifted_at is None
