"""The province gateway's request signature (``x-tif-*`` headers).

``signature = UPPER(hex(SHA256(timestamp + paastoken + nonce + timestamp)))``.
The token itself is never sent and the body is not covered. We send uppercase,
accept either case, compare in constant time, refuse a timestamp more than
180 s from our clock and a nonce seen before within that window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Protocol

MAX_SKEW_SECONDS = 180
MAX_NONCE_LENGTH = 128


class SignatureError(Exception):
    """Why a signed request was refused. ``reason`` is one of ``missing_headers``,
    ``bad_timestamp``, ``stale_timestamp``, ``bad_signature``, ``replayed_nonce``,
    ``bad_nonce``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class NonceStore(Protocol):
    def add(self, key: str, ttl_seconds: int) -> bool:
        """Record ``key``; False when it was already there (a replay)."""


def sign(timestamp: str, paastoken: str, nonce: str) -> str:
    material = f"{timestamp}{paastoken}{nonce}{timestamp}".encode()
    return hashlib.sha256(material).hexdigest().upper()


def new_nonce() -> str:
    return secrets.token_hex(12)


def signed_headers(
    paasid: str,
    paastoken: str,
    *,
    timestamp: str | int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or new_nonce()
    return {
        "x-tif-paasid": paasid,
        "x-tif-timestamp": ts,
        "x-tif-nonce": nonce,
        "x-tif-signature": sign(ts, paastoken, nonce),
        "Content-Type": "application/json",
    }


def check_timestamp(
    timestamp: str, *, now: float | None = None, max_skew: int = MAX_SKEW_SECONDS
) -> int:
    # isascii(): str.isdigit() also accepts "²" and Arabic-Indic digits, which
    # int() then either rejects (a crash) or reads as a number the caller never sent.
    if not timestamp or not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise SignatureError("bad_timestamp", "x-tif-timestamp must be Unix seconds")
    value = int(timestamp)
    now = time.time() if now is None else now
    if abs(now - value) > max_skew:
        raise SignatureError(
            "stale_timestamp", f"x-tif-timestamp is more than {max_skew} s from the server clock"
        )
    return value


def verify(
    *,
    paasid: str,
    timestamp: str,
    nonce: str,
    signature: str,
    paastokens: list[str] | tuple[str, ...],
    nonce_store: NonceStore | None,
    now: float | None = None,
    max_skew: int = MAX_SKEW_SECONDS,
) -> str:
    """Check one signed request; return the token that matched.

    ``paastokens`` may hold more than one token (a rotation's overlap window).
    The nonce is recorded only after the signature checks, so a forger cannot
    burn a legitimate caller's nonces.
    """
    if not (paasid and timestamp and nonce and signature):
        raise SignatureError("missing_headers", "the x-tif-* signature headers are incomplete")
    if len(nonce) > MAX_NONCE_LENGTH or not nonce.isprintable():
        raise SignatureError("bad_nonce", "x-tif-nonce is too long or not printable")
    check_timestamp(timestamp, now=now, max_skew=max_skew)
    given = signature.strip().upper().encode()
    matched = None
    for token in paastokens:
        if hmac.compare_digest(sign(timestamp, token, nonce).encode(), given):
            matched = token
    if matched is None:
        raise SignatureError("bad_signature", "x-tif-signature does not match")
    # Length-prefixed so that paasid "a:b" + nonce "c" and "a" + "b:c" stay apart.
    nonce_key = f"{len(paasid)}:{paasid}:{nonce}"
    if nonce_store is not None and not nonce_store.add(nonce_key, 2 * max_skew):
        raise SignatureError("replayed_nonce", "this x-tif-nonce was already used")
    return matched
