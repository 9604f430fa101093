"""OpenAPI data of the complaint API: the ``errorCode`` values each operation
can answer, per HTTP status, and the responses built from them.

Only data: each view in ``complaints.views`` declares its own
``extend_schema`` with these responses and its request serializer
(``complaints.serializers``, which also describes the answers' ``data``).
A failure component is named after the first operation using its code set,
so the sets are built here in the order the operations are listed.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

from complaints.errors import ComplaintsCode as C
from complaints.serializers import (
    ComplaintListSerializer,
    ComplaintRefSerializer,
    ComplaintSerializer,
)
from hospitals.openapi import signed_errors
from hub.errors import Code
from hub.openapi import (
    BODY_FIELD_CHECKS,
    PATH_ERRORS,
    SM4_FIELD_CHECKS,
    failures,
    merge,
    success,
)
from identity.errors import IdentityCode
from relay.errors import RelayCode

# --- Refusals per operation (the errorCode enums of the schema) ----------------------------

#: Hospitals sign with XTifAuthentication, the province's feed with its own credential.
_SIGNED = merge(signed_errors(), {401: [C.FEED_CREDENTIAL_DISABLED]})
_TEXT = BODY_FIELD_CHECKS
_ACTION = merge(
    signed_errors(body=True),
    {401: [C.FEED_CREDENTIAL_DISABLED]},
    PATH_ERRORS,
    {
        400: _TEXT,
        403: [C.FEED_NOT_ALLOWED, C.COMPLAINT_NOT_ROUTED_TO_CALLER],
        404: [C.COMPLAINT_NOT_FOUND],
        409: [C.TRANSITION_NOT_ALLOWED],
    },
)
SUBMIT_ERRORS = merge(
    signed_errors(body=True),
    {401: [C.FEED_CREDENTIAL_DISABLED]},
    {
        400: [
            *_TEXT,
            *SM4_FIELD_CHECKS,
            RelayCode.ID_NUMBER_INVALID,
            IdentityCode.PHONE_INVALID,
            C.CATEGORY_UNKNOWN,
            C.RECORD_DATE_INVALID,
            C.RECORD_DATE_IN_FUTURE,
            C.CALLBACK_NOT_ALLOWED,
            C.CALLBACK_URL_INVALID,
        ]
    },
)
LIST_ERRORS = merge(_SIGNED, {400: [Code.FILTER_INVALID]})
DETAIL_ERRORS = merge(_SIGNED, PATH_ERRORS, {404: [C.COMPLAINT_NOT_FOUND]})
ACKNOWLEDGE_ERRORS = _ACTION
RESOLVE_ERRORS = _ACTION

# --- Responses (success envelope + one failure component per status) -----------------------

#: ``{"id", "state"}``: what intake, acknowledge and resolve answer.
_MOVED = OpenApiResponse(
    success("ComplaintCreated", ComplaintRefSerializer()), description="成功 / Success."
)

SUBMIT = {
    201: OpenApiResponse(_MOVED.response, description="已受理（新投诉） / Accepted (new)."),
    200: OpenApiResponse(
        _MOVED.response,
        description="已存在（相同 externalRef） / Already there (same externalRef).",
    ),
    **failures("ComplaintSubmit", SUBMIT_ERRORS),
}
LIST = {
    200: OpenApiResponse(
        success("ComplaintPage", ComplaintListSerializer()), description="成功 / Success."
    ),
    **failures("ComplaintList", LIST_ERRORS),
}
DETAIL = {
    200: OpenApiResponse(
        success("ComplaintDetail", ComplaintSerializer()), description="成功 / Success."
    ),
    **failures("ComplaintDetail", DETAIL_ERRORS),
}
ACKNOWLEDGE = {200: _MOVED, **failures("ComplaintAcknowledge", ACKNOWLEDGE_ERRORS)}
RESOLVE = {200: _MOVED, **failures("ComplaintResolve", RESOLVE_ERRORS)}
