"""SM3 and HMAC-SM3."""

import hmac as std_hmac

from hub.gm import hmac_sm3, hmac_sm3_hex, sm3_hex

ABC_DIGEST = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
# GB/T 32905 appendix A, example 2: "abcd" repeated 16 times (512 bits).
ABCD16_DIGEST = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm3_of_abc_is_the_standard_vector():
    assert sm3_hex("abc") == ABC_DIGEST
    assert sm3_hex(b"abc") == ABC_DIGEST


def test_sm3_of_the_second_standard_vector():
    assert sm3_hex("abcd" * 16) == ABCD16_DIGEST


def test_sm3_of_text_hashes_its_utf8_bytes():
    assert sm3_hex("张三") == sm3_hex("张三".encode())


def test_hmac_sm3_matches_the_generic_hmac_construction():
    # Python's hmac with OpenSSL's SM3 is an independent path to the same MAC.
    key, msg = b"k" * 20, b"message"
    expected = std_hmac.new(key, msg, "sm3").hexdigest()
    assert hmac_sm3_hex(key, msg) == expected
    assert hmac_sm3(key, "message").hex() == expected


def test_hmac_sm3_depends_on_the_key():
    assert hmac_sm3_hex(b"a", "x") != hmac_sm3_hex(b"b", "x")
    assert len(hmac_sm3(b"a", "x")) == 32
