"""Monthly range partitions of the log tables (PostgreSQL only).

Each log table ``audit_<x>log`` is ``PARTITION BY RANGE (created_at)`` with
one partition per calendar month in UTC, named ``audit_<x>log_pYYYYMM``, plus
a ``..._default`` partition as a safety net so an insert never fails for lack
of a partition. ``ensure_partitions`` (run after every ``migrate`` and daily
by Celery) creates the months ahead; if the default partition already holds
rows of a month being created, they are moved into the new partition.
``drop_partitions_before`` detaches and drops whole months: that is the purge.
On SQLite the tables are plain and every function here is a no-op.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime

from django.db import connection as default_connection
from django.db import transaction

logger = logging.getLogger(__name__)

LOG_TABLES = ("audit_accesslog", "audit_calllog", "audit_operationlog")
_NAME_RE = re.compile(r"_p(\d{4})(\d{2})$")


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _bound(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat()


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month.year:04d}{month.month:02d}"


def is_partitioned(connection=None) -> bool:
    return (connection or default_connection).vendor == "postgresql"


def create_partitioned_table(schema_editor, model) -> None:
    """Create ``model``'s table: partitioned on PostgreSQL, plain elsewhere."""
    connection = schema_editor.connection
    if not is_partitioned(connection):
        schema_editor.create_model(model)
        return
    qn = schema_editor.quote_name
    table = model._meta.db_table
    columns = []
    for field in model._meta.local_concrete_fields:
        if field.primary_key:
            # Identity columns are not allowed on partitioned tables before
            # PostgreSQL 17: a sequence default serves the same purpose.
            columns.append(f"{qn(field.column)} bigserial NOT NULL")
            continue
        definition, params = schema_editor.column_sql(model, field, include_default=False)
        assert not params, "log columns must not need parameters"
        columns.append(f"{qn(field.column)} {definition}")
    columns.append(f"PRIMARY KEY ({qn('id')}, {qn('created_at')})")
    schema_editor.execute(
        f"CREATE TABLE {qn(table)} ({', '.join(columns)}) PARTITION BY RANGE ({qn('created_at')})"
    )
    schema_editor.execute(f"CREATE TABLE {qn(table + '_default')} PARTITION OF {qn(table)} DEFAULT")
    for index in model._meta.indexes:
        schema_editor.add_index(model, index)
    today = datetime.now(UTC).date()
    for offset in range(-1, 3):
        _create_month(connection, table, add_months(month_start(today), offset))


def drop_table(schema_editor, model) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(model._meta.db_table)}")


def existing_partitions(table: str, connection=None) -> dict[date, str]:
    """{month start: partition name} of ``table``'s monthly partitions."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = %s",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    out = {}
    for name in names:
        match = _NAME_RE.search(name)
        if match:
            out[date(int(match.group(1)), int(match.group(2)), 1)] = name
    return out


def _create_month(connection, table: str, month: date) -> bool:
    """Create one month's partition; False if it already existed."""
    if month in existing_partitions(table, connection):
        return False
    name = partition_name(table, month)
    lower, upper = _bound(month), _bound(add_months(month, 1))
    qn = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Build it standalone, move any rows the default partition caught for
        # this month, then attach (attaching checks the default holds none).
        cursor.execute(
            f"CREATE TABLE {qn(name)} (LIKE {qn(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {qn(table + '_default')} "  # noqa: S608
            "WHERE created_at >= %s AND created_at < %s RETURNING *) "
            f"INSERT INTO {qn(name)} SELECT * FROM moved",
            [lower, upper],
        )
        cursor.execute(
            f"ALTER TABLE {qn(table)} ATTACH PARTITION {qn(name)} "
            f"FOR VALUES FROM ('{lower}') TO ('{upper}')"
        )
    logger.info("audit: created partition %s", name)
    return True


def ensure_partitions(*, months_ahead: int = 2, since: date | None = None, connection=None) -> int:
    """Create the monthly partitions from ``since`` (default: this month) to
    ``months_ahead`` months ahead; returns how many were created."""
    connection = connection or default_connection
    if not is_partitioned(connection):
        return 0
    first = month_start(since or datetime.now(UTC).date())
    last = add_months(month_start(datetime.now(UTC).date()), months_ahead)
    created = 0
    for table in LOG_TABLES:
        month = first
        while month <= last:
            created += _create_month(connection, table, month)
            month = add_months(month, 1)
    return created


def drop_partitions_before(table: str, boundary: date, connection=None) -> list[str]:
    """Detach and drop every monthly partition of ``table`` ending on or
    before ``boundary`` (a month start). Returns the dropped names."""
    connection = connection or default_connection
    if not is_partitioned(connection):
        return []
    qn = connection.ops.quote_name
    dropped = []
    for month, name in sorted(existing_partitions(table, connection).items()):
        if add_months(month, 1) > boundary:
            continue
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {qn(table)} DETACH PARTITION {qn(name)}")
            cursor.execute(f"DROP TABLE {qn(name)}")
        dropped.append(name)
        logger.info("audit: dropped partition %s", name)
    return dropped
