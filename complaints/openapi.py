"""OpenAPI data of the complaint API: the ``errorCode`` values each operation
can answer, per HTTP status, and the responses built from them.

Only data: each view in ``complaints.views`` declares its own
``extend_schema`` with these responses and its request serializer
(``complaints.serializers``, which also describes the answers' ``data``).
A failure component is named after the first operation using its code set,
so the sets are built here in the order the operations are listed.
"""

from __future__ import annotations

from complaints.errors import ComplaintsCode as C
from complaints.serializers import (
    ComplaintListSerializer,
    ComplaintRefSerializer,
    ComplaintSerializer,
)
from hospitals.openapi import signed_errors
from hub.openapi import PATH_ERRORS, failures, merge, success

# --- Refusals per operation (the errorCode enums of the schema) ----------------------------

#: Hospitals sign with XTifAuthentication, the province's feed with its own credential.
_SIGNED = merge(signed_errors(), {401: [C.FEED_CREDENTIAL_DISABLED]})
_TEXT = [C.BODY_NOT_OBJECT, C.FIELD_INVALID, C.TEXT_TOO_LONG]
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
            C.FIELD_REQUIRED,
            C.CIPHERTEXT_INVALID,
            C.CATEGORY_UNKNOWN,
            C.RECORD_DATE_INVALID,
            C.RECORD_DATE_IN_FUTURE,
            C.CALLBACK_NOT_ALLOWED,
            C.CALLBACK_URL_INVALID,
        ]
    },
)
LIST_ERRORS = merge(_SIGNED, {400: [C.FIELD_INVALID, C.STATE_FILTER_INVALID, C.PAGE_INVALID]})
DETAIL_ERRORS = merge(_SIGNED, PATH_ERRORS, {404: [C.COMPLAINT_NOT_FOUND]})
ACKNOWLEDGE_ERRORS = _ACTION
RESOLVE_ERRORS = merge(_ACTION, {400: [C.RESOLUTION_REQUIRED]})

# --- Responses (success envelope + one failure component per status) -----------------------

#: ``{"id", "state"}``: what intake, acknowledge and resolve answer.
_MOVED = success("ComplaintCreated", ComplaintRefSerializer())

SUBMIT = {201: _MOVED, 200: _MOVED, **failures("ComplaintSubmit", SUBMIT_ERRORS)}
LIST = {
    200: success("ComplaintPage", ComplaintListSerializer()),
    **failures("ComplaintList", LIST_ERRORS),
}
DETAIL = {
    200: success("ComplaintDetail", ComplaintSerializer()),
    **failures("ComplaintDetail", DETAIL_ERRORS),
}
ACKNOWLEDGE = {200: _MOVED, **failures("ComplaintAcknowledge", ACKNOWLEDGE_ERRORS)}
RESOLVE = {200: _MOVED, **failures("ComplaintResolve", RESOLVE_ERRORS)}
