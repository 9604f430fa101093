"""Hospital-facing views of the registry."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers

from hospitals.api import SignedHospitalAPIView
from hospitals.serializers import hospital_me
from hub.errors import ok

_ME_DATA = inline_serializer(
    "HospitalMe",
    {
        "orgCode": serializers.CharField(),
        "orgName": serializers.CharField(),
        "uscc": serializers.CharField(),
        "level": serializers.CharField(),
        "district": serializers.CharField(),
        "status": serializers.ChoiceField(choices=["active", "suspended"]),
        "stage": serializers.CharField(),
        "stageName": serializers.CharField(),
        "mayRelay": serializers.BooleanField(),
        "wentLiveOn": serializers.DateField(allow_null=True),
        "callbackUrl": serializers.CharField(),
        "paasid": serializers.CharField(),
        "credentialValidUntil": serializers.DateTimeField(allow_null=True),
    },
)
_ME_ANSWER = inline_serializer(
    "HospitalMeAnswer",
    {
        "returnCode": serializers.CharField(default="1"),
        "returnDesc": serializers.CharField(),
        "data": _ME_DATA,
    },
)


class MeView(SignedHospitalAPIView):
    """The caller's own registry entry and onboarding stage.

    The integrator's first call: it answers for any active hospital whose
    signature checks, live or not.
    """

    @extend_schema(
        summary="The calling hospital's registry entry",
        tags=["hospitals"],
        responses={200: _ME_ANSWER},
    )
    def get(self, request):
        return ok(hospital_me(request.user, request.auth))
