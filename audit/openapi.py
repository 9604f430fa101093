"""OpenAPI description of ``GET /api/v1/usage`` (imported by ``audit.urls``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from audit.usage import ALL_KINDS
from audit.views import UsageView
from hospitals.openapi import signed_errors
from hub.errors import Code
from hub.openapi import answers, merge

_COUNTS = serializers.DictField(
    child=serializers.IntegerField(),
    help_text="kind -> count; kinds such as " + ", ".join(ALL_KINDS[:3]) + ", view...",
)


class UsageDay(serializers.Serializer):
    date = serializers.DateField()
    counts = _COUNTS


class Usage(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    days = UsageDay(many=True, help_text="Days with at least one count, in order.")
    totals = _COUNTS
    orgCode = serializers.CharField()


extend_schema_view(
    get=extend_schema(
        operation_id="usage_month",
        tags=["usage"],
        parameters=[
            OpenApiParameter(
                "month",
                str,
                description="YYYY-MM (Asia/Shanghai, years 2000-2999); default the current month",
                pattern=r"^\d{4}-\d{2}$",
            )
        ],
        responses=answers(
            "UsageAnswer", Usage(), errors=merge(signed_errors(), {400: [Code.VALIDATION_FAILED]})
        ),
    )
)(UsageView)
