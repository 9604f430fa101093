"""Input shapes of the relay endpoints (DRF serializers with strict types and
maximum lengths) and the answer shape of an authorization.

``validated(SerializerClass, data)`` runs a serializer and turns its first
error into a ``HubError`` with a stable code: a missing field
``FIELD_MISSING``, a wrong JSON type ``FIELD_WRONG_TYPE``, an empty one
``FIELD_EMPTY``, an oversize one ``FIELD_TOO_LONG``, a body that is not an
object ``BODY_NOT_OBJECT``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from hub.errors import HubError
from relay.errors import RelayCode, relay_error
from relay.models import Authorization, Method, State, SyncState

#: Hex of an SM4-encrypted ID or phone number (64 UTF-8 bytes -> 160 hex).
MAX_CIPHER_HEX = 512
#: Base64 of one photo; the face check enforces its own, smaller byte limit.
MAX_PHOTO_CHARS = 10_000_000


class _NoSurrogates(ProhibitSurrogateCharactersValidator):
    """DRF's check, skipped for ASCII text (no surrogates possible): it walked
    every character of the views' 200-character hex ``param`` in Python."""

    def __call__(self, value):
        if isinstance(value, str) and value.isascii():
            return
        super().__call__(value)


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else (DRF's CharField would take 42 as "42")."""

    default_error_messages = {"wrong_type": _("Must be a JSON string.")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            _NoSurrogates() if type(v) is ProhibitSurrogateCharactersValidator else v
            for v in self.validators
        ]

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("wrong_type")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.INT)
class AuthDaysField(serializers.Field):
    """An integer 1..30, or its decimal text (some HIS send "30")."""

    default_error_messages = {"wrong_type": _("Must be an integer from 1 to 30.")}

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().isascii() and data.strip().isdigit():
            data = int(data.strip())
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= 30:
            raise serializers.ValidationError(self.error_messages["wrong_type"], code="auth_days")
        return data

    def to_representation(self, value):
        return value


def _text(max_length: int, *, required: bool = True, blank: bool = False) -> StrictCharField:
    return StrictCharField(max_length=max_length, required=required, allow_blank=blank)


class StartSerializer(serializers.Serializer):
    patientIdcard = _text(MAX_CIPHER_HEX)
    cardType = _text(8)
    patientName = _text(100)
    method = _text(16)
    phone = _text(MAX_CIPHER_HEX, required=False, blank=True)
    staffNo = _text(64)
    staffName = _text(64, required=False, blank=True)
    patientId = _text(64, required=False, blank=True)


class VerifySerializer(serializers.Serializer):
    code = _text(16, required=False, blank=True)
    idPhoto = StrictCharField(max_length=MAX_PHOTO_CHARS, required=False, trim_whitespace=False)
    livePhoto = StrictCharField(max_length=MAX_PHOTO_CHARS, required=False, trim_whitespace=False)


class ViewSerializer(serializers.Serializer):
    param = _text(8192)


class CodeAuthRecSerializer(serializers.Serializer):
    """``codeAuthRec`` of spec §2.3 (``patientIdcard`` under the hub key)."""

    authDays = AuthDaysField(required=False)
    patientIdcard = _text(MAX_CIPHER_HEX)
    patientName = _text(100)
    orgCode = _text(32)
    orgName = _text(200, required=False, blank=True)
    status = _text(4)
    appId = _text(128, required=False, blank=True)


class CompatSerializer(serializers.Serializer):
    codeAuthRec = CodeAuthRecSerializer()


class ListQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    method = serializers.ChoiceField(choices=Method.choices, required=False)
    syncState = serializers.ChoiceField(choices=SyncState.choices, required=False)
    staffNo = serializers.CharField(max_length=64, required=False)
    patientIdcard = serializers.CharField(max_length=MAX_CIPHER_HEX, required=False)
    page = serializers.IntegerField(min_value=1, max_value=100_000, required=False, default=1)
    pageSize = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)


_CODES = {
    "required": RelayCode.FIELD_MISSING,
    "null": RelayCode.FIELD_MISSING,
    "blank": RelayCode.FIELD_EMPTY,
    "max_length": RelayCode.FIELD_TOO_LONG,
    "wrong_type": RelayCode.FIELD_WRONG_TYPE,
    "invalid": RelayCode.FIELD_WRONG_TYPE,
    "not_a_dict": RelayCode.FIELD_WRONG_TYPE,
    "auth_days": RelayCode.AUTH_DAYS_INVALID,
}


def _first_error(errors, prefix: str = "") -> tuple[str, object]:
    """(dotted field path, first ErrorDetail) of a serializer's ``errors``."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = prefix if key in ("non_field_errors",) else f"{prefix}.{key}".lstrip(".")
            return _first_error(value, path)
    if isinstance(errors, list) and errors:
        return _first_error(errors[0], prefix)
    return prefix, errors


def validated(serializer_class, data, *, code: RelayCode | None = None) -> dict:
    """``validated_data`` of ``serializer_class`` on ``data``, or a ``HubError``
    (with ``code`` for every error when given, else the code of the error kind)."""
    if not isinstance(data, dict):
        raise relay_error(RelayCode.BODY_NOT_OBJECT)
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data
    path, detail = _first_error(serializer.errors)
    code = code or _CODES.get(getattr(detail, "code", ""), RelayCode.FIELD_INVALID)
    message = f"{path}: {detail}" if path else str(detail)
    raise HubError(code, message, 400)


def authorization_data(authorization: Authorization) -> dict:
    """The answer shape of one authorization (personal data masked)."""
    a = authorization
    return {
        "authorizationId": a.pk,
        "method": a.method,
        "state": a.state,
        "cardType": a.card_type,
        "patientIdcard": a.patient_idcard_masked,
        "patientName": a.patient_name_masked,
        "patientId": a.patient_ref,
        "phone": a.phone_masked,
        "staffNo": a.staff_no,
        "staffName": a.staff_name,
        "authDays": a.auth_days,
        "createdAt": _iso(a.created_at),
        "grantedAt": _iso(a.granted_at),
        "validUntil": _iso(a.valid_until),
        "endedAt": _iso(a.ended_at),
        "provinceSynced": a.sync_state == SyncState.SYNCED,
        "syncState": a.sync_state,
        "syncReason": a.sync_reason,
        "syncAttempts": a.sync_attempts,
        "syncedAt": _iso(a.synced_at),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None
