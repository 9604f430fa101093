"""The sealer: chains the rows written plain on the request path.

For each log table, in one transaction per batch: lock the log's
``ChainHead`` row (PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``, so a
second sealer just finds nothing to do), read the oldest unsealed rows in id
order, give each the next ``seq``, its ``prev_hash`` and its ``row_hash``, and
move the head with a conditional update (``WHERE seq = <old>``: on SQLite,
which has no row locks, a lost race rolls the batch back instead of
double-sealing). The chain order is ``seq``; a transaction that commits late
simply gets a later ``seq``.

Each seal also updates the day's ``ChainCheckpoint`` (the daily head hash),
and the previous day's final head is written to the application log so it can
be anchored outside the database.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import canonical_for, chain_columns, hash_row
from audit.models import LOG_MODELS, ChainCheckpoint, ChainHead

logger = logging.getLogger(__name__)

MAX_BATCHES_PER_RUN = 200


class _LostRace(Exception):
    pass


def seal_pending(*, batch: int = 5000, logs=None) -> dict[str, int]:
    """Seal every unsealed row (up to ``MAX_BATCHES_PER_RUN`` batches per log).

    Returns the number of rows sealed per log name.
    """
    sealed: dict[str, int] = {}
    for name in logs or LOG_MODELS:
        ChainHead.objects.bulk_create([ChainHead(log=name)], ignore_conflicts=True)
        total = 0
        for _ in range(MAX_BATCHES_PER_RUN):
            try:
                count = _seal_batch(name, batch)
            except _LostRace:
                break
            total += count
            if count < batch:
                break
        sealed[name] = total
    return sealed


def _seal_batch(name: str, batch: int) -> int:
    model = LOG_MODELS[name]
    with transaction.atomic():
        heads = ChainHead.objects.filter(log=name)
        if connection.features.has_select_for_update_skip_locked:
            heads = heads.select_for_update(skip_locked=True)
        head = heads.first()
        if head is None:  # another sealer holds this chain right now
            return 0
        rows = list(
            model.objects.filter(seq__isnull=True)
            .order_by("id")
            .values_list(*chain_columns(model))[:batch]
        )
        if not rows:
            return 0
        seq, prev = head.seq, head.row_hash
        encode = canonical_for(model)
        updates = []
        for row in rows:
            seq += 1
            row_hash = hash_row(prev, row, seq, encode)
            updates.append((row[0], row[1], seq, prev, row_hash))
            prev = row_hash
        write_chain(model, updates)
        moved = ChainHead.objects.filter(log=name, seq=head.seq).update(
            seq=seq, row_hash=prev, sealed_at=timezone.now()
        )
        if moved != 1:
            raise _LostRace
        _checkpoint(name, seq, prev)
    return len(rows)


def write_chain(model, updates: list[tuple]) -> None:
    """Store (id, created_at, seq, prev_hash, row_hash) tuples on their rows."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, stamps, seqs, prevs, hashes = (list(col) for col in zip(*updates, strict=True))
            # created_at in the join lets PostgreSQL prune to the right partition.
            cursor.execute(
                f"UPDATE {table} AS t SET seq = v.seq, prev_hash = v.prev, row_hash = v.h "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[], %s::text[], "
                "%s::text[]) AS v(id, created_at, seq, prev, h) "
                "WHERE t.id = v.id AND t.created_at = v.created_at",
                [ids, stamps, seqs, prevs, hashes],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, row_hash = %s WHERE id = %s",  # noqa: S608
                [(s, p, h, i) for i, _c, s, p, h in updates],
            )


def _checkpoint(name: str, seq: int, row_hash: str) -> None:
    today = timezone.localdate()
    updated = ChainCheckpoint.objects.filter(
        log=name, kind=ChainCheckpoint.Kind.DAILY, day=today
    ).update(seq=seq, row_hash=row_hash, updated_at=timezone.now())
    if updated:
        return
    previous = (
        ChainCheckpoint.objects.filter(log=name, kind=ChainCheckpoint.Kind.DAILY, day__lt=today)
        .order_by("-day")
        .first()
    )
    if previous is not None:
        # Anchor outside the database: the final head of the previous day.
        logger.info(
            "audit chain %s head for %s: seq=%s sm3=%s",
            name,
            previous.day.isoformat(),
            previous.seq,
            previous.row_hash,
        )
    ChainCheckpoint.objects.create(
        log=name, kind=ChainCheckpoint.Kind.DAILY, day=today, seq=seq, row_hash=row_hash
    )
