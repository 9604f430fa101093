"""The relay's answers: their OpenAPI description (the serializers) and the
one function that builds an authorization's ``data`` for every endpoint."""

from __future__ import annotations

from rest_framework import serializers

from hub.pagination import PageOut
from hub.times import iso_time
from relay.models import Authorization, Method, PhoneCheck, State, SyncState


class AuthorizationOut(serializers.Serializer):
    """One authorization as its hospital sees it (personal data masked)."""

    authorizationId = serializers.IntegerField(
        help_text="The hub's id: the {id} of the other operations."
    )
    method = serializers.ChoiceField(choices=Method.choices)
    state = serializers.ChoiceField(choices=State.choices)
    cardType = serializers.CharField()
    patientIdcard = serializers.CharField(help_text="masked")
    patientName = serializers.CharField(help_text="masked")
    patientId = serializers.CharField(
        help_text="The HIS patient id sent at start (empty for an appointment)."
    )
    phone = serializers.CharField(
        help_text="The phone the hospital sent, masked. Never where an SMS code goes: "
        "that is the patient's phone of record (codeSentTo)."
    )
    codeSentTo = serializers.CharField(
        help_text="sms: the masked phone the code was sent to (the patient's phone of "
        "record; the hospital's own phone only when the city allows unrecorded phones)."
    )
    phoneCheck = serializers.ChoiceField(
        choices=["", *PhoneCheck.values],
        help_text="sms: the hospital's phone compared with the phone of record: matches, "
        "differs, not_given; unrecorded = no phone of record, the consent is marked "
        "as verified on an unverified phone.",
    )
    staffNo = serializers.CharField()
    staffName = serializers.CharField()
    authDays = serializers.IntegerField(help_text="How many days a grant lasts.")
    createdAt = serializers.DateTimeField()
    grantedAt = serializers.DateTimeField(allow_null=True)
    validUntil = serializers.DateTimeField(allow_null=True)
    endedAt = serializers.DateTimeField(
        allow_null=True, help_text="When it was revoked, refused, expired or locked."
    )
    provinceSynced = serializers.BooleanField(
        help_text="syncState is synced: the province holds the current state."
    )
    syncState = serializers.ChoiceField(choices=SyncState.choices)
    syncReason = serializers.CharField(help_text="the province's returnDesc or the transport error")
    syncAttempts = serializers.IntegerField()
    syncedAt = serializers.DateTimeField(allow_null=True)
    updatedAt = serializers.DateTimeField(
        help_text="When the authorization last changed (for changedSince)."
    )


class AuthorizationListOut(PageOut):
    items = AuthorizationOut(
        many=True,
        help_text="最新的在前（带 changedSince 时按变更时间先后） / Newest first "
        "(with changedSince: oldest change first).",
    )


class ViewOut(serializers.Serializer):
    viewerUrl = serializers.URLField(help_text="The province viewer, for the doctor's browser.")
    authorizationId = serializers.IntegerField(
        allow_null=True,
        help_text="The consent that allows the view; null when consent is taken at the province.",
    )
    validUntil = serializers.DateTimeField(
        allow_null=True, help_text="The end of that consent; null with consentAt province."
    )
    consentAt = serializers.ChoiceField(
        choices=["hub", "province"],
        help_text='"hub": the hub holds the consent; "province": none here (CONSENT_AT '
        "province), the province viewer asks the patient itself (WeChat or SMS code).",
    )


class ProvinceAnswer(serializers.Serializer):
    returnCode = serializers.CharField(help_text='"1" success, "0" refused by the province')
    returnDesc = serializers.CharField(help_text="the province's own text")


def authorization_data(authorization: Authorization) -> dict:
    """The answer shape of one authorization (``AuthorizationOut``)."""
    a = authorization
    return {
        "authorizationId": a.pk,
        "method": a.method,
        "state": a.state,
        "cardType": a.card_type,
        "patientIdcard": a.patient_idcard_masked,
        "patientName": a.patient_name_masked,
        "patientId": a.patient_ref,
        "phone": a.phone_masked,
        "codeSentTo": a.code_sent_to,
        "phoneCheck": a.phone_check,
        "staffNo": a.staff_no,
        "staffName": a.staff_name,
        "authDays": a.auth_days,
        "createdAt": iso_beijing(a.created_at),
        "grantedAt": iso_beijing(a.granted_at),
        "validUntil": iso_beijing(a.valid_until),
        "endedAt": iso_beijing(a.ended_at),
        "provinceSynced": a.sync_state == SyncState.SYNCED,
        "syncState": a.sync_state,
        "syncReason": a.sync_reason,
        "syncAttempts": a.sync_attempts,
        "syncedAt": iso_beijing(a.synced_at),
        "updatedAt": iso_beijing(a.updated_at),
    }


def iso_beijing(value) -> str | None:
    """A time in the format of every answer of the hub (``hub.times.iso_time``)."""
    return iso_time(value)
