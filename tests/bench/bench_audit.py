"""Audit at city scale, on PostgreSQL, in its own database (``hub_bench_audit``).

Generates ``AUDIT_BENCH_ROWS`` (default 10 million) access-log rows for 300
hospitals over six months, already sealed (a fast path: rows are produced by
``generate_series`` in PostgreSQL, streamed out with COPY, hashed into the SM3
chain in one Python pass and streamed back with COPY into per-month tables
that are indexed and then attached as partitions), plus the daily usage
counters and a province call log. Then prints:

* the monthly report build time (from the counters; target < 5 s),
* ``audit verify`` speed on the whole chain (target >= 100,000 rows/s),
* the purge of the oldest month (DETACH + DROP; target < 10 s),
* the access-log middleware's cost: median request time with logging and
  counting on vs off, measured in the same run (target < 1 ms added).

``AUDIT_BENCH_ROWS=1000000 python -m tests.bench audit`` scales it down;
``python -m tests.bench.bench_audit --rows N`` too. ``AUDIT_BENCH_KEEP=1``
keeps the rows afterwards (they are truncated by default to free the disk).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from tests.bench.audit_logging_cost import middleware_cost

HOSPITALS = 300
MONTHS = 6
DISTRICTS = ("越秀区", "海珠区", "荔湾区", "天河区", "白云区", "黄埔区", "番禺区", "花都区")
LEVELS = ("tertiary", "secondary", "primary", "ungraded")
ENDPOINTS = (
    "/api/v1/authorizations",
    "/api/v1/authorizations/<int:pk>/verify",
    "/api/v1/views",
    "/ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save",
    "/api/v1/usage",
)
KINDS = (
    "auth.sms.started",
    "auth.sms.granted",
    "auth.authcode.granted",
    "auth.face.granted",
    "auth.appointment.synced",
    "view",
    "view.refused",
    "province.failure",
)


def _rows_wanted() -> int:
    if "--rows" in sys.argv:
        return int(sys.argv[sys.argv.index("--rows") + 1])
    return int(os.environ.get("AUDIT_BENCH_ROWS", "10000000"))


def _months(now: datetime) -> list[datetime]:
    """Six full months ending with the last one, as UTC month starts."""
    from audit.partitions import add_months, month_start

    this = month_start(now.date())
    return [
        datetime.combine(add_months(this, -MONTHS + i), datetime.min.time(), UTC)
        for i in range(MONTHS + 1)
    ]


def _use_bench_database():
    from django.db import connection

    settings_dict = connection.settings_dict
    saved = (settings_dict["NAME"], dict(settings_dict.get("TEST") or {}))
    settings_dict.setdefault("TEST", {})
    settings_dict["TEST"]["NAME"] = os.environ.get("AUDIT_BENCH_DB", "hub_bench_audit")
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    return saved


def _restore_database(saved) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = saved[0]
    connection.settings_dict["TEST"] = saved[1]


def _hospitals() -> list[tuple[int, str]]:
    from hospitals.models import Hospital, Stage

    Hospital.objects.filter(org_code__startswith="B9").delete()
    Hospital.objects.bulk_create(
        [
            Hospital(
                org_code=f"B9{n:05d}",
                org_name=f"{DISTRICTS[n % len(DISTRICTS)]}第{n + 1}人民医院",
                district=DISTRICTS[n % len(DISTRICTS)],
                level=LEVELS[n % len(LEVELS)],
                stage=Stage.LIVE,
            )
            for n in range(HOSPITALS)
        ]
    )
    return list(
        Hospital.objects.filter(org_code__startswith="B9")
        .order_by("org_code")
        .values_list("pk", "org_code")
    )


def _reset(cursor) -> None:
    from audit.partitions import existing_partitions

    cursor.execute(
        "TRUNCATE audit_accesslog, audit_calllog, audit_usagecounter, audit_chaincheckpoint, "
        "audit_chainhead, audit_monthlyreport"
    )
    for name in existing_partitions("audit_accesslog").values():
        cursor.execute(f'ALTER TABLE audit_accesslog DETACH PARTITION "{name}"')
        cursor.execute(f'DROP TABLE "{name}"')


def _raw_connection():
    import psycopg
    from django.db import connection

    sd = connection.settings_dict
    conn = psycopg.connect(
        dbname=sd["NAME"],
        host=sd.get("HOST") or None,
        port=sd.get("PORT") or None,
        user=sd.get("USER") or None,
        password=sd.get("PASSWORD") or None,
        autocommit=True,
    )
    conn.execute("SET TIME ZONE 'UTC'")
    return conn


def _sql_array(values, cast: str) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + f"]::{cast}[]"


_OUT_COLUMNS = (
    "hospital_id, org_code, endpoint, method, http_status, error_code, latency_ms, staff_no, "
    "patient_digest, authorization_id, client_ip, request_id, usage"
)


def _generate_sql(lo: int, count: int, start: datetime, step_us: int, hospitals) -> str:
    """Rows lo..lo+count-1 in id (= time) order: id, created_at, epoch us, then
    the chained columns in ``AccessLog.CHAIN_FIELDS`` order."""
    ids = _sql_array([pk for pk, _c in hospitals], "bigint")
    codes = _sql_array([code for _p, code in hospitals], "text")
    hospital = f"1 + (g * 7919) % {len(hospitals)}"
    return f"""COPY (SELECT g, t.ts, (extract(epoch FROM t.ts) * 1000000)::bigint,
        ({ids})[{hospital}], ({codes})[{hospital}],
        ({_sql_array(ENDPOINTS, "text")})[1 + g % {len(ENDPOINTS)}],
        CASE WHEN g % 3 = 0 THEN 'GET' ELSE 'POST' END,
        CASE WHEN g % 50 = 0 THEN 403 WHEN g % 97 = 0 THEN 502 ELSE 200 END,
        CASE WHEN g % 50 = 0 THEN 'NO_LIVE_AUTHORIZATION'
             WHEN g % 97 = 0 THEN 'PROVINCE_UNAVAILABLE' ELSE '' END,
        (((g * 37) % 5000) / 100.0)::float8, 'doc-' || (g % 997), lpad(to_hex(g), 64, 'f'),
        g / 3, '10.' || (g % 250) || '.' || (g % 7) || '.1', lpad(to_hex(g), 32, '0'),
        (ARRAY['view', 'auth.sms.granted', 'view.refused', ''])[1 + g % 4]
      FROM generate_series({lo}::bigint, {lo + count - 1}::bigint) AS g
      CROSS JOIN LATERAL (SELECT timestamptz '{start.isoformat()}'
                          + ((g - {lo}) * {step_us}) * interval '1 microsecond' AS ts) AS t
    ) TO STDOUT"""  # noqa: S608 (generated literals only)


def _index_statements(table: str, cursor) -> list[str]:
    """CREATE INDEX for a standalone month table, matching the parent's indexes
    (so ATTACH PARTITION adopts them instead of building new ones)."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_accesslog' "
        "AND indexname <> 'audit_accesslog_pkey'"
    )
    out = [f'ALTER TABLE "{table}" ADD PRIMARY KEY (id, created_at)']
    for name, definition in cursor.fetchall():
        body = definition.split(" USING ", 1)[1]
        out.append(f'CREATE INDEX "{table}_{name}" ON "{table}" USING {body}')
    return out


def load_access_log(rows: int, months: list[datetime], hospitals) -> None:
    """The sealed fast path (see the module docstring)."""
    from audit.chain import GENESIS, sm3
    from audit.models import ChainCheckpoint, ChainHead
    from audit.partitions import partition_name

    out_conn, in_conn = _raw_connection(), _raw_connection()
    per_month = rows // MONTHS
    prev, seq, day, checkpoints = GENESIS, 0, None, []
    shanghai_us, day_us = 8 * 3600 * 1_000_000, 86400 * 1_000_000
    for i in range(MONTHS):
        start, end = months[i], months[i + 1]
        count = per_month + (rows - per_month * MONTHS if i == MONTHS - 1 else 0)
        step_us = int((end - start).total_seconds() * 1_000_000) // count
        table = partition_name("audit_accesslog", start.date())
        in_conn.execute(
            f'CREATE TABLE "{table}" (LIKE audit_accesslog INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
        )
        copy_in_sql = (
            f'COPY "{table}" (id, created_at, {_OUT_COLUMNS}, seq, prev_hash, row_hash) FROM STDIN'
        )
        lo = seq + 1
        with (
            out_conn.cursor().copy(_generate_sql(lo, count, start, step_us, hospitals)) as out,
            in_conn.cursor().copy(copy_in_sql) as sink,
        ):
            buffer = []
            for block in out:
                parts = bytes(block).decode()[:-1].split("\t")
                seq += 1
                parts[9] = repr(float(parts[9]))  # the chain's float form
                today = (int(parts[2]) + shanghai_us) // day_us
                if today != day:
                    if day is not None:
                        checkpoints.append((day, seq - 1, prev))
                    day = today
                fields = parts[3:]
                if "\\N" in fields:  # COPY's NULL; the chain writes str(None)
                    fields = ["None" if f == "\\N" else f for f in fields]
                canonical = "\x1f".join((parts[0], parts[2], str(seq), *fields))
                row_hash = sm3(f"{prev}\x1e{canonical}".encode())
                buffer.append("\t".join((parts[0], parts[1], *parts[3:], str(seq), prev, row_hash)))
                prev = row_hash
                if len(buffer) >= 10_000:
                    sink.write("\n".join(buffer) + "\n")
                    buffer.clear()
            if buffer:
                sink.write("\n".join(buffer) + "\n")
        for statement in _index_statements(table, in_conn.cursor()):
            in_conn.execute(statement)
        in_conn.execute(
            f'ALTER TABLE audit_accesslog ATTACH PARTITION "{table}" '
            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
    checkpoints.append((day, seq, prev))
    in_conn.execute("SELECT setval(pg_get_serial_sequence('audit_accesslog', 'id'), %s)", [seq])
    in_conn.execute("ANALYZE audit_accesslog")
    out_conn.close()
    in_conn.close()
    epoch = datetime(1970, 1, 1).date()
    ChainHead.objects.update_or_create(log="access", defaults={"seq": seq, "row_hash": prev})
    ChainCheckpoint.objects.bulk_create(
        [
            ChainCheckpoint(
                log="access", kind="daily", day=epoch + timedelta(days=d), seq=s, row_hash=h
            )
            for d, s, h in checkpoints
        ]
    )


def load_counters(months: list[datetime], hospitals, kinds) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_usagecounter (hospital_id, system_id, org_code, day, kind, count) "
            "SELECT h.id, 0, h.code, d::date, k.kind, "
            "1 + ((h.n * 31 + extract(doy FROM d)::int * 7 + k.i * 13) %% 50) "
            "FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS h(id, code, n) "
            "CROSS JOIN generate_series(%s::date, %s::date - 1, interval '1 day') AS d "
            "CROSS JOIN unnest(%s::text[]) WITH ORDINALITY AS k(kind, i)",
            [
                [pk for pk, _c in hospitals],
                [code for _p, code in hospitals],
                months[0].date(),
                months[-1].date(),
                list(kinds),
            ],
        )
        return cursor.rowcount


def load_calls(months: list[datetime], hospitals, per_day: int) -> int:
    from django.db import connection

    from audit.partitions import ensure_partitions

    ensure_partitions(since=months[0].date())
    days = (months[-1] - months[0]).days
    step_us = 86400 * 1_000_000 // per_day
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_calllog (created_at, request_id, prev_hash, row_hash, interface, "
            "http_status, return_code, return_desc, latency_ms, attempt, outcome, "
            "authorization_id, hospital_id, org_code) "
            "SELECT %s::timestamptz + (g::bigint * %s::bigint) * interval '1 microsecond', '', '', '', "
            "'codeAuthRec/save', CASE WHEN g %% 200 = 0 THEN NULL ELSE 200 END, "
            "CASE WHEN g %% 200 = 0 THEN '' ELSE '1' END, '', 40.0, 1, "
            "CASE WHEN g %% 200 = 0 THEN 'transient' ELSE 'ok' END, g, "
            "(%s::bigint[])[1 + g %% %s], (%s::text[])[1 + g %% %s] "
            "FROM generate_series(0, %s - 1) AS g",
            [
                months[0],
                step_us,
                [pk for pk, _c in hospitals],
                len(hospitals),
                [code for _p, code in hospitals],
                len(hospitals),
                days * per_day,
            ],
        )
        return cursor.rowcount


def run() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench_audit needs PostgreSQL (DATABASE_URL); skipped")
        return
    saved = _use_bench_database()
    try:
        _run(_rows_wanted())
    finally:
        _restore_database(saved)


def _run(rows: int) -> None:
    from django.conf import settings
    from django.db import connection

    now = datetime.now(UTC)
    months = _months(now)
    with connection.cursor() as cursor:
        _reset(cursor)
    hospitals = _hospitals()
    print(f"generating {rows:,} sealed access-log rows, {HOSPITALS} hospitals, {MONTHS} months")
    started = time.perf_counter()
    load_access_log(rows, months, hospitals)
    load_s = time.perf_counter() - started
    print(f"  generated + sealed + indexed in {load_s:6.1f} s ({rows / load_s:,.0f} rows/s)")
    started = time.perf_counter()
    counters = load_counters(months, hospitals, KINDS)
    calls = load_calls(months, hospitals, per_day=2000)
    print(
        f"  {counters:,} daily usage counters, {calls:,} province calls "
        f"in {time.perf_counter() - started:.1f} s"
    )

    report_month = f"{months[-2]:%Y-%m}"
    from audit.reports import report_build

    saved_media = settings.MEDIA_ROOT
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as media:
        settings.MEDIA_ROOT = media
        try:
            started = time.perf_counter()
            report = report_build(month=report_month)
            report_s = time.perf_counter() - started
        finally:
            settings.MEDIA_ROOT = saved_media
    print(
        f"monthly report {report_month} ({report.summary['hospitals']} hospitals): "
        f"{report_s:6.2f} s   (target < 5 s)"
    )

    from audit.verify import verify_log

    started = time.perf_counter()
    result = verify_log("access")
    verify_s = time.perf_counter() - started
    assert result.ok, result.problem
    print(
        f"audit verify: {result.checked:,} rows in {verify_s:6.1f} s = "
        f"{result.checked / verify_s:,.0f} rows/s   (target >= 100,000 rows/s)"
    )

    from audit.partitions import existing_partitions
    from audit.retention import purge_expired

    # "now" such that exactly the oldest generated month is past retention.
    pretend = months[1] + timedelta(days=settings.AUDIT_RETENTION_DAYS, hours=12)
    before = len(existing_partitions("audit_accesslog"))
    started = time.perf_counter()
    outcome = purge_expired(now=pretend)["access"]
    purge_s = time.perf_counter() - started
    after = len(existing_partitions("audit_accesslog"))
    print(
        f"purge of one month ({', '.join(outcome['partitions'])}): {purge_s:6.2f} s, "
        f"partitions {before} -> {after}   (target < 10 s)"
    )
    from audit.models import AccessLog, ChainCheckpoint

    anchor = ChainCheckpoint.objects.get(log="access", kind="purge")
    first = AccessLog.objects.filter(seq=anchor.seq + 1).values_list("prev_hash", flat=True)
    print(
        f"  verifiable start kept: purge checkpoint at seq {anchor.seq:,}; "
        f"the first remaining row links to it: {first.first() == anchor.row_hash}"
    )

    on, off = middleware_cost()
    print(
        f"request median, access log + counters ON:  {on * 1000:7.3f} ms\n"
        f"request median, access log + counters OFF: {off * 1000:7.3f} ms\n"
        f"added by logging and counting:             {(on - off) * 1000:7.3f} ms   "
        "(target < 1 ms)"
    )
    if not os.environ.get("AUDIT_BENCH_KEEP"):
        with connection.cursor() as cursor:
            _reset(cursor)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    run()
