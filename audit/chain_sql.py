"""The chain's hashed text, built by PostgreSQL: the fast path of ``audit verify``.

For a log without JSON columns the verifier asks PostgreSQL for
``prev_hash || 0x1e || canonical(row)`` directly, so Python only hashes and
compares while the server (another core) formats. The SQL mirrors
``audit.chain.canonical`` value by value (``str()`` of each column, ``None``
for NULL, floats in Python's shortest form); should the two ever disagree on
some unusual value, the verifier re-checks that row with the Python form
before calling it altered, so a formatting difference costs time, never a
false alarm.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.db import connection, models

from audit.chain import canonical_for, chain_columns

CHUNK = 20_000
_FLOAT = (
    # Python writes integral floats as "12.0" and PostgreSQL as "12"; both use
    # exponents below 1e-4, PostgreSQL already from 1e15 (latencies never are).
    "CASE WHEN {c} = trunc({c}) AND abs({c}) < 1e15 THEN {c}::text || '.0' ELSE {c}::text END"
)


def _expression(model, name: str) -> str:
    field = model._meta.get_field(name)
    column = connection.ops.quote_name(field.column)
    if isinstance(field, models.FloatField):
        text = _FLOAT.format(c=column)
    elif isinstance(field, models.CharField | models.TextField):
        text = column
    else:
        text = f"{column}::text"
    return f"COALESCE({text}, 'None')"


def payload_sql(model) -> str:
    parts = [
        "id::text",
        "((extract(epoch FROM created_at) * 1000000)::bigint)::text",
        "seq::text",
        *(_expression(model, name) for name in model.CHAIN_FIELDS),
    ]
    return "prev_hash || E'\\x1e' || " + " || E'\\x1f' || ".join(parts)


def sql_fast_path(model) -> bool:
    from audit.chain import _plain_canonical

    return connection.vendor == "postgresql" and canonical_for(model) is _plain_canonical


def stream_payloads(model, first_seq: int, last_seq: int) -> Iterator[tuple]:
    """(id, seq, prev_hash, row_hash, payload) in seq order; inside a transaction."""
    if not sql_fast_path(model):
        yield from _python_payloads(model, first_seq, last_seq)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"SELECT id, seq, prev_hash, row_hash, {payload_sql(model)} FROM {table} "  # noqa: S608
        "WHERE seq >= %s AND seq <= %s ORDER BY seq, id"
    )
    connection.ensure_connection()
    name = f"audit_verify_{uuid.uuid4().hex}"
    with connection.connection.cursor(name=name, binary=True) as cursor:
        cursor.itersize = CHUNK
        cursor.execute(sql, [first_seq, last_seq])
        yield from cursor


def _python_payloads(model, first_seq: int, last_seq: int) -> Iterator[tuple]:
    encode = canonical_for(model)
    rows = (
        model.objects.filter(seq__gte=first_seq, seq__lte=last_seq)
        .order_by("seq", "id")
        .values_list(*chain_columns(model))
        .iterator(chunk_size=CHUNK)
    )
    for row in rows:
        yield (
            row[0],
            row[2],
            row[3],
            row[4],
            f"{row[3]}\x1e{encode(row[0], row[1], row[2], row[5:])}",
        )


def python_payload(model, row_id: int) -> str | None:
    """The Python form of one row's hashed text (the arbiter on a mismatch)."""
    row = model.objects.filter(id=row_id).values_list(*chain_columns(model)).first()
    if row is None:
        return None
    return f"{row[3]}\x1e{canonical_for(model)(row[0], row[1], row[2], row[5:])}"
