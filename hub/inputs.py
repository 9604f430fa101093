"""The checks every endpoint makes on what a hospital sends, with one
``errorCode`` per mistake whichever endpoint it is made on.

- :func:`validated` runs a DRF serializer and answers its first error as a
  400 ``HubError``: a body that is not a JSON object ``BODY_NOT_OBJECT``; a
  field absent or ``null`` ``FIELD_MISSING``; blank ``FIELD_EMPTY``; not of its
  JSON type ``FIELD_WRONG_TYPE``; longer than its maximum ``FIELD_TOO_LONG``;
  any other refused value ``FIELD_INVALID``. A field that raises a
  ``ValidationError`` whose code is an ``errorCode`` (UPPER_SNAKE) keeps that
  code and its message (a field with a check of its own, ``CARD_TYPE_UNKNOWN``).
- :func:`sm4_field` decrypts an SM4 hex field under the caller's hub key: not
  hex or not whole 16-byte blocks ``SM4_BAD_CIPHERTEXT``; bad padding or not
  UTF-8 once decrypted (almost always: another key) ``SM4_DECRYPT_FAILED``.
- :func:`query_error` is the refusal of any bad query parameter of a list or
  a report (``FILTER_INVALID``), page and pageSize included (``hub.pagination``).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ErrorDetail

from hub.errors import Code, HubError
from hub.gm import GMError, sm4_decrypt_ecb_hex

_ERRORCODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*[A-Z0-9]$")
#: DRF's error kinds -> the one code of that mistake.
DRF_CODES = {
    "required": Code.FIELD_MISSING,
    "null": Code.FIELD_MISSING,
    "blank": Code.FIELD_EMPTY,
    "max_length": Code.FIELD_TOO_LONG,
    "wrong_type": Code.FIELD_WRONG_TYPE,
    "invalid": Code.FIELD_WRONG_TYPE,
    "not_a_dict": Code.FIELD_WRONG_TYPE,
    "not_a_list": Code.FIELD_WRONG_TYPE,
}


def body_object(data) -> dict:
    """``data`` when it is a JSON object, else ``BODY_NOT_OBJECT``."""
    if not isinstance(data, dict):
        raise HubError(Code.BODY_NOT_OBJECT, _("The request body must be a JSON object."), 400)
    return data


def _first_error(errors, prefix: str = "") -> tuple[str, object]:
    """(dotted field path, first ErrorDetail) of a serializer's ``errors``,
    fields in their declared order."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = prefix if key == "non_field_errors" else f"{prefix}.{key}".lstrip(".")
            return _first_error(value, path)
    if isinstance(errors, list) and errors:
        return _first_error(errors[0], prefix)
    return prefix, errors


def error_of(detail: ErrorDetail | str, path: str = "", *, code: str | None = None) -> HubError:
    """The 400 ``HubError`` of one serializer error (see the module's docstring)."""
    kind = str(getattr(detail, "code", "") or "")
    if code is None and _ERRORCODE_RE.match(kind):
        # A field's own check: its message already names the field.
        return HubError(kind, str(detail), 400)
    code = code or DRF_CODES.get(kind, Code.FIELD_INVALID)
    message = f"{path}: {detail}" if path else str(detail)
    return HubError(code, message, 400)


def validated(serializer_class, data, *, code: str | None = None, **context) -> dict:
    """``validated_data`` of ``serializer_class`` on ``data`` (its checks may
    read ``context``), or the first error as a 400 ``HubError``: with ``code``
    for every error when given, else the code of the error's kind."""
    body_object(data)
    serializer = serializer_class(data=data, context=context)
    if serializer.is_valid():
        return serializer.validated_data
    path, detail = _first_error(serializer.errors)
    raise error_of(detail, path, code=code)


def sm4_field(key_hex: str, cipher_hex: str, *, field: str) -> str:
    """Plain text of the SM4 hex field ``field`` under the caller's hub key."""
    try:
        return sm4_decrypt_ecb_hex(key_hex, cipher_hex.strip())
    except GMError as exc:
        if exc.reason in ("bad_hex", "bad_length"):
            raise HubError(
                Code.SM4_BAD_CIPHERTEXT,
                _(
                    "%(field)s is not SM4 ciphertext: it must be hexadecimal, a multiple of "
                    "32 characters."
                )
                % {"field": field},
                400,
            ) from None
        raise HubError(
            Code.SM4_DECRYPT_FAILED,
            _("%(field)s cannot be decrypted: encrypt it with this hospital's hub SM4 key.")
            % {"field": field},
            400,
        ) from None


def query_error(message: str) -> HubError:
    """A bad query parameter (``FILTER_INVALID``); ``message`` names it."""
    return HubError(Code.FILTER_INVALID, message, 400)
