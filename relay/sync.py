"""Sending an authorization's state to the province (``codeAuthRec/save``).

One send = one *attempt*: claim the row with a conditional UPDATE (so two
workers, or a worker and the request thread, never send the same row at the
same time), call the province outside any transaction, write the call-log
row, then finish in a transaction that checks the claim is still ours.

Outcomes:

- ``synced``: HTTP 2xx and ``returnCode`` ``"1"``.
- ``failed``: a permanent refusal (HTTP 4xx, ``returnCode`` ``"0"``, an
  unreadable answer); never retried; ``sync_reason`` keeps the province's
  ``returnDesc`` for the hospital to read.
- ``retry``: a transient failure (network, timeout, 5xx, 408/429, no province
  account configured); the row stays ``pending`` with ``sync_next_at`` set by
  exponential backoff, and the Celery task (or the sweeper) sends it again.
- ``superseded``: the status to send changed while we were sending (a revoke
  during a grant's send); the new status is sent next.
- ``skipped``: nothing to send, not due yet, or another sender holds the claim.
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import call_log_record
from hospitals.selectors import province_account_for
from hub.errors import HubError
from hub.province.client import (
    ProvinceError,
    revoke_authorization,
    save_authorization,
)
from relay import targets
from relay.changes import log_change
from relay.models import Authorization, SyncState

logger = logging.getLogger("relay.sync")

INTERFACE = "codeAuthRec/save"
SYNCED, FAILED, RETRY, SUPERSEDED, SKIPPED = "synced", "failed", "retry", "superseded", "skipped"


@dataclass(frozen=True)
class SyncOutcome:
    kind: str
    http_status: int | None = None
    return_code: str | None = None
    return_desc: str = ""
    timeout: bool = False
    next_in: float = 0.0


def _setting(name: str, default):
    return getattr(settings, name, default)


def backoff_seconds(attempt: int) -> float:
    """Delay before attempt ``attempt + 1``: base x 2^(attempt-1), capped, +-10 %."""
    base = float(_setting("AUTHORIZATION_SYNC_RETRY_BASE_SECONDS", 10))
    cap = float(_setting("AUTHORIZATION_SYNC_RETRY_MAX_SECONDS", 1800))
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay * random.uniform(0.9, 1.1)  # noqa: S311 - jitter, not security


def _lease() -> timedelta:
    seconds = float(_setting("PROVINCE_CONNECT_TIMEOUT", 3)) + float(
        _setting("PROVINCE_READ_TIMEOUT", 10)
    )
    return timedelta(seconds=seconds + 30)


def new_claim() -> tuple[str, object]:
    """A claim token and its lease end, for a sender that claims inside the
    transaction that queued the send (the request thread after a grant)."""
    return secrets.token_hex(16), timezone.now() + _lease()


def _claim(authorization_id: int, *, force: bool) -> str | None:
    now = timezone.now()
    token = secrets.token_hex(16)
    rows = Authorization.objects.filter(pk=authorization_id, sync_state=SyncState.PENDING).filter(
        Q(sync_claimed_until__isnull=True) | Q(sync_claimed_until__lt=now)
    )
    if not force:
        rows = rows.filter(Q(sync_next_at__isnull=True) | Q(sync_next_at__lte=now))
    claimed = rows.update(
        sync_claim=token,
        sync_claimed_until=now + _lease(),
        sync_attempts=F("sync_attempts") + 1,
    )
    return token if claimed else None


def authorization_sync(*, authorization_id: int, actor, force: bool = False) -> SyncOutcome:
    """Claim the authorization and make one attempt to send its pending status.

    ``force`` ignores ``sync_next_at``; a claim held by another sender is
    always respected.
    """
    token = _claim(authorization_id, force=force)
    if token is None:
        return SyncOutcome(SKIPPED)
    auth = Authorization.objects.select_related("hospital").get(pk=authorization_id)
    return authorization_sync_claimed(authorization=auth, token=token, actor=actor)


def authorization_sync_claimed(*, authorization: Authorization, token: str, actor) -> SyncOutcome:
    """One attempt for a row this sender has claimed (``token``), as loaded
    when claimed. Updates ``authorization`` in memory with the result."""
    auth = authorization
    hospital = auth.hospital
    try:
        account = province_account_for(hospital)
    except HubError as exc:
        # No province account: an operator must enter one; keep retrying.
        return _finish(auth, token, actor, SyncOutcome(RETRY, return_desc=exc.message))

    send = save_authorization if auth.sync_status == "1" else revoke_authorization
    try:
        result = send(
            account,
            base_url=targets.base_url(auth.province_target),
            id_number=auth.patient_idcard,
            patient_name=auth.patient_name,
            org_code=hospital.org_code,
            org_name=hospital.org_name,
            auth_days=auth.auth_days,
            timeout=(settings.PROVINCE_CONNECT_TIMEOUT, settings.PROVINCE_READ_TIMEOUT),
        )
    except ProvinceError as exc:
        outcome, latency, transient = _failure(exc), exc.latency_ms, exc.transient
    except ValueError as exc:  # a record the client refuses to build: never sendable
        return _finish(auth, token, actor, SyncOutcome(FAILED, return_desc=str(exc)))
    else:
        outcome = SyncOutcome(
            SYNCED,
            http_status=result.http_status,
            return_code=result.return_code,
            return_desc=result.return_desc,
        )
        latency, transient = result.latency_ms, False
    call = {
        "interface": INTERFACE,
        "http_status": outcome.http_status,
        "return_code": outcome.return_code,
        "return_desc": outcome.return_desc,
        "latency_ms": latency,
        "attempt": auth.sync_attempts,
        "authorization_id": auth.pk,
        "hospital": hospital,
        "transient": transient,
        "test": targets.is_test(auth.province_target),
    }
    return _finish(auth, token, actor, outcome, call=call)


def _failure(exc: ProvinceError) -> SyncOutcome:
    return SyncOutcome(
        RETRY if exc.transient else FAILED,
        http_status=exc.http_status,
        return_code=exc.return_code,
        # The province's own words when it gave any (shown to the hospital).
        return_desc=exc.return_desc or str(exc),
        timeout=bool(getattr(exc, "timed_out", False)),
    )


def _finish(
    auth: Authorization, token: str, actor, outcome: SyncOutcome, *, call: dict | None = None
) -> SyncOutcome:
    """Record the attempt: the call-log row and the row's new sync state in one
    transaction, the latter only while the claim and the version are still ours."""
    now = timezone.now()
    changes: dict = {"sync_reason": (outcome.return_desc or "")[:255]}
    action = ""
    if outcome.kind == SYNCED:
        changes.update(sync_state=SyncState.SYNCED, synced_at=now, sync_next_at=None)
        action = "authorization.synced"
    elif outcome.kind == FAILED:
        changes.update(sync_state=SyncState.FAILED, sync_next_at=None)
        action = "authorization.sync_failed"
    else:
        delay = backoff_seconds(auth.sync_attempts)
        changes["sync_next_at"] = now + timedelta(seconds=delay)
        outcome = replace(outcome, next_in=delay)
    release = {"sync_claim": "", "sync_claimed_until": None, "updated_at": now}
    with transaction.atomic():
        if call is not None:
            call_log_record(**call)
        mine = Authorization.objects.filter(pk=auth.pk, sync_claim=token)
        if not _update_if_current(auth.pk, token, auth.sync_version, {**changes, **release}):
            # The status to send changed meanwhile (superseded), or our lease
            # ran out and another sender took the row (its word wins).
            released = mine.update(**release)
            return SyncOutcome(SUPERSEDED if released else SKIPPED)
        before = auth.snapshot()
        for name, value in {**changes, **release}.items():
            setattr(auth, name, value)
        if action:
            # A sync the province took counts once, whichever attempt (inline
            # or the retrying task) it was: a grant or a revocation.
            synced = "synced" if auth.sync_status == "1" else "revoke_synced"
            count = synced if action == "authorization.synced" else ""
            log_change(actor, action, auth, before, count=count)
    logger.info(
        "authorization %s sync status=%s attempt=%s outcome=%s http=%s",
        auth.pk,
        auth.sync_status,
        auth.sync_attempts,
        outcome.kind,
        outcome.http_status,
    )
    return outcome


def _update_if_current(pk: int, token: str, version: int, values: dict) -> int:
    """``values`` on the row while the claim and the version are ours; rows
    updated (0 or 1). On PostgreSQL one plain UPDATE, written out rather than
    compiled by the ORM on every attempt."""
    if connection.vendor != "postgresql":
        return Authorization.objects.filter(pk=pk, sync_claim=token, sync_version=version).update(
            **values
        )
    names = ", ".join(f"{connection.ops.quote_name(n)} = %s" for n in values)
    table = connection.ops.quote_name(Authorization._meta.db_table)
    # Identifiers are this module's own column names; every value is a parameter.
    sql = f"UPDATE {table} SET {names} WHERE id = %s AND sync_claim = %s AND sync_version = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values.values(), pk, token, version])
        return cursor.rowcount


def due_for_sync(limit: int = 500) -> list[int]:
    """Ids of pending syncs whose next attempt is due and nobody holds."""
    now = timezone.now()
    return list(
        Authorization.objects.filter(sync_state=SyncState.PENDING)
        .filter(Q(sync_next_at__isnull=True) | Q(sync_next_at__lte=now))
        .filter(Q(sync_claimed_until__isnull=True) | Q(sync_claimed_until__lt=now))
        .order_by("sync_next_at")
        .values_list("pk", flat=True)[:limit]
    )


def province_revoke_direct(*, hospital, id_number: str, patient_name: str) -> SyncOutcome:
    """Relay a revocation for a patient the hub holds no live authorization of
    (granted before the hospital moved to the hub). One synchronous attempt,
    call-logged; no record, so no retry: the HIS retries as it would with the
    province itself."""
    try:
        account = province_account_for(hospital)
    except HubError as exc:
        return SyncOutcome(RETRY, return_desc=exc.message)
    target = targets.target_for(hospital)
    try:
        result = revoke_authorization(
            account,
            base_url=targets.base_url(target),
            id_number=id_number,
            patient_name=patient_name,
            org_code=hospital.org_code,
            org_name=hospital.org_name,
            timeout=(settings.PROVINCE_CONNECT_TIMEOUT, settings.PROVINCE_READ_TIMEOUT),
        )
    except ProvinceError as exc:
        outcome, latency, transient = _failure(exc), exc.latency_ms, exc.transient
    else:
        outcome = SyncOutcome(SYNCED, result.http_status, result.return_code, result.return_desc)
        latency, transient = result.latency_ms, False
    call_log_record(
        interface=INTERFACE,
        http_status=outcome.http_status,
        return_code=outcome.return_code,
        return_desc=outcome.return_desc,
        latency_ms=latency,
        attempt=1,
        hospital=hospital,
        transient=transient,
        test=targets.is_test(target),
    )
    return outcome
