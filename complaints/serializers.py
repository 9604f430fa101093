"""Request and answer shapes of the complaint API, each described once.

The request serializers are what the views validate with and what their
``extend_schema(request=...)`` shows; their fields (``complaints.fields``)
run the checks of ``complaints.intake``, so each bad input keeps its stable
``errorCode``, and :func:`validated` answers the first refusal (in the order
the fields are declared) as a 400 ``HubError``. The answer serializers only
describe: the views and the deliveries build the answers with
``complaints.representation``.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from complaints.errors import ComplaintsCode
from complaints.fields import (
    CallbackUrlField,
    CategoryField,
    PageNumberField,
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
from hub.errors import HubError
from hub.gm import sm4_encrypt_ecb_hex

_DEMO_KEY = "0123456789abcdeffedcba9876543210"  # demo hospital A's documented hub key
_TEXT_MAX = 2000  # a note or a resolution


def validated(serializer_class, data, **context) -> dict:
    """``validated_data`` of ``serializer_class`` on ``data`` (checks may read
    ``context``), or the first refusal as a 400 ``HubError``."""
    if not isinstance(data, dict):
        raise HubError(ComplaintsCode.BODY_NOT_OBJECT, _("The body must be a JSON object."), 400)
    serializer = serializer_class(data=data, context=context)
    if serializer.is_valid():
        return serializer.validated_data
    # ``errors`` keeps the declared field order: the first bad field answers,
    # as a hand-written parser checking top to bottom would.
    first = next(iter(serializer.errors.values()))[0]
    raise HubError(first.code, str(first), 400)


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
            ComplaintsCode.FIELD_INVALID,
        ),
        help_text="The source institution of the data.",
    )
    patientIdcard = SealedField(
        source="patient_idcard", plain=ID_NUMBER_RE, help_text="SM4 hex under the caller's key."
    )
    patientName = TextField(source="patient_name", max_length=100)
    category = CategoryField()
    recordDate = RecordDateField(source="record_date", help_text="YYYY-MM-DD, not in the future.")
    description = TextField(max_length=DESCRIPTION_MAX, multiline=True)
    reporterName = TextField(source="reporter_name", required=False, max_length=100)
    reporterContact = SealedField(
        source="reporter_phone",
        plain=PHONE_RE,
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
        missing=(
            ComplaintsCode.RESOLUTION_REQUIRED,
            gettext_lazy("Say what was fixed in resolution."),
        ),
    )


# --- The list's query ------------------------------------------------------------------------


MAX_PAGE_SIZE = 100


# ``GET /api/v1/complaints``'s query, checked in this order.
class ComplaintListQuerySerializer(serializers.Serializer):
    # Blank is allowed (and means the default), as the schema says.
    role = RoleField(required=False, allow_blank=True, help_text="Default routed.")
    state = StateFilterField(
        source="states",
        required=False,
        allow_blank=True,
        help_text="Comma-separated states to keep.",
    )
    page = PageNumberField(fallback=1, maximum=100_000, required=False)
    pageSize = PageNumberField(
        source="page_size",
        fallback=20,
        maximum=MAX_PAGE_SIZE,
        required=False,
        help_text=f"1-{MAX_PAGE_SIZE}, default 20.",
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


class ComplaintListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pageSize = serializers.IntegerField()
    hasNext = serializers.BooleanField()
    results = ComplaintSerializer(many=True)
