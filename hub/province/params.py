"""The viewer's ``param`` string (spec §2.4): building and parsing it.

``orgCode={1}&staffNo={2}&staffName={3}&cardType={4}&idcard={5}&patientName={6}&patientId={7}&callSysCode={8}``

Integrators concatenate the values as they are, in UTF-8; a value that itself
contains ``&``, ``=`` or ``%`` is percent-encoded (otherwise the string could
not be split back). The parser accepts both raw and percent-encoded values.
No Django imports: the hub's ``/api/v1/views`` and the simulator's viewer both
use this module.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

PARAM_KEYS = (
    "orgCode",
    "staffNo",
    "staffName",
    "cardType",
    "idcard",
    "patientName",
    "patientId",
    "callSysCode",
)
# Keys without which a view cannot be attributed or checked.
NON_EMPTY_KEYS = ("orgCode", "staffNo", "cardType", "idcard", "callSysCode")
# Seed appendix 4 (证件类型代码), labels exactly as the guide writes them.
CARD_TYPES = {
    "01": "居民身份证",
    "02": "居民户口本",
    "03": "护照",
    "04": "军官证（士兵证）",
    "05": "驾驶证",
    "06": "港澳居民来往内地通行证",
    "07": "台湾居民来往内地通行证",
    "08": "港澳台身份证",
    "99": "其他有效身份证件",
}
_MUST_ENCODE = frozenset("&=%")


class ViewParamError(ValueError):
    """A ``param`` string the viewer cannot use. ``reason`` is one of
    ``malformed``, ``unknown_key``, ``duplicate_key``, ``missing_key``,
    ``empty_value``, ``bad_card_type``; ``key`` names the field when there is one.
    """

    def __init__(self, reason: str, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.key = key


def encode_value(value: str) -> str:
    """Raw UTF-8 unless the value holds ``&``, ``=`` or ``%``: then percent-encoded."""
    if _MUST_ENCODE.intersection(value):
        return quote(value, safe="")
    return value


def build_param_string(values: dict[str, str]) -> str:
    """The plain ``param`` text in the spec's key order."""
    missing = [key for key in PARAM_KEYS if key not in values]
    if missing:
        raise ValueError(f"missing view parameters: {', '.join(missing)}")
    return "&".join(f"{key}={encode_value(str(values[key]))}" for key in PARAM_KEYS)


def parse_view_param(text: str) -> dict[str, str]:
    """Split the plain ``param`` text back into its eight values.

    Splits on ``&`` and the first ``=``, URL-decodes each value (``+`` stays a
    plus: the spec's encoding is percent-encoding, not form encoding), and
    refuses unknown, duplicate, missing or empty-where-required keys and an
    unknown ``cardType``. Key order is not enforced.
    """
    if not isinstance(text, str) or not text:
        raise ViewParamError("malformed", "the view parameter string is empty")
    values: dict[str, str] = {}
    for part in text.split("&"):
        key, sep, raw = part.partition("=")
        if not sep:
            raise ViewParamError("malformed", "a view parameter has no '='", key or None)
        if key not in PARAM_KEYS:
            raise ViewParamError("unknown_key", f"unknown view parameter {key[:32]!r}", key)
        if key in values:
            raise ViewParamError("duplicate_key", f"view parameter {key} appears twice", key)
        try:
            values[key] = unquote(raw, encoding="utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise ViewParamError(
                "malformed", f"view parameter {key} is not valid percent-encoded UTF-8", key
            ) from exc
    for key in PARAM_KEYS:
        if key not in values:
            raise ViewParamError("missing_key", f"view parameter {key} is missing", key)
    for key in NON_EMPTY_KEYS:
        if not values[key].strip():
            raise ViewParamError("empty_value", f"view parameter {key} is empty", key)
    if values["cardType"] not in CARD_TYPES:
        raise ViewParamError(
            "bad_card_type", "cardType is not one of the province's codes", "cardType"
        )
    return values


# --- ID numbers -----------------------------------------------------------------------

RESIDENT_ID = "01"
#: Longest plain ID number accepted (passports and permits are shorter; the
#: province itself refuses longer ones).
MAX_ID_LENGTH = 64
# GB 11643-1999: 17 digits then a check character (ISO 7064 MOD 11-2).
_RESIDENT_RE = re.compile(r"[0-9]{17}[0-9X]")
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    """The 18th character of a resident ID number for its first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise_id_number(id_number: str, card_type: str) -> tuple[str, str | None]:
    """``(value, problem)``: the ID number trimmed (a resident ID's ``x``
    upper-cased) and ``None``, or ``"invalid"`` / ``"check_digit"``.

    A resident ID (``01``) must be 17 ASCII digits and the right check
    character; other documents 1 to 64 printable characters.
    """
    value = id_number.strip()
    if not value or len(value) > MAX_ID_LENGTH or not value.isprintable():
        return value, "invalid"
    if card_type == RESIDENT_ID:
        value = value.upper()
        if not _RESIDENT_RE.fullmatch(value):
            return value, "invalid"
        if resident_id_check_char(value[:17]) != value[17]:
            return value, "check_digit"
    return value, None
