"""Running one outbox row: claim, send, record the outcome.

The claim is a conditional UPDATE whose row count says whether this worker
owns the attempt, so duplicates of a task message (a redelivery after a
worker died, the sweeper's re-enqueue, an early ETA) never send twice in
parallel. A row stuck in ``sending`` for longer than
``COMPLAINTS_CLAIM_TIMEOUT`` is presumed abandoned (its worker died mid-send)
and may be claimed again; the receiver dedups the repeat by
``Idempotency-Key``. Outcomes are written only if the claim is still ours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from complaints import channels
from complaints.delivery import DeliveryError
from complaints.lifecycle import State, allowed
from complaints.models import Channel, DeliveryState, DispatchOutbox
from complaints.services._common import follow_up, locked, transition
from complaints.services._notify import notify_city
from complaints.services.workflow import complaint_escalate

logger = logging.getLogger("complaints.dispatch")

# An ETA message may fire a moment before the time written in the row.
_EARLY_TOLERANCE = timedelta(seconds=1)


@dataclass(frozen=True)
class RunResult:
    outcome: str  # claimed-and-delivered / retry / failed / busy / not_due / done / gone
    retry_in: float | None = None


def _claim_timeout() -> timedelta:
    return timedelta(seconds=settings.COMPLAINTS_CLAIM_TIMEOUT)


def claim(outbox_id: int) -> tuple[DispatchOutbox | None, RunResult | None]:
    now = timezone.now()
    claimable = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now + _EARLY_TOLERANCE) | Q(
        state=DeliveryState.SENDING, claimed_at__lt=now - _claim_timeout()
    )
    count = (
        DispatchOutbox.objects.filter(pk=outbox_id)
        .filter(claimable)
        .update(state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    row = (
        DispatchOutbox.objects.select_related("complaint", "hospital", "complaint__hospital")
        .filter(pk=outbox_id)
        .first()
    )
    if row is None:
        return None, RunResult("gone")
    if count == 1:
        return row, None
    if row.state == DeliveryState.SENDING:
        # Someone holds it. Look again when that claim would be stale, so a
        # holder that died is taken over even if no sweeper runs.
        wait = (row.claimed_at + _claim_timeout() - now).total_seconds() + 1
        return None, RunResult("busy", retry_in=max(wait, 1.0))
    if row.state == DeliveryState.PENDING:
        return None, RunResult("not_due")
    return None, RunResult("done")


def _finish(row: DispatchOutbox, **fields) -> bool:
    """Write the outcome only if our claim still stands."""
    return bool(
        DispatchOutbox.objects.filter(
            pk=row.pk, state=DeliveryState.SENDING, claimed_at=row.claimed_at
        ).update(**fields)
    )


def run(outbox_id: int) -> RunResult:
    row, early = claim(outbox_id)
    if row is None:
        return early
    try:
        channels.send(row)
    except DeliveryError as exc:
        return _failed(row, exc)
    except Exception as exc:  # a bug must not leave the row claimed forever
        logger.exception("complaint delivery %s crashed", row.pk)
        return _failed(row, DeliveryError(f"crash:{type(exc).__name__}"))
    _delivered(row)
    return RunResult("delivered")


def _delivered(row: DispatchOutbox) -> None:
    now = timezone.now()
    if row.complaint_id is None:  # a consent event (complaints.consent_callbacks)
        if _finish(row, state=DeliveryState.DELIVERED, delivered_at=now, last_error=""):
            logger.info("consent event %s delivered (attempt %s)", row.pk, row.attempts)
        return
    with transaction.atomic():
        if not _finish(row, state=DeliveryState.DELIVERED, delivered_at=now, last_error=""):
            return
        complaint = locked(row.complaint_id)
        note = f"{row.channel} #{row.pk} delivered (attempt {row.attempts})"
        if (
            row.channel == Channel.HOSPITAL_CALLBACK
            and complaint.hospital_id == row.hospital_id
            and complaint.state in (State.ROUTED, State.REOPENED)
            and allowed(complaint.state, State.DISPATCHED)
        ):
            transition(complaint, State.DISPATCHED, actor="task:dispatch", note=note, now=now)
        else:
            follow_up(complaint, actor="task:dispatch", kind="delivery", note=note, at=now)
    logger.info("complaint delivery %s delivered (%s)", row.pk, row.channel)


def _failed(row: DispatchOutbox, exc: DeliveryError) -> RunResult:
    schedule = list(settings.COMPLAINTS_RETRY_SCHEDULE)
    reason = exc.reason[:300]
    if exc.transient and row.attempts - 1 < len(schedule):
        delay = float(schedule[row.attempts - 1])
        if _finish(
            row,
            state=DeliveryState.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error=reason,
            claimed_at=None,
        ):
            logger.warning(
                "complaint delivery %s attempt %s failed (%s); retry in %ss",
                row.pk,
                row.attempts,
                reason,
                delay,
            )
            return RunResult("retry", retry_in=delay)
        return RunResult("done")
    if row.complaint_id is None:
        return _event_failed(row, reason)
    with transaction.atomic():
        if not _finish(row, state=DeliveryState.FAILED, last_error=reason):
            return RunResult("done")
        complaint = locked(row.complaint_id)
        note = f"{row.channel} #{row.pk} failed after {row.attempts} attempt(s): {reason}"
        follow_up(complaint, actor="task:dispatch", kind="delivery", note=note)
    logger.error("complaint delivery %s gave up: %s", row.pk, reason)
    if row.channel == Channel.HOSPITAL_CALLBACK:
        _escalate_undelivered(row, note)
    else:
        notify_city(f"Complaint {str(row.complaint.public_id)[:8]}: {row.channel} failed", note)
    return RunResult("failed")


def _event_failed(row: DispatchOutbox, reason: str) -> RunResult:
    """A consent event given up: the city is told (the hospital still has the
    pull feed, ``GET /api/v1/authorizations?changedSince=``)."""
    if not _finish(row, state=DeliveryState.FAILED, last_error=reason):
        return RunResult("done")
    org = row.hospital.org_code if row.hospital_id else "-"
    note = (
        f"{row.channel} #{row.pk} (authorization {row.authorization_id}, {org}) failed "
        f"after {row.attempts} attempt(s): {reason}"
    )
    logger.error("consent event %s gave up: %s", row.pk, reason)
    notify_city(f"Consent callback to {org} failed", note)
    return RunResult("failed")


def _escalate_undelivered(row: DispatchOutbox, note: str) -> None:
    complaint = row.complaint
    complaint.refresh_from_db(fields=["state"])
    if complaint.hospital_id == row.hospital_id and allowed(complaint.state, State.ESCALATED):
        complaint_escalate(
            actor="task:dispatch", complaint=complaint, reason="delivery_failed", note=note
        )
    else:
        notify_city(f"Complaint {str(complaint.public_id)[:8]}: delivery failed", note)


def due_for_sweep(limit: int = 500) -> list[int]:
    """Rows written but never picked up (broker down at submit time, a lost
    retry message, a worker that died holding a claim)."""
    now = timezone.now()
    grace = timedelta(seconds=settings.COMPLAINTS_SWEEP_AFTER)
    rows = DispatchOutbox.objects.filter(
        Q(state=DeliveryState.PENDING, next_attempt_at__lte=now - grace)
        | Q(state=DeliveryState.SENDING, claimed_at__lt=now - _claim_timeout())
    ).order_by("next_attempt_at")
    return list(rows.values_list("pk", flat=True)[:limit])
