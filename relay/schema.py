"""OpenAPI descriptions of the relay's answers (documentation only: the views
build their answers with ``hub.errors.ok`` and ``authorization_data``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from relay.models import Method, State, SyncState


class AuthorizationOut(serializers.Serializer):
    authorizationId = serializers.IntegerField()
    method = serializers.ChoiceField(choices=Method.choices)
    state = serializers.ChoiceField(choices=State.choices)
    cardType = serializers.CharField()
    patientIdcard = serializers.CharField(help_text="masked")
    patientName = serializers.CharField(help_text="masked")
    patientId = serializers.CharField()
    phone = serializers.CharField(help_text="masked; sms only")
    staffNo = serializers.CharField()
    staffName = serializers.CharField()
    authDays = serializers.IntegerField()
    createdAt = serializers.DateTimeField()
    grantedAt = serializers.DateTimeField(allow_null=True)
    validUntil = serializers.DateTimeField(allow_null=True)
    endedAt = serializers.DateTimeField(allow_null=True)
    provinceSynced = serializers.BooleanField()
    syncState = serializers.ChoiceField(choices=SyncState.choices)
    syncReason = serializers.CharField(help_text="the province's returnDesc or the transport error")
    syncAttempts = serializers.IntegerField()
    syncedAt = serializers.DateTimeField(allow_null=True)


class AuthorizationListOut(serializers.Serializer):
    items = AuthorizationOut(many=True)
    page = serializers.IntegerField()
    pageSize = serializers.IntegerField()
    total = serializers.IntegerField()


class ViewOut(serializers.Serializer):
    viewerUrl = serializers.URLField()
    authorizationId = serializers.IntegerField()
    validUntil = serializers.DateTimeField()


class Failure(serializers.Serializer):
    returnCode = serializers.CharField(default="0")
    returnDesc = serializers.CharField()
    errorCode = serializers.CharField()


class ProvinceAnswer(serializers.Serializer):
    returnCode = serializers.CharField(help_text='"1" success, "0" refused by the province')
    returnDesc = serializers.CharField(help_text="the province's own text")


def envelope(name: str, data) -> serializers.Serializer:
    return inline_serializer(
        name=name,
        fields={
            "returnCode": serializers.CharField(default="1"),
            "returnDesc": serializers.CharField(),
            "data": data,
        },
    )


def answers(name: str, data, *statuses: int) -> dict:
    out: dict = {200: envelope(name, data)}
    out.update({status: Failure for status in statuses})
    return out


AUTHORIZATION = AuthorizationOut()
LIST_PARAMETERS = [
    OpenApiParameter("state", str, enum=State.values),
    OpenApiParameter("method", str, enum=Method.values),
    OpenApiParameter("syncState", str, enum=SyncState.values),
    OpenApiParameter("staffNo", str),
    OpenApiParameter("patientIdcard", str, description="SM4 hex under the hub key"),
    OpenApiParameter("page", int),
    OpenApiParameter("pageSize", int, description="1-100, default 20"),
]
