"""``GET /api/v1/usage?month=YYYY-MM``: the calling hospital's own counts."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema

from audit.selectors import Month, usage_for_hospital
from hospitals.api import HospitalAPIView
from hub.errors import Code, HubError, ok


class UsageView(HospitalAPIView):
    @extend_schema(
        summary="The caller's usage counts per day and kind",
        parameters=[
            OpenApiParameter(
                "month", str, description="YYYY-MM (Asia/Shanghai); default the current month"
            )
        ],
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
