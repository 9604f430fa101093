"""OpenAPI shapes of the complaint API (documentation only: the views parse
bodies themselves so that every bad input gets its own errorCode)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from complaints.lifecycle import State
from complaints.models import Category

TAGS = ["complaints"]


def _answer(name: str, data) -> serializers.Serializer:
    return inline_serializer(
        name,
        {
            "returnCode": serializers.CharField(default="1"),
            "returnDesc": serializers.CharField(),
            "data": data,
        },
    )


INTAKE = inline_serializer(
    "ComplaintIntake",
    {
        "orgCode": serializers.CharField(help_text="The source institution of the data."),
        "patientIdcard": serializers.CharField(help_text="SM4 hex under the caller's key."),
        "patientName": serializers.CharField(max_length=100),
        "category": serializers.ChoiceField(choices=Category.values),
        "recordDate": serializers.DateField(help_text="YYYY-MM-DD, not in the future."),
        "description": serializers.CharField(max_length=2000),
        "reporterName": serializers.CharField(required=False, max_length=100),
        "reporterContact": serializers.CharField(
            required=False, help_text="Phone number, SM4 hex under the caller's key."
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
        "externalRef": serializers.CharField(required=False, help_text="Submitter only."),
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
