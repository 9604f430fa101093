"""What a hospital sees of its own registry entry: the answer of
``GET /api/v1/hospitals/me`` (``hospital_me``) and its OpenAPI description
(``HospitalMe``)."""

from __future__ import annotations

from rest_framework import serializers

from hospitals.models import Hospital
from hub.times import iso_time


class HospitalMe(serializers.Serializer):
    orgCode = serializers.CharField()
    orgName = serializers.CharField()
    uscc = serializers.CharField(help_text="Unified social credit code.")
    level = serializers.CharField()
    district = serializers.CharField()
    status = serializers.ChoiceField(choices=["active", "suspended"])
    stage = serializers.CharField(help_text="Onboarding stage (seed §6), e.g. integrating, live.")
    stageName = serializers.CharField(help_text="The stage's display name.")
    mayRelay = serializers.BooleanField(
        help_text="Active, and live or in the joint test: the relay endpoints answer this hospital."
    )
    provinceTarget = serializers.ChoiceField(
        choices=["live", "test"],
        help_text="Where this hospital's consents and views go: the live province, or "
        "(before go-live) the province's joint-test environment, counted apart.",
    )
    wentLiveOn = serializers.DateField(allow_null=True)
    callbackUrl = serializers.CharField(help_text="The complaint callback URL.")
    paasid = serializers.CharField(help_text="The paasid this request was signed with.")
    credentialValidUntil = serializers.DateTimeField(
        allow_null=True, help_text="Null while current; the end of the overlap once rotated."
    )


def hospital_me(hospital: Hospital, credential) -> dict:
    return {
        "orgCode": hospital.org_code,
        "orgName": hospital.org_name,
        "uscc": hospital.uscc,
        "level": hospital.level,
        "district": hospital.district,
        "status": hospital.status,
        "stage": hospital.stage,
        "stageName": str(hospital.get_stage_display()),
        "mayRelay": hospital.may_relay,
        "provinceTarget": hospital.province_target,
        "wentLiveOn": hospital.went_live_on.isoformat() if hospital.went_live_on else None,
        "callbackUrl": hospital.callback_url,
        "paasid": credential.paasid,
        "credentialValidUntil": iso_time(credential.valid_until),
    }
