"""SMS and authorization codes through the relay over real HTTP: wrong codes
lock after five, resend cooldown, per-phone caps, expiry, state conflicts."""

from __future__ import annotations

from relay.models import Authorization, State
from tests.fixtures.relay import resident_id

PHONE = "13600001234"


def _start_sms(relay, n: int, phone: str = PHONE) -> int:
    answer = relay.a.start(resident_id(n), "sms", phone=phone)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["authorizationId"]


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_wrong_code_five_times_locks(relay, sms_code):
    auth_id = _start_sms(relay, 21)
    right = sms_code()
    for left in (4, 3, 2, 1):
        answer = relay.a.verify(auth_id, code=_wrong(right))
        assert answer.status_code == 400
        assert answer.json()["errorCode"] == "CODE_WRONG"
        assert str(left) in answer.json()["returnDesc"]
    fifth = relay.a.verify(auth_id, code=_wrong(right))
    assert fifth.status_code == 423 and fifth.json()["errorCode"] == "CODE_LOCKED"
    assert Authorization.objects.get(pk=auth_id).state == State.LOCKED
    # Locked for good: the right code, a resend, a view all refused.
    again = relay.a.verify(auth_id, code=right)
    assert again.status_code == 423 and again.json()["errorCode"] == "AUTHORIZATION_LOCKED"
    assert relay.a.resend(auth_id).status_code == 423
    assert relay.a.view(resident_id(21)).json()["errorCode"] == "NO_CONSENT"
    assert relay.a.detail(auth_id).json()["data"]["state"] == "locked"


def test_malformed_code_is_refused_without_counting(relay, sms_code):
    auth_id = _start_sms(relay, 22)
    for bad in ("12ab56", "１２３４５６", "1234567"):
        answer = relay.a.verify(auth_id, code=bad)
        assert answer.status_code == 400 and answer.json()["errorCode"] == "CODE_FORMAT"
    missing = relay.a.verify(auth_id)
    assert missing.status_code == 400 and missing.json()["errorCode"] == "CODE_REQUIRED"
    assert relay.a.verify(auth_id, code=sms_code()).status_code == 200


def test_resend_waits_for_the_cooldown_and_replaces_the_code(relay, sms_code, sms_outbox, clock):
    auth_id = _start_sms(relay, 23)
    first = sms_code()
    early = relay.a.resend(auth_id)
    assert early.status_code == 429 and early.json()["errorCode"] == "SMS_COOLDOWN"
    assert 1 <= int(early.headers["Retry-After"]) <= 60
    clock.advance(seconds=61)
    resent = relay.a.resend(auth_id)
    assert resent.status_code == 200, resent.text
    assert len(sms_outbox) == 2 and sms_outbox[-1].phone == PHONE
    second = sms_code()
    if second != first:  # the previous code stops working (and counts as a wrong try)
        old = relay.a.verify(auth_id, code=first)
        assert old.status_code == 400 and old.json()["errorCode"] == "CODE_WRONG"
    assert relay.a.verify(auth_id, code=second).json()["data"]["state"] == "granted"


def test_hourly_and_daily_caps_per_phone(relay, sms_outbox, clock):
    for n in range(5):
        _start_sms(relay, 30 + n)
        clock.advance(minutes=1)
    sixth = relay.a.start(resident_id(35), "sms", phone=PHONE)
    assert sixth.status_code == 429
    assert sixth.json()["errorCode"] == "SMS_PHONE_HOURLY_LIMIT"
    assert "Retry-After" in sixth.headers
    # Nothing is kept of a request whose code could not be sent.
    assert Authorization.objects.count() == 5
    clock.advance(hours=1)
    for n in range(5):
        _start_sms(relay, 40 + n)
        clock.advance(minutes=1)
    clock.advance(hours=1)
    eleventh = relay.a.start(resident_id(45), "sms", phone=PHONE)
    assert eleventh.status_code == 429
    assert eleventh.json()["errorCode"] == "SMS_PHONE_DAILY_LIMIT"
    # Another phone is not affected.
    assert relay.a.start(resident_id(46), "sms", phone="13600009999").status_code == 200
    assert len(sms_outbox) == 11


def test_expired_code_then_a_fresh_one(relay, sms_code, clock):
    auth_id = _start_sms(relay, 24)
    stale = sms_code()
    clock.advance(minutes=5, seconds=1)
    expired = relay.a.verify(auth_id, code=stale)
    assert expired.status_code == 410 and expired.json()["errorCode"] == "CODE_EXPIRED"
    assert relay.a.resend(auth_id).status_code == 200
    assert relay.a.verify(auth_id, code=sms_code()).status_code == 200


def test_authcode_resend_issues_a_new_code(relay, push_code, push_outbox, clock):
    auth_id = relay.a.start(resident_id(25), "authcode").json()["data"]["authorizationId"]
    clock.advance(seconds=61)
    assert relay.a.resend(auth_id).status_code == 200
    assert len(push_outbox) == 2
    assert relay.a.verify(auth_id, code=push_code()).status_code == 200


def test_pending_request_expires_after_its_time_to_live(relay, push_code, clock):
    auth_id = relay.a.start(resident_id(26), "authcode").json()["data"]["authorizationId"]
    clock.advance(hours=25)
    answer = relay.a.verify(auth_id, code=push_code())
    assert answer.status_code == 410 and answer.json()["errorCode"] == "AUTHORIZATION_EXPIRED"
    assert Authorization.objects.get(pk=auth_id).state == State.EXPIRED


def test_state_conflicts_are_409(relay, sms_code):
    auth_id = _start_sms(relay, 27)
    relay.a.verify(auth_id, code=sms_code())
    again = relay.a.verify(auth_id, code="123456")
    assert again.status_code == 409
    assert again.json()["errorCode"] == "AUTHORIZATION_STATE_CONFLICT"
    assert relay.a.revoke(auth_id).status_code == 200
    twice = relay.a.revoke(auth_id)
    assert twice.status_code == 409
    assert twice.json()["errorCode"] == "AUTHORIZATION_STATE_CONFLICT"
    resend = relay.a.resend(auth_id)
    assert resend.status_code == 409


def test_face_request_has_nothing_to_resend(relay):
    auth_id = relay.a.start(resident_id(28), "face").json()["data"]["authorizationId"]
    answer = relay.a.resend(auth_id)
    assert answer.status_code == 409 and answer.json()["errorCode"] == "RESEND_NOT_APPLICABLE"
    photos = relay.a.verify(auth_id, idPhoto="aGVsbG8=")
    assert photos.status_code == 400 and photos.json()["errorCode"] == "PHOTOS_REQUIRED"
    not_image = relay.a.verify(auth_id, idPhoto="aGVsbG8=", livePhoto="aGVsbG8=")
    assert not_image.status_code == 400 and not_image.json()["errorCode"] == "FACE_NOT_AN_IMAGE"
    # Unusable photos are the kiosk's problem: not counted as failed attempts.
    assert Authorization.objects.get(pk=auth_id).verify_failures == 0


def test_cancelling_a_pending_request_needs_no_province_call(relay):
    auth_id = _start_sms(relay, 29)
    answer = relay.a.revoke(auth_id)
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["state"] == "revoked" and data["syncState"] == "none"
    assert relay.sim.state.last_save is None
