"""Chinese commercial cryptography (GM/T) used by the hub: pure functions on
``cryptography`` (OpenSSL), no Django imports.

- ``sm4``: SM4 ECB/PKCS#7 hex, byte-exact with the province's ``Sm4Utils``;
  SM4-GCM for fields stored at rest.
- ``sm3``: SM3 digest and HMAC-SM3.
- ``xtif``: the province gateway's ``x-tif-*`` request signature.
"""

from hub.gm.errors import GMError
from hub.gm.sm3 import hmac_sm3, hmac_sm3_hex, sm3_hex
from hub.gm.sm4 import (
    gcm_decrypt,
    gcm_encrypt,
    parse_key_hex,
    sm4_decrypt_ecb_hex,
    sm4_encrypt_ecb_hex,
)
from hub.gm.xtif import (
    NonceStore,
    SignatureError,
    sign,
    signed_headers,
    verify,
)

__all__ = [
    "GMError",
    "NonceStore",
    "SignatureError",
    "gcm_decrypt",
    "gcm_encrypt",
    "hmac_sm3",
    "hmac_sm3_hex",
    "parse_key_hex",
    "sign",
    "signed_headers",
    "sm3_hex",
    "sm4_decrypt_ecb_hex",
    "sm4_encrypt_ecb_hex",
    "verify",
]
