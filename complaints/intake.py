"""Checks on the values hospitals and the province's feed send to the
complaint API, and the clean values a submission becomes (:class:`ComplaintInput`).

The request serializers (``complaints.serializers``) run these checks instead
of DRF's own conversions so that every kind of bad input has its own stable
``errorCode`` (all HTTP 400), and nothing malformed can reach the database or
raise a 500: wrong JSON types, bad hex, bad padding, a wrong SM4 key, an
unknown category, an oversize text, a date that is not a date or is in the
future. Each refusal is a DRF ``ValidationError`` whose code is that
``errorCode``. ID and phone numbers arrive as SM4 hex under the caller's
hub-issued key and are decrypted here; they are never logged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from complaints.errors import ComplaintsCode
from hub.errors import Code, HubError
from hub.inputs import sm4_field

MAX_CIPHER_HEX = 512
#: What an SM4/ECB ciphertext in hex looks like: whole 16-byte blocks.
SM4_HEX = r"^([0-9a-fA-F]{32})+$"
ID_NUMBER_RE = re.compile(r"\A[0-9A-Za-z]{6,32}\Z")
PHONE_RE = re.compile(r"\A\+?[0-9][0-9\- ]{4,19}\Z")
_DATE_RE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_TEXT_CONTROLS = "\n\r\t"


@dataclass(frozen=True)
class ComplaintInput:
    org_code: str
    patient_idcard: str
    patient_name: str
    category: str
    record_date: date
    description: str
    reporter_name: str = ""
    reporter_phone: str | None = None
    external_ref: str = ""
    callback_url: str = ""


def refusal(code: str, message: str) -> ValidationError:
    """A 400 refusal carrying its stable ``errorCode`` as the DRF error code."""
    return ValidationError(message, code=str(code))


def clean_text(
    value,
    name: str,
    *,
    required: bool,
    max_length: int,
    multiline: bool = False,
    missing: str | None = None,
) -> str:
    """One string value of a JSON object, stripped and checked.

    Absent, ``null`` and blank are all "not given": ``""``, or, when
    ``required``, ``FIELD_MISSING`` (absent, ``null``) or ``FIELD_EMPTY``
    (blank), with the message ``missing`` when given.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            code = Code.FIELD_MISSING if value is None else Code.FIELD_EMPTY
            raise refusal(code, missing or _("%(field)s is required.") % {"field": name})
        return ""
    if not isinstance(value, str):
        raise refusal(Code.FIELD_WRONG_TYPE, _("%(field)s must be a string.") % {"field": name})
    value = value.strip()
    if len(value) > max_length:
        raise refusal(
            Code.FIELD_TOO_LONG,
            _("%(field)s is longer than %(max)s characters.") % {"field": name, "max": max_length},
        )
    # Free text may span lines; nothing may hold other control characters (a NUL
    # is refused by PostgreSQL) or lone surrogates (not storable as UTF-8).
    allowed_controls = _TEXT_CONTROLS if multiline else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed_controls for ch in value):
        raise refusal(
            Code.FIELD_INVALID,
            _("%(field)s contains control or invalid characters.") % {"field": name},
        )
    return value


def decrypt_field(
    key_hex: str, name: str, cipher_hex: str, pattern: re.Pattern, invalid: str
) -> str:
    """Decrypt one SM4 hex field under the caller's key and check its shape.

    Not hex or not whole blocks: ``SM4_BAD_CIPHERTEXT``; bad padding (almost
    always a wrong key): ``SM4_DECRYPT_FAILED`` (``hub.inputs.sm4_field``, as
    on every endpoint). A plaintext that fails ``pattern`` (a wrong key that
    happened to pass the padding check, or a bad value) answers ``invalid``,
    the code of that value (``ID_NUMBER_INVALID``, ``PHONE_INVALID``), rather
    than garbage stored as data.
    """
    if len(cipher_hex) > MAX_CIPHER_HEX:
        raise refusal(Code.FIELD_TOO_LONG, _("%(field)s is too long.") % {"field": name})
    try:
        plain = sm4_field(key_hex, cipher_hex, field=name)
    except HubError as exc:
        raise refusal(exc.code, exc.message) from None
    if not pattern.match(plain.strip()):
        raise refusal(
            invalid,
            _("%(field)s does not decrypt to a valid value; check your SM4 key.") % {"field": name},
        )
    return plain.strip()


def record_date(raw: str) -> date:
    """``recordDate`` (already clean text): a real YYYY-MM-DD, not in the future."""
    if not _DATE_RE.match(raw):
        raise refusal(ComplaintsCode.RECORD_DATE_INVALID, _("recordDate must be YYYY-MM-DD."))
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise refusal(ComplaintsCode.RECORD_DATE_INVALID, _("recordDate is not a date.")) from None
    if value > timezone.localdate():
        raise refusal(ComplaintsCode.RECORD_DATE_IN_FUTURE, _("recordDate is in the future."))
    return value


def callback_url(url: str, *, allowed: bool, prefix: str) -> str:
    """``callbackUrl`` (already clean text): from the feed only, http(s), under
    the address agreed for that feed."""
    if not allowed:
        raise refusal(
            ComplaintsCode.CALLBACK_NOT_ALLOWED,
            _("callbackUrl is accepted from the province feed only."),
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise refusal(
            ComplaintsCode.CALLBACK_URL_INVALID, _("callbackUrl must be an http(s) URL.")
        ) from None
    if prefix and not url.startswith(prefix):
        raise refusal(
            ComplaintsCode.CALLBACK_URL_INVALID,
            _("callbackUrl is outside the address agreed for this feed."),
        )
    return url
