"""SM4: the spec's test vectors and every refusal of ``hub.gm.sm4``."""

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hub.gm import GMError, parse_key_hex, sm4_decrypt_ecb_hex, sm4_encrypt_ecb_hex

# GB/T 32907 appendix A: key = plaintext, one block, no padding.
BLOCK_KEY = "0123456789abcdeffedcba9876543210"
BLOCK_CIPHER = "681edf34d206965e86b3e94f536e4246"

# The seed's §9.3.3 sample (the viewer's ``param``).
SEED_KEY = "33edd0637a6cbd8e7d057fbc0944d621"
SEED_TEXT = (
    "orgCode=o1&staffNo=a1n&staffName=pn2&cardType=01&idcard=64212419560933091T"
    "&patientName=N1&patientId=d1&callSysCode=zhspt"
)
SEED_CIPHER = (
    "55d0dad78cfe0a426b78632a08adce38e832d90c11a09d3c1df0dd540e12fdfc"
    "8f94f46a5ea1dba7e217d4d8f6d3dcd7fc87acfe8d39a6d7a02ca2c974753d9e"
    "6f5935560fe6448eca34059caf3d016bd071f41251d3874aca227788ec1c52f7"
    "af8c9d7099eb221652d94523db2d86f28892d291a70c5854be5b4be1ff6f2eec"
)


def raw_ecb_encrypt(key_hex: str, data: bytes) -> bytes:
    """The bare cipher, no padding: what the standard's vector describes."""
    encryptor = Cipher(algorithms.SM4(bytes.fromhex(key_hex)), modes.ECB()).encryptor()  # noqa: S305
    return encryptor.update(data) + encryptor.finalize()


def padded_ecb_hex(key_hex: str, data: bytes) -> str:
    padder = padding.PKCS7(128).padder()
    return raw_ecb_encrypt(key_hex, padder.update(data) + padder.finalize()).hex()


def test_standard_block_vector_with_the_raw_cipher():
    assert raw_ecb_encrypt(BLOCK_KEY, bytes.fromhex(BLOCK_KEY)).hex() == BLOCK_CIPHER


def test_standard_block_is_the_first_block_of_the_padded_form():
    # A whole block of input gets a whole block of padding after it.
    padded = padded_ecb_hex(BLOCK_KEY, bytes.fromhex(BLOCK_KEY))
    assert len(padded) == 64
    assert padded[:32] == BLOCK_CIPHER


def test_seed_sample_encrypts_byte_exact():
    assert sm4_encrypt_ecb_hex(SEED_KEY, SEED_TEXT) == SEED_CIPHER


def test_seed_sample_decrypts_back():
    assert sm4_decrypt_ecb_hex(SEED_KEY, SEED_CIPHER) == SEED_TEXT


def test_uppercase_ciphertext_decrypts_too():
    assert sm4_decrypt_ecb_hex(SEED_KEY, SEED_CIPHER.upper()) == SEED_TEXT


def test_uppercase_key_is_the_same_key():
    assert sm4_encrypt_ecb_hex(SEED_KEY.upper(), SEED_TEXT) == SEED_CIPHER


def test_output_is_lowercase_hex():
    out = sm4_encrypt_ecb_hex(SEED_KEY, "张三")
    assert out == out.lower()
    assert len(out) == 32  # 6 UTF-8 bytes pad to one block


def test_chinese_text_round_trips():
    text = "patientName=张三&staffName=李医生"
    assert sm4_decrypt_ecb_hex(SEED_KEY, sm4_encrypt_ecb_hex(SEED_KEY, text)) == text


def test_empty_text_is_one_block_of_padding():
    out = sm4_encrypt_ecb_hex(SEED_KEY, "")
    assert len(out) == 32
    assert sm4_decrypt_ecb_hex(SEED_KEY, out) == ""


@pytest.mark.parametrize(
    "key",
    [
        "",
        "0123456789abcdef",  # the classic mistake: a 16-character text key
        "33edd0637a6cbd8e7d057fbc0944d62",  # 31
        "33edd0637a6cbd8e7d057fbc0944d6211",  # 33
        "33edd0637a6cbd8e7d057fbc0944d62g",  # 32 with a non-hex character
        "33edd0637a6cbd8e 7d057fbc0944d62",  # 32 with a space
        "33edd0637a6cbd8e7d057fbc0944d621\n",  # trailing newline
        "３３edd0637a6cbd8e7d057fbc0944d621",  # fullwidth digits
        b"33edd0637a6cbd8e7d057fbc0944d621",  # bytes, not text
        bytes.fromhex(SEED_KEY),  # the raw 16 key bytes
        None,
    ],
)
def test_key_that_is_not_32_hex_characters_is_refused(key):
    for call in (
        lambda: sm4_encrypt_ecb_hex(key, "x"),
        lambda: sm4_decrypt_ecb_hex(key, SEED_CIPHER),
        lambda: parse_key_hex(key),
    ):
        with pytest.raises(GMError) as info:
            call()
        assert info.value.reason == "bad_key"


@pytest.mark.parametrize(
    ("cipher", "reason"),
    [
        ("zz" * 16, "bad_hex"),
        (SEED_CIPHER[:-1] + "g", "bad_hex"),
        ("0x" + SEED_CIPHER[2:], "bad_hex"),
        (SEED_CIPHER[:30] + " " + SEED_CIPHER[31:], "bad_hex"),
        ("é" * 32, "bad_hex"),
        (b"00" * 16, "bad_hex"),
        (None, "bad_hex"),
        (SEED_CIPHER[:-1], "bad_hex"),  # odd number of digits
        ("", "bad_length"),
        (SEED_CIPHER[:-2], "bad_length"),  # 127 bytes
        (SEED_CIPHER[:30], "bad_length"),  # 15 bytes
    ],
)
def test_malformed_ciphertext_is_refused(cipher, reason):
    with pytest.raises(GMError) as info:
        sm4_decrypt_ecb_hex(SEED_KEY, cipher)
    assert info.value.reason == reason


def test_wrong_key_fails_the_padding_check():
    with pytest.raises(GMError) as info:
        sm4_decrypt_ecb_hex(BLOCK_KEY, SEED_CIPHER)
    assert info.value.reason == "bad_padding"


def test_padding_byte_out_of_range_is_refused():
    # A last block ending in 0x00 or 0x11 is not PKCS#7.
    for last in (b"\x00", b"\x11"):
        cipher = raw_ecb_encrypt(SEED_KEY, b"A" * 15 + last).hex()
        with pytest.raises(GMError) as info:
            sm4_decrypt_ecb_hex(SEED_KEY, cipher)
        assert info.value.reason == "bad_padding"


def test_inconsistent_padding_bytes_are_refused():
    cipher = raw_ecb_encrypt(SEED_KEY, b"A" * 12 + b"\x01\x04\x04\x04").hex()
    with pytest.raises(GMError) as info:
        sm4_decrypt_ecb_hex(SEED_KEY, cipher)
    assert info.value.reason == "bad_padding"


def test_plaintext_that_is_not_utf8_is_refused():
    cipher = padded_ecb_hex(SEED_KEY, b"\xff\xfe\xc3")
    with pytest.raises(GMError) as info:
        sm4_decrypt_ecb_hex(SEED_KEY, cipher)
    assert info.value.reason == "bad_utf8"


def test_text_that_cannot_be_utf8_is_refused_on_encrypt():
    with pytest.raises(GMError) as info:
        sm4_encrypt_ecb_hex(SEED_KEY, "lone surrogate \ud800")
    assert info.value.reason == "bad_utf8"


def test_gm_error_is_a_value_error_with_a_message():
    with pytest.raises(ValueError, match="32 hexadecimal"):
        parse_key_hex("short")
