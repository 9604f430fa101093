"""Code challenges: one row per code issued (SMS code or authorization code).

django-otp's :class:`~django_otp.models.CooldownMixin` and
:class:`~django_otp.models.ThrottlingMixin` are abstract models that do not
depend on a user: only :class:`~django_otp.models.Device` carries the ``user``
foreign key. Patients are not Django users, so :class:`CodeChallenge` takes
the two mixins *without* ``Device`` and supplies the two no-op hooks that the
mixins chain to with ``super()`` (``generate_is_allowed`` and
``verify_is_allowed``). What the mixins lack, the services add: the hard lock
after five failures, expiry, the per-phone caps and delivery. See
docs/verification.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import CooldownMixin, ThrottlingMixin

from hub.protect import SealedTextField, mask_id, mask_phone
from identity import codes


class _OtpHooks(models.Model):
    """The hooks of django-otp's ``Device`` that its mixins call via ``super()``."""

    class Meta:
        abstract = True

    def generate_is_allowed(self):
        return True, None

    def verify_is_allowed(self):
        return True, None


class CodeChallenge(CooldownMixin, ThrottlingMixin, _OtpHooks):
    """One code sent (``sms``) or shown (``authcode``) for one ``reference``.

    ``reference`` names what the code protects (``"authorization:42"``) so that
    this app never imports the relay. Issuing a new code for the same
    reference marks the previous row ``superseded`` and carries its failure
    count over, so a request gets five wrong tries in all, not five per code.
    The code itself is never stored: only ``code_mac``.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS code")
        AUTHCODE = "authcode", _("authorization code")

    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        USED = "used", _("used")
        LOCKED = "locked", _("locked")
        EXPIRED = "expired", _("expired")
        SUPERSEDED = "superseded", _("superseded")

    reference = models.CharField(_("reference"), max_length=100)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE)
    phone = SealedTextField(_("phone number"), purpose="phone", null=True, blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    code_salt = models.CharField(max_length=32, editable=False)
    code_mac = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    backend = models.CharField(_("delivered by"), max_length=32, blank=True, default="")
    provider_message_id = models.CharField(
        _("provider message id"), max_length=100, blank=True, default=""
    )

    class Meta:
        verbose_name = _("code challenge")
        verbose_name_plural = _("code challenges")
        indexes = [
            models.Index(fields=["reference", "-created_at"], name="identity_code_reference"),
            models.Index(
                fields=["phone_digest", "created_at"],
                name="identity_code_phone_sends",
                condition=Q(channel="sms"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(state="active"),
                name="identity_one_active_code_per_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} code #{self.pk} for {self.reference}"

    # django-otp hooks -------------------------------------------------------
    def get_cooldown_duration(self) -> int:
        return codes.COOLDOWN_SECONDS

    def get_throttle_factor(self) -> int:
        # 0 (the default) turns django-otp's exponential delay off: the hard
        # lock after MAX_FAILURES already bounds guessing to 5 in 10^6.
        return getattr(settings, "IDENTITY_CODE_THROTTLE_FACTOR", 0)

    # Reads ------------------------------------------------------------------
    @property
    def failures(self) -> int:
        return self.throttling_failure_count

    @property
    def attempts_left(self) -> int:
        return max(0, codes.MAX_FAILURES - self.throttling_failure_count)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def current_state(self, now=None) -> str:
        """``state``, with an active code past its expiry reported ``expired``
        (rows are marked expired lazily, when next touched)."""
        if self.state == self.State.ACTIVE and self.is_expired(now):
            return self.State.EXPIRED
        return self.state


class ChallengeLock(models.Model):
    """A row per phone digest (or reference) locked with SELECT ... FOR UPDATE
    while a code is issued, so the per-phone caps and the cooldown hold under
    concurrency. Rows carry no data and may be deleted at any time."""

    key = models.CharField(primary_key=True, max_length=120)

    class Meta:
        verbose_name = _("challenge lock")

    def __str__(self) -> str:
        return self.key


class PhoneSource(models.TextChoices):
    """Where a phone of record may come from: only sources that prove the
    number is the patient's own, never a number a hospital typed."""

    REAL_NAME = "real_name", _("real-name registration")
    FACE_KIOSK = "face_kiosk", _("face check at a hospital kiosk")
    REGISTRY = "registry", _("city resident registry import")


class PatientPhone(models.Model):
    """A patient's phone of record (本人手机号): where SMS codes and consent
    notices go, and the phone that signs in to the patient's pages.

    One per patient (``patient_digest``: ``hub.protect.digest(id, "id")``); a
    later trusted source replaces the number, the operation log keeps the
    history. Several patients may share one phone (a family's).
    """

    patient_digest = models.CharField(max_length=64, unique=True, editable=False)
    card_type = models.CharField(_("card type"), max_length=2, blank=True, default="")
    idcard = SealedTextField(_("ID number"), purpose="patient-idcard")
    phone = SealedTextField(_("phone number"), purpose="phone")
    phone_digest = models.CharField(max_length=64, editable=False, db_index=True)
    source = models.CharField(_("source"), max_length=16, choices=PhoneSource.choices)
    # What proved it ("import:<file sha>:<line>", "authorization:42"): ids only.
    evidence = models.CharField(_("evidence"), max_length=100, blank=True, default="")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("phone of record")
        verbose_name_plural = _("phones of record")

    def __str__(self) -> str:
        return f"{self.masked_phone} ({self.get_source_display()})"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_idcard(self) -> str:
        return mask_id(self.idcard)


class PhoneImportJob(models.Model):
    """One registry import started from the back office, run by the Celery task
    ``identity.phone_import_run`` (``identity.phone_import``).

    The uploaded file is kept sealed in the database (not as a file under
    MEDIA) until the import has run, then dropped: it holds ID and phone
    numbers in clear. What stays is counts and the refused lines' numbers and
    reasons, which never quote an ID or phone number.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    upload = SealedTextField(_("uploaded file"), purpose="phone-import", null=True)
    # First 12 hex digits of the file's SHA-256, as in the phones' evidence.
    file_id = models.CharField(_("file"), max_length=12, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    total_lines = models.PositiveIntegerField(_("lines"), default=0)
    done_lines = models.PositiveIntegerField(_("lines done"), default=0)
    # {"taken", "changed", "unchanged", "refused": n, "refused_lines": [[line, reason], ...]}
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone import")
        verbose_name_plural = _("phone imports")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"phone import #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class WeChatBinding(models.Model):
    """A patient's WeChat official-account openid: where pushed authorization
    codes and consent notices also go (``identity.wechat``, docs/wechat.md).

    Made when a signed-in patient opens the bind page inside WeChat (web
    OAuth, ``snsapi_base``), for every patient whose phone of record the
    signed-in phone is (``phone_digest``); a patient has at most one live
    binding per official account. The openid is sealed, found by its keyed
    digest; unbinding keeps the row with ``unbound_at``.
    """

    patient_digest = models.CharField(max_length=64, editable=False, db_index=True)
    openid = SealedTextField(_("WeChat openid"), purpose="wechat-openid")
    openid_digest = models.CharField(max_length=64, editable=False, db_index=True)
    app_id = models.CharField(_("official account app id"), max_length=32)
    # The signed-in phone (digest) that made the binding: it stays live only
    # while that phone is still the patient's phone of record (or there is none).
    phone_digest = models.CharField(max_length=64, editable=False, blank=True, default="")
    bound_at = models.DateTimeField(_("bound at"), default=timezone.now)
    unbound_at = models.DateTimeField(_("unbound at"), null=True, blank=True)

    class Meta:
        verbose_name = _("WeChat binding")
        verbose_name_plural = _("WeChat bindings")
        constraints = [
            models.UniqueConstraint(
                fields=["patient_digest", "app_id"],
                condition=Q(unbound_at__isnull=True),
                name="identity_one_live_wechat_binding",
            )
        ]

    def __str__(self) -> str:
        return f"WeChat binding #{self.pk}"
