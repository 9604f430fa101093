"""Each way in, end to end over real HTTP (hub on a live server, the province
simulator beside it): from the request to a viewer URL that the simulator's
viewer opens to the synthetic record."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import requests

from audit.models import OperationLog
from relay.models import Authorization, State, SyncState
from tests.fixtures.relay import resident_id

SMS_PHONE = "13912345678"


def open_viewer(url: str) -> requests.Response:
    return requests.get(url, timeout=10)


def assert_viewer_opens(relay, idcard: str, client=None) -> dict:
    client = client or relay.a
    shown_before = relay.sim.state.snapshot()["counts"].get("view.shown", 0)
    answer = client.view(idcard)
    assert answer.status_code == 200, answer.text
    # The hub hands out the URL; it never fetches the record itself.
    assert relay.sim.state.snapshot()["counts"].get("view.shown", 0) == shown_before
    body = answer.json()
    assert body["returnCode"] == "1"
    url = body["data"]["viewerUrl"]
    assert url.startswith(relay.sim.viewer_url + "?param=")
    assert url.endswith("&appId=" + relay.sim.account.app_id)
    page = open_viewer(url)
    assert page.status_code == 200, page.text[:300]
    assert "健康档案" in page.text and "基本信息" in page.text
    return body["data"]


def test_sms_mode_request_to_viewer(relay, sms_code, sms_outbox):
    idcard = resident_id(1)
    started = relay.a.start(idcard, "sms", phone=SMS_PHONE)
    assert started.status_code == 200, started.text
    data = started.json()["data"]
    assert data["state"] == "pending" and data["method"] == "sms"
    assert data["phone"] == "139****5678"
    assert data["patientIdcard"] == idcard[:4] + "*" * 10 + idcard[-4:]
    assert sms_outbox[-1].phone == SMS_PHONE

    verified = relay.a.verify(data["authorizationId"], code=sms_code())
    assert verified.status_code == 200, verified.text
    granted = verified.json()["data"]
    assert granted["state"] == "granted"
    assert granted["provinceSynced"] is True and granted["syncState"] == "synced"
    assert granted["validUntil"]
    valid_for = datetime.fromisoformat(granted["validUntil"]) - datetime.now(UTC)
    assert timedelta(days=29, hours=23) < valid_for <= timedelta(days=30)

    # The province holds the grant for org A, for 30 days (authDays 30).
    grants = relay.sim.state.snapshot()["grants"]
    assert [g["org_code"] for g in grants if g["live"]] == [relay.a.org_code]
    province_days = (grants[0]["expires_at"] - time.time()) / 86400
    assert 29.9 < province_days <= 30
    view = assert_viewer_opens(relay, idcard)
    assert view["authorizationId"] == data["authorizationId"]


def test_authcode_mode_request_to_viewer(relay, push_code):
    idcard = resident_id(2)
    started = relay.a.start(idcard, "authcode")
    assert started.status_code == 200, started.text
    data = started.json()["data"]
    assert data["state"] == "pending" and "code" not in data
    verified = relay.a.verify(data["authorizationId"], code=push_code())
    assert verified.status_code == 200, verified.text
    assert verified.json()["data"]["provinceSynced"] is True
    assert_viewer_opens(relay, idcard)


def test_appointment_mode_compatible_endpoint_to_viewer(relay):
    idcard = resident_id(3)
    answer = relay.a.compat(idcard, status=" 1")
    assert answer.status_code == 200, answer.text
    # Exactly the province's answer, nothing added.
    assert answer.json() == {"returnCode": "1", "returnDesc": "成功"}
    auth = Authorization.objects.get()
    assert (auth.method, auth.state, auth.sync_state) == ("appointment", "granted", "synced")
    # The province got its own appId and the registered org name, the ID under its key.
    sent = relay.sim.state.last_save["body"]["codeAuthRec"]
    assert sent["appId"] == relay.sim.account.app_id
    assert sent["status"] == "1" and sent["authDays"] == 30
    assert sent["orgName"] == relay.a.org_name
    assert_viewer_opens(relay, idcard)


def test_face_mode_request_to_viewer(relay, face_photos, leak_scan):
    idcard = resident_id(4)
    started = relay.a.start(idcard, "face")
    assert started.status_code == 200, started.text
    auth_id = started.json()["data"]["authorizationId"]
    verified = relay.a.verify(
        auth_id, idPhoto=face_photos["astronaut_chip"], livePhoto=face_photos["astronaut"]
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["data"]["state"] == "granted"
    assert_viewer_opens(relay, idcard)
    # Only the outcome, distance and backend are kept: the grant's operation
    # log row has them; no photo (nor the ID) is in any log.
    granted = OperationLog.objects.get(action="authorization.granted")
    face = granted.after["face"]
    assert face["outcome"] == "match" and face["backend"] and face["distance"] < 0.6
    photo_pieces = [face_photos[name][100:160] for name in ("astronaut_chip", "astronaut")]
    leak_scan([idcard, *photo_pieces])


def test_face_mismatch_counts_and_locks_after_five(relay, face_photos):
    auth_id = relay.a.start(resident_id(5), "face").json()["data"]["authorizationId"]
    for attempt in range(1, 5):
        answer = relay.a.verify(
            auth_id, idPhoto=face_photos["astronaut_chip"], livePhoto=face_photos["grace"]
        )
        assert answer.status_code == 403, answer.text
        assert answer.json()["errorCode"] == "FACE_MISMATCH"
        assert Authorization.objects.get(pk=auth_id).verify_failures == attempt
    fifth = relay.a.verify(
        auth_id, idPhoto=face_photos["astronaut_chip"], livePhoto=face_photos["grace"]
    )
    assert fifth.status_code == 423 and fifth.json()["errorCode"] == "AUTHORIZATION_LOCKED"
    assert Authorization.objects.get(pk=auth_id).state == State.LOCKED
    # Even the right face is refused now.
    again = relay.a.verify(
        auth_id, idPhoto=face_photos["astronaut_chip"], livePhoto=face_photos["astronaut"]
    )
    assert again.status_code == 423


def test_second_hospital_refused_on_the_same_patient(relay, sms_code):
    idcard = resident_id(6)
    auth_id = relay.a.start(idcard, "sms", phone=SMS_PHONE).json()["data"]["authorizationId"]
    assert relay.a.verify(auth_id, code=sms_code()).status_code == 200
    assert_viewer_opens(relay, idcard)

    # B asks for the same patient with its own orgCode: no consent of B's.
    refused = relay.b.view(idcard)
    assert refused.status_code == 403
    assert refused.json()["errorCode"] == "NO_CONSENT"
    assert refused.json()["returnDesc"] == "本医疗机构未获得该患者的授权。"  # Chinese by default
    # B passing A's orgCode off as its own: refused as another hospital's.
    posing = relay.b.view(idcard, org_code=relay.a.org_code)
    assert posing.status_code == 403
    assert posing.json()["errorCode"] == "ORG_CODE_MISMATCH"
    # B cannot read, verify or revoke A's authorization either.
    for answer in (relay.b.detail(auth_id), relay.b.revoke(auth_id)):
        assert answer.status_code == 404
        assert answer.json()["errorCode"] == "AUTHORIZATION_NOT_FOUND"
    assert Authorization.objects.get(pk=auth_id).state == State.GRANTED
    # B's own list does not show it.
    listing = relay.b.get("/api/v1/authorizations").json()["data"]
    assert listing["total"] == 0


def test_revocation_refuses_views_at_once_and_reaches_the_province(relay, sms_code):
    idcard = resident_id(7)
    auth_id = relay.a.start(idcard, "sms", phone=SMS_PHONE).json()["data"]["authorizationId"]
    relay.a.verify(auth_id, code=sms_code())
    url = assert_viewer_opens(relay, idcard)["viewerUrl"]

    # The province is down: the revocation still takes effect here at once.
    relay.sim.control(fail_rate=1.0)
    revoked = relay.a.revoke(auth_id)
    assert revoked.status_code == 200, revoked.text
    data = revoked.json()["data"]
    assert data["state"] == "revoked" and data["provinceSynced"] is False
    refused = relay.a.view(idcard)
    assert refused.status_code == 403 and refused.json()["errorCode"] == "CONSENT_REVOKED"

    # The province is back; the retry task delivers status "0".
    relay.sim.control(fail_rate=0.0)
    from relay.tasks import sync_authorization

    Authorization.objects.filter(pk=auth_id).update(sync_next_at=None)
    sync_authorization.apply(args=[auth_id])
    auth = Authorization.objects.get(pk=auth_id)
    assert auth.sync_state == SyncState.SYNCED and auth.sync_status == "0"
    assert relay.sim.state.snapshot()["live"] == 0
    # The province no longer shows the record for the old URL: its own
    # authorization screen instead (modes 2 and 3, docs/province-simulator.md).
    page = open_viewer(url)
    assert 'data-screen="authorization"' in page.text and "<h2>诊疗记录</h2>" not in page.text


def test_compatible_status_zero_revokes(relay):
    idcard = resident_id(8)
    assert relay.a.compat(idcard).json()["returnCode"] == "1"
    assert_viewer_opens(relay, idcard)
    answer = relay.a.compat(idcard, status="0")
    assert answer.status_code == 200
    assert answer.json() == {"returnCode": "1", "returnDesc": "成功"}
    assert Authorization.objects.get().state == State.REVOKED
    assert relay.a.view(idcard).json()["errorCode"] == "CONSENT_REVOKED"
    assert relay.sim.state.snapshot()["live"] == 0
