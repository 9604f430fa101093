"""Retention of the audit logs: the legal floor and the nightly purge.

The logs must be kept at least six months (seed §7.3): ``AUDIT_RETENTION_DAYS``
below ``MINIMUM_RETENTION_DAYS`` (183) is refused at start-up
(``AuditConfig.ready``) and by ``manage.py check`` (``audit.E001``).

The purge removes rows older than the retention. On PostgreSQL it works by
whole months: every monthly partition that ends on or before the first day of
the month holding the cutoff is detached and dropped (cheap at any size), and
rows the DEFAULT partition caught before that boundary are deleted in bounded
batches; so a row is kept between ``retention`` and ``retention + 1 month``
days. On SQLite, rows older than the cutoff are deleted in bounded batches.

Before anything is removed, the chain's continuity is recorded: the hash of
the last removed row below the first kept ``seq`` becomes a ``purge``
checkpoint (a verifiable start), and any removed row that was sealed after
the first kept row (a transaction that committed late) is kept as a ``gap``
link, so ``audit verify`` still walks the remaining chain end to end.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from audit import partitions
from audit.models import LOG_MODELS, ChainCheckpoint

logger = logging.getLogger(__name__)

MINIMUM_RETENTION_DAYS = 183
DELETE_BATCH = 10_000


def retention_problem(days) -> str | None:
    """The message refusing ``days``, or None when it is acceptable."""
    try:
        value = int(days)
    except (TypeError, ValueError):
        return f"AUDIT_RETENTION_DAYS={days!r} is not a whole number of days."
    if value < MINIMUM_RETENTION_DAYS:
        return (
            f"AUDIT_RETENTION_DAYS={value} is below the minimum of {MINIMUM_RETENTION_DAYS} "
            "days: access, call and operation logs must be kept at least six months. "
            f"Set AUDIT_RETENTION_DAYS to {MINIMUM_RETENTION_DAYS} or more (default 190)."
        )
    return None


def enforce_retention_setting() -> None:
    """Raise ImproperlyConfigured when the retention setting is unlawful."""
    problem = retention_problem(getattr(settings, "AUDIT_RETENTION_DAYS", 190))
    if problem:
        raise ImproperlyConfigured(problem)


def retention_days() -> int:
    enforce_retention_setting()
    return int(settings.AUDIT_RETENTION_DAYS)


def purge_boundary(now: datetime | None = None) -> datetime:
    """Rows created before this instant are removed by the purge."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    if partitions.is_partitioned(connection):
        start = partitions.month_start(cutoff.astimezone(UTC).date())
        return datetime(start.year, start.month, 1, tzinfo=UTC)
    return cutoff


def _record_continuity(name: str, model, boundary: datetime) -> None:
    """Keep the links the purge is about to remove (see module docstring)."""
    kept = model.objects.filter(created_at__gte=boundary, seq__isnull=False)
    first_kept = kept.order_by("seq").values_list("seq", flat=True).first()
    removed = model.objects.filter(created_at__lt=boundary, seq__isnull=False)
    if first_kept is None:
        anchor = removed.order_by("-seq").values_list("seq", "row_hash").first()
    else:
        anchor = (
            removed.filter(seq=first_kept - 1).values_list("seq", "row_hash").first()
            if first_kept > 1
            else None
        )
    day = boundary.date()
    if anchor is not None:
        ChainCheckpoint.objects.get_or_create(
            log=name,
            kind=ChainCheckpoint.Kind.PURGE,
            seq=anchor[0],
            defaults={"day": day, "row_hash": anchor[1]},
        )
    if first_kept is not None:
        stragglers = removed.filter(seq__gt=first_kept).values_list("seq", "prev_hash", "row_hash")
        ChainCheckpoint.objects.bulk_create(
            [
                ChainCheckpoint(
                    log=name, kind=ChainCheckpoint.Kind.GAP, day=day, seq=s, prev_hash=p, row_hash=h
                )
                for s, p, h in stragglers
            ]
        )


def _delete_batched(model, boundary: datetime, batch: int) -> int:
    deleted = 0
    while True:
        ids = list(
            model.objects.filter(created_at__lt=boundary)
            .order_by("created_at")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            count, _ = model.objects.filter(id__in=ids, created_at__lt=boundary).delete()
        deleted += count


def purge_expired(*, now: datetime | None = None, batch: int = DELETE_BATCH) -> dict:
    """Remove log rows past retention; returns {log: {"partitions": [...], "rows": n}}."""
    boundary = purge_boundary(now)
    result = {}
    for name, model in LOG_MODELS.items():
        with transaction.atomic():
            _record_continuity(name, model, boundary)
        dropped = partitions.drop_partitions_before(
            model._meta.db_table, boundary.astimezone(UTC).date()
        )
        rows = _delete_batched(model, boundary, batch)
        result[name] = {"partitions": dropped, "rows": rows}
        logger.info(
            "audit purge %s before %s: %d partitions, %d rows",
            name,
            boundary.isoformat(),
            len(dropped),
            rows,
        )
    return result


def oldest_kept_day(name: str) -> date | None:
    created = LOG_MODELS[name].objects.order_by("created_at").values_list("created_at", flat=True)
    first = created.first()
    return timezone.localdate(first) if first else None
