"""Checks on what hospitals send: SM4 fields, card types, ID numbers, the
viewer ``param``. Each refusal is a ``HubError`` with its own ``errorCode``."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from hub.errors import Code
from hub.inputs import sm4_field
from hub.province.params import CARD_TYPES, ViewParamError, parse_view_param
from relay.errors import RelayCode, relay_error

RESIDENT_ID = "01"
#: Longest plain ID number accepted (passports and permits are shorter; the
#: province itself refuses longer ones).
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 100

# GB 11643-1999: 17 digits then a check character (ISO 7064 MOD 11-2).
_RESIDENT_RE = re.compile(r"[0-9]{17}[0-9X]")
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    """The 18th character of a resident ID number for its first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def validate_id_number(id_number: str, card_type: str) -> str:
    """The ID number normalised (trimmed; a resident ID's ``x`` upper-cased).

    A resident ID (``01``) must be 17 ASCII digits and the right check character.
    Other documents: 1 to 64 printable characters.
    """
    value = id_number.strip()
    if not value or len(value) > MAX_ID_LENGTH or not value.isprintable():
        raise relay_error(RelayCode.ID_NUMBER_INVALID)
    if card_type == RESIDENT_ID:
        value = value.upper()
        if not _RESIDENT_RE.fullmatch(value):
            raise relay_error(RelayCode.ID_NUMBER_INVALID)
        if resident_id_check_char(value[:17]) != value[17]:
            raise relay_error(RelayCode.ID_CHECK_DIGIT_INVALID)
    return value


def printable_text(value: str, field: str, *, required: bool = True) -> str:
    """``value`` trimmed; empty (when required) -> ``FIELD_EMPTY``, control
    characters -> ``FIELD_INVALID``."""
    value = value.strip()
    if not value and required:
        raise relay_error(Code.FIELD_EMPTY, _("%(field)s must not be empty.") % {"field": field})
    if not value.isprintable():
        raise relay_error(
            Code.FIELD_INVALID,
            _("%(field)s must not hold control characters.") % {"field": field},
        )
    return value


def validate_card_type(card_type: str) -> str:
    if card_type not in CARD_TYPES:
        raise relay_error(RelayCode.CARD_TYPE_UNKNOWN)
    return card_type


def decrypt_field(key_hex: str, cipher_hex: str, *, field: str) -> str:
    """Plain text of an SM4 hex field under the hospital's hub key.

    Not hex / not whole blocks -> ``SM4_BAD_CIPHERTEXT``; bad padding or not
    UTF-8 (almost always: encrypted under another key) -> ``SM4_DECRYPT_FAILED``
    (``hub.inputs.sm4_field``, the same on every endpoint).
    """
    return sm4_field(key_hex, cipher_hex, field=field)


# --- The viewer param ----------------------------------------------------------------

#: Longest value of each ``param`` field (the registry's and the model's sizes).
PARAM_MAX_LENGTHS = {
    "orgCode": 32,
    "staffNo": 64,
    "staffName": 64,
    "cardType": 2,
    "idcard": MAX_ID_LENGTH,
    "patientName": MAX_NAME_LENGTH,
    "patientId": 64,
    "callSysCode": 64,
}

_PARAM_CODES = {
    "malformed": RelayCode.PARAM_MALFORMED,
    "unknown_key": RelayCode.PARAM_UNKNOWN_KEY,
    "duplicate_key": RelayCode.PARAM_DUPLICATE_KEY,
    "missing_key": RelayCode.PARAM_MISSING_KEY,
    "empty_value": RelayCode.PARAM_EMPTY_VALUE,
    "bad_card_type": RelayCode.CARD_TYPE_UNKNOWN,
}


def _param_message(reason: str, key: str | None) -> str:
    key = (key or "")[:32]
    messages = {
        "malformed": _("param is not key=value pairs joined by &."),
        "unknown_key": _("param holds an unknown field %(key)s.") % {"key": key},
        "duplicate_key": _("param holds the field %(key)s twice.") % {"key": key},
        "missing_key": _("param lacks the field %(key)s.") % {"key": key},
        "empty_value": _("param field %(key)s is empty.") % {"key": key},
        "bad_card_type": _("cardType must be one of 01-08 or 99."),
    }
    return messages.get(reason, messages["malformed"])


def parse_param(plain: str) -> dict[str, str]:
    """The eight values of a decrypted ``param`` (spec §2.4), every one checked."""
    try:
        values = parse_view_param(plain)
    except ViewParamError as exc:
        code = _PARAM_CODES.get(exc.reason, RelayCode.PARAM_MALFORMED)
        raise relay_error(code, _param_message(exc.reason, exc.key)) from None
    for key, limit in PARAM_MAX_LENGTHS.items():
        if len(values[key]) > limit:
            raise relay_error(
                Code.FIELD_TOO_LONG,
                _("param field %(key)s is longer than %(limit)s characters.")
                % {"key": key, "limit": limit},
            )
        if not values[key].isprintable():
            raise relay_error(
                Code.FIELD_INVALID,
                _("param field %(key)s holds control characters.") % {"key": key},
            )
    values["idcard"] = validate_id_number(values["idcard"], values["cardType"])
    return values
