"""Retention: the six-month floor, and a purge that leaves a verifiable chain."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import timezone

from audit import partitions
from audit.models import AccessLog, ChainCheckpoint
from audit.retention import enforce_retention_setting, purge_expired
from audit.sealing import seal_pending
from audit.services import access_log_write
from audit.verify import verify_log

ROOT = Path(__file__).resolve().parents[2]


@override_settings(AUDIT_RETENTION_DAYS=182)
def test_check_refuses_retention_below_183_days():
    errors = [e for e in run_checks() if e.id == "audit.E001"]

    assert len(errors) == 1
    assert "AUDIT_RETENTION_DAYS=182 is below the minimum of 183 days" in errors[0].msg
    with pytest.raises(ImproperlyConfigured, match="six months"):
        enforce_retention_setting()


@override_settings(AUDIT_RETENTION_DAYS=183)
def test_183_days_is_accepted():
    assert not [e for e in run_checks() if e.id == "audit.E001"]


def test_process_refuses_to_start_below_the_floor():
    env = {**os.environ, "AUDIT_RETENTION_DAYS": "30"}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode != 0
    assert "AUDIT_RETENTION_DAYS=30 is below the minimum of 183 days" in done.stderr


def _row(when, endpoint):
    access_log_write(
        created_at=when, endpoint=endpoint, method="GET", http_status=200, latency_ms=1.0
    )


def test_purge_drops_old_months_and_keeps_a_verifiable_start(db, settings):
    settings.AUDIT_RETENTION_DAYS = 190
    now = timezone.now()
    old, older = now - timedelta(days=240), now - timedelta(days=330)
    partitions.ensure_partitions(since=old.date())
    for i in range(3):
        _row(old, f"/old/{i}")
    _row(now, "/new/0")
    _row(now, "/new/1")
    _row(old, "/old/late")  # a transaction that committed late: sealed after new rows
    _row(now, "/new/2")
    _row(older, "/older/default")  # no partition for that month: the DEFAULT one holds it
    seal_pending()
    assert verify_log("access").ok

    result = purge_expired()["access"]

    remaining = list(AccessLog.objects.order_by("seq").values_list("endpoint", "seq"))
    assert remaining == [("/new/0", 4), ("/new/1", 5), ("/new/2", 7)]
    if partitions.is_partitioned():
        month = partitions.month_start(old.date())
        assert partitions.partition_name("audit_accesslog", month) in result["partitions"]
        assert month not in partitions.existing_partitions("audit_accesslog")
        assert result["rows"] == 1  # the DEFAULT partition's row, deleted in batches
    purge = ChainCheckpoint.objects.get(log="access", kind="purge")
    assert purge.seq == 3
    assert ChainCheckpoint.objects.filter(log="access", kind="gap", seq=6).exists()

    verified = verify_log("access")
    assert verified.ok, verified.problem
    assert (verified.first_seq, verified.checked) == (4, 3)

    # The start is checked too: remove the first kept row and the walk says so.
    AccessLog.objects.filter(seq=4).delete()
    assert verify_log("access").problem.kind == "unanchored"


def test_partitions_exist_ahead_and_default_catches_the_rest(db):
    if not partitions.is_partitioned():
        pytest.skip("partitions are PostgreSQL's")
    this_month = partitions.month_start(timezone.now().date())
    existing = partitions.existing_partitions("audit_accesslog")
    for offset in range(3):
        assert partitions.add_months(this_month, offset) in existing
    # A row far in the future lands in DEFAULT, and creating its month moves it.
    future = timezone.now() + timedelta(days=400)
    _row(future, "/future")
    partitions.ensure_partitions(since=future.date(), months_ahead=14)
    assert AccessLog.objects.get().endpoint == "/future"
