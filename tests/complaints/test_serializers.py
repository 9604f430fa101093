"""The request serializers: the checks and codes the hand-written parser had,
the first bad field (in the order declared) answering."""

import pytest

from complaints.intake import ComplaintInput
from complaints.serializers import (
    ComplaintAcknowledgeSerializer,
    ComplaintIntakeSerializer,
    ComplaintListQuerySerializer,
    ComplaintResolveSerializer,
    validated,
)
from hub.errors import HubError
from tests.fixtures.complaints import PATIENT_ID, intake_body
from tests.fixtures.hospitals import DEMO_A

KEY_A = DEMO_A["sm4_key"]


def _intake(body, *, feed=False, prefix=""):
    return validated(
        ComplaintIntakeSerializer,
        body,
        key_hex=KEY_A,
        allow_callback=feed,
        callback_prefix=prefix,
    )


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(HubError) as info:
        call(*args, **kwargs)
    assert info.value.http_status == 400
    return info.value.code


def test_a_good_body_becomes_the_services_input():
    body = intake_body(KEY_A, externalRef="  R-1 ", reporterName="")
    body["patientIdcard"] = body["patientIdcard"].upper()  # hex in either case
    data = ComplaintInput(**_intake(body))
    assert data.patient_idcard == PATIENT_ID
    assert data.reporter_phone == "13800138000"
    assert (data.external_ref, data.reporter_name, data.callback_url) == ("R-1", "", "")
    assert data.record_date.isoformat() == "2025-01-15"
    no_phone = ComplaintInput(**_intake(intake_body(KEY_A, reporterContact="")))
    assert no_phone.reporter_phone is None


def test_the_first_bad_field_in_order_answers():
    body = intake_body(KEY_A, orgCode="45 54", category="xray", recordDate="2999-01-01")
    assert _code(_intake, body) == "FIELD_INVALID"
    body["orgCode"] = "455404482"
    assert _code(_intake, body) == "CATEGORY_UNKNOWN"
    body["category"] = "lab"
    assert _code(_intake, body) == "RECORD_DATE_IN_FUTURE"


def test_callback_refused_before_its_shape_is_looked_at():
    body = intake_body(KEY_A, callbackUrl="not a url")
    assert _code(_intake, body) == "CALLBACK_NOT_ALLOWED"
    assert _code(_intake, body, feed=True) == "CALLBACK_URL_INVALID"
    body["callbackUrl"] = "https://feed.example.cn/cb"
    assert _code(_intake, body, feed=True, prefix="https://other.example.cn/") == (
        "CALLBACK_URL_INVALID"
    )
    assert _intake(body, feed=True)["callback_url"] == "https://feed.example.cn/cb"


def test_a_body_that_is_not_an_object():
    assert _code(_intake, [1, 2]) == "BODY_NOT_OBJECT"
    assert _code(validated, ComplaintAcknowledgeSerializer, "note") == "BODY_NOT_OBJECT"


def test_action_bodies():
    assert validated(ComplaintAcknowledgeSerializer, {}) == {"note": ""}
    assert validated(ComplaintAcknowledgeSerializer, {"note": " a\nb "}) == {"note": "a\nb"}
    assert _code(validated, ComplaintAcknowledgeSerializer, {"note": 5}) == "FIELD_WRONG_TYPE"
    for body, code in [
        ({}, "FIELD_MISSING"),
        ({"resolution": None}, "FIELD_MISSING"),
        ({"resolution": "  "}, "FIELD_EMPTY"),
    ]:
        assert _code(validated, ComplaintResolveSerializer, body) == code
    long = {"resolution": "x" * 2001}
    assert _code(validated, ComplaintResolveSerializer, long) == "FIELD_TOO_LONG"


def test_list_query():
    # page and pageSize are hub.pagination's (tests/test_api_style.py).
    query = dict(validated(ComplaintListQuerySerializer, {}))
    assert query == {"role": "routed", "states": []}
    query = validated(ComplaintListQuerySerializer, {"role": "raised", "state": "routed,closed"})
    assert dict(query) == {"role": "raised", "states": ["routed", "closed"]}
    for params in [{"role": "mine", "state": "nope"}, {"state": "nope"}, {"role": " routed"}]:
        assert _code(validated, ComplaintListQuerySerializer, params) == "FILTER_INVALID"
