"""The hospital- and feed-facing complaint API (eager Celery, no worker)."""

import json

import pytest
from django.db import connection

from audit.models import OperationLog
from complaints.models import Complaint, ComplaintFollowUp, DispatchOutbox
from hospitals.models import Hospital, Stage
from hub.gm import sm4_decrypt_ecb_hex, sm4_encrypt_ecb_hex
from tests.fixtures.complaints import FEED, PATIENT_ID, intake_body
from tests.fixtures.hospitals import DEMO_A, DEMO_B

pytestmark = pytest.mark.django_db
KEY_A = DEMO_A["sm4_key"]
URL = "/api/v1/complaints"


def submit(client, key, **overrides):
    return client.post_json(URL, intake_body(key, **overrides))


def test_hospital_submits_a_complaint_routed_to_the_source_hospital(api_a, hospital_b):
    response = submit(api_a, KEY_A, orgCode=DEMO_B["org_code"])
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["state"] == "routed"
    complaint = Complaint.objects.get(public_id=data["id"])
    assert complaint.hospital == hospital_b
    assert complaint.submitted_by_hospital.org_code == DEMO_A["org_code"]
    assert complaint.patient_idcard == PATIENT_ID
    assert complaint.acknowledge_due_at < complaint.resolve_due_at
    steps = list(complaint.follow_ups.values_list("from_state", "to_state"))
    assert steps == [("", "received"), ("received", "routed")]
    assert OperationLog.objects.filter(
        action="complaint.submit", target_id=str(complaint.pk)
    ).exists()


def test_id_and_phone_are_sealed_at_rest(api_a):
    submit(api_a, KEY_A)
    with connection.cursor() as cursor:
        cursor.execute("SELECT patient_idcard, reporter_phone FROM complaints_complaint")
        idcard, phone = cursor.fetchone()
    assert PATIENT_ID.encode() not in bytes(idcard)
    assert b"13800138000" not in bytes(phone)


@pytest.mark.parametrize(
    ("org_code", "reason"),
    [("999999999", "unknown_org"), ("455404483", "suspended")],
)
def test_unknown_or_suspended_source_goes_to_city_triage(api_a, hospital_b, org_code, reason):
    Hospital.objects.filter(pk=hospital_b.pk).update(status="suspended")
    response = submit(api_a, KEY_A, orgCode=org_code)
    assert response.status_code == 201
    complaint = Complaint.objects.get(public_id=response.json()["data"]["id"])
    assert (complaint.state, complaint.hospital, complaint.triage_reason) == (
        "routed",
        None,
        reason,
    )


def test_not_live_source_goes_to_triage(api_a, hospital_b):
    Hospital.objects.filter(pk=hospital_b.pk).update(stage=Stage.INTEGRATING)
    response = submit(api_a, KEY_A, orgCode=DEMO_B["org_code"])
    assert (
        Complaint.objects.get(public_id=response.json()["data"]["id"]).triage_reason == "not_live"
    )


def test_the_same_feed_item_twice_is_one_complaint(api_feed, hospital_a):
    first = submit(api_feed, FEED["sm4_key"], externalRef="GD-2025-0001")
    again = submit(api_feed, FEED["sm4_key"], externalRef="GD-2025-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["data"]["id"] == again.json()["data"]["id"]
    assert Complaint.objects.count() == 1
    # Another submitter may use the same reference for its own complaint.
    assert Complaint.objects.get().submitted_by_feed.paasid == FEED["paasid"]


def test_same_external_ref_from_two_submitters_is_two_complaints(api_feed, api_a):
    submit(api_feed, FEED["sm4_key"], externalRef="REF-1")
    submit(api_a, KEY_A, externalRef="REF-1")
    assert Complaint.objects.count() == 2


def test_feed_may_give_a_callback_url_hospitals_may_not(api_feed, api_a, hospital_a):
    ok = submit(api_feed, FEED["sm4_key"], callbackUrl="https://feed.example.cn/cb")
    assert ok.status_code == 201
    refused = submit(api_a, KEY_A, callbackUrl="https://his.example.cn/cb")
    assert (refused.status_code, refused.json()["errorCode"]) == (400, "CALLBACK_NOT_ALLOWED")


def _bad_bodies():
    good = intake_body(KEY_A)
    wrong_key = sm4_encrypt_ecb_hex(DEMO_B["sm4_key"], PATIENT_ID)
    return [
        ("not json", "{bad", "BAD_JSON"),
        ("a list", "[1, 2]", "BODY_NOT_OBJECT"),
        ("null field", {**good, "patientName": None}, "FIELD_MISSING"),
        ("blank field", {**good, "patientName": "  "}, "FIELD_EMPTY"),
        ("wrong type", {**good, "category": 3}, "FIELD_WRONG_TYPE"),
        ("bad hex", {**good, "patientIdcard": "zz" * 16}, "SM4_BAD_CIPHERTEXT"),
        ("odd hex", {**good, "patientIdcard": "abc"}, "SM4_BAD_CIPHERTEXT"),
        ("bad length", {**good, "patientIdcard": "00" * 15}, "SM4_BAD_CIPHERTEXT"),
        ("bad padding", {**good, "patientIdcard": "00" * 16}, "SM4_DECRYPT_FAILED"),
        ("wrong key", {**good, "patientIdcard": wrong_key}, "SM4_DECRYPT_FAILED"),
        ("bad phone", {**good, "reporterContact": "11" * 16}, "SM4_DECRYPT_FAILED"),
        (
            "not an ID",
            {**good, "patientIdcard": sm4_encrypt_ecb_hex(KEY_A, "4401")},
            "ID_NUMBER_INVALID",
        ),
        (
            "not a phone",
            {**good, "reporterContact": sm4_encrypt_ecb_hex(KEY_A, "call me")},
            "PHONE_INVALID",
        ),
        ("unknown category", {**good, "category": "xray"}, "CATEGORY_UNKNOWN"),
        ("oversize", {**good, "description": "x" * 2001}, "FIELD_TOO_LONG"),
        ("bad date", {**good, "recordDate": "2025-02-30"}, "RECORD_DATE_INVALID"),
        ("date shape", {**good, "recordDate": "15/01/2025"}, "RECORD_DATE_INVALID"),
        ("future date", {**good, "recordDate": "2999-01-01"}, "RECORD_DATE_IN_FUTURE"),
        ("NUL", {**good, "patientName": "张\x00三"}, "FIELD_INVALID"),
        ("lone surrogate", '{"patientName": "\\ud800"}', "FIELD_INVALID"),
        ("bad org", {**good, "orgCode": "45 54"}, "FIELD_INVALID"),
        ("long ref", {**good, "externalRef": "r" * 129}, "FIELD_TOO_LONG"),
    ]


@pytest.mark.parametrize(("case", "body", "code"), _bad_bodies(), ids=[b[0] for b in _bad_bodies()])
def test_malformed_input_is_a_4xx_with_a_code(api_a, case, body, code):
    if case == "lone surrogate":
        body = json.loads(body)
        body = {**intake_body(KEY_A), **body}
        body = json.dumps(body, ensure_ascii=True)
    response = api_a.post_json(URL, body)
    assert response.status_code == 400, response.content
    assert response.json()["errorCode"] == code
    assert Complaint.objects.count() == 0


def test_unsigned_request_is_refused(client, hospital_a):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "MISSING_SIGNATURE_HEADERS"


def _routed_to_a(api_feed):
    return submit(api_feed, FEED["sm4_key"]).json()["data"]["id"]


def test_list_shows_the_callers_complaints_with_state_filter_and_pages(api_a, api_b, api_feed):
    ids = [_routed_to_a(api_feed) for _ in range(3)]
    body = api_a.get(URL, data={"pageSize": 2}).json()["data"]
    assert body["total"] == 3 and body["hasNext"] is True and len(body["items"]) == 2
    assert all(r["state"] == "routed" for r in body["items"])
    page2 = api_a.get(URL, data={"pageSize": 2, "page": 2}).json()["data"]
    assert page2["hasNext"] is False and (page2["page"], page2["pageSize"]) == (2, 2)
    assert {r["id"] for r in body["items"] + page2["items"]} == set(ids)
    assert api_a.get(URL, data={"state": "resolved"}).json()["data"]["total"] == 0
    assert api_b.get(URL).json()["data"]["total"] == 0
    assert api_feed.get(URL).json()["data"]["total"] == 3


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"state": "bogus"}, "FILTER_INVALID"),
        ({"page": "0"}, "FILTER_INVALID"),
        ({"pageSize": "1000"}, "FILTER_INVALID"),
        ({"page": "x"}, "FILTER_INVALID"),
        ({"role": "spy"}, "FILTER_INVALID"),
    ],
)
def test_bad_list_parameters(api_a, params, code):
    response = api_a.get(URL, data=params)
    assert (response.status_code, response.json()["errorCode"]) == (400, code)


def test_detail_gives_the_id_under_the_readers_key_and_history(api_a, api_feed):
    cid = _routed_to_a(api_feed)
    data = api_a.get(f"{URL}/{cid}").json()["data"]
    assert sm4_decrypt_ecb_hex(KEY_A, data["patientIdcard"]) == PATIENT_ID
    assert [h["to"] for h in data["history"]] == ["received", "routed"]
    assert "externalRef" not in data  # only the submitter sees its own reference


def test_another_hospital_can_neither_see_nor_act(api_a, api_b, api_feed):
    cid = _routed_to_a(api_feed)
    for response in (
        api_b.get(f"{URL}/{cid}"),
        api_b.post_json(f"{URL}/{cid}/acknowledge", {}),
        api_b.post_json(f"{URL}/{cid}/resolve", {"resolution": "x"}),
    ):
        assert (response.status_code, response.json()["errorCode"]) == (404, "COMPLAINT_NOT_FOUND")
    assert Complaint.objects.get(public_id=cid).state == "routed"


def test_raising_hospital_reads_but_cannot_act(api_a, api_b):
    cid = submit(api_a, KEY_A, orgCode=DEMO_B["org_code"]).json()["data"]["id"]
    assert api_a.get(f"{URL}/{cid}").status_code == 200
    assert api_a.get(URL, data={"role": "raised"}).json()["data"]["total"] == 1
    response = api_a.post_json(f"{URL}/{cid}/acknowledge", {})
    assert (response.status_code, response.json()["errorCode"]) == (
        403,
        "COMPLAINT_NOT_ROUTED_TO_CALLER",
    )


def test_feed_cannot_acknowledge(api_feed, hospital_a):
    cid = _routed_to_a(api_feed)
    response = api_feed.post_json(f"{URL}/{cid}/acknowledge", {})
    assert (response.status_code, response.json()["errorCode"]) == (403, "FEED_NOT_ALLOWED")


def test_acknowledge_then_resolve_then_illegal_moves_are_409(api_a, api_feed):
    cid = _routed_to_a(api_feed)
    assert (
        api_a.post_json(f"{URL}/{cid}/acknowledge", {"note": "checking"}).json()["data"]["state"]
        == "acknowledged"
    )
    again = api_a.post_json(f"{URL}/{cid}/acknowledge", {})
    assert again.status_code == 409
    assert again.json()["errorCode"] == "TRANSITION_NOT_ALLOWED"
    assert again.json()["state"] == "acknowledged"
    missing = api_a.post_json(f"{URL}/{cid}/resolve", {})
    assert missing.json()["errorCode"] == "FIELD_MISSING"
    done = api_a.post_json(f"{URL}/{cid}/resolve", {"resolution": "Report date corrected."})
    assert done.json()["data"]["state"] == "resolved"
    assert api_a.post_json(f"{URL}/{cid}/acknowledge", {}).status_code == 409
    complaint = Complaint.objects.get(public_id=cid)
    assert complaint.resolution == "Report date corrected."
    moves = list(
        ComplaintFollowUp.objects.filter(complaint=complaint, kind="transition").values_list(
            "to_state", flat=True
        )
    )
    assert moves == ["received", "routed", "acknowledged", "resolved"]


def test_resolution_tells_the_patient_by_sms_and_the_feed_by_callback(
    api_a, api_feed, sms_outbox, django_capture_on_commit_callbacks
):
    cid = submit(
        api_feed, FEED["sm4_key"], callbackUrl="http://127.0.0.1:9/closed", externalRef="E1"
    ).json()["data"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api_a.post_json(f"{URL}/{cid}/resolve", {"resolution": "Fixed."})
    channels = set(DispatchOutbox.objects.values_list("channel", flat=True))
    assert channels == {"feed_callback", "patient_sms"}
    assert [m.phone for m in sms_outbox] == ["13800138000"]
    assert cid[:8] in sms_outbox[0].text
    sms = DispatchOutbox.objects.get(channel="patient_sms")
    assert sms.state == "delivered"
    # The feed's callback (a closed port here) waits for its retry.
    feed_row = DispatchOutbox.objects.get(channel="feed_callback")
    assert (feed_row.state, feed_row.attempts) == ("pending", 1)


def test_feed_signature_is_checked_like_a_hospitals(feed, hospital_a):
    from tests.fixtures.hospitals import SignedClient

    forged = SignedClient(FEED["paasid"], "not-the-token", sm4_key=FEED["sm4_key"])
    response = submit(forged, FEED["sm4_key"])
    assert (response.status_code, response.json()["errorCode"]) == (401, "BAD_SIGNATURE")
    feed.is_enabled = False
    feed.save()
    genuine = SignedClient(FEED["paasid"], FEED["paastoken"], sm4_key=FEED["sm4_key"])
    response = submit(genuine, FEED["sm4_key"])
    assert (response.status_code, response.json()["errorCode"]) == (
        401,
        "FEED_CREDENTIAL_DISABLED",
    )


def test_feed_nonce_cannot_be_replayed(api_feed, hospital_a):
    headers = api_feed.headers()
    first = api_feed.client.post(
        URL, json.dumps(intake_body(FEED["sm4_key"])), "application/json", headers=headers
    )
    again = api_feed.client.post(
        URL, json.dumps(intake_body(FEED["sm4_key"])), "application/json", headers=headers
    )
    assert first.status_code == 201
    assert (again.status_code, again.json()["errorCode"]) == (401, "REPLAYED_NONCE")


def test_feed_callback_must_match_its_agreed_prefix(api_feed, feed, hospital_a):
    feed.callback_url_prefix = "https://feed.example.cn/"
    feed.save()
    bad = submit(api_feed, FEED["sm4_key"], callbackUrl="https://evil.example.com/x")
    assert (bad.status_code, bad.json()["errorCode"]) == (400, "CALLBACK_URL_INVALID")
    scheme = submit(api_feed, FEED["sm4_key"], callbackUrl="ftp://feed.example.cn/x")
    assert scheme.json()["errorCode"] == "CALLBACK_URL_INVALID"
    assert (
        submit(api_feed, FEED["sm4_key"], callbackUrl="https://feed.example.cn/cb").status_code
        == 201
    )


def test_answers_are_chinese_by_default(api_a):
    response = submit(api_a, KEY_A, category="xray")
    assert response.json()["errorCode"] == "CATEGORY_UNKNOWN"
    assert "category 必须是以下之一" in response.json()["returnDesc"]


FIELDS = [
    "orgCode",
    "patientIdcard",
    "patientName",
    "category",
    "recordDate",
    "description",
    "reporterName",
    "reporterContact",
    "externalRef",
]
ODD_VALUES = [1, 1.5, True, [], {}, ["x"], {"a": 1}, "x" * 100_000, "\ud800", "\u0007", "  "]


@pytest.mark.parametrize("field", FIELDS)
def test_any_odd_value_in_any_field_is_a_400(api_a, field):
    for value in ODD_VALUES:
        body = json.dumps({**intake_body(KEY_A), field: value})
        response = api_a.post_json(URL, body)
        if field in ("reporterName", "reporterContact", "externalRef") and value == "  ":
            assert response.status_code == 201  # blank optional field = absent
            continue
        assert response.status_code == 400, (field, repr(value)[:40], response.content[:200])
        assert response.json()["errorCode"]


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '"text"',
        '{"resolution": 5}',
        '{"resolution": "\\ud800"}',
        '{"resolution": "\\u0000"}',
        json.dumps({"resolution": "x" * 2001}),
        "{broken",
    ],
)
def test_odd_resolve_bodies_are_400(api_a, api_feed, body):
    cid = _routed_to_a(api_feed)
    response = api_a.post_json(f"{URL}/{cid}/resolve", body)
    assert response.status_code == 400, response.content[:200]
    assert Complaint.objects.get(public_id=cid).state == "routed"


def test_unknown_complaint_id_shapes_are_json_404(api_a):
    for path in (f"{URL}/not-a-uuid", f"{URL}/00000000-0000-0000-0000-000000000000/resolve"):
        response = api_a.post_json(path, {}) if path.endswith("resolve") else api_a.get(path)
        assert response.status_code == 404
        assert response.json()["returnCode"] == "0"
