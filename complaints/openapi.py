"""OpenAPI shapes of the complaint API (documentation only: the views parse
bodies themselves so that every bad input gets its own errorCode)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from complaints.errors import ComplaintsCode as C
from complaints.lifecycle import State
from complaints.models import Category
from hospitals.openapi import signed_errors
from hub.gm import sm4_encrypt_ecb_hex
from hub.openapi import PATH_ERRORS, failures, merge
from hub.openapi import success as _answer

TAGS = ["complaints"]
_DEMO_KEY = "0123456789abcdeffedcba9876543210"  # demo hospital A's documented hub key
_SM4_HEX = r"^([0-9a-fA-F]{32})+$"  # whole SM4 blocks


INTAKE = inline_serializer(
    "ComplaintIntake",
    {
        "orgCode": serializers.RegexField(
            r"^[A-Za-z0-9-]+$", max_length=32, help_text="The source institution of the data."
        ),
        "patientIdcard": serializers.RegexField(
            _SM4_HEX, max_length=512, help_text="SM4 hex under the caller's key."
        ),
        "patientName": serializers.CharField(max_length=100),
        "category": serializers.ChoiceField(choices=Category.values),
        "recordDate": serializers.DateField(help_text="YYYY-MM-DD, not in the future."),
        "description": serializers.CharField(max_length=2000),
        "reporterName": serializers.CharField(required=False, max_length=100),
        "reporterContact": serializers.RegexField(
            _SM4_HEX,
            max_length=512,
            required=False,
            help_text="Phone number, SM4 hex under the caller's key.",
        ),
        "externalRef": serializers.CharField(
            required=False, max_length=128, help_text="Unique per submitter: a repeat answers 200."
        ),
        "callbackUrl": serializers.URLField(
            required=False, help_text="Province feed only: told of the resolution."
        ),
    },
)
CREATED = _answer(
    "ComplaintCreated",
    inline_serializer(
        "ComplaintRef",
        {"id": serializers.UUIDField(), "state": serializers.ChoiceField(choices=State.values)},
    ),
)
COMPLAINT = inline_serializer(
    "Complaint",
    {
        "id": serializers.UUIDField(),
        "state": serializers.ChoiceField(choices=State.values),
        "onHold": serializers.BooleanField(),
        "overdue": serializers.BooleanField(),
        "source": serializers.CharField(),
        "orgCode": serializers.CharField(),
        "routedTo": serializers.CharField(allow_null=True),
        "triage": serializers.BooleanField(),
        "category": serializers.ChoiceField(choices=Category.values),
        "recordDate": serializers.DateField(),
        "description": serializers.CharField(),
        "patientName": serializers.CharField(),
        "patientIdcard": serializers.CharField(help_text="SM4 hex under the reader's key."),
        "reporterName": serializers.CharField(),
        "reporterContact": serializers.CharField(allow_null=True),
        "receivedAt": serializers.DateTimeField(),
        "acknowledgeBy": serializers.DateTimeField(allow_null=True),
        "resolveBy": serializers.DateTimeField(allow_null=True),
        "acknowledgedAt": serializers.DateTimeField(allow_null=True),
        "resolvedAt": serializers.DateTimeField(allow_null=True),
        "closedAt": serializers.DateTimeField(allow_null=True),
        "resolution": serializers.CharField(allow_null=True),
        "externalRef": serializers.CharField(
            required=False, allow_null=True, help_text="Submitter only."
        ),
        "history": serializers.ListField(
            child=serializers.DictField(), required=False, help_text="Detail only."
        ),
    },
)
DETAIL = _answer("ComplaintDetail", COMPLAINT)
PAGE = _answer(
    "ComplaintPage",
    inline_serializer(
        "ComplaintList",
        {
            "count": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "pageSize": serializers.IntegerField(),
            "hasNext": serializers.BooleanField(),
            "results": COMPLAINT.__class__(many=True),
        },
    ),
)
LIST_PARAMETERS = [
    OpenApiParameter("state", str, description="Comma-separated states to keep."),
    OpenApiParameter("role", str, enum=["routed", "raised"], description="Default routed."),
    OpenApiParameter("page", int),
    OpenApiParameter("pageSize", int, description="1-100, default 20."),
]
ACKNOWLEDGE = inline_serializer(
    "ComplaintAcknowledge", {"note": serializers.CharField(required=False, max_length=2000)}
)
RESOLVE = inline_serializer(
    "ComplaintResolve", {"resolution": serializers.CharField(max_length=2000)}
)
MOVED = CREATED

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


#: A complaint about demo hospital A's lab report, sent by demo hospital A (its hub key).
INTAKE_EXAMPLE = [
    OpenApiExample(
        "demo",
        summary="patientIdcard and reporterContact: SM4 hex under the caller's hub key",
        request_only=True,
        value={
            "orgCode": "455404482",
            "patientIdcard": sm4_encrypt_ecb_hex(_DEMO_KEY, "44010619900307001X"),
            "patientName": "张三",
            "category": "lab",
            "recordDate": "2025-01-15",
            "description": "血常规报告的日期与实际检查日期不符。",
            "reporterName": "张三",
            "reporterContact": sm4_encrypt_ecb_hex(_DEMO_KEY, "13800138000"),
        },
    )
]


def annotate_views() -> None:
    """Full responses of the complaint views (called by ``complaints.urls``:
    the views import this module, so it cannot import them at its top)."""
    from complaints import views

    def answered(name: str, ok: dict, errors: dict) -> dict:
        return {**ok, **failures(name, errors)}

    extend_schema_view(
        post=extend_schema(
            responses=answered("ComplaintSubmit", {201: CREATED, 200: CREATED}, SUBMIT_ERRORS),
            examples=INTAKE_EXAMPLE,
        ),
        get=extend_schema(responses=answered("ComplaintList", {200: PAGE}, LIST_ERRORS)),
    )(views.ComplaintListView)
    extend_schema_view(
        get=extend_schema(responses=answered("ComplaintDetail", {200: DETAIL}, DETAIL_ERRORS))
    )(views.ComplaintDetailView)
    extend_schema_view(
        post=extend_schema(
            responses=answered("ComplaintAcknowledge", {200: MOVED}, ACKNOWLEDGE_ERRORS)
        )
    )(views.ComplaintAcknowledgeView)
    extend_schema_view(
        post=extend_schema(responses=answered("ComplaintResolve", {200: MOVED}, RESOLVE_ERRORS))
    )(views.ComplaintResolveView)
