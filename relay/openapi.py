"""OpenAPI: every answer of the relay endpoints, with the exact ``errorCode``
values each status can carry (imported by ``relay.urls``).

The views keep their own ``extend_schema`` (summary, operation id, data
shapes in ``relay.schema``); this module replaces their
``responses`` with the envelopes of ``hub.openapi``, describes the request
bodies for readers (field meanings, SM4 hex patterns, allowed values; the
views still check input with their own serializers and codes) and adds request
examples made with demo hospital A's documented key, so a reader (and
schemathesis) has one request that succeeds against the demo data.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers

from hospitals.errors import HospitalsCode
from hospitals.openapi import signed_errors
from hub.gm import sm4_encrypt_ecb_hex
from hub.openapi import PATH_ERRORS, answers, failures, merge
from hub.province.params import CARD_TYPES
from identity.errors import IdentityCode as I  # noqa: E741
from identity.face.errors import FaceCode as F
from relay import schema
from relay.compat import CodeAuthRecSaveView
from relay.errors import RelayCode as R
from relay.views import (
    AuthorizationDetailView,
    AuthorizationResendView,
    AuthorizationRevokeView,
    AuthorizationsView,
    AuthorizationVerifyView,
    ViewsView,
)

# --- Code sets -----------------------------------------------------------------------------

FIELD_CHECKS = [
    R.BODY_NOT_OBJECT,
    R.FIELD_MISSING,
    R.FIELD_EMPTY,
    R.FIELD_WRONG_TYPE,
    R.FIELD_TOO_LONG,
    R.FIELD_INVALID,
]
SM4_CHECKS = [R.SM4_BAD_CIPHERTEXT, R.SM4_DECRYPT_FAILED]
ID_CHECKS = [R.ID_NUMBER_INVALID, R.ID_CHECK_DIGIT_INVALID]
SMS_SEND = {
    400: [I.PHONE_INVALID],
    429: [
        I.SMS_COOLDOWN,
        I.SMS_PHONE_HOURLY_LIMIT,
        I.SMS_PHONE_DAILY_LIMIT,
        I.SMS_PROVIDER_RATE_LIMITED,
        I.CODE_COOLDOWN,
    ],
    502: [I.SMS_PROVIDER_FAILED],
}
NOT_FOUND = merge(PATH_ERRORS, {404: [R.AUTHORIZATION_NOT_FOUND]})

START = merge(
    signed_errors(body=True),
    {
        400: [
            *FIELD_CHECKS,
            *SM4_CHECKS,
            *ID_CHECKS,
            R.METHOD_UNKNOWN,
            R.CARD_TYPE_UNKNOWN,
            R.PHONE_REQUIRED,
        ],
        503: [R.FACE_NOT_AVAILABLE],
    },
    SMS_SEND,
)
LIST = merge(signed_errors(), {400: [R.FILTER_INVALID, *SM4_CHECKS]})
DETAIL = merge(signed_errors(), NOT_FOUND)
VERIFY = merge(
    signed_errors(body=True),
    NOT_FOUND,
    {
        400: [
            *FIELD_CHECKS,
            R.CODE_REQUIRED,
            R.PHOTOS_REQUIRED,
            I.CODE_FORMAT,
            I.CODE_WRONG,
            F.FACE_NOT_BASE64,
            F.FACE_NOT_AN_IMAGE,
            F.FACE_IMAGE_UNDECODABLE,
            F.FACE_IMAGE_TOO_SMALL,
            F.FACE_NOT_FOUND,
            F.FACE_MULTIPLE,
        ],
        403: [F.FACE_MISMATCH],
        409: [R.AUTHORIZATION_STATE_CONFLICT, I.CODE_ALREADY_USED, I.CODE_SUPERSEDED],
        410: [R.AUTHORIZATION_EXPIRED, I.CODE_EXPIRED],
        413: [F.FACE_IMAGE_TOO_LARGE],
        423: [R.AUTHORIZATION_LOCKED, I.CODE_LOCKED],
        429: [I.CODE_THROTTLED],
        502: [F.FACE_PROVIDER_FAILED],
        503: [R.FACE_NOT_AVAILABLE, F.FACE_PROVIDER_UNAVAILABLE],
    },
)
REVOKE = merge(signed_errors(), NOT_FOUND, {409: [R.AUTHORIZATION_STATE_CONFLICT]})
RESEND = merge(
    signed_errors(),
    NOT_FOUND,
    SMS_SEND,
    {
        409: [R.RESEND_NOT_APPLICABLE, R.AUTHORIZATION_STATE_CONFLICT, I.CODE_ALREADY_USED],
        410: [R.AUTHORIZATION_EXPIRED],
        423: [R.AUTHORIZATION_LOCKED, I.CODE_LOCKED],
    },
)
VIEWS = merge(
    signed_errors(body=True),
    {
        400: [
            *FIELD_CHECKS,
            *SM4_CHECKS,
            *ID_CHECKS,
            R.CARD_TYPE_UNKNOWN,
            R.PARAM_MALFORMED,
            R.PARAM_UNKNOWN_KEY,
            R.PARAM_DUPLICATE_KEY,
            R.PARAM_MISSING_KEY,
            R.PARAM_EMPTY_VALUE,
        ],
        403: [R.ORG_CODE_MISMATCH, R.NO_CONSENT, R.CONSENT_REVOKED],
        409: [R.CONSENT_NOT_SYNCED],
        410: [R.CONSENT_EXPIRED],
        503: [HospitalsCode.NO_PROVINCE_ACCOUNT],
    },
)
COMPAT = merge(
    signed_errors(body=True),
    {
        400: [
            *FIELD_CHECKS,
            *SM4_CHECKS,
            R.ID_NUMBER_INVALID,
            R.STATUS_INVALID,
            R.AUTH_DAYS_INVALID,
        ],
        403: [R.ORG_CODE_MISMATCH],
        502: [R.PROVINCE_UNAVAILABLE, R.PROVINCE_REFUSED],
        504: [R.PROVINCE_TIMEOUT],
    },
)

# --- Request shapes for readers (the views check with their own serializers) ---------------

#: SM4-ECB/PKCS#7 ciphertext as hex: whole 16-byte blocks.
SM4_HEX = r"^([0-9a-fA-F]{32})+$"


def _sm4(what: str, *, required: bool = True) -> serializers.RegexField:
    return serializers.RegexField(
        SM4_HEX,
        max_length=512,
        required=required,
        help_text=f"{what}, SM4 hex (lowercase) under the caller's hub SM4 key.",
    )


class AuthorizationStartRequest(serializers.Serializer):
    patientIdcard = _sm4("The patient's ID number")
    cardType = serializers.ChoiceField(
        choices=sorted(CARD_TYPES), help_text="Document type: 01 resident ID ... 99 other."
    )
    patientName = serializers.CharField(max_length=100)
    method = serializers.ChoiceField(
        choices=["sms", "authcode", "face"],
        help_text="sms: a code to `phone`; authcode: a code on the patient's pages; "
        "face: idPhoto/livePhoto at verify.",
    )
    phone = _sm4(
        "The patient's mainland mobile number (required for sms; optional for face, "
        "where a passed check links it to the patient's pages)",
        required=False,
    )
    staffNo = serializers.CharField(max_length=64, help_text="The requesting doctor's number.")
    staffName = serializers.CharField(max_length=64, required=False)
    patientId = serializers.CharField(max_length=64, required=False, help_text="HIS patient id.")


class AuthorizationVerifyRequest(serializers.Serializer):
    code = serializers.RegexField(
        r"^[0-9]{6}$", required=False, help_text="sms/authcode: the 6 digits the patient has."
    )
    idPhoto = serializers.CharField(
        required=False, help_text="face: the ID card chip photo, base64 JPEG or PNG."
    )
    livePhoto = serializers.CharField(
        required=False, help_text="face: the camera photo, base64 JPEG or PNG."
    )


class ViewRequest(serializers.Serializer):
    param = serializers.RegexField(
        SM4_HEX,
        max_length=8192,
        help_text="SM4 hex of orgCode=..&staffNo=..&staffName=..&cardType=..&idcard=.."
        "&patientName=..&patientId=..&callSysCode=.. (spec §2.4) under the hub key.",
    )


class CodeAuthRecord(serializers.Serializer):
    authDays = serializers.IntegerField(
        min_value=1, max_value=30, required=False, help_text="Default 30."
    )
    patientIdcard = _sm4("The patient's ID number")
    patientName = serializers.CharField(max_length=100)
    orgCode = serializers.CharField(max_length=32, help_text="The caller's own orgCode.")
    orgName = serializers.CharField(max_length=200, required=False, help_text="Replaced.")
    status = serializers.RegexField(r"^\s*[01]\s*$", help_text='"1" grants, "0" revokes.')
    appId = serializers.CharField(
        max_length=128, required=False, help_text="Replaced by the city's province appId."
    )


class CodeAuthRecSaveRequest(serializers.Serializer):
    codeAuthRec = CodeAuthRecord()


# --- Examples: demo hospital A (documented key), a valid synthetic resident ID ----------------

DEMO_KEY = "0123456789abcdeffedcba9876543210"
DEMO_ORG = ("455404482", "测试机构名称")
DEMO_ID = "44010619900307001X"
DEMO_PARAM = (
    f"orgCode={DEMO_ORG[0]}&staffNo=doc001&staffName=李医生&cardType=01&idcard={DEMO_ID}"
    "&patientName=张三&patientId=P0001&callSysCode=his"
)


def _example(value: dict, summary: str) -> list[OpenApiExample]:
    return [OpenApiExample("demo", value=value, summary=summary, request_only=True)]


START_EXAMPLE = _example(
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
VERIFY_EXAMPLE = _example({"code": "123456"}, "The 6-digit code the patient received")
VIEW_EXAMPLE = _example(
    {"param": sm4_encrypt_ecb_hex(DEMO_KEY, DEMO_PARAM)},
    "Demo hospital A asks to view the demo patient's record (param: SM4 hex of spec §2.4)",
)
COMPAT_EXAMPLE = _example(
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


def _compat_responses() -> dict:
    relayed = OpenApiResponse(
        schema.ProvinceAnswer,
        description="The province's own answer, relayed: returnCode 1, or 0 and its reason.",
    )
    return {200: relayed, **failures("CodeAuthRecSave", COMPAT)}


extend_schema_view(
    post=extend_schema(
        request=AuthorizationStartRequest,
        responses=answers("AuthorizationStarted", schema.AUTHORIZATION, errors=START),
        examples=START_EXAMPLE,
    ),
    get=extend_schema(
        responses=answers("AuthorizationList", schema.AuthorizationListOut(), errors=LIST)
    ),
)(AuthorizationsView)
extend_schema_view(
    get=extend_schema(responses=answers("AuthorizationDetail", schema.AUTHORIZATION, errors=DETAIL))
)(AuthorizationDetailView)
extend_schema_view(
    post=extend_schema(
        request=AuthorizationVerifyRequest,
        responses=answers("AuthorizationVerified", schema.AUTHORIZATION, errors=VERIFY),
        examples=VERIFY_EXAMPLE,
    )
)(AuthorizationVerifyView)
extend_schema_view(
    post=extend_schema(
        responses=answers("AuthorizationRevoked", schema.AUTHORIZATION, errors=REVOKE)
    )
)(AuthorizationRevokeView)
extend_schema_view(
    post=extend_schema(
        responses=answers("AuthorizationResent", schema.AUTHORIZATION, errors=RESEND)
    )
)(AuthorizationResendView)
extend_schema_view(
    post=extend_schema(
        request=ViewRequest,
        responses=answers("ViewIssued", schema.ViewOut(), errors=VIEWS),
        examples=VIEW_EXAMPLE,
    )
)(ViewsView)
extend_schema_view(
    post=extend_schema(
        request=CodeAuthRecSaveRequest, responses=_compat_responses(), examples=COMPAT_EXAMPLE
    )
)(CodeAuthRecSaveView)
