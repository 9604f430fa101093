"""``GET /api/v1/usage?month=YYYY-MM``: the calling hospital's own counts."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from audit import openapi
from audit.selectors import Month, usage_for_hospital
from audit.usage import ALL_KINDS
from hospitals.api import HospitalAPIView
from hub.errors import Code, HubError, ok
from hub.openapi import answers

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


class UsageView(HospitalAPIView):
    @extend_schema(
        summary="The caller's usage counts per day and kind",
        tags=["usage"],
        operation_id="usage_month",
        parameters=[
            OpenApiParameter(
                "month",
                str,
                description="YYYY-MM (Asia/Shanghai, years 2000-2999); default the current month",
                pattern=r"^\d{4}-\d{2}$",
            )
        ],
        responses=answers("UsageAnswer", Usage(), errors=openapi.USAGE),
    )
    def get(self, request):
        text = request.query_params.get("month")
        if text is None:
            month = Month.current()
        else:
            try:
                month = Month.parse(text)
            except ValueError:
                raise HubError(
                    Code.VALIDATION_FAILED, _("month must be a month written YYYY-MM."), 400
                ) from None
        hospital = request.user
        data = usage_for_hospital(hospital_id=hospital.pk, month=month)
        data["orgCode"] = hospital.org_code
        return ok(data)
