"""The code rules and the pure helpers behind them (no database access).

A code is 6 decimal digits drawn from ``secrets``. It is stored only as
HMAC-SM3 over ``salt:code`` under a key derived from ``HUB_DIGEST_KEY`` for
this one purpose, with a fresh random salt per code, and compared with
``hmac.compare_digest``: the database never holds a code, and a stolen row
cannot be checked against the 10^6 candidates without the key.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from hmac import compare_digest

from django.conf import settings

from hub.gm import hmac_sm3, hmac_sm3_hex

CODE_LENGTH = 6
#: How long a code is valid after it was issued.
CODE_TTL = timedelta(minutes=5)
#: Wrong codes a request may receive; the last one locks it.
MAX_FAILURES = 5
#: Seconds between two codes for the same request (django-otp's cooldown).
COOLDOWN_SECONDS = 60
#: SMS codes one phone number may receive in a rolling hour and a rolling day
#: (the SMS providers' own defaults for verification messages).
PHONE_HOURLY_LIMIT = 5
PHONE_DAILY_LIMIT = 10
PHONE_HOUR = timedelta(hours=1)
PHONE_DAY = timedelta(days=1)

# ASCII digits only: ``\d`` would also accept full-width and other Unicode
# digits, and ``$`` would accept a trailing newline; fullmatch() is used.
_PHONE = re.compile(r"1[3-9][0-9]{9}")
_CODE = re.compile(rf"[0-9]{{{CODE_LENGTH}}}")

_KEY_PURPOSE = b"identity.code-challenge.v1"


def phone_is_valid(phone: object) -> bool:
    """A mainland mobile number, ``^1[3-9]\\d{9}$`` in ASCII digits."""
    return isinstance(phone, str) and _PHONE.fullmatch(phone) is not None


def code_format_ok(code: object) -> bool:
    return isinstance(code, str) and _CODE.fullmatch(code) is not None


def generate_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def new_salt() -> str:
    return secrets.token_hex(16)


def _code_key() -> bytes:
    # A key of its own, so a code MAC can never be confused with a lookup
    # digest made with HUB_DIGEST_KEY (hub.protect.digest).
    return hmac_sm3(settings.HUB_DIGEST_KEY.encode(), _KEY_PURPOSE)


def code_mac(*, salt: str, code: str) -> str:
    return hmac_sm3_hex(_code_key(), f"{salt}:{code}")


def code_matches(*, salt: str, mac: str, code: str) -> bool:
    """Constant-time comparison of the MAC of ``code`` with the stored one."""
    return compare_digest(code_mac(salt=salt, code=code), mac)
