"""The relay's request and answer shapes (DRF serializers), each described once.

Requests: the serializer a view validates with is the one its OpenAPI
document shows: strict JSON types, maximum lengths, help texts and a demo
request (demo hospital A's documented hub key, a valid synthetic resident ID)
that succeeds against the demo data. Some checks have their own
``errorCode`` and are made by the view after the serializer
(``relay.validation``): SM4 hex (``SM4_BAD_CIPHERTEXT``), card type
(``CARD_TYPE_UNKNOWN``), method (``METHOD_UNKNOWN``), ID number... Those
fields only *document* their pattern or allowed values
(``StrictCharField(documented_pattern=..., documented_choices=...)``), so a
bad value still gets its own code.

``validated(SerializerClass, data)`` (``hub.inputs.validated``, the same on
every endpoint) runs a serializer and turns its first error into a
``HubError`` with a stable code: a missing field ``FIELD_MISSING``, a wrong
JSON type ``FIELD_WRONG_TYPE``, an empty one ``FIELD_EMPTY``, an oversize one
``FIELD_TOO_LONG``, a body that is not an object ``BODY_NOT_OBJECT``.

Answers: ``AuthorizationOut`` and the others describe what
``authorization_data`` and the views build (they answer with
``hub.errors.ok``; the serializers are documentation).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from hub.gm import sm4_encrypt_ecb_hex
from hub.inputs import validated as validated  # the relay's views validate with it
from hub.province.params import CARD_TYPES
from relay.errors import RelayCode
from relay.models import ONSITE_METHODS, Method, State, SyncState

#: Hex of an SM4-encrypted ID or phone number (64 UTF-8 bytes -> 160 hex).
MAX_CIPHER_HEX = 512
#: Base64 of one photo; the face check enforces its own, smaller byte limit.
MAX_PHOTO_CHARS = 10_000_000
#: SM4-ECB/PKCS#7 ciphertext as hex: whole 16-byte blocks.
SM4_HEX = r"^([0-9a-fA-F]{32})+$"


class _NoSurrogates(ProhibitSurrogateCharactersValidator):
    """DRF's check, skipped for ASCII text, where no surrogate is possible
    (DRF walks every character in Python; the SM4 hex fields are all ASCII)."""

    def __call__(self, value):
        if isinstance(value, str) and value.isascii():
            return
        super().__call__(value)


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else (DRF's CharField would take 42 as "42").

    ``documented_pattern`` and ``documented_choices`` describe the value in
    the OpenAPI document only: the view checks them after the serializer, with
    the field's own ``errorCode``.
    """

    default_error_messages = {"wrong_type": _("Must be a JSON string.")}

    def __init__(self, *, documented_pattern=None, documented_choices=None, **kwargs):
        self.documented_pattern = documented_pattern
        self.documented_choices = documented_choices
        super().__init__(**kwargs)
        self.validators = [
            _NoSurrogates() if type(v) is ProhibitSurrogateCharactersValidator else v
            for v in self.validators
        ]

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("wrong_type")
        return super().to_internal_value(data)


class StrictCharFieldSchema(OpenApiSerializerFieldExtension):
    """A ``StrictCharField`` in the OpenAPI document, with its documented
    pattern or allowed values."""

    target_class = StrictCharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if field.documented_choices:
            choices = serializers.ChoiceField(choices=field.documented_choices)
            return auto_schema._map_serializer_field(choices, direction)
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        if field.documented_pattern:
            schema["pattern"] = field.documented_pattern
        return schema


@extend_schema_field({"type": "integer", "maximum": 30, "minimum": 1})
class AuthDaysField(serializers.Field):
    """An integer 1..30, or its decimal text (some HIS send "30")."""

    default_error_messages = {"wrong_type": _("authDays must be an integer from 1 to 30.")}

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().isascii() and data.strip().isdigit():
            data = int(data.strip())
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= 30:
            raise serializers.ValidationError(
                self.error_messages["wrong_type"], code=RelayCode.AUTH_DAYS_INVALID
            )
        return data

    def to_representation(self, value):
        return value


def _text(
    max_length: int, *, required: bool = True, blank: bool = False, **more
) -> StrictCharField:
    return StrictCharField(max_length=max_length, required=required, allow_blank=blank, **more)


def _sm4(what: str, *, required: bool = True, blank: bool = False) -> StrictCharField:
    return _text(
        MAX_CIPHER_HEX,
        required=required,
        blank=blank,
        documented_pattern=SM4_HEX,
        help_text=f"{what}, SM4 hex (lowercase) under the caller's hub SM4 key.",
    )


# --- The demo requests: demo hospital A (documented key), a valid synthetic resident ID ------

DEMO_KEY = "0123456789abcdeffedcba9876543210"
DEMO_ORG = ("455404482", "测试机构名称")
DEMO_ID = "44010619900307001X"
DEMO_PARAM = (
    f"orgCode={DEMO_ORG[0]}&staffNo=doc001&staffName=李医生&cardType=01&idcard={DEMO_ID}"
    "&patientName=张三&patientId=P0001&callSysCode=his"
)


def _demo(value: dict, summary: str) -> list[OpenApiExample]:
    return [OpenApiExample("demo", value=value, summary=summary, request_only=True)]


# --- Requests ------------------------------------------------------------------------------


@extend_schema_serializer(
    examples=_demo(
        {
            "patientIdcard": sm4_encrypt_ecb_hex(DEMO_KEY, DEMO_ID),
            "cardType": "01",
            "patientName": "张三",
            "method": "sms",
            "phone": sm4_encrypt_ecb_hex(DEMO_KEY, "13800138000"),
            "staffNo": "doc001",
            "staffName": "李医生",
            "patientId": "P0001",
        },
        "An SMS authorization by demo hospital A (ID and phone SM4 hex under its hub key)",
    )
)
class AuthorizationStartRequestSerializer(serializers.Serializer):
    patientIdcard = _sm4("The patient's ID number")
    cardType = _text(
        8,
        documented_choices=sorted(CARD_TYPES),
        help_text="Document type: 01 resident ID ... 99 other.",
    )
    patientName = _text(100)
    method = _text(
        16,
        documented_choices=[m.value for m in ONSITE_METHODS],
        help_text="sms: a code to `phone`; authcode: a code on the patient's pages; "
        "face: idPhoto/livePhoto at verify.",
    )
    phone = _sm4(
        "The patient's mainland mobile number (required for sms; optional for face, "
        "where a passed check links it to the patient's pages)",
        required=False,
        blank=True,
    )
    staffNo = _text(64, help_text="The requesting doctor's number.")
    staffName = _text(64, required=False, blank=True)
    patientId = _text(64, required=False, blank=True, help_text="HIS patient id.")


@extend_schema_serializer(
    examples=_demo({"code": "123456"}, "The 6-digit code the patient received")
)
class AuthorizationVerifyRequestSerializer(serializers.Serializer):
    code = _text(
        16,
        required=False,
        blank=True,
        documented_pattern=r"^[0-9]{6}$",
        help_text="sms/authcode: the 6 digits the patient has.",
    )
    idPhoto = StrictCharField(
        max_length=MAX_PHOTO_CHARS,
        required=False,
        trim_whitespace=False,
        help_text="face: the ID card chip photo, base64 JPEG or PNG.",
    )
    livePhoto = StrictCharField(
        max_length=MAX_PHOTO_CHARS,
        required=False,
        trim_whitespace=False,
        help_text="face: the camera photo, base64 JPEG or PNG.",
    )


@extend_schema_serializer(
    examples=_demo(
        {"param": sm4_encrypt_ecb_hex(DEMO_KEY, DEMO_PARAM)},
        "Demo hospital A asks to view the demo patient's record (param: SM4 hex of spec §2.4)",
    )
)
class ViewRequestSerializer(serializers.Serializer):
    param = _text(
        8192,
        documented_pattern=SM4_HEX,
        help_text="SM4 hex of orgCode=..&staffNo=..&staffName=..&cardType=..&idcard=.."
        "&patientName=..&patientId=..&callSysCode=.. (spec §2.4) under the hub key.",
    )


class CodeAuthRecordSerializer(serializers.Serializer):
    """``codeAuthRec`` of spec §2.3 (``patientIdcard`` under the hub key)."""

    authDays = AuthDaysField(required=False, help_text="Default 30.")
    patientIdcard = _sm4("The patient's ID number")
    patientName = _text(100)
    orgCode = _text(32, help_text="The caller's own orgCode.")
    orgName = _text(200, required=False, blank=True, help_text="Replaced.")
    status = _text(4, documented_pattern=r"^\s*[01]\s*$", help_text='"1" grants, "0" revokes.')
    appId = _text(
        128, required=False, blank=True, help_text="Replaced by the city's province appId."
    )


@extend_schema_serializer(
    examples=_demo(
        {
            "codeAuthRec": {
                "authDays": 30,
                "patientIdcard": sm4_encrypt_ecb_hex(DEMO_KEY, DEMO_ID),
                "patientName": "张三",
                "orgCode": DEMO_ORG[0],
                "orgName": DEMO_ORG[1],
                "status": "1",
                "appId": "ff8080818ab5cf57018b3bb2a4af0004",
            }
        },
        "The province's own body, patientIdcard under demo hospital A's hub key",
    )
)
class CodeAuthRecSaveRequestSerializer(serializers.Serializer):
    codeAuthRec = CodeAuthRecordSerializer()


class AuthorizationListQuerySerializer(serializers.Serializer):
    """The filters of ``GET /api/v1/authorizations`` (query parameters)."""

    state = serializers.ChoiceField(choices=State.choices, required=False)
    method = serializers.ChoiceField(choices=Method.choices, required=False)
    syncState = serializers.ChoiceField(choices=SyncState.choices, required=False)
    staffNo = serializers.CharField(max_length=64, required=False)
    patientIdcard = serializers.CharField(
        max_length=MAX_CIPHER_HEX, required=False, help_text="SM4 hex under the hub key"
    )
    changedSince = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601 (e.g. 2026-12-01T08:00:00+08:00; no offset = Beijing time): only "
        "authorizations created or changed since then (a patient's revocation or refusal "
        "on their pages included), oldest change first. Keep the largest updatedAt you "
        "received as the next changedSince.",
    )
