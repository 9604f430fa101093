"""SM4 ECB hex and SM3: ``hub.gm`` (OpenSSL through ``cryptography``) against
gmssl (pure Python), measured in the same run and printed as a ratio.

One SM4 operation is what the relay does per field: parse the key, encrypt to
hex, then decrypt that hex back. Payloads: a 120-byte viewer ``param`` string
and 64 KiB.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gmssl import func
from gmssl.sm3 import sm3_hash
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4

from hub.gm import sm3_hex, sm4_decrypt_ecb_hex, sm4_encrypt_ecb_hex

KEY = "33edd0637a6cbd8e7d057fbc0944d621"
# A viewer ``param`` of exactly 120 UTF-8 bytes (spec §2.4 field order).
PARAM = (
    "orgCode=455404482&staffNo=a1&staffName=张&cardType=01&idcard=64212419560933091T"
    "&patientName=N&patientId=1&callSysCode=z"
)
LARGE = "x" * 65536
BUDGET_SECONDS = 0.6  # per implementation and payload; the whole module stays ~10 s


def per_second(fn: Callable[[], object], budget: float = BUDGET_SECONDS) -> float:
    """Operations per second: repeat ``fn`` for about ``budget`` seconds (at least 3 times)."""
    fn()  # warm up
    count, started = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= budget and count >= 3:
            return count / elapsed


def ours_sm4(text: str) -> str:
    return sm4_decrypt_ecb_hex(KEY, sm4_encrypt_ecb_hex(KEY, text))


def gmssl_encrypt_hex(text: str) -> str:
    cipher = CryptSM4(SM4_ENCRYPT)
    cipher.set_key(bytes.fromhex(KEY), SM4_ENCRYPT)
    return cipher.crypt_ecb(text.encode("utf-8")).hex()


def gmssl_sm4(text: str) -> str:
    key = bytes.fromhex(KEY)
    encrypt = CryptSM4(SM4_ENCRYPT)
    encrypt.set_key(key, SM4_ENCRYPT)
    cipher_hex = encrypt.crypt_ecb(text.encode("utf-8")).hex()
    decrypt = CryptSM4(SM4_DECRYPT)
    decrypt.set_key(key, SM4_DECRYPT)
    return decrypt.crypt_ecb(bytes.fromhex(cipher_hex)).decode("utf-8")


def gmssl_sm3(data: bytes) -> str:
    return sm3_hash(func.bytes_to_list(data))


def _row(label: str, size: int, ours: float, theirs: float) -> None:
    print(
        f"  {label:<8} {ours:>12,.0f} {ours * size / 1e6:>10.2f}"
        f" {theirs:>12,.1f} {theirs * size / 1e6:>10.3f} {ours / theirs:>9,.0f}x"
    )


def _header(title: str) -> None:
    print(title)
    print(
        f"  {'payload':<8} {'hub ops/s':>12} {'hub MB/s':>10} {'gmssl ops/s':>12}"
        f" {'gmssl MB/s':>10} {'hub/gmssl':>10}"
    )


def run() -> None:
    assert len(PARAM.encode()) == 120
    for text in (PARAM, LARGE):  # same answers first, so the ratio compares equal work
        assert sm4_encrypt_ecb_hex(KEY, text) == gmssl_encrypt_hex(text)
        assert ours_sm4(text) == gmssl_sm4(text) == text
        assert sm3_hex(text) == gmssl_sm3(text.encode())

    _header("SM4 ECB/PKCS#7 hex, encrypt + decrypt (one op = both)")
    for label, text in (("120 B", PARAM), ("64 KiB", LARGE)):
        ours = per_second(lambda t=text: ours_sm4(t))
        theirs = per_second(lambda t=text: gmssl_sm4(t))
        _row(label, len(text.encode()), ours, theirs)

    _header("SM3 digest")
    for label, text in (("120 B", PARAM), ("64 KiB", LARGE)):
        data = text.encode()
        ours = per_second(lambda d=data: sm3_hex(d))
        theirs = per_second(lambda d=data: gmssl_sm3(d))
        _row(label, len(data), ours, theirs)
