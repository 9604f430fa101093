"""The consent record: one patient's authorization for one hospital.

Personal data is sealed (SM4-GCM under ``HUB_MASTER_KEY``, ``hub.protect``):
the ID number, the patient's name and the phone number. The ID number and the
phone number also get a keyed digest (``hub.protect.digest``) so the view
relay finds a consent with one indexed query and never decrypts anything.

Life cycle (the only legal moves are in ``TRANSITIONS``)::

    pending --verify--> granted --revoke--> revoked
       |                   `----expire---> expired
       +--five failures--> locked
       +--patient says no-> refused
       +--cancel----------> revoked
       `--not verified in time--> expired

The province's copy is tracked beside the state: ``sync_state`` (``none``
until there is something to send, then ``pending`` -> ``synced`` | ``failed``),
``sync_status`` (``"1"`` grant / ``"0"`` revoke: what the next send carries)
and ``sync_version`` (bumped whenever the status to send changes, so a send
that was in flight for an older status cannot mark the newer one synced).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.protect import SealedTextField, mask_id, mask_phone


class Method(models.TextChoices):
    APPOINTMENT = "appointment", _("online appointment")
    SMS = "sms", _("SMS code")
    AUTHCODE = "authcode", _("authorization code")
    FACE = "face", _("face 1:1")


#: Methods a hospital may start with POST /api/v1/authorizations.
ONSITE_METHODS = (Method.SMS, Method.AUTHCODE, Method.FACE)


class PhoneCheck(models.TextChoices):
    """Where an SMS code went, compared with the hospital's phone."""

    MATCHES = "matches", _("sent to the phone of record (the hospital's phone matched)")
    DIFFERS = "differs", _("sent to the phone of record (the hospital's phone differed)")
    NOT_GIVEN = "not_given", _("sent to the phone of record")
    UNRECORDED = "unrecorded", _("unverified phone: no phone of record")


class State(models.TextChoices):
    PENDING = "pending", _("pending")
    GRANTED = "granted", _("granted")
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")
    REFUSED = "refused", _("refused")
    LOCKED = "locked", _("locked")


class Target(models.TextChoices):
    """Which province the consent lives at: the live one, or the joint-test
    target of a hospital that is not live yet (``PROVINCE_TEST_BASE_URL``)."""

    LIVE = "live", _("live")
    TEST = "test", _("joint test")


class SyncState(models.TextChoices):
    NONE = "none", _("nothing to send")
    PENDING = "pending", _("pending")
    SYNCED = "synced", _("synced")
    FAILED = "failed", _("failed")


#: (from, to) -> the action that makes the move. Anything else is a 409.
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.PENDING, State.GRANTED): "grant",
    (State.PENDING, State.LOCKED): "lock",
    (State.PENDING, State.REFUSED): "refuse",
    (State.PENDING, State.REVOKED): "cancel",
    (State.PENDING, State.EXPIRED): "expire",
    (State.GRANTED, State.REVOKED): "revoke",
    (State.GRANTED, State.EXPIRED): "expire",
}


def transition_allowed(current: str, target: str) -> bool:
    return (current, target) in TRANSITIONS


class Authorization(models.Model):
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        on_delete=models.PROTECT,
        related_name="authorizations",
        verbose_name=_("hospital"),
    )
    # The hospital system that asked (its credential); null on rows from
    # before systems had credentials of their own.
    system = models.ForeignKey(
        "hospitals.IntegratedSystem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("system"),
    )
    province_target = models.CharField(
        _("province target"), max_length=8, choices=Target.choices, default=Target.LIVE
    )
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )

    # The patient. Never filter on the sealed fields: use the digests.
    patient_idcard = SealedTextField(_("ID number"), purpose="authorization-idcard")
    patient_digest = models.CharField(max_length=64, editable=False)
    card_type = models.CharField(_("card type"), max_length=2, blank=True, default="")
    patient_name = SealedTextField(_("patient name"), purpose="authorization-name")
    patient_ref = models.CharField(
        _("patient id in the hospital"), max_length=64, blank=True, default=""
    )
    # The phone the hospital sent (compared with the record, never trusted).
    phone = SealedTextField(_("phone number"), purpose="phone", null=True, blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    # sms: how the hospital's phone compared with the patient's phone of
    # record; "unrecorded" marks a consent verified on an unverified phone.
    phone_check = models.CharField(
        _("phone check"), max_length=16, choices=PhoneCheck.choices, blank=True, default=""
    )
    # Mode 1 past the hospital's daily cap, with MODE1_OVER_CAP=review: kept
    # pending until a city administrator approves or refuses it.
    held_for_review = models.BooleanField(_("held for review"), default=False)
    # sms: the masked phone the code went to (a mask, never the number).
    code_sent_to = models.CharField(_("code sent to"), max_length=16, blank=True, default="")

    # The doctor who asked.
    staff_no = models.CharField(_("staff number"), max_length=64, blank=True, default="")
    staff_name = models.CharField(_("staff name"), max_length=64, blank=True, default="")

    auth_days = models.PositiveSmallIntegerField(_("days of validity"), default=30)
    verify_failures = models.PositiveSmallIntegerField(_("failed face checks"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    granted_at = models.DateTimeField(_("granted"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # The province's copy.
    sync_state = models.CharField(
        _("province sync"), max_length=16, choices=SyncState.choices, default=SyncState.NONE
    )
    sync_status = models.CharField(_("status to send"), max_length=1, blank=True, default="")
    sync_version = models.PositiveIntegerField(default=0)
    sync_attempts = models.PositiveIntegerField(_("sync attempts"), default=0)
    sync_reason = models.CharField(_("sync reason"), max_length=255, blank=True, default="")
    sync_next_at = models.DateTimeField(_("next sync attempt"), null=True, blank=True)
    sync_claim = models.CharField(max_length=32, blank=True, default="", editable=False)
    sync_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    synced_at = models.DateTimeField(_("synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("authorization")
        verbose_name_plural = _("authorizations")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The view relay's one lookup.
            models.Index(
                fields=["hospital", "patient_digest", "-granted_at", "-id"], name="hub_auth_patient"
            ),
            models.Index(fields=["hospital", "-created_at"], name="hub_auth_hospital_list"),
            # GET /api/v1/authorizations?changedSince= (the hospitals' pull feed).
            models.Index(fields=["hospital", "updated_at"], name="relay_auth_changed"),
            # The expiry sweep and the sync sweep only see the few rows due.
            models.Index(
                fields=["valid_until"], name="hub_auth_granted_until", condition=Q(state="granted")
            ),
            models.Index(
                fields=["sync_next_at"], name="hub_auth_sync_due", condition=Q(sync_state="pending")
            ),
        ]

    def __str__(self) -> str:
        # Operation-log rows show this: no personal data.
        return f"Authorization #{self.pk} ({self.method}, {self.state})"

    @property
    def reference(self) -> str:
        """What the identity app's code challenges are bound to."""
        return f"authorization:{self.pk}"

    @property
    def patient_idcard_masked(self) -> str:
        return mask_id(self.patient_idcard)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    @property
    def patient_name_masked(self) -> str:
        name = self.patient_name or ""
        if len(name) <= 1:
            return "*" if name else ""
        return name[0] + "*" * (len(name) - 1)

    def snapshot(self) -> dict:
        """What the operation log may hold (no ID, name or phone in clear)."""
        return {
            "method": self.method,
            "state": self.state,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "sync_state": self.sync_state,
            "sync_status": self.sync_status,
            "sync_attempts": self.sync_attempts,
            "sync_reason": self.sync_reason,
            "staff_no": self.staff_no,
            "patient_digest": self.patient_digest[:16],
        }


class PatientGuard(models.Model):
    """Failed verifications of one patient across every hospital's requests,
    per day: past ``PATIENT_DAILY_FAILURES_MAX`` the patient's requests are
    refused until ``blocked_until`` (guessing a patient's codes by asking
    again and again). One row per patient digest; no personal data."""

    patient_digest = models.CharField(max_length=64, primary_key=True, editable=False)
    day = models.DateField(_("day"))
    failures = models.PositiveIntegerField(_("failed verifications that day"), default=0)
    blocked_until = models.DateTimeField(_("blocked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("patient guard")
        verbose_name_plural = _("patient guards")

    def __str__(self) -> str:
        return f"guard {self.patient_digest[:12]} ({self.failures} on {self.day})"


class NoticeKind(models.TextChoices):
    GRANT = "grant", _("consent granted")
    FIRST_VIEW = "first_view", _("first view within a consent")


class NoticeState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("not sent: no phone of record")


class ConsentNotice(models.Model):
    """What the patient is told of a consent: a grant (any mode) and the
    first view by the hospital within it. Sent to the phone of record, the
    first of a day at once and later ones batched (``relay.notices``); a
    notice waits here until sent, so a provider failure loses nothing."""

    authorization = models.ForeignKey(
        Authorization, on_delete=models.CASCADE, related_name="notices"
    )
    patient_digest = models.CharField(max_length=64, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=NoticeState.choices, default=NoticeState.QUEUED
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # One id per text message: notices batched into one message share it.
    message_key = models.CharField(max_length=32, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("consent notice")
        verbose_name_plural = _("consent notices")
        constraints = [
            models.UniqueConstraint(
                fields=["authorization", "kind"], name="relay_one_notice_per_kind"
            )
        ]
        indexes = [models.Index(fields=["patient_digest", "state"], name="relay_notice_patient")]

    def __str__(self) -> str:
        return f"notice {self.kind} of authorization #{self.authorization_id} ({self.state})"
