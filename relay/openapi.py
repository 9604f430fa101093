"""OpenAPI: the exact ``errorCode`` values each relay operation can answer,
per HTTP status.

Data only. Each view declares its own ``extend_schema`` (``relay.views``,
``relay.compat``) and passes its set here to ``hub.openapi.answers`` (or
``failures``); the request and answer shapes are the serializers of
``relay.serializers``. A code a view can raise must be in its set:
schemathesis (tests/api) fails on an answer the document does not list.
"""

from __future__ import annotations

from hospitals.errors import HospitalsCode
from hospitals.openapi import signed_errors
from hub import phone_blocks
from hub.errors import Code
from hub.openapi import BODY_FIELD_CHECKS, PATH_ERRORS, SM4_FIELD_CHECKS, merge
from identity.errors import IdentityCode as I  # noqa: E741
from identity.face.errors import FaceCode as F
from relay.errors import RelayCode as R

FIELD_CHECKS = BODY_FIELD_CHECKS
SM4_CHECKS = SM4_FIELD_CHECKS
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

#: POST /api/v1/authorizations
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
        409: [R.PHONE_NOT_ON_RECORD, R.NO_CODE_CHANNEL],
        423: [phone_blocks.PHONE_BLOCKED],
        429: [R.PATIENT_REQUESTS_LIMIT, R.PATIENT_BLOCKED],
        503: [R.FACE_NOT_AVAILABLE],
    },
    SMS_SEND,
)
#: GET /api/v1/authorizations
LIST = merge(signed_errors(), {400: [Code.FILTER_INVALID, *SM4_CHECKS]})
#: GET /api/v1/authorizations/{id}
DETAIL = merge(signed_errors(), NOT_FOUND)
#: POST /api/v1/authorizations/{id}/verify
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
        429: [I.CODE_THROTTLED, R.PATIENT_BLOCKED],
        502: [F.FACE_PROVIDER_FAILED],
        503: [R.FACE_NOT_AVAILABLE, F.FACE_PROVIDER_UNAVAILABLE],
    },
)
#: POST /api/v1/authorizations/{id}/revoke
REVOKE = merge(signed_errors(), NOT_FOUND, {409: [R.AUTHORIZATION_STATE_CONFLICT]})
#: POST /api/v1/authorizations/{id}/resend
RESEND = merge(
    signed_errors(),
    NOT_FOUND,
    SMS_SEND,
    {
        400: [R.PHONE_REQUIRED],
        409: [
            R.RESEND_NOT_APPLICABLE,
            R.AUTHORIZATION_STATE_CONFLICT,
            I.CODE_ALREADY_USED,
            R.PHONE_NOT_ON_RECORD,
        ],
        410: [R.AUTHORIZATION_EXPIRED],
        423: [R.AUTHORIZATION_LOCKED, I.CODE_LOCKED, phone_blocks.PHONE_BLOCKED],
    },
)
#: POST /api/v1/views
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
#: POST /ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save (the province-compatible one)
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
        202: [R.MODE1_HELD_FOR_REVIEW],
        429: [R.MODE1_DAILY_CAP_REACHED],
        502: [R.PROVINCE_UNAVAILABLE, R.PROVINCE_REFUSED],
        504: [R.PROVINCE_TIMEOUT],
    },
)
