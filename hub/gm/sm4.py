"""SM4 (GB/T 32907) in the two shapes the hub needs.

``sm4_encrypt_ecb_hex``/``sm4_decrypt_ecb_hex`` match the province's
``Sm4Utils.encryptEcb``/``decryptEcb``: ECB, PKCS#7 padding, key given as 32
hex characters, UTF-8 text, lowercase hex out. ECB is the province's wire
format, not a choice of ours; for data at rest the hub uses SM4-GCM
(``gcm_encrypt``/``gcm_decrypt``) with a random 96-bit nonce.
"""

from __future__ import annotations

import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hub.gm.errors import GMError

_KEY_RE = re.compile(r"\A[0-9a-fA-F]{32}\Z")
_HEX_RE = re.compile(r"\A[0-9a-fA-F]*\Z")
BLOCK_BYTES = 16
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16


def parse_key_hex(key_hex: str) -> bytes:
    """The 16 key bytes of a 32-hex-character SM4 key.

    Anything else is refused, so the classic mistake of passing the hex text
    itself as key bytes cannot happen.
    """
    if not isinstance(key_hex, str) or not _KEY_RE.match(key_hex):
        raise GMError("bad_key", "an SM4 key must be exactly 32 hexadecimal characters")
    return bytes.fromhex(key_hex)


def _ecb(key: bytes) -> Cipher:
    return Cipher(algorithms.SM4(key), modes.ECB())  # noqa: S305 - the province's wire format


def sm4_encrypt_ecb_hex(key_hex: str, text: str) -> str:
    """Encrypt UTF-8 ``text`` as the province does; lowercase hex out."""
    key = parse_key_hex(key_hex)
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a bad JSON escape
        raise GMError("bad_utf8", "the text cannot be encoded as UTF-8") from exc
    padder = padding.PKCS7(128).padder()
    data = padder.update(encoded) + padder.finalize()
    encryptor = _ecb(key).encryptor()
    return (encryptor.update(data) + encryptor.finalize()).hex()


def sm4_decrypt_ecb_hex(key_hex: str, cipher_hex: str) -> str:
    """Decrypt the province's hex ciphertext (either case) to text.

    Non-hex, odd-length, empty, non-block-multiple, badly padded or non-UTF-8
    input raises ``GMError``.
    """
    key = parse_key_hex(key_hex)
    if not isinstance(cipher_hex, str) or not _HEX_RE.match(cipher_hex):
        raise GMError("bad_hex", "the ciphertext is not hexadecimal")
    if len(cipher_hex) % 2:
        raise GMError("bad_hex", "the ciphertext has an odd number of hex digits")
    raw = bytes.fromhex(cipher_hex)
    if not raw or len(raw) % BLOCK_BYTES:
        raise GMError("bad_length", "the ciphertext is not a whole number of 16-byte blocks")
    decryptor = _ecb(key).decryptor()
    padded = decryptor.update(raw) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise GMError("bad_padding", "bad padding: wrong key or corrupted ciphertext") from exc
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GMError("bad_utf8", "the plaintext is not UTF-8: wrong key?") from exc


def _check_raw_key(key: bytes) -> None:
    # Raw bytes only: a 16-character str key would be the hex-text-as-key mistake.
    if not isinstance(key, bytes | bytearray) or len(key) != BLOCK_BYTES:
        raise GMError("bad_key", "an SM4 key is 16 bytes")


def gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """SM4-GCM: ``nonce(12) || ciphertext || tag(16)``."""
    _check_raw_key(key)
    nonce = os.urandom(GCM_NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    if aad:
        encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + body + encryptor.tag


def gcm_decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    """Reverse of ``gcm_encrypt``; a tampered blob or wrong key raises ``GMError``."""
    _check_raw_key(key)
    if len(blob) < GCM_NONCE_BYTES + GCM_TAG_BYTES:
        raise GMError("bad_length", "the sealed value is too short")
    nonce, body, tag = (
        blob[:GCM_NONCE_BYTES],
        blob[GCM_NONCE_BYTES:-GCM_TAG_BYTES],
        blob[-GCM_TAG_BYTES:],
    )
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    if aad:
        decryptor.authenticate_additional_data(aad)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise GMError("bad_tag", "the sealed value failed authentication") from exc
