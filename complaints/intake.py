"""Parsing of the intake body (``POST /api/v1/complaints``) into clean values.

Hand-written rather than a DRF serializer so that every kind of bad input has
its own stable ``errorCode`` (all HTTP 400), and nothing malformed can reach
the database or raise a 500: wrong JSON types, bad hex, bad padding, a wrong
SM4 key, an unknown category, an oversize text, a date that is not a date or
is in the future. ID and phone numbers arrive as SM4 hex under the caller's
hub-issued key and are decrypted here; they are never logged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.errors import ComplaintsCode
from complaints.models import Category
from complaints.models.complaint import DESCRIPTION_MAX
from hub.errors import HubError
from hub.gm import GMError, sm4_decrypt_ecb_hex

MAX_CIPHER_HEX = 512
_ORG_CODE_RE = re.compile(r"\A[0-9A-Za-z\-]{1,32}\Z")
_ID_RE = re.compile(r"\A[0-9A-Za-z]{6,32}\Z")
_PHONE_RE = re.compile(r"\A\+?[0-9][0-9\- ]{4,19}\Z")
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


def _bad(code: str, message: str) -> HubError:
    return HubError(code, message, 400)


def text_field(
    body: dict, name: str, *, required: bool, max_length: int, multiline: bool = False
) -> str:
    """One string field of a JSON object, stripped and checked (400 otherwise)."""
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _bad(ComplaintsCode.FIELD_REQUIRED, _("%(field)s is required.") % {"field": name})
        return ""
    if not isinstance(value, str):
        raise _bad(ComplaintsCode.FIELD_INVALID, _("%(field)s must be a string.") % {"field": name})
    value = value.strip()
    if len(value) > max_length:
        raise _bad(
            ComplaintsCode.TEXT_TOO_LONG,
            _("%(field)s is longer than %(max)s characters.") % {"field": name, "max": max_length},
        )
    # Free text may span lines; nothing may hold other control characters (a NUL
    # is refused by PostgreSQL) or lone surrogates (not storable as UTF-8).
    allowed_controls = _TEXT_CONTROLS if multiline else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed_controls for ch in value):
        raise _bad(
            ComplaintsCode.FIELD_INVALID,
            _("%(field)s contains control or invalid characters.") % {"field": name},
        )
    return value


def decrypt_field(key_hex: str, name: str, cipher_hex: str, pattern: re.Pattern) -> str:
    """Decrypt one SM4 hex field under the caller's key and check its shape.

    A wrong key almost always fails the padding check; when it happens to
    pass, the plaintext fails ``pattern`` instead, so either way the caller
    gets ``CIPHERTEXT_INVALID`` rather than garbage stored as data.
    """
    if len(cipher_hex) > MAX_CIPHER_HEX:
        raise _bad(ComplaintsCode.TEXT_TOO_LONG, _("%(field)s is too long.") % {"field": name})
    try:
        plain = sm4_decrypt_ecb_hex(key_hex, cipher_hex)
    except GMError as exc:
        raise _bad(
            ComplaintsCode.CIPHERTEXT_INVALID,
            _(
                "%(field)s is not SM4 hex under your hub-issued key (%(reason)s); "
                "encrypt it with SM4/ECB/PKCS7 and send lowercase hex."
            )
            % {"field": name, "reason": exc.reason},
        ) from None
    if not pattern.match(plain.strip()):
        raise _bad(
            ComplaintsCode.CIPHERTEXT_INVALID,
            _("%(field)s does not decrypt to a valid value; check your SM4 key.") % {"field": name},
        )
    return plain.strip()


def _record_date(body: dict) -> date:
    raw = text_field(body, "recordDate", required=True, max_length=10)
    if not _DATE_RE.match(raw):
        raise _bad(ComplaintsCode.RECORD_DATE_INVALID, _("recordDate must be YYYY-MM-DD."))
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise _bad(ComplaintsCode.RECORD_DATE_INVALID, _("recordDate is not a date.")) from None
    if value > timezone.localdate():
        raise _bad(ComplaintsCode.RECORD_DATE_IN_FUTURE, _("recordDate is in the future."))
    return value


def _callback_url(body: dict, *, allowed: bool, prefix: str) -> str:
    url = text_field(body, "callbackUrl", required=False, max_length=500)
    if not url:
        return ""
    if not allowed:
        raise _bad(
            ComplaintsCode.CALLBACK_NOT_ALLOWED,
            _("callbackUrl is accepted from the province feed only."),
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise _bad(
            ComplaintsCode.CALLBACK_URL_INVALID, _("callbackUrl must be an http(s) URL.")
        ) from None
    if prefix and not url.startswith(prefix):
        raise _bad(
            ComplaintsCode.CALLBACK_URL_INVALID,
            _("callbackUrl is outside the address agreed for this feed."),
        )
    return url


def parse_intake(body, *, key_hex: str, allow_callback: bool, callback_prefix: str = ""):
    """The clean :class:`ComplaintInput` of an intake body, or a 400 ``HubError``."""
    if not isinstance(body, dict):
        raise _bad(ComplaintsCode.BODY_NOT_OBJECT, _("The body must be a JSON object."))
    org_code = text_field(body, "orgCode", required=True, max_length=32)
    if not _ORG_CODE_RE.match(org_code):
        raise _bad(ComplaintsCode.FIELD_INVALID, _("orgCode must be letters, digits or '-'."))
    id_hex = text_field(body, "patientIdcard", required=True, max_length=MAX_CIPHER_HEX)
    patient_idcard = decrypt_field(key_hex, "patientIdcard", id_hex, _ID_RE).upper()
    patient_name = text_field(body, "patientName", required=True, max_length=100)
    category = text_field(body, "category", required=True, max_length=32)
    if category not in Category.values:
        raise _bad(
            ComplaintsCode.CATEGORY_UNKNOWN,
            _("category must be one of: %(choices)s.") % {"choices": ", ".join(Category.values)},
        )
    record_date = _record_date(body)
    description = text_field(
        body, "description", required=True, max_length=DESCRIPTION_MAX, multiline=True
    )
    reporter_name = text_field(body, "reporterName", required=False, max_length=100)
    phone_hex = text_field(body, "reporterContact", required=False, max_length=MAX_CIPHER_HEX)
    reporter_phone = (
        decrypt_field(key_hex, "reporterContact", phone_hex, _PHONE_RE) if phone_hex else None
    )
    external_ref = text_field(body, "externalRef", required=False, max_length=128)
    callback_url = _callback_url(body, allowed=allow_callback, prefix=callback_prefix)
    return ComplaintInput(
        org_code=org_code,
        patient_idcard=patient_idcard,
        patient_name=patient_name,
        category=category,
        record_date=record_date,
        description=description,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        external_ref=external_ref,
        callback_url=callback_url,
    )
