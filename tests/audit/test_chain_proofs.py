"""Proofs for the audit chain that the other chain tests leave open:

- the verifier's previous-hash check: a row re-linked by a forger (its own
  hash recomputed, so its content check passes) is named;
- the verifier's checkpoint check: a chain rewritten end to end, head
  included, is caught by an older daily checkpoint alone;
- the chain hash is SM3 (GB/T 32905), recomputed here with gmssl, an
  independent pure-Python implementation, from the documented canonical form
  (docs/audit.md), and is not SHA-256.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from datetime import timedelta

from django.utils import timezone
from gmssl import func
from gmssl.sm3 import sm3_hash

from audit.chain import GENESIS, chain_columns, hash_row
from audit.models import AccessLog, ChainCheckpoint, ChainHead, OperationLog
from audit.sealing import seal_pending
from audit.services import operation_log_record
from audit.verify import verify_log

# GB/T 32905-2016 appendix A, example 1: SM3("abc").
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def gmssl_sm3(data: bytes) -> str:
    return sm3_hash(func.bytes_to_list(data))


def _rows(model) -> list[tuple]:
    return list(model.objects.order_by("seq").values_list(*chain_columns(model)))


# --- previous-hash check -----------------------------------------------------------------


def test_a_relinked_row_is_named_by_the_previous_hash_check(make_access_rows):
    ids = make_access_rows(5)
    seal_pending()
    # A forger points row seq 3 at another predecessor and recomputes its own
    # hash, so that the row's content check still passes. Row 4, untouched,
    # still holds the old hash of row 3 as its prev_hash.
    forged_prev = "ab" * 32
    row = AccessLog.objects.filter(id=ids[2]).values_list(*chain_columns(AccessLog)).get()
    AccessLog.objects.filter(id=ids[2]).update(
        prev_hash=forged_prev, row_hash=hash_row(forged_prev, row, 3)
    )

    result = verify_log("access")

    assert not result.ok
    assert result.problem.kind == "broken"
    assert (result.problem.row_id, result.problem.seq) == (ids[2], 3)
    assert result.problem.message == (
        f"row id {ids[2]} (seq 3) does not link to the row before it: "
        "a row was altered, removed or inserted"
    )


def test_a_prev_hash_edited_alone_is_named(make_access_rows):
    ids = make_access_rows(4)
    seal_pending()
    AccessLog.objects.filter(id=ids[1]).update(prev_hash="cd" * 32)

    result = verify_log("access")

    assert result.problem is not None
    assert (result.problem.row_id, result.problem.seq) == (ids[1], 2)


# --- checkpoint check --------------------------------------------------------------------


def test_a_rewritten_chain_with_its_head_is_caught_by_yesterdays_checkpoint(make_access_rows):
    yesterday = timezone.localdate() - timedelta(days=1)
    ids = make_access_rows(3)
    seal_pending()
    # Those three were sealed yesterday: yesterday's checkpoint holds seq 3.
    ChainCheckpoint.objects.filter(log="access").update(day=yesterday)
    ids += make_access_rows(2)
    seal_pending()
    assert ChainCheckpoint.objects.get(log="access", day=yesterday).seq == 3

    # The forger alters row 2 and recomputes every hash after it, the chain
    # head and today's checkpoint too: the chain is self-consistent and only
    # yesterday's checkpoint (anchored outside the database) still knows.
    AccessLog.objects.filter(id=ids[1]).update(http_status=500)
    prev = GENESIS
    for row in _rows(AccessLog):
        new = hash_row(prev, row, row[2])
        AccessLog.objects.filter(id=row[0]).update(prev_hash=prev, row_hash=new)
        prev = new
    ChainHead.objects.filter(log="access").update(row_hash=prev)
    ChainCheckpoint.objects.filter(log="access", day=timezone.localdate()).update(row_hash=prev)

    result = verify_log("access")

    assert not result.ok
    assert result.problem.kind == "altered"
    assert (result.problem.row_id, result.problem.seq) == (ids[2], 3)
    assert result.problem.message == (
        f"row id {ids[2]} (seq 3) differs from the daily checkpoint of "
        f"{yesterday.isoformat()}: chain rewritten"
    )


def test_the_untampered_two_day_chain_verifies(make_access_rows):
    make_access_rows(3)
    seal_pending()
    ChainCheckpoint.objects.filter(log="access").update(
        day=timezone.localdate() - timedelta(days=1)
    )
    make_access_rows(2)
    seal_pending()
    result = verify_log("access")
    assert result.ok and result.checked == 5


# --- the hash is SM3 ---------------------------------------------------------------------


def _epoch_us(value) -> int:
    return calendar.timegm(value.utctimetuple()) * 1_000_000 + value.microsecond


def _canonical_text(row: AccessLog) -> str:
    """docs/audit.md: id 0x1f created_at_us 0x1f seq 0x1f field1 0x1f ...,
    each value written with str() (NULL is None, floats in Python's form)."""
    values = [row.id, _epoch_us(row.created_at), row.seq]
    values += [getattr(row, name) for name in AccessLog.CHAIN_FIELDS]
    return "\x1f".join(str(v) for v in values)


def test_the_reference_sm3_gives_the_standard_vector():
    assert gmssl_sm3(b"abc") == SM3_ABC


def test_access_log_row_hashes_are_sm3_of_the_documented_form(make_access_rows):
    make_access_rows(3, staff_no="医生-7", client_ip="10.1.2.3", request_id="r-1")
    seal_pending()

    prev = GENESIS
    for row in AccessLog.objects.order_by("seq"):
        data = f"{prev}\x1e{_canonical_text(row)}".encode()
        assert row.prev_hash == prev
        assert row.row_hash == gmssl_sm3(data), f"row {row.id} is not SM3-chained"
        assert row.row_hash != hashlib.sha256(data).hexdigest()
        prev = row.row_hash
    assert ChainHead.objects.get(log="access").row_hash == prev


def test_operation_log_row_hash_is_sm3_with_compact_sorted_json(db):
    operation_log_record(
        actor="task:expire_authorizations",
        action="authorization.expire",
        target="authorization:12",
        before={"state": "granted", "b": [1, 2]},
        after={"state": "expired", "名": "值"},
    )
    seal_pending()
    row = OperationLog.objects.get()

    def encode(value) -> str:
        if isinstance(value, dict | list):
            return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return str(value)

    values = [str(row.id), str(_epoch_us(row.created_at)), str(row.seq)]
    values += [encode(getattr(row, name)) for name in OperationLog.CHAIN_FIELDS]
    data = f"{GENESIS}\x1e" + "\x1f".join(values)
    assert row.row_hash == gmssl_sm3(data.encode())
    assert row.row_hash != hashlib.sha256(data.encode()).hexdigest()
