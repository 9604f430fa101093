"""The SM3 hash chain over a log table: canonical form and row hash.

``row_hash = SM3(prev_hash || 0x1e || canonical(row))`` where ``canonical``
joins, with 0x1f, the row's ``id``, ``created_at`` (integer microseconds since
the Unix epoch, UTC), ``seq`` and then the model's ``CHAIN_FIELDS`` in order,
each written with ``str()`` (so NULL is ``None`` and a float is its shortest
round-trip form), except JSON columns (dicts/lists), written as compact JSON
with sorted keys. The form only depends on the values read back from the
database, so the sealer and the verifier (and the bench's bulk loader, which
produces the same text) agree. The first row of a chain links to ``GENESIS``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

GENESIS = "0" * 64
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

try:  # OpenSSL 3 ships SM3: much faster than going through `cryptography`.
    _SM3 = hashlib.new("sm3")

    def sm3(data: bytes) -> str:
        digest = _SM3.copy()  # cheaper than looking the algorithm up by name
        digest.update(data)
        return digest.hexdigest()

except ValueError:  # pragma: no cover - depends on the OpenSSL build
    from hub.gm import sm3_hex as sm3


def chain_columns(model) -> list[str]:
    """The columns read for hashing: id, created_at, seq, prev_hash, row_hash, fields..."""
    return ["id", "created_at", "seq", "prev_hash", "row_hash", *model.CHAIN_FIELDS]


def epoch_us(value: datetime) -> int:
    return (value - _EPOCH) // _US


def _encode(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def canonical(row_id: int, created_at: datetime, seq: int, fields) -> str:
    return "\x1f".join(
        (str(row_id), str(epoch_us(created_at)), str(seq), *[_encode(v) for v in fields])
    )


def _plain_canonical(row_id: int, created_at: datetime, seq: int, fields) -> str:
    # Same text as ``canonical`` for rows without JSON columns, without a
    # Python-level call per value (the verifier's hot loop).
    return "\x1f".join(
        (str(row_id), str((created_at - _EPOCH) // _US), str(seq), *map(str, fields))
    )


def canonical_for(model) -> Callable:
    """The fastest canonical function that is exact for ``model``'s columns."""
    from django.db.models import JSONField

    has_json = any(
        isinstance(model._meta.get_field(name), JSONField) for name in model.CHAIN_FIELDS
    )
    return canonical if has_json else _plain_canonical


def link(prev_hash: str, canonical_text: str) -> str:
    return sm3(f"{prev_hash}\x1e{canonical_text}".encode())


def hash_row(prev_hash: str, row: tuple, seq: int, encode: Callable = canonical) -> str:
    """Hash a row read with ``chain_columns`` (its stored seq/hashes are ignored)."""
    return sm3(f"{prev_hash}\x1e{encode(row[0], row[1], seq, row[5:])}".encode())
