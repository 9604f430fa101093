"""The SM3 hash chain: sealing, verification, and tamper detection."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.chain import GENESIS, chain_columns, hash_row
from audit.models import AccessLog, ChainHead, OperationLog
from audit.sealing import seal_pending
from audit.services import operation_log_record
from audit.verify import verify_log


def test_sealer_chains_rows_in_id_order(make_access_rows):
    ids = make_access_rows(4)
    assert AccessLog.objects.filter(seq__isnull=False).count() == 0  # plain on the request path

    assert seal_pending()["access"] == 4

    rows = list(AccessLog.objects.order_by("seq").values_list(*chain_columns(AccessLog)))
    assert [r[0] for r in rows] == ids
    assert [r[2] for r in rows] == [1, 2, 3, 4]
    prev = GENESIS
    for row in rows:
        assert row[3] == prev
        assert row[4] == hash_row(prev, row, row[2])
        prev = row[4]
    assert ChainHead.objects.get(log="access").row_hash == prev
    assert verify_log("access").ok


def test_edited_row_is_named(make_access_rows):
    ids = make_access_rows(5)
    seal_pending()
    AccessLog.objects.filter(id=ids[2]).update(http_status=403)

    result = verify_log("access")

    assert result.problem.kind == "altered"
    assert result.problem.row_id == ids[2]
    assert str(ids[2]) in result.problem.message


def test_deleted_row_is_named(make_access_rows):
    ids = make_access_rows(5)
    seal_pending()
    AccessLog.objects.filter(id=ids[1]).delete()

    result = verify_log("access")

    assert result.problem.kind == "removed"
    assert "seq 2" in result.problem.message
    assert result.problem.row_id == ids[2]


def test_deleted_last_row_is_noticed(make_access_rows):
    ids = make_access_rows(3)
    seal_pending()
    AccessLog.objects.filter(id=ids[-1]).delete()

    result = verify_log("access")

    assert result.problem.kind == "removed"
    assert "end of the chain" in result.problem.message


def test_inserted_row_is_named(make_access_rows):
    ids = make_access_rows(4)
    seal_pending()
    # A forger who knows the scheme: a self-consistent row claiming seq 3.
    genuine = AccessLog.objects.get(id=ids[2])
    forged = AccessLog.objects.create(
        created_at=genuine.created_at,
        endpoint="/api/v1/forged",
        method="GET",
        http_status=200,
        latency_ms=1.0,
    )
    row = AccessLog.objects.filter(id=forged.id).values_list(*chain_columns(AccessLog)).get()
    AccessLog.objects.filter(id=forged.id).update(
        seq=3, prev_hash=genuine.prev_hash, row_hash=hash_row(genuine.prev_hash, row, 3)
    )

    result = verify_log("access")

    assert result.problem.kind == "inserted"
    assert result.problem.row_id == forged.id


def test_rewritten_chain_is_caught_by_the_checkpoint(make_access_rows):
    ids = make_access_rows(3)
    seal_pending()
    # Alter a row AND recompute every hash after it: only the checkpoint knows.
    AccessLog.objects.filter(id=ids[0]).update(http_status=500)
    prev = GENESIS
    for row in AccessLog.objects.order_by("seq").values_list(*chain_columns(AccessLog)):
        new = hash_row(prev, row, row[2])
        AccessLog.objects.filter(id=row[0]).update(prev_hash=prev, row_hash=new)
        prev = new

    result = verify_log("access")

    assert not result.ok
    assert result.problem.seq == 3


def test_operation_log_chain_and_masking(db):
    operation_log_record(
        actor="task:expire_authorizations",
        action="authorization.expire",
        target="authorization:12",
        before={"state": "granted", "patientIdcard": "440106199003071231"},
        after={"state": "expired", "phone": "13800138000", "paastoken": "hosp-a-token"},
    )
    seal_pending()
    row = OperationLog.objects.get()
    assert row.before == {"state": "granted", "patientIdcard": "4401**********1231"}
    assert row.after["phone"] == "138****8000"
    assert "hosp-a-token" not in str(row.after)
    assert (row.actor_type, row.actor_id) == ("task", "expire_authorizations")
    assert (row.target_type, row.target_id) == ("authorization", "12")
    assert verify_log("operation").ok


def test_verify_command_exits_non_zero_naming_the_row(make_access_rows, capsys):
    ids = make_access_rows(3)
    call_command("audit", "seal")
    call_command("audit", "verify", "--no-progress")
    assert "chain intact" in capsys.readouterr().out

    AccessLog.objects.filter(id=ids[1]).update(endpoint="/api/v1/edited")
    with pytest.raises(CommandError, match=f"row id {ids[1]}"):
        call_command("audit", "verify", "--log", "access", "--no-progress")


def test_verify_since_starts_at_the_daily_checkpoint(make_access_rows):
    from datetime import timedelta

    from django.utils import timezone

    from audit.models import ChainCheckpoint

    make_access_rows(3)
    seal_pending()
    # Pretend those rows were sealed yesterday.
    ChainCheckpoint.objects.filter(log="access").update(day=timezone.localdate() - timedelta(1))
    make_access_rows(2)
    seal_pending()

    result = verify_log("access", since=timezone.localdate())

    assert result.ok
    assert result.first_seq == 4
    assert result.checked == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks are PostgreSQL's")
def test_concurrent_sealers_never_double_seal():
    from django.db import connections
    from django.utils import timezone

    from audit.services import access_log_write

    for i in range(300):
        access_log_write(
            created_at=timezone.now(),
            endpoint=f"/e/{i}",
            method="GET",
            http_status=200,
            latency_ms=1.0,
        )
    errors = []

    def seal():
        try:
            for _ in range(5):
                seal_pending(batch=40, logs=["access"])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=seal) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seal_pending(logs=["access"])

    assert not errors
    seqs = sorted(AccessLog.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, 301))
    assert verify_log("access").ok
    assert connection.vendor == "postgresql"


@pytest.mark.parametrize("latency", [0.0, 12.0, 12.34, 1e-05, 0.1 + 0.2, 123456.789, -0.5])
def test_sql_and_python_forms_of_a_row_agree(db, latency):
    from django.db import transaction
    from django.utils import timezone

    from audit.chain_sql import python_payload, sql_fast_path, stream_payloads
    from audit.services import access_log_write

    if not sql_fast_path(AccessLog):
        pytest.skip("the SQL form is PostgreSQL's")
    access_log_write(
        created_at=timezone.now(),
        endpoint="/api/v1/授权/<int:pk>",
        method="POST",
        http_status=502,
        error_code="PROVINCE_UNAVAILABLE",
        latency_ms=latency,
        staff_no="医生-7",
        request_id="r-1",
    )
    seal_pending()
    row = AccessLog.objects.get()
    with transaction.atomic():
        payloads = list(stream_payloads(AccessLog, 1, 1))

    assert payloads[0][4] == python_payload(AccessLog, row.id)
    assert verify_log("access").ok
