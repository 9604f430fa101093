"""The write of real-name registration (实名核身): keyword-only, ``actor=``.

:func:`realname_register` takes a phone already proven by an SMS code (the
patient pages' sign-in), a name, a resident ID number and a selfie; asks the
provider (``settings.REALNAME_BACKEND``) whether the selfie is the person the
public-security records hold for that ID number and name; on a match records
the phone as the patient's phone of record
(``identity.phones.phone_of_record_set``, source ``real_name``, evidence
``realname:<provider request id>``) in the same transaction as its
operation-log row.

Attempts:

* every attempt (a call with a valid phone number while a provider is
  configured) writes one operation-log row, actor the patient, target
  ``phone:<phone digest>``, holding the outcome and the backend only (never
  the name, the ID number, the photo or the score): ``identity.realname.registered``,
  ``identity.realname.failed`` (the provider answered about the person: no
  record, mismatch, not live: these are **counted**), ``identity.realname.refused``
  (bad input, an unusable photo, provider trouble, busy, over the limit: not
  counted);
* at most ``REALNAME_DAILY_FAILURES_MAX`` counted failures per phone in a
  rolling 24 hours (read back from those log rows, so the count survives
  restarts), and ``REALNAME_ID_DAILY_FAILURES_MAX`` per ID number (a cache
  counter, so that many phones cannot take turns on one person); then
  ``REALNAME_LIMIT`` (429, Retry-After);
* one attempt per phone at a time (a cache lock, ``REALNAME_BUSY``), so that
  parallel requests cannot overrun the count.

The selfie stays in memory for the call: it is never stored, cached or
logged, and the provider gets it over HTTPS for this one comparison.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit.models import OperationLog
from audit.services import operation_log_record
from hub.protect import digest, mask_id, mask_phone
from hub.province.params import RESIDENT_ID, normalise_id_number
from identity import codes
from identity.errors import PhoneInvalid
from identity.face import FaceError, FaceImageTooLarge
from identity.face.images import load_image
from identity.models import PatientPhone, PhoneSource
from identity.phones import phone_of_record_set
from identity.realname.backends import get_backend
from identity.realname.base import Outcome, Verdict
from identity.realname.errors import (
    RealNameBusy,
    RealNameCardTypeUnsupported,
    RealNameError,
    RealNameIdInvalid,
    RealNameLimit,
    RealNameMismatch,
    RealNameNameInvalid,
    RealNameNoRecord,
    RealNameNotLive,
    RealNamePhotoRefused,
    RealNameUnavailable,
)

logger = logging.getLogger(__name__)

REGISTERED = "identity.realname.registered"
FAILED = "identity.realname.failed"
REFUSED = "identity.realname.refused"

WINDOW = timedelta(hours=24)
#: Longest an attempt may hold the per-phone lock (provider timeout and more).
BUSY_SECONDS = 120
NAME_MAX = 30
# Separators people type for the middle dot of minority names (U+00B7 on the card).
_DOTS = str.maketrans({"•": "·", "‧": "·", "・": "·", "．": "·", ".": "·"})
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.:-]")

_REFUSALS: dict[Outcome, type[RealNameError]] = {
    Outcome.NO_RECORD: RealNameNoRecord,
    Outcome.MISMATCH: RealNameMismatch,
    Outcome.NOT_LIVE: RealNameNotLive,
}


@dataclass(frozen=True)
class Registration:
    """What the page may show: the row, whether it was new, the masked ID."""

    record: PatientPhone
    change: str  # identity.phones: "taken", "changed" or "unchanged"
    masked_id: str
    request_id: str


# --- Input ---------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The name as on the card: NFC, trimmed, minority-name dots unified.

    Raises ``RealNameNameInvalid`` for anything but letters and ``·``.
    """
    value = unicodedata.normalize("NFC", (name or "").strip()).translate(_DOTS)
    if not 2 <= len(value) <= NAME_MAX:
        raise RealNameNameInvalid()
    if value[0] == "·" or value[-1] == "·" or "··" in value:
        raise RealNameNameInvalid()
    if not all(ch.isalpha() or ch == "·" for ch in value):
        raise RealNameNameInvalid()
    return value


def clean_id_number(id_number: str, card_type: str) -> str:
    """The resident ID number, upper-cased and checked (GB 11643 check character)."""
    if card_type != RESIDENT_ID:
        raise RealNameCardTypeUnsupported()
    value, problem = normalise_id_number(id_number or "", card_type)
    if problem:
        raise RealNameIdInvalid()
    return value


# --- The write -----------------------------------------------------------------------


@sensitive_variables()
def realname_register(
    *, phone: str, name: str, id_number: str, card_type: str, selfie: bytes, actor
) -> Registration:
    """Check the person and record ``phone`` as their phone of record.

    ``phone`` must be proven by an SMS code (``selectors.proven_phone``).
    Raises a ``RealNameError`` or a ``FaceError`` (the photo) on refusal;
    each refusal has been logged (and counted, for a failed check) first.
    """
    if not codes.phone_is_valid(phone or ""):
        raise PhoneInvalid()
    backend = get_backend()
    if not getattr(backend, "available", True):
        raise RealNameUnavailable()
    phone_digest = digest(phone, purpose="phone")
    attempt = _Attempt(actor=actor, phone_digest=phone_digest, backend=backend.name)

    try:
        name = clean_name(name)
        id_number = clean_id_number(id_number, card_type)
        if len(selfie or b"") > settings.FACE_MAX_IMAGE_BYTES:
            raise FaceImageTooLarge()
        photo = load_image(selfie or b"", field="selfie", max_side=backend.max_side)
    except (RealNameError, FaceError) as error:
        raise attempt.refused(_clean(error), outcome="invalid_input") from None

    if not cache.add(_busy_key(phone_digest), 1, timeout=BUSY_SECONDS):
        raise attempt.refused(RealNameBusy(), outcome="busy")
    try:
        id_digest = digest(id_number, purpose="id")
        _check_limits(attempt, id_digest)
        started = time.monotonic()
        try:
            verdict = backend.verify(id_number=id_number, name=name, selfie=photo)
        except RealNamePhotoRefused as error:
            raise attempt.refused(error, outcome="photo_refused") from None
        except RealNameError as error:
            outcome = "provider_unavailable" if error.transient else "provider_failed"
            raise attempt.refused(error, outcome=outcome) from None
        except FaceError as error:
            raise attempt.refused(_clean(error), outcome="photo_refused") from None
        elapsed_ms = int((time.monotonic() - started) * 1000)
        if not verdict.match:
            _count_id_failure(id_digest)
            raise attempt.failed(verdict, elapsed_ms)
        return _record(attempt, verdict, phone=phone, id_number=id_number, elapsed_ms=elapsed_ms)
    finally:
        cache.delete(_busy_key(phone_digest))


@sensitive_variables()
def _record(attempt, verdict: Verdict, *, phone: str, id_number: str, elapsed_ms: int):
    request_id = _SAFE_ID.sub("", verdict.request_id)[:80] or "-"
    with transaction.atomic():
        record, change = phone_of_record_set(
            id_number=id_number,
            card_type=RESIDENT_ID,
            phone=phone,
            source=PhoneSource.REAL_NAME,
            evidence=f"realname:{request_id}",
            actor=attempt.actor,
        )
        attempt.log(REGISTERED, "registered", record=change)
    logger.info(
        "realname registered backend=%s phone=%s change=%s request_id=%s in %d ms",
        attempt.backend,
        mask_phone(phone),
        change,
        request_id,
        elapsed_ms,
    )
    return Registration(
        record=record, change=change, masked_id=mask_id(id_number), request_id=request_id
    )


class _Attempt:
    """One call of :func:`realname_register`: writes its single log row."""

    def __init__(self, *, actor, phone_digest: str, backend: str) -> None:
        self.actor = actor
        self.phone_digest = phone_digest
        self.backend = backend

    @property
    def target(self) -> str:
        return f"phone:{self.phone_digest}"

    def log(self, action: str, outcome: str, **extra) -> None:
        operation_log_record(
            actor=self.actor,
            action=action,
            target=self.target,
            after={"outcome": outcome, "backend": self.backend, **extra},
        )

    def refused(self, error: Exception, *, outcome: str) -> Exception:
        """Log a refusal that does not count; returns ``error`` to raise."""
        with transaction.atomic():
            self.log(REFUSED, outcome, error=str(getattr(error, "code", "")))
        logger.info(
            "realname refused backend=%s outcome=%s code=%s",
            self.backend,
            outcome,
            getattr(error, "code", "-"),
        )
        return error

    def failed(self, verdict: Verdict, elapsed_ms: int) -> Exception:
        """Log (and so count) a failed check; returns the refusal to raise."""
        with transaction.atomic():
            self.log(FAILED, str(verdict.outcome))
        logger.info(
            "realname failed backend=%s outcome=%s provider_code=%s request_id=%s in %d ms",
            self.backend,
            verdict.outcome,
            verdict.provider_code or "-",
            _SAFE_ID.sub("", verdict.request_id)[:80],
            elapsed_ms,
        )
        return _REFUSALS[verdict.outcome]()


# --- Limits --------------------------------------------------------------------------


def _busy_key(phone_digest: str) -> str:
    return f"realname-busy:{phone_digest}"


def _id_key(id_digest: str) -> str:
    return f"realname-fail-id:{id_digest}"


def phone_failures(phone_digest: str, now=None) -> list:
    """When this phone's counted failures of the last 24 hours happened, oldest first."""
    now = now or timezone.now()
    return list(
        OperationLog.objects.filter(
            action=FAILED,
            target_type="phone",
            target_id=phone_digest,
            created_at__gt=now - WINDOW,
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def _id_failures(id_digest: str, now: float) -> list[float]:
    stamps = cache.get(_id_key(id_digest)) or []
    return [t for t in stamps if t > now - WINDOW.total_seconds()]


def _count_id_failure(id_digest: str) -> None:
    now = timezone.now().timestamp()
    stamps = [*_id_failures(id_digest, now), now]
    cache.set(_id_key(id_digest), stamps, timeout=int(WINDOW.total_seconds()))


def _check_limits(attempt: _Attempt, id_digest: str) -> None:
    now = timezone.now()
    limit = int(settings.REALNAME_DAILY_FAILURES_MAX)
    failures = phone_failures(attempt.phone_digest, now)
    if limit > 0 and len(failures) >= limit:
        retry = failures[-limit] + WINDOW - now
        raise attempt.refused(RealNameLimit(retry.total_seconds()), outcome="limited")
    id_limit = int(settings.REALNAME_ID_DAILY_FAILURES_MAX)
    stamps = _id_failures(id_digest, now.timestamp())
    if id_limit > 0 and len(stamps) >= id_limit:
        retry = stamps[-id_limit] + WINDOW.total_seconds() - now.timestamp()
        raise attempt.refused(RealNameLimit(retry), outcome="limited")


def _clean(error: Exception) -> Exception:
    """A face refusal without the field prefix ("livePhoto: ...") of the
    kiosk API: the patient sees the plain message."""
    if isinstance(error, FaceError) and error.photo:
        return type(error)()
    return error
