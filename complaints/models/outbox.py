"""The dispatch outbox: one row per message owed to someone outside.

A row is written in the same transaction as the change that owes it (intake,
resolution...), so a committed complaint always has its deliveries on record
even when the broker is down. ``complaints.tasks.dispatch_complaint`` claims a
row with a conditional UPDATE, sends it, and records the outcome; the sweeper
re-enqueues rows that are due but were never picked up. ``key`` is sent as the
``Idempotency-Key`` header: a receiver that sees it twice ignores the repeat.

Message bodies are built at send time from the complaint (and the target's
current credentials), so no ID number is ever stored here.

The same outbox carries the relay's consent events (channel
``consent_callback``: a patient revoked or refused, ``complaints.consent_callbacks``):
such a row has no complaint but an ``authorization`` and a ``payload`` (the
event's state, who ended it and when; no personal data).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    HOSPITAL_CALLBACK = "hospital_callback", _("Hospital callback URL")
    HOSPITAL_EMAIL = "hospital_email", _("Hospital e-mail")
    FEED_CALLBACK = "feed_callback", _("Feed callback URL")
    RAISER_CALLBACK = "raiser_callback", _("Raising hospital's callback URL")
    PATIENT_SMS = "patient_sms", _("SMS to the reporter")
    CONSENT_CALLBACK = "consent_callback", _("Consent event to the hospital's callback URL")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class DispatchOutbox(models.Model):
    id = models.BigAutoField(primary_key=True)
    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("complaint"),
    )
    # A consent event's row (channel consent_callback) instead of a complaint.
    authorization = models.ForeignKey(
        "relay.Authorization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("authorization"),
    )
    payload = models.JSONField(_("event"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("hospital"),
    )
    target = models.CharField(_("target"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"
