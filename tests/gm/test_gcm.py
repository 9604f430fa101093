"""SM4-GCM, the at-rest cipher."""

import pytest

from hub.gm import GMError, gcm_decrypt, gcm_encrypt

KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
OTHER_KEY = bytes.fromhex("ffeeddccbbaa99887766554433221100")


def test_round_trip():
    blob = gcm_encrypt(KEY, b"440106199003071231", b"id")
    assert gcm_decrypt(KEY, blob, b"id") == b"440106199003071231"


def test_round_trip_without_aad_and_empty_plaintext():
    assert gcm_decrypt(KEY, gcm_encrypt(KEY, b"")) == b""


def test_layout_is_nonce_body_tag():
    blob = gcm_encrypt(KEY, b"x" * 5)
    assert len(blob) == 12 + 5 + 16


def test_each_seal_uses_a_fresh_nonce():
    assert gcm_encrypt(KEY, b"same") != gcm_encrypt(KEY, b"same")


@pytest.mark.parametrize("position", [0, 11, 12, 16, -16, -1])
def test_a_flipped_bit_anywhere_is_refused(position):
    blob = bytearray(gcm_encrypt(KEY, b"secret value", b"purpose"))
    blob[position] ^= 0x01
    with pytest.raises(GMError) as info:
        gcm_decrypt(KEY, bytes(blob), b"purpose")
    assert info.value.reason == "bad_tag"


def test_wrong_key_is_refused():
    blob = gcm_encrypt(KEY, b"secret")
    with pytest.raises(GMError) as info:
        gcm_decrypt(OTHER_KEY, blob)
    assert info.value.reason == "bad_tag"


@pytest.mark.parametrize("aad", [b"phone", b"", b"ID"])
def test_wrong_associated_data_is_refused(aad):
    blob = gcm_encrypt(KEY, b"secret", b"id")
    with pytest.raises(GMError) as info:
        gcm_decrypt(KEY, blob, aad)
    assert info.value.reason == "bad_tag"


def test_aad_given_only_on_decrypt_is_refused():
    blob = gcm_encrypt(KEY, b"secret")
    with pytest.raises(GMError) as info:
        gcm_decrypt(KEY, blob, b"id")
    assert info.value.reason == "bad_tag"


def test_truncated_blob_is_refused():
    with pytest.raises(GMError) as info:
        gcm_decrypt(KEY, gcm_encrypt(KEY, b"")[:-1])
    assert info.value.reason == "bad_length"


@pytest.mark.parametrize(
    "key", [b"short", KEY + b"\x00", "0123456789abcdef", KEY.hex(), bytearray(b"x" * 15), None]
)
def test_key_that_is_not_16_bytes_is_refused(key):
    with pytest.raises(GMError) as info:
        gcm_encrypt(key, b"x")
    assert info.value.reason == "bad_key"
    with pytest.raises(GMError) as info:
        gcm_decrypt(key, b"\x00" * 40)
    assert info.value.reason == "bad_key"
