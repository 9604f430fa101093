"""Walk a log's hash chain and name the first row altered, removed or inserted.

Rows are streamed in ``seq`` order through a server-side cursor and hashed in
a tight loop. The walk starts at ``seq`` 1 (linked to ``GENESIS``), or after
a purge at the ``purge`` checkpoint just below the first remaining row, or
with ``since`` at the last daily checkpoint before that day. It checks, for
each row: its content still gives its ``row_hash``; its ``prev_hash`` is the
previous row's hash; no ``seq`` is missing or doubled; a checkpointed ``seq``
still has its checkpointed hash (so a rewritten chain is caught too); and at
the end, that the chain reaches the recorded head (rows removed at the tail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from audit.chain import GENESIS, sm3
from audit.chain_sql import CHUNK, python_payload, stream_payloads
from audit.models import LOG_MODELS, ChainCheckpoint, ChainHead


@dataclass
class Problem:
    kind: str  # altered | removed | inserted | broken | unanchored
    row_id: int | None
    seq: int | None
    message: str


@dataclass
class VerifyResult:
    log: str
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    unsealed: int = 0
    problem: Problem | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _start(name: str, model, since: date | None, anchors: dict) -> tuple[int, str] | Problem | None:
    """(first seq to check, hash it must link to); None when nothing is sealed."""
    if since is not None:
        checkpoint = (
            ChainCheckpoint.objects.filter(log=name, kind=ChainCheckpoint.Kind.DAILY, day__lt=since)
            .order_by("-day")
            .first()
        )
        if checkpoint is not None:
            return checkpoint.seq + 1, checkpoint.row_hash
    first = model.objects.filter(seq__isnull=False).order_by("seq").values_list("seq", "id").first()
    if first is None:
        return None
    first_seq, first_id = first
    if first_seq == 1:
        return 1, GENESIS
    if first_seq - 1 in anchors:
        return first_seq, anchors[first_seq - 1][1]
    return Problem(
        "unanchored",
        first_id,
        first_seq,
        f"rows before seq {first_seq} are gone and no checkpoint records seq {first_seq - 1}: "
        f"the start of the chain (row id {first_id}) cannot be verified",
    )


def verify_log(
    name: str, *, since: date | None = None, progress: Callable[[int], None] | None = None
) -> VerifyResult:
    model = LOG_MODELS[name]
    result = VerifyResult(log=name)
    result.unsealed = model.objects.filter(seq__isnull=True).count()
    anchors: dict[int, tuple[str, str]] = {}
    gaps: dict[int, tuple[str, str]] = {}
    for kind, seq, prev, row_hash, day in ChainCheckpoint.objects.filter(log=name).values_list(
        "kind", "seq", "prev_hash", "row_hash", "day"
    ):
        if kind == ChainCheckpoint.Kind.GAP:
            gaps[seq] = (prev, row_hash)
        else:
            anchors[seq] = (f"{kind} checkpoint of {day}", row_hash)
    start = _start(name, model, since, anchors)
    if start is None:
        return result
    if isinstance(start, Problem):
        result.problem = start
        return result
    expected, prev = start
    result.first_seq = expected
    # The head is read before the walk, and the walk stops there: rows the
    # sealer adds meanwhile are left for the next run.
    head = ChainHead.objects.filter(log=name).first()
    last_seq = head.seq if head is not None else 0
    with transaction.atomic():  # a plain (not WITH HOLD) server-side cursor: it streams
        checked, expected, prev, prev_id, problem = _walk(
            model, expected, last_seq, prev, anchors, gaps, progress
        )
    if problem is None:
        # Purged rows that had been sealed last (late commits) at the tail.
        while expected <= last_seq and expected in gaps and gaps[expected][0] == prev:
            prev = gaps[expected][1]
            expected += 1
    result.checked = checked
    result.last_seq = expected - 1
    if problem is None and head is not None:
        if head.seq > expected - 1:
            problem = Problem(
                "removed",
                None,
                expected,
                f"seq {expected}..{head.seq} missing at the end of the chain: row(s) removed",
            )
        elif head.row_hash != prev:
            problem = Problem(
                "altered", prev_id, head.seq, "the last row does not match the recorded head hash"
            )
    result.problem = problem
    return result


def _walk(model, expected, last_seq, prev, anchors, gaps, progress):
    prev2 = None
    prev_id = None
    checked = 0
    problem = None
    for row_id, seq, row_prev, row_hash, payload in stream_payloads(model, expected, last_seq):
        while seq > expected and expected in gaps and gaps[expected][0] == prev:
            prev2, prev = prev, gaps[expected][1]  # a row the purge removed, on record
            expected += 1
        if seq < expected:
            problem = Problem(
                "inserted",
                row_id,
                seq,
                f"row id {row_id} repeats seq {seq} (already held by row id {prev_id}): "
                "a row was inserted",
            )
            break
        if seq > expected:
            span = f"seq {expected}" if seq == expected + 1 else f"seq {expected}..{seq - 1}"
            problem = Problem(
                "removed", row_id, seq, f"{span} missing before row id {row_id}: row(s) removed"
            )
            break
        if sm3(payload.encode()) != row_hash and not _python_agrees(model, row_id, row_hash):
            problem = Problem(
                "altered", row_id, seq, f"row id {row_id} (seq {seq}) was altered: hash mismatch"
            )
            break
        if row_prev != prev:
            if prev2 is not None and row_prev == prev2:
                problem = Problem(
                    "inserted",
                    prev_id,
                    seq - 1,
                    f"row id {prev_id} (seq {seq - 1}) was inserted: row id {row_id} "
                    "links to the row before it",
                )
            else:
                problem = Problem(
                    "broken",
                    row_id,
                    seq,
                    f"row id {row_id} (seq {seq}) does not link to the row before it: "
                    "a row was altered, removed or inserted",
                )
            break
        anchor = anchors.get(seq)
        if anchor is not None and anchor[1] != row_hash:
            problem = Problem(
                "altered",
                row_id,
                seq,
                f"row id {row_id} (seq {seq}) differs from the {anchor[0]}: chain rewritten",
            )
            break
        prev2, prev, prev_id = prev, row_hash, row_id
        expected = seq + 1
        checked += 1
        if progress is not None and checked % CHUNK == 0:
            progress(CHUNK)
    if progress is not None:
        progress(checked % CHUNK)
    return checked, expected, prev, prev_id, problem


def _python_agrees(model, row_id: int, row_hash: str) -> bool:
    payload = python_payload(model, row_id)
    return payload is not None and sm3(payload.encode()) == row_hash


def expected_rows(name: str, since: date | None = None) -> int:
    """Rows a verification will walk (for a progress bar's total), without COUNT(*)."""
    head = ChainHead.objects.filter(log=name).first()
    if head is None:
        return 0
    model = LOG_MODELS[name]
    if since is not None:
        checkpoint = (
            ChainCheckpoint.objects.filter(log=name, kind="daily", day__lt=since)
            .order_by("-day")
            .first()
        )
        if checkpoint is not None:
            return max(head.seq - checkpoint.seq, 0)
    first = model.objects.filter(seq__isnull=False).order_by("seq").values_list("seq", flat=True)
    first_seq = first.first()
    return 0 if first_seq is None else max(head.seq - first_seq + 1, 0)
