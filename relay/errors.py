"""Stable error codes of the relay (authorizations, views, the compatible endpoint).

Every refusal leaves as ``{"returnCode": "0", "returnDesc": <reason>,
"errorCode": <code>}`` (``hub.errors.HubError``). Clients act on the code;
the text is translated (Simplified Chinese by default). The identity app's
codes (``CODE_WRONG``, ``CODE_LOCKED``, ``SMS_COOLDOWN``...) and the face
codes (``FACE_MISMATCH``...) pass through unchanged.
"""

from __future__ import annotations

from enum import StrEnum, nonmember

from django.utils.translation import gettext_lazy as _

from hub.errors import Code, HubError


class RelayCode(StrEnum):
    # The input mistakes every endpoint shares are ``hub.errors.Code``'s (one
    # code per mistake everywhere); these names stay as aliases of them, not
    # members of their own.
    BODY_NOT_OBJECT = nonmember(Code.BODY_NOT_OBJECT)
    FIELD_MISSING = nonmember(Code.FIELD_MISSING)
    FIELD_EMPTY = nonmember(Code.FIELD_EMPTY)
    FIELD_WRONG_TYPE = nonmember(Code.FIELD_WRONG_TYPE)
    FIELD_TOO_LONG = nonmember(Code.FIELD_TOO_LONG)
    FIELD_INVALID = nonmember(Code.FIELD_INVALID)
    SM4_BAD_CIPHERTEXT = nonmember(Code.SM4_BAD_CIPHERTEXT)
    SM4_DECRYPT_FAILED = nonmember(Code.SM4_DECRYPT_FAILED)
    FILTER_INVALID = nonmember(Code.FILTER_INVALID)
    # Malformed input (400)
    CARD_TYPE_UNKNOWN = "CARD_TYPE_UNKNOWN"
    ID_NUMBER_INVALID = "ID_NUMBER_INVALID"
    ID_CHECK_DIGIT_INVALID = "ID_CHECK_DIGIT_INVALID"
    METHOD_UNKNOWN = "METHOD_UNKNOWN"
    PHONE_REQUIRED = "PHONE_REQUIRED"
    CODE_REQUIRED = "CODE_REQUIRED"
    PHOTOS_REQUIRED = "PHOTOS_REQUIRED"
    STATUS_INVALID = "STATUS_INVALID"
    AUTH_DAYS_INVALID = "AUTH_DAYS_INVALID"
    PARAM_MALFORMED = "PARAM_MALFORMED"
    PARAM_UNKNOWN_KEY = "PARAM_UNKNOWN_KEY"
    PARAM_DUPLICATE_KEY = "PARAM_DUPLICATE_KEY"
    PARAM_MISSING_KEY = "PARAM_MISSING_KEY"
    PARAM_EMPTY_VALUE = "PARAM_EMPTY_VALUE"
    # Not the caller's (403) / unknown (404)
    ORG_CODE_MISMATCH = "ORG_CODE_MISMATCH"
    AUTHORIZATION_NOT_FOUND = "AUTHORIZATION_NOT_FOUND"
    # State (409, 410, 423)
    AUTHORIZATION_STATE_CONFLICT = "AUTHORIZATION_STATE_CONFLICT"
    AUTHORIZATION_EXPIRED = "AUTHORIZATION_EXPIRED"
    AUTHORIZATION_LOCKED = "AUTHORIZATION_LOCKED"
    RESEND_NOT_APPLICABLE = "RESEND_NOT_APPLICABLE"
    FACE_NOT_AVAILABLE = "FACE_NOT_AVAILABLE"
    # The patient cannot be reached, or is being guessed at (409, 429)
    PHONE_NOT_ON_RECORD = "PHONE_NOT_ON_RECORD"
    NO_CODE_CHANNEL = "NO_CODE_CHANNEL"
    PATIENT_REQUESTS_LIMIT = "PATIENT_REQUESTS_LIMIT"
    PATIENT_BLOCKED = "PATIENT_BLOCKED"
    # Mode 1 past the hospital's daily cap (429, or 202 held for review)
    MODE1_DAILY_CAP_REACHED = "MODE1_DAILY_CAP_REACHED"
    MODE1_HELD_FOR_REVIEW = "MODE1_HELD_FOR_REVIEW"
    # Views refused
    NO_CONSENT = "NO_CONSENT"
    CONSENT_EXPIRED = "CONSENT_EXPIRED"
    CONSENT_REVOKED = "CONSENT_REVOKED"
    CONSENT_NOT_SYNCED = "CONSENT_NOT_SYNCED"
    # The viewer entry (GET|POST /viewer, a doctor's browser)
    VIEWER_QUERY_INVALID = "VIEWER_QUERY_INVALID"
    APP_ID_UNKNOWN = "APP_ID_UNKNOWN"
    # The province (compatible endpoint)
    PROVINCE_UNAVAILABLE = "PROVINCE_UNAVAILABLE"
    PROVINCE_TIMEOUT = "PROVINCE_TIMEOUT"
    PROVINCE_REFUSED = "PROVINCE_REFUSED"


_STATUS = {
    RelayCode.ORG_CODE_MISMATCH: 403,
    RelayCode.AUTHORIZATION_NOT_FOUND: 404,
    RelayCode.AUTHORIZATION_STATE_CONFLICT: 409,
    RelayCode.RESEND_NOT_APPLICABLE: 409,
    RelayCode.AUTHORIZATION_EXPIRED: 410,
    RelayCode.AUTHORIZATION_LOCKED: 423,
    RelayCode.FACE_NOT_AVAILABLE: 503,
    RelayCode.PHONE_NOT_ON_RECORD: 409,
    RelayCode.NO_CODE_CHANNEL: 409,
    RelayCode.PATIENT_REQUESTS_LIMIT: 429,
    RelayCode.PATIENT_BLOCKED: 429,
    RelayCode.MODE1_DAILY_CAP_REACHED: 429,
    RelayCode.MODE1_HELD_FOR_REVIEW: 202,
    RelayCode.NO_CONSENT: 403,
    RelayCode.CONSENT_REVOKED: 403,
    RelayCode.CONSENT_EXPIRED: 410,
    RelayCode.CONSENT_NOT_SYNCED: 409,
    RelayCode.APP_ID_UNKNOWN: 401,
    RelayCode.PROVINCE_UNAVAILABLE: 502,
    RelayCode.PROVINCE_REFUSED: 502,
    RelayCode.PROVINCE_TIMEOUT: 504,
}

_MESSAGES = {
    RelayCode.CARD_TYPE_UNKNOWN: _("cardType must be one of 01-08 or 99."),
    RelayCode.ID_NUMBER_INVALID: _(
        "The ID number is not valid for its card type (a resident ID is 17 digits and a check character)."
    ),
    RelayCode.ID_CHECK_DIGIT_INVALID: _(
        "The resident ID number's check character is wrong (GB 11643)."
    ),
    RelayCode.METHOD_UNKNOWN: _("method must be sms, authcode or face."),
    RelayCode.PHONE_REQUIRED: _("method sms needs phone (SM4 hex of the patient's mobile number)."),
    RelayCode.CODE_REQUIRED: _("Send the code the patient received."),
    RelayCode.PHOTOS_REQUIRED: _("Send idPhoto and livePhoto (base64 JPEG or PNG)."),
    RelayCode.STATUS_INVALID: _('status must be "1" (grant) or "0" (revoke).'),
    RelayCode.AUTH_DAYS_INVALID: _("authDays must be an integer from 1 to 30."),
    RelayCode.ORG_CODE_MISMATCH: _("orgCode is not the calling hospital's organisation code."),
    RelayCode.AUTHORIZATION_NOT_FOUND: _("No such authorization for this hospital."),
    RelayCode.AUTHORIZATION_EXPIRED: _("This authorization request has expired; start a new one."),
    RelayCode.AUTHORIZATION_LOCKED: _(
        "This authorization request is locked after too many failed verifications."
    ),
    RelayCode.RESEND_NOT_APPLICABLE: _("Only sms and authcode requests have a code to resend."),
    RelayCode.FACE_NOT_AVAILABLE: _("Face verification is not available on this hub yet."),
    RelayCode.PHONE_NOT_ON_RECORD: _(
        "The patient has no phone of record, so no SMS code can be sent: use face "
        "verification, or ask the patient to register on the patient pages."
    ),
    RelayCode.NO_CODE_CHANNEL: _(
        "The patient has no way to read an authorization code (no phone of record, no "
        "message subscription): use face verification, or ask the patient to register."
    ),
    RelayCode.PATIENT_REQUESTS_LIMIT: _(
        "This patient already has too many open verification requests; finish or wait for one."
    ),
    RelayCode.MODE1_DAILY_CAP_REACHED: _(
        "This hospital has relayed its most mode-1 consents for today; ask the patient "
        "on site (sms, authcode or face) or retry tomorrow."
    ),
    RelayCode.MODE1_HELD_FOR_REVIEW: _(
        "Past this hospital's daily mode-1 consents: held for the city's review, not yet "
        "granted or relayed to the province."
    ),
    RelayCode.PATIENT_BLOCKED: _(
        "Too many failed verifications for this patient today; new requests are refused "
        "until tomorrow."
    ),
    RelayCode.NO_CONSENT: _("This hospital holds no authorization from this patient."),
    RelayCode.CONSENT_EXPIRED: _("The patient's authorization has expired."),
    RelayCode.CONSENT_REVOKED: _("The patient's authorization has been revoked."),
    RelayCode.CONSENT_NOT_SYNCED: _(
        "The authorization is not yet confirmed by the province; retry shortly."
    ),
    RelayCode.PROVINCE_UNAVAILABLE: _(
        "The province did not answer; the hub keeps the authorization and retries."
    ),
    RelayCode.PROVINCE_TIMEOUT: _(
        "The province did not answer in time; the hub keeps the authorization and retries."
    ),
    RelayCode.PROVINCE_REFUSED: _("The province refused the hub's call: %(reason)s"),
    RelayCode.VIEWER_QUERY_INVALID: _(
        "The viewer address must carry param and appId, each exactly once "
        "(param: at most 8192 characters)."
    ),
    RelayCode.APP_ID_UNKNOWN: _(
        "This appId is not a hub appId of any connected hospital system, or the system "
        "has no usable credential."
    ),
}


def relay_error(
    code: RelayCode | Code, message: str | None = None, status: int | None = None, **params
) -> HubError:
    """A ``HubError`` for ``code`` with its standard status and message.

    ``params`` fill the message's placeholders (``field``, ``reason``).
    """
    text = str(message if message is not None else _MESSAGES.get(code, _("Bad request.")))
    if params:
        text = text % params
    return HubError(code, text, status or _STATUS.get(code, 400))
