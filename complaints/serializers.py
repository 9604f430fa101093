"""Request and answer shapes of the complaint API, each described once.

The request serializers are what the views validate with and what their
``extend_schema(request=...)`` shows; their fields (``complaints.fields``)
run the checks of ``complaints.intake``, so each bad input keeps its stable
``errorCode``, and :func:`validated` (``hub.inputs.validated``, the same on
every endpoint) answers the first refusal (in the order the fields are
declared) as a 400 ``HubError``. The answer serializers only describe: the
views and the deliveries build the answers with ``complaints.representation``.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from complaints.fields import (
    CallbackUrlField,
    CategoryField,
    RecordDateField,
    RoleField,
    SealedField,
    StateFilterField,
    TextField,
)
from complaints.intake import ID_NUMBER_RE, PHONE_RE
from complaints.lifecycle import State
from complaints.models import Category
from complaints.models.complaint import DESCRIPTION_MAX
from hub.errors import Code
from hub.gm import sm4_encrypt_ecb_hex
from hub.inputs import validated as validated  # the complaint views validate with it
from hub.pagination import PageOut
from identity.errors import IdentityCode
from relay.errors import RelayCode

_DEMO_KEY = "0123456789abcdeffedcba9876543210"  # demo hospital A's documented hub key
_TEXT_MAX = 2000  # a note or a resolution


# --- Requests ---------------------------------------------------------------------------------


#: A complaint about demo hospital A's lab report, sent by demo hospital A (its hub key).
_INTAKE_EXAMPLE = OpenApiExample(
    "demo",
    summary="patientIdcard and reporterContact: SM4 hex under the caller's hub key",
    request_only=True,
    value={
        "orgCode": "455404482",
        "patientIdcard": sm4_encrypt_ecb_hex(_DEMO_KEY, "44010619900307001X"),
        "patientName": "张三",
        "category": "lab",
        "recordDate": "2025-01-15",
        "description": "血常规报告的日期与实际检查日期不符。",
        "reporterName": "张三",
        "reporterContact": sm4_encrypt_ecb_hex(_DEMO_KEY, "13800138000"),
    },
)


# ``POST /api/v1/complaints``; ``validated`` gives the fields of
# ``intake.ComplaintInput``. Context: ``key_hex``, ``allow_callback``,
# ``callback_prefix``. (Comments, not docstrings, on the serializers the
# schema shows: spectacular would publish a docstring as the description.)
@extend_schema_serializer(examples=[_INTAKE_EXAMPLE])
class ComplaintIntakeSerializer(serializers.Serializer):
    orgCode = TextField(
        source="org_code",
        max_length=32,
        pattern=RegexValidator(
            r"^[A-Za-z0-9-]+$",
            gettext_lazy("orgCode must be letters, digits or '-'."),
            Code.FIELD_INVALID,
        ),
        help_text="The source institution of the data.",
    )
    patientIdcard = SealedField(
        source="patient_idcard",
        plain=ID_NUMBER_RE,
        invalid=RelayCode.ID_NUMBER_INVALID,
        help_text="SM4 hex under the caller's key.",
    )
    patientName = TextField(source="patient_name", max_length=100)
    category = CategoryField()
    recordDate = RecordDateField(source="record_date", help_text="YYYY-MM-DD, not in the future.")
    description = TextField(max_length=DESCRIPTION_MAX, multiline=True)
    reporterName = TextField(source="reporter_name", required=False, max_length=100)
    reporterContact = SealedField(
        source="reporter_phone",
        plain=PHONE_RE,
        invalid=IdentityCode.PHONE_INVALID,
        required=False,
        help_text="Phone number, SM4 hex under the caller's key.",
    )
    externalRef = TextField(
        source="external_ref",
        required=False,
        max_length=128,
        help_text="Unique per submitter: a repeat answers 200.",
    )
    callbackUrl = CallbackUrlField(
        source="callback_url",
        required=False,
        help_text="Province feed only: told of the resolution.",
    )

    def validate_patientIdcard(self, value: str) -> str:
        return value.upper()


class ComplaintAcknowledgeSerializer(serializers.Serializer):
    note = TextField(required=False, max_length=_TEXT_MAX, multiline=True)


class ComplaintResolveSerializer(serializers.Serializer):
    resolution = TextField(
        max_length=_TEXT_MAX,
        multiline=True,
        missing=gettext_lazy("Say what was fixed in resolution."),
    )


# --- The list's query ------------------------------------------------------------------------


# ``GET /api/v1/complaints``'s filters, checked in this order (``page`` and
# ``pageSize``: ``hub.pagination``).
class ComplaintListQuerySerializer(serializers.Serializer):
    # Blank is allowed (and means the default), as the schema says.
    role = RoleField(required=False, allow_blank=True, help_text="Default routed.")
    state = StateFilterField(
        source="states",
        required=False,
        allow_blank=True,
        help_text="Comma-separated states to keep.",
    )


# --- Answers (``data`` of the success envelope) --------------------------------------------


class ComplaintRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=State.values)


class ComplaintSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=State.values)
    onHold = serializers.BooleanField()
    overdue = serializers.BooleanField()
    source = serializers.CharField()
    orgCode = serializers.CharField()
    routedTo = serializers.CharField(allow_null=True)
    triage = serializers.BooleanField()
    category = serializers.ChoiceField(choices=Category.values)
    recordDate = serializers.DateField()
    description = serializers.CharField()
    patientName = serializers.CharField()
    patientIdcard = serializers.CharField(help_text="SM4 hex under the reader's key.")
    reporterName = serializers.CharField()
    reporterContact = serializers.CharField(allow_null=True)
    receivedAt = serializers.DateTimeField()
    acknowledgeBy = serializers.DateTimeField(allow_null=True)
    resolveBy = serializers.DateTimeField(allow_null=True)
    acknowledgedAt = serializers.DateTimeField(allow_null=True)
    resolvedAt = serializers.DateTimeField(allow_null=True)
    closedAt = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField(allow_null=True)
    externalRef = serializers.CharField(
        required=False, allow_null=True, help_text="Submitter only."
    )
    history = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="Detail only."
    )


class ComplaintListSerializer(PageOut):
    items = ComplaintSerializer(many=True, help_text="最新收到的在前 / Newest received first.")
