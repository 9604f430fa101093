"""Stable error codes of the complaints app (hospital- and feed-facing).

The input mistakes every endpoint shares (a missing field, bad SM4 hex, a bad
page...) answer ``hub.errors.Code``'s codes, as on every other endpoint
(docs/error-codes.md says which complaint codes they replaced).
"""

from enum import StrEnum, nonmember

from hub.errors import Code


class ComplaintsCode(StrEnum):
    # Aliases of the shared codes (not members of their own).
    FIELD_INVALID = nonmember(Code.FIELD_INVALID)
    BODY_NOT_OBJECT = nonmember(Code.BODY_NOT_OBJECT)
    # Intake: bad input (400)
    CATEGORY_UNKNOWN = "CATEGORY_UNKNOWN"
    RECORD_DATE_INVALID = "RECORD_DATE_INVALID"
    RECORD_DATE_IN_FUTURE = "RECORD_DATE_IN_FUTURE"
    CALLBACK_NOT_ALLOWED = "CALLBACK_NOT_ALLOWED"
    CALLBACK_URL_INVALID = "CALLBACK_URL_INVALID"
    # Feed authentication (401/403)
    FEED_CREDENTIAL_DISABLED = "FEED_CREDENTIAL_DISABLED"
    FEED_NOT_ALLOWED = "FEED_NOT_ALLOWED"
    # Lookup and state (403/404/409)
    COMPLAINT_NOT_FOUND = "COMPLAINT_NOT_FOUND"
    COMPLAINT_NOT_ROUTED_TO_CALLER = "COMPLAINT_NOT_ROUTED_TO_CALLER"
    TRANSITION_NOT_ALLOWED = "TRANSITION_NOT_ALLOWED"
    COMPLAINT_ON_HOLD = "COMPLAINT_ON_HOLD"
    HOLD_STATE_CONFLICT = "HOLD_STATE_CONFLICT"
    HOSPITAL_NOT_ROUTABLE = "HOSPITAL_NOT_ROUTABLE"
