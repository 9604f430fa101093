"""SM3 (GB/T 32905) digest and HMAC-SM3."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac


def sm3_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes | str) -> bytes:
    if isinstance(data, str):
        data = data.encode("utf-8")
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def hmac_sm3_hex(key: bytes, data: bytes | str) -> str:
    return hmac_sm3(key, data).hex()
