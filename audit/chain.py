"""The SM3 hash chain over a log table: canonical form and row hash.

``row_hash = SM3(prev_hash || 0x1e || canonical(row))`` where ``canonical``
joins, with 0x1f, the row's ``id``, ``created_at`` (integer microseconds since
the Unix epoch, UTC), ``seq`` and then the model's ``CHAIN_FIELDS`` in order.
Each value is written as: ``\\N`` for NULL, ``repr(float)`` for floats,
compact sorted JSON for dicts/lists, ``str()`` for everything else. The form
only depends on the values read back from the database, so the sealer and the
verifier (and the bench's bulk loader, which produces the same text) agree.
The first row of a chain links to ``GENESIS``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

GENESIS = "0" * 64
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_NULL = "\\N"

try:  # OpenSSL 3 ships SM3: ~10x faster than going through `cryptography`.
    hashlib.new("sm3")

    def sm3(data: bytes) -> str:
        return hashlib.new("sm3", data).hexdigest()

except ValueError:  # pragma: no cover - depends on the OpenSSL build
    from hub.gm import sm3_hex as sm3


def chain_columns(model) -> list[str]:
    """The columns read for hashing: id, created_at, seq, prev_hash, row_hash, fields..."""
    return ["id", "created_at", "seq", "prev_hash", "row_hash", *model.CHAIN_FIELDS]


def epoch_us(value: datetime) -> int:
    return (value - _EPOCH) // _US


def _encode(value) -> str:
    if value is None:
        return _NULL
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, datetime):
        return str(epoch_us(value))
    return str(value)


def canonical(row_id: int, created_at: datetime, seq: int, fields) -> str:
    return "\x1f".join(
        [str(row_id), str(epoch_us(created_at)), str(seq), *[_encode(v) for v in fields]]
    )


def link(prev_hash: str, canonical_text: str) -> str:
    return sm3(f"{prev_hash}\x1e{canonical_text}".encode())


def hash_row(prev_hash: str, row: tuple, seq: int) -> str:
    """Hash a row read with ``chain_columns`` (its stored seq/hashes are ignored)."""
    return link(prev_hash, canonical(row[0], row[1], seq, row[5:]))
