"""``GET /api/v1/usage?month=YYYY-MM``: the calling hospital's own counts,
in total and per connected system (``systems``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from audit import openapi
from audit.selectors import Month, usage_for_hospital, usage_for_hospital_systems
from audit.usage import ALL_KINDS
from hospitals.api import HospitalAPIView
from hub.errors import ok
from hub.inputs import query_error
from hub.openapi import TAG_USAGE, answers

_COUNTS = serializers.DictField(
    child=serializers.IntegerField(),
    help_text="kind -> count; kinds such as " + ", ".join(ALL_KINDS[:3]) + ", view...",
)


class UsageDay(serializers.Serializer):
    date = serializers.DateField()
    counts = _COUNTS


class UsageJointTest(serializers.Serializer):
    days = UsageDay(many=True, help_text="Days with at least one joint-test count, in order.")
    totals = _COUNTS


class UsageSystem(serializers.Serializer):
    appId = serializers.CharField(
        allow_null=True, help_text="The system's hub appId; null: not one system's counts."
    )
    name = serializers.CharField(allow_null=True, help_text="The system's name (HIS, EMR...).")
    days = UsageDay(many=True, help_text="Days with at least one count of this system, in order.")
    totals = _COUNTS
    jointTest = UsageJointTest()


class Usage(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    days = UsageDay(many=True, help_text="Days with at least one count, in order.")
    totals = _COUNTS
    jointTest = UsageJointTest(
        help_text="Counts of the joint test with the province (before go-live), apart."
    )
    systems = UsageSystem(
        many=True,
        help_text=(
            "The same counts per connected system of the hospital (each system with a hub "
            "appId, in registry order), then, when there are any, those not made by one "
            "system (appId null: patient pages, background tasks); they add up to days/totals."
        ),
    )
    orgCode = serializers.CharField()


class UsageView(HospitalAPIView):
    @extend_schema(
        summary="本院的调用量（按日、按类别） / The caller's usage counts per day and kind",
        description="month 为 YYYY-MM（北京时间），默认本月；格式不对：400 FILTER_INVALID。\n\nmonth is YYYY-MM (Beijing time), default the current month; a bad one: 400 FILTER_INVALID.",
        tags=[TAG_USAGE],
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
                raise query_error(_("month must be a month written YYYY-MM.")) from None
        hospital = request.user
        data = usage_for_hospital(hospital_id=hospital.pk, month=month)
        data["systems"] = usage_for_hospital_systems(hospital_id=hospital.pk, month=month)
        data["orgCode"] = hospital.org_code
        return ok(data)
