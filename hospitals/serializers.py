"""What a hospital sees of its own registry entry."""

from __future__ import annotations

from hospitals.models import Hospital


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
        "wentLiveOn": hospital.went_live_on.isoformat() if hospital.went_live_on else None,
        "callbackUrl": hospital.callback_url,
        "paasid": credential.paasid,
        "credentialValidUntil": (
            credential.valid_until.isoformat() if credential.valid_until else None
        ),
    }
