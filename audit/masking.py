"""Masking of what goes into the logs: secrets, ID numbers, phone numbers, photos.

``mask_mapping`` walks a before/after dict: a key whose name looks like an ID
number, a phone number, a secret/token/key/code or a photo gets its value
masked with the masks of ``hub.protect``; every other string is scrubbed of
anything shaped like a resident ID number or a mainland mobile number, in case
a free-text field carries one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hub.protect import mask_id, mask_phone, mask_secret

_ID_KEYS = ("idcard", "idnumber", "idno", "identitycard", "certno")
_PHONE_KEYS = ("phone", "mobile", "telephone")
_PHOTO_KEYS = ("photo", "image", "picture", "selfie", "portrait")
_SECRET_KEYS = (
    "secret",
    "token",
    "password",
    "passwd",
    "key",
    "otp",
    "authcode",
    "smscode",
    "verifycode",
    "verificationcode",
    "signature",
    "nonce",
)
_SECRET_EXACT = ("code", "pin", "param", "sign")

# A resident ID (18 characters, last may be X) or a mobile number standing alone.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")

PHOTO_OMITTED = "[photo omitted]"


def _normalise(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def key_mask(key: str):
    """The mask function for a key name, or None when the key is not sensitive."""
    if type(key) is str:
        return _key_mask(key)  # key names repeat: decided once per name
    return _key_mask(str(key))


_PHOTO_MASK = lambda value: PHOTO_OMITTED if value else ""  # noqa: E731


@lru_cache(maxsize=4096)
def _key_mask(key: str):
    k = _normalise(key)
    if any(p in k for p in _ID_KEYS):
        return mask_id
    if any(p in k for p in _PHONE_KEYS):
        return mask_phone
    if any(p in k for p in _PHOTO_KEYS):
        return _PHOTO_MASK
    if k in _SECRET_EXACT or any(p in k for p in _SECRET_KEYS):
        return mask_secret
    return None


def scrub_text(text: str) -> str:
    """Mask ID-number and mobile-number shapes inside free text."""
    if not text:
        return text
    text = _ID_RE.sub(lambda m: mask_id(m.group(0)), text)
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)


def _mask_value(value):
    if isinstance(value, dict):
        return mask_mapping(value)
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub_text(str(value))  # dates, decimals, UUIDs...: JSON-safe text


def mask_mapping(data: dict | None) -> dict | None:
    """A JSON-safe copy of ``data`` with sensitive values masked."""
    if data is None:
        return None
    out = {}
    for key, value in data.items():
        masker = key_mask(key)
        if masker is not None and value not in (None, ""):
            if isinstance(value, dict | list):
                value = "******"
            else:
                value = masker(str(value))
        else:
            value = _mask_value(value)
        out[str(key)] = value
    return out
