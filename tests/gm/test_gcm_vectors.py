"""The at-rest cipher is SM4-GCM: known-answer vectors from outside this code.

Two independent sources:

- RFC 8998 ("ShangMi (SM) Cipher Suites for TLS 1.3"), appendix A.1,
  "SM4-GCM Test Vectors" (the vector is copied below verbatim, in hex);
- a reference SM4-GCM written here from NIST SP 800-38D (GHASH in
  GF(2^128), GCTR with a 32-bit counter) on top of gmssl's SM4 block
  function (an independent pure-Python SM4, GB/T 32907).

They pin ``hub.gm.gcm_encrypt``/``gcm_decrypt`` and the sealing in
``hub.protect`` (the purpose is the associated data, the master key the key),
down to the bytes stored in the database.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection
from gmssl.sm4 import SM4_ENCRYPT, CryptSM4

from hub.gm import GMError, gcm_decrypt, gcm_encrypt
from hub.protect import seal, unseal

# RFC 8998, appendix A.1 (SM4-GCM test vectors).
RFC8998_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
RFC8998_IV = bytes.fromhex("00001234567800000000ABCD")
RFC8998_PLAINTEXT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB"
    "CCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFF"
    "EEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
RFC8998_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
RFC8998_CIPHERTEXT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D"
    "5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15"
    "A56834CBCF98C397B4024A2691233B8D"
)
RFC8998_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")
# hub.gm's layout: nonce(12) || ciphertext || tag(16).
RFC8998_BLOB = RFC8998_IV + RFC8998_CIPHERTEXT + RFC8998_TAG


# --- a reference SM4-GCM (NIST SP 800-38D) on gmssl's SM4 block function ---------------

_R = 0xE1 << 120


def _sm4_block(key: bytes):
    cipher = CryptSM4()
    cipher.set_key(key, SM4_ENCRYPT)
    return lambda block: bytes(cipher.one_round(cipher.sk, list(block)))


def _gf_mult(x: int, y: int) -> int:
    z, v = 0, y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = (v >> 1) ^ _R if v & 1 else v >> 1
    return z


def _ghash(h: int, data: bytes) -> int:
    y = 0
    for i in range(0, len(data), 16):
        y = _gf_mult(y ^ int.from_bytes(data[i : i + 16], "big"), h)
    return y


def _pad16(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 16)


def _gctr(block, icb: bytes, data: bytes) -> bytes:
    out = bytearray()
    counter = int.from_bytes(icb, "big")
    for i in range(0, len(data), 16):
        stream = block(counter.to_bytes(16, "big"))
        out += bytes(a ^ b for a, b in zip(data[i : i + 16], stream, strict=False))
        counter = (counter & ~0xFFFFFFFF) | ((counter + 1) & 0xFFFFFFFF)
    return bytes(out)


def reference_gcm(key: bytes, iv: bytes, data: bytes, aad: bytes, *, decrypt: bool = False):
    """(output, tag) of SM4-GCM with a 96-bit IV; ``decrypt`` reads ``data`` as ciphertext."""
    assert len(iv) == 12
    block = _sm4_block(key)
    h = int.from_bytes(block(b"\x00" * 16), "big")
    j0 = iv + b"\x00\x00\x00\x01"
    first = (int.from_bytes(j0, "big") + 1).to_bytes(16, "big")
    out = _gctr(block, first, data)
    ciphertext = data if decrypt else out
    lengths = (len(aad) * 8).to_bytes(8, "big") + (len(ciphertext) * 8).to_bytes(8, "big")
    s = _ghash(h, _pad16(aad) + _pad16(ciphertext) + lengths)
    tag = _gctr(block, j0, s.to_bytes(16, "big"))
    return out, tag


def reference_seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    ciphertext, tag = reference_gcm(key, nonce, plaintext, aad)
    return nonce + ciphertext + tag


def reference_open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    nonce, body, tag = blob[:12], blob[12:-16], blob[-16:]
    plaintext, expected = reference_gcm(key, nonce, body, aad, decrypt=True)
    assert expected == tag, "the reference SM4-GCM refuses the tag"
    return plaintext


# --- the reference itself is right --------------------------------------------------------


def test_gmssl_sm4_block_gives_the_gbt32907_vector():
    # GB/T 32907-2016 appendix A.1: plaintext = key = 0123456789abcdeffedcba9876543210.
    block = _sm4_block(bytes.fromhex("0123456789abcdeffedcba9876543210"))
    out = block(bytes.fromhex("0123456789abcdeffedcba9876543210"))
    assert out.hex() == "681edf34d206965e86b3e94f536e4246"


def test_the_reference_gcm_reproduces_rfc8998():
    ciphertext, tag = reference_gcm(RFC8998_KEY, RFC8998_IV, RFC8998_PLAINTEXT, RFC8998_AAD)
    assert (ciphertext, tag) == (RFC8998_CIPHERTEXT, RFC8998_TAG)


# --- hub.gm -------------------------------------------------------------------------------


def test_hub_gcm_decrypts_the_rfc8998_vector():
    assert gcm_decrypt(RFC8998_KEY, RFC8998_BLOB, RFC8998_AAD) == RFC8998_PLAINTEXT


def test_hub_gcm_refuses_the_rfc8998_vector_with_a_changed_tag():
    with pytest.raises(GMError) as info:
        gcm_decrypt(RFC8998_KEY, RFC8998_BLOB[:-1] + b"\x00", RFC8998_AAD)
    assert info.value.reason == "bad_tag"


def test_hub_gcm_encrypts_the_rfc8998_plaintext_to_the_vector_under_its_nonce():
    blob = gcm_encrypt(RFC8998_KEY, RFC8998_PLAINTEXT, RFC8998_AAD)
    nonce = blob[:12]
    assert blob == reference_seal(RFC8998_KEY, nonce, RFC8998_PLAINTEXT, RFC8998_AAD)


@pytest.mark.parametrize(
    ("plaintext", "aad"),
    [
        (b"", b""),
        (b"440106199003071231", b"id"),
        ("张三".encode() * 9, b""),
        (bytes(range(33)), b"x"),
    ],
    ids=["empty", "id-number", "utf8-multiblock", "partial-block"],
)
def test_hub_gcm_and_the_reference_agree_both_ways(plaintext, aad):
    key = os.urandom(16)
    blob = gcm_encrypt(key, plaintext, aad)
    assert reference_open(key, blob, aad) == plaintext
    assert gcm_decrypt(key, reference_seal(key, os.urandom(12), plaintext, aad), aad) == plaintext


# --- hub.protect: what is stored at rest ----------------------------------------------------


def _master_key() -> bytes:
    return bytes.fromhex(settings.HUB_MASTER_KEY)


def test_seal_is_sm4_gcm_under_the_master_key_with_the_purpose_as_aad():
    blob = seal("440106199003071231", purpose="id")
    assert reference_open(_master_key(), blob, b"id") == b"440106199003071231"
    assert blob == reference_seal(_master_key(), blob[:12], b"440106199003071231", b"id")


def test_unseal_opens_a_reference_sm4_gcm_blob():
    blob = reference_seal(_master_key(), os.urandom(12), b"13800138000", b"phone")
    assert unseal(blob, purpose="phone") == "13800138000"


@pytest.mark.django_db
def test_a_sealed_column_in_the_database_is_sm4_gcm(hospital_a):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT paastoken FROM hospitals_hubcredential WHERE paasid = %s", ["hosp-a"]
        )
        (raw,) = cursor.fetchone()
    raw = bytes(raw)
    assert b"hosp-a-token" not in raw
    assert reference_open(_master_key(), raw, b"hub-paastoken") == b"hosp-a-token"
