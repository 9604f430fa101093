"""Hospital-facing views of the registry."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from hospitals import openapi
from hospitals.api import SignedHospitalAPIView
from hospitals.serializers import HospitalMe, hospital_me
from hub.errors import ok
from hub.openapi import TAG_HOSPITALS, answers


class MeView(SignedHospitalAPIView):
    """The caller's own registry entry and onboarding stage.

    The integrator's first call: it answers for any active hospital whose
    signature checks, live or not.
    """

    @extend_schema(
        summary="本院的登记信息与接入阶段 / The calling hospital's registry entry",
        description="对接的第一个调用：签名正确的在用医疗机构在任何阶段都可调用。\n\nThe integrator's first call: it answers for any active hospital whose signature checks, live or not.",
        tags=[TAG_HOSPITALS],
        operation_id="hospitals_me",
        responses=answers("HospitalMeAnswer", HospitalMe(), errors=openapi.ME),
    )
    def get(self, request):
        return ok(hospital_me(request.user, request.auth))
