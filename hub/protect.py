"""Protection of personal data and secrets at rest, and their masking on screen.

ID numbers, phone numbers and secrets are sealed with SM4-GCM under
``HUB_MASTER_KEY`` (the purpose is bound in as associated data, so a sealed
phone number cannot be passed off as an ID number); ID and phone numbers also
get a keyed HMAC-SM3 digest (``HUB_DIGEST_KEY``) so rows can be found without
decrypting. Masks are what admin pages, logs and answers show.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from hub.gm import gcm_decrypt, gcm_encrypt, hmac_sm3_hex, parse_key_hex


def _master_key() -> bytes:
    return parse_key_hex(settings.HUB_MASTER_KEY)


def seal(value: str, *, purpose: str) -> bytes:
    return gcm_encrypt(_master_key(), value.encode("utf-8"), purpose.encode())


def unseal(blob: bytes, *, purpose: str) -> str:
    return gcm_decrypt(_master_key(), bytes(blob), purpose.encode()).decode("utf-8")


def digest(value: str, *, purpose: str = "id") -> str:
    """Keyed SM3 digest for lookups; normalised so ``x`` and ``X`` match."""
    normalised = value.strip().upper()
    return hmac_sm3_hex(settings.HUB_DIGEST_KEY.encode(), f"{purpose}:{normalised}")


def mask_id(value: str | None) -> str:
    """``440106199003071231`` -> ``4401**********1231``.

    Shorter documents (passports, permits: 9-14 characters) keep only two
    characters at each end, so that at least half of the value stays hidden.
    """
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    if len(value) < 15:
        return value[:2] + "*" * (len(value) - 4) + value[-2:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13800138000`` -> ``138****8000``; a landline ``83001234`` -> ``****1234``."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    if len(value) < 11:
        return "*" * (len(value) - 4) + value[-4:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_secret(value: str | None) -> str:
    """Secrets show only that they exist and their last two characters."""
    if not value:
        return ""
    return "******" + value[-2:] if len(value) > 8 else "******"


class SealedTextField(models.BinaryField):
    """A text value stored SM4-GCM sealed; reads back as ``str``.

    ``purpose`` is bound into the seal. Never filter on this field: keep a
    digest beside it for lookups.
    """

    def __init__(self, *args, purpose: str = "field", **kwargs):
        self.purpose = purpose
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if not value:  # BinaryField's implicit default (b"") was never sealed
            return ""
        return unseal(bytes(value), purpose=self.purpose)

    def to_python(self, value):
        if value is None or isinstance(value, str):
            return value
        return unseal(bytes(value), purpose=self.purpose)

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, bytes | memoryview | bytearray):
            return bytes(value)
        return seal(str(value), purpose=self.purpose)

    def value_to_string(self, obj):
        return ""
