"""Limits across requests, per patient: what stops a hospital from guessing
a patient's codes by asking again and again.

- At most ``PATIENT_OPEN_REQUESTS_MAX`` open verification requests (sms,
  authcode, face; still inside ``AUTHORIZATION_PENDING_TTL_HOURS``) for one
  patient, across all hospitals.
- At most ``PATIENT_DAILY_FAILURES_MAX`` failed verifications (wrong codes,
  face mismatches) for one patient per day, across all requests; the one
  that reaches it blocks new requests and verifications for that patient for
  ``PATIENT_BLOCK_HOURS``, with a warning for the city (log line and
  ``hub_patient_blocks_total``).

So a patient's 6-digit codes can be tried at most ten times a day, whoever
asks, instead of five times per request with no limit on requests.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hub.ops.metrics import PATIENT_BLOCKS
from relay.errors import RelayCode, relay_error
from relay.models import ONSITE_METHODS, Authorization, PatientGuard, State

logger = logging.getLogger("relay.patient_limits")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _pending_ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "AUTHORIZATION_PENDING_TTL_HOURS", 24)))


def _blocked(patient_digest: str, now) -> PatientGuard | None:
    guard = PatientGuard.objects.filter(patient_digest=patient_digest).first()
    if guard is not None and guard.blocked_until and guard.blocked_until > now:
        return guard
    return None


def _throttled(code: RelayCode, wait_seconds: float):
    error = relay_error(code)
    error.headers["Retry-After"] = str(max(int(wait_seconds) + 1, 1))
    return error


def check_patient_may_verify(patient_digest: str) -> None:
    """Refuse (429 ``PATIENT_BLOCKED``) while the patient is blocked."""
    now = timezone.now()
    guard = _blocked(patient_digest, now)
    if guard is not None:
        raise _throttled(RelayCode.PATIENT_BLOCKED, (guard.blocked_until - now).total_seconds())


def check_patient_may_start(patient_digest: str) -> None:
    """Refuse a new verification request for this patient when they are
    blocked, or already have the most open requests allowed."""
    check_patient_may_verify(patient_digest)
    limit = _setting("PATIENT_OPEN_REQUESTS_MAX", 3)
    open_requests = Authorization.objects.filter(
        patient_digest=patient_digest,
        state=State.PENDING,
        method__in=ONSITE_METHODS,
        created_at__gt=timezone.now() - _pending_ttl(),
    ).count()
    if open_requests >= limit:
        raise _throttled(RelayCode.PATIENT_REQUESTS_LIMIT, 59)


def patient_failure_record(*, patient_digest: str, hospital_id: int | None = None) -> bool:
    """Count one failed verification of this patient; True when it blocked them."""
    now = timezone.now()
    today = timezone.localdate(now)
    limit = _setting("PATIENT_DAILY_FAILURES_MAX", 10)
    with transaction.atomic():
        guard, _created = PatientGuard.objects.select_for_update().get_or_create(
            patient_digest=patient_digest, defaults={"day": today}
        )
        if guard.day != today:
            guard.day = today
            guard.failures = 0
        guard.failures += 1
        blocked = guard.failures >= limit and not (
            guard.blocked_until and guard.blocked_until > now
        )
        if blocked:
            guard.blocked_until = now + timedelta(hours=_setting("PATIENT_BLOCK_HOURS", 24))
        guard.save()
    if blocked:
        PATIENT_BLOCKS.inc()
        logger.warning(
            "patient %s blocked after %d failed verifications today (last by hospital %s)",
            patient_digest[:12],
            guard.failures,
            hospital_id or "-",
        )
    return blocked
