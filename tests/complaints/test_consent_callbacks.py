"""A hospital is told when the patient revokes or refuses on /me/: a signed
callback through the complaints' outbox (retried until the hospital is back),
and the pull feed (``changedSince``) for hospitals without a callback URL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from complaints.models import Channel, DeliveryState, DispatchOutbox
from complaints.tasks import sweep_outbox
from hospitals.models import Hospital
from hub.gm import sm4_decrypt_ecb_hex
from hub.protect import digest
from relay.models import Authorization, State
from tests.fixtures.hospitals import DEMO_A
from tests.fixtures.relay import resident_id
from tests.patients.patient_helpers import (
    PATIENT_PHONE,
    grant_by_sms,
    province_account,
    sign_in,
    start,
)

PATIENT_ID = resident_id(404)
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$")


@pytest.fixture
def patient(transactional_db, province_sim, api_a, client, sms_outbox):
    """A patient with one consent granted to hospital A (its HIS), signed in on /me/."""
    province_account(province_sim)
    client.first_authorization = grant_by_sms(api_a, sms_outbox, PATIENT_ID, PATIENT_PHONE)
    sign_in(client, sms_outbox, PATIENT_PHONE)
    return client


@pytest.fixture
def receiver(callback_server, hospital_a):
    """Hospital A's callback URL: a real HTTP server checking the x-tif signature."""
    server = callback_server({DEMO_A["paasid"]: DEMO_A["paastoken"]})
    Hospital.objects.filter(pk=hospital_a.pk).update(callback_url=server.url)
    return server


def _make_due() -> None:
    DispatchOutbox.objects.filter(state=DeliveryState.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(minutes=10)
    )


def test_patient_revocation_on_me_is_called_back_signed(patient, receiver, settings):
    auth_id = patient.first_authorization
    page = patient.get(f"/me/authorizations/{auth_id}/revoke/")
    assert page.status_code == 200
    answer = patient.post(f"/me/authorizations/{auth_id}/revoke/")  # the page's form
    assert answer.status_code == 302
    assert receiver.wait_for(1, timeout=10)
    [message] = receiver.requests
    assert message["signature_ok"] and message["paasid"] == DEMO_A["paasid"]
    body = message["body"]
    assert {k: body[k] for k in ("event", "authorizationId", "state", "endedBy", "orgCode")} == {
        "event": "consent.revoked",
        "authorizationId": auth_id,
        "state": "revoked",
        "endedBy": "patient",
        "orgCode": DEMO_A["org_code"],
    }
    assert body["appId"] == DEMO_A["app_id"] and body["method"] == "sms"
    assert TIME_RE.match(body["endedAt"])
    auth = Authorization.objects.get(pk=auth_id)
    assert datetime.fromisoformat(body["endedAt"]) == auth.ended_at
    # The ID number only under the hospital's own SM4 key; the name never.
    raw = str(body)
    assert PATIENT_ID not in raw and "张三" not in raw
    assert sm4_decrypt_ecb_hex(DEMO_A["sm4_key"], body["patientIdcard"]) == PATIENT_ID
    row = DispatchOutbox.objects.get(channel=Channel.CONSENT_CALLBACK)
    assert row.state == DeliveryState.DELIVERED and row.authorization_id == auth_id
    assert message["key"] == str(row.key)
    assert PATIENT_ID not in str(row.payload)


def test_patient_refusal_is_called_back(patient, receiver, api_a):
    auth_id = start(api_a, PATIENT_ID, "authcode")
    answer = patient.post(f"/me/requests/{auth_id}/", {"decision": "refuse"})
    assert answer.status_code == 302
    assert Authorization.objects.get(pk=auth_id).state == State.REFUSED
    assert receiver.wait_for(1, timeout=10)
    body = receiver.requests[0]["body"]
    assert (body["event"], body["state"], body["endedBy"], body["authorizationId"]) == (
        "consent.refused",
        "refused",
        "patient",
        auth_id,
    )
    assert body["patientId"] == "P0001"


def test_a_hospitals_own_revocation_is_not_called_back(patient, receiver, api_a):
    answer = api_a.post_json(f"/api/v1/authorizations/{patient.first_authorization}/revoke", {})
    assert answer.status_code == 200 and answer.json()["data"]["state"] == "revoked"
    assert not DispatchOutbox.objects.filter(channel=Channel.CONSENT_CALLBACK).exists()
    assert receiver.requests == []


def test_a_hospital_that_is_down_gets_the_event_when_it_is_back(patient, receiver):
    receiver.status = 503  # the hospital's system is down
    auth_id = patient.first_authorization
    assert patient.post(f"/me/authorizations/{auth_id}/revoke/").status_code == 302
    # The revocation stands at once, whatever the hospital's system does.
    assert Authorization.objects.get(pk=auth_id).state == State.REVOKED
    assert receiver.wait_for(1, timeout=10)
    row = DispatchOutbox.objects.get(channel=Channel.CONSENT_CALLBACK)
    assert (row.state, row.attempts, row.last_error) == (DeliveryState.PENDING, 1, "http_503")

    # Still down at the next attempt: kept, retried later.
    _make_due()
    sweep_outbox.apply()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.PENDING, 2)

    receiver.status = 200  # back up
    _make_due()
    sweep_outbox.apply()
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED and row.attempts == 3
    # Three attempts, one key: the receiver applies the event once.
    assert len(receiver.requests) == 3
    assert {r["key"] for r in receiver.requests} == {str(row.key)}
    assert list(receiver.effective) == [str(row.key)]
    assert receiver.effective[str(row.key)]["state"] == "revoked"


def test_a_hospital_without_callback_url_pulls_the_change(patient, api_a, hospital_a):
    assert not Hospital.objects.get(pk=hospital_a.pk).callback_url
    since = timezone.localtime().isoformat()
    auth_id = start(api_a, PATIENT_ID, "authcode")
    assert patient.post(f"/me/requests/{auth_id}/", {"decision": "refuse"}).status_code == 302
    assert (
        patient.post(f"/me/authorizations/{patient.first_authorization}/revoke/").status_code == 302
    )
    assert not DispatchOutbox.objects.exists()  # nowhere to call: the feed tells it
    answer = api_a.get(f"/api/v1/authorizations?changedSince={quote(since)}")
    assert answer.status_code == 200, answer.content
    states = {i["authorizationId"]: i["state"] for i in answer.json()["data"]["items"]}
    assert states == {auth_id: "refused", patient.first_authorization: "revoked"}


def test_the_patient_digest_never_leaves_in_the_callback(patient, receiver):
    patient.post(f"/me/authorizations/{patient.first_authorization}/revoke/")
    assert receiver.wait_for(1, timeout=10)
    raw = str(receiver.requests[0]["body"])
    assert digest(PATIENT_ID, purpose="id") not in raw
    assert digest(PATIENT_ID, purpose="id")[:16] not in raw


def test_a_refused_callback_is_given_up_and_the_city_told(patient, receiver, settings, mailoutbox):
    settings.COMPLAINTS_CITY_EMAILS = ["city-supervisor@example.org"]
    receiver.status = 400  # the hospital's system refuses the message: never retried
    auth_id = patient.first_authorization
    assert patient.post(f"/me/authorizations/{auth_id}/revoke/").status_code == 302
    assert receiver.wait_for(1, timeout=10)
    row = DispatchOutbox.objects.get(channel=Channel.CONSENT_CALLBACK)
    assert (row.state, row.attempts, row.last_error) == (DeliveryState.FAILED, 1, "http_400")
    _make_due()
    sweep_outbox.apply()
    assert len(receiver.requests) == 1
    [mail] = mailoutbox
    assert mail.to == ["city-supervisor@example.org"] and DEMO_A["org_code"] in mail.subject
    assert f"authorization {auth_id}" in mail.body and PATIENT_ID not in mail.body
    # The revocation itself stands, and the pull feed has it.
    assert Authorization.objects.get(pk=auth_id).state == State.REVOKED
