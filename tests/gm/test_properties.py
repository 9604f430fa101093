"""Property tests: our SM4 and SM3 against gmssl, an independent pure-Python
implementation, on random keys and random Unicode text, in both directions."""

from gmssl import func
from gmssl.sm3 import sm3_hash
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.gm import sm3_hex, sm4_decrypt_ecb_hex, sm4_encrypt_ecb_hex

keys = st.binary(min_size=16, max_size=16).map(bytes.hex)
# Any case: the province sends lowercase, hand-typed keys may be uppercase.
any_case_keys = st.tuples(keys, st.booleans()).map(lambda p: p[0].upper() if p[1] else p[0])
# Hypothesis leaves out lone surrogates by default: every generated text is encodable.
texts = st.text(max_size=200)
fast = settings(max_examples=150, deadline=None)


def gmssl_encrypt_hex(key_hex: str, text: str) -> str:
    cipher = CryptSM4(SM4_ENCRYPT)  # crypt_ecb pads PKCS#7
    cipher.set_key(bytes.fromhex(key_hex), SM4_ENCRYPT)
    return cipher.crypt_ecb(text.encode("utf-8")).hex()


def gmssl_decrypt_hex(key_hex: str, cipher_hex: str) -> str:
    cipher = CryptSM4(SM4_DECRYPT)
    cipher.set_key(bytes.fromhex(key_hex), SM4_DECRYPT)
    return cipher.crypt_ecb(bytes.fromhex(cipher_hex)).decode("utf-8")


@fast
@given(key=any_case_keys, text=texts)
def test_our_ciphertext_equals_gmssl_ciphertext(key, text):
    assert sm4_encrypt_ecb_hex(key, text) == gmssl_encrypt_hex(key, text)


@fast
@given(key=keys, text=texts)
def test_gmssl_decrypts_what_we_encrypt(key, text):
    assert gmssl_decrypt_hex(key, sm4_encrypt_ecb_hex(key, text)) == text


@fast
@given(key=keys, text=texts, upper=st.booleans())
def test_we_decrypt_what_gmssl_encrypts(key, text, upper):
    cipher = gmssl_encrypt_hex(key, text)
    assert sm4_decrypt_ecb_hex(key, cipher.upper() if upper else cipher) == text


@fast
@given(key=keys, text=texts)
def test_ciphertext_is_lowercase_hex_of_whole_blocks(key, text):
    out = sm4_encrypt_ecb_hex(key, text)
    assert out == out.lower()
    assert len(out) % 32 == 0
    assert len(out) // 2 == (len(text.encode("utf-8")) // 16 + 1) * 16


@fast
@given(data=st.binary(max_size=300))
def test_our_sm3_equals_gmssl_sm3_on_bytes(data):
    assert sm3_hex(data) == sm3_hash(func.bytes_to_list(data))


@fast
@given(text=texts)
def test_our_sm3_equals_gmssl_sm3_on_text(text):
    assert sm3_hex(text) == sm3_hash(func.bytes_to_list(text.encode("utf-8")))
