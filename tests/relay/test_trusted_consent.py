"""Trusted consent, attacked as a hospital with valid credentials would: over
real HTTP, on PostgreSQL and Redis. Nothing the caller controls (a phone it
types, a code it asks for again and again) counts as proof of the patient."""

from __future__ import annotations

from prometheus_client import REGISTRY

from identity.models import CodeChallenge
from relay.models import Authorization, PatientGuard, PhoneCheck, State
from tests.fixtures.relay import record_phone, resident_id

PATIENT_PHONE = "13700001111"
STAFF_PHONE = "13900002222"


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- Attack 1: the hospital's own phone --------------------------------------------------


def test_the_code_goes_to_the_phone_of_record_not_to_the_hospitals(relay, sms_outbox):
    victim = resident_id(401)
    record_phone(victim, PATIENT_PHONE)
    answer = relay.b.start(victim, "sms", phone=STAFF_PHONE, on_record=False)
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert (data["phoneCheck"], data["codeSentTo"]) == ("differs", "137****1111")
    assert [m.phone for m in sms_outbox] == [PATIENT_PHONE]
    # The staff cannot know the code: guessing it fails like any wrong code.
    wrong = relay.b.verify(data["authorizationId"], code=_wrong(sms_outbox[-1].params["code"]))
    assert wrong.json()["errorCode"] == "CODE_WRONG"
    assert Authorization.objects.get(pk=data["authorizationId"]).state == State.PENDING


def test_no_phone_of_record_refuses_an_sms_request_by_default(relay, sms_outbox):
    answer = relay.b.start(resident_id(402), "sms", phone=STAFF_PHONE, on_record=False)
    assert answer.status_code == 409
    assert answer.json()["errorCode"] == "PHONE_NOT_ON_RECORD"
    assert not sms_outbox
    assert not Authorization.objects.exists()


def test_a_city_that_allows_unrecorded_phones_marks_the_consent(
    relay, sms_outbox, settings, client, sms_code
):
    settings.SMS_UNRECORDED_PHONE = "allow"
    patient = resident_id(403)
    missing = relay.b.start(patient, "sms", phone=None, on_record=False)
    assert missing.status_code == 400 and missing.json()["errorCode"] == "PHONE_REQUIRED"
    answer = relay.b.start(patient, "sms", phone=STAFF_PHONE, on_record=False)
    assert answer.status_code == 200, answer.text
    auth_id = answer.json()["data"]["authorizationId"]
    assert answer.json()["data"]["phoneCheck"] == PhoneCheck.UNRECORDED
    assert sms_outbox[-1].phone == STAFF_PHONE
    granted = relay.b.verify(auth_id, code=sms_code())
    assert granted.json()["data"]["state"] == "granted"
    assert granted.json()["data"]["phoneCheck"] == "unrecorded"
    # Counted apart in the hospital's usage, as the city's reports show it.
    from audit.models import UsageCounter

    unverified = UsageCounter.objects.filter(
        org_code=relay.b.org_code, kind="auth.sms.unverified_phone"
    )
    assert sum(unverified.values_list("count", flat=True)) == 1
    # The staff phone still opens nothing on the patient's pages.
    client.post("/me/login/", {"phone": STAFF_PHONE})
    client.post("/me/login/code/", {"code": sms_code()})
    assert patient[-4:] not in client.get("/me/").content.decode()


# --- Attack 2: asking again and again ----------------------------------------------------


def test_open_requests_per_patient_are_capped_across_hospitals(relay, push_code):
    patient = resident_id(404)
    record_phone(patient, PATIENT_PHONE)
    started = [relay.a.start(patient, "authcode"), relay.b.start(patient, "authcode")]
    started.append(relay.a.start(patient, "authcode"))
    assert [a.status_code for a in started] == [200, 200, 200]
    fourth = relay.b.start(patient, "authcode")
    assert fourth.status_code == 429
    assert fourth.json()["errorCode"] == "PATIENT_REQUESTS_LIMIT"
    assert int(fourth.headers["Retry-After"]) > 0
    # Another patient is not affected.
    other = resident_id(405)
    record_phone(other, "13700003333")
    assert relay.b.start(other, "authcode").status_code == 200


def _blocks() -> float:
    return REGISTRY.get_sample_value("hub_patient_blocks_total") or 0.0


def test_guessing_a_patients_codes_is_stopped_after_ten_failures_a_day(relay, push_code):
    patient = resident_id(406)
    record_phone(patient, PATIENT_PHONE)
    blocks_before = _blocks()
    # An honest request of another hospital, waiting for the patient.
    honest = relay.b.start(patient, "authcode").json()["data"]["authorizationId"]
    honest_code = push_code()
    failures = 0
    refused = None
    for _round in range(12):  # what an attacker would try: request after request
        started = relay.a.start(patient, "authcode")
        if started.status_code != 200:
            refused = started
            break
        auth_id = started.json()["data"]["authorizationId"]
        right = push_code()
        for _guess in range(5):
            answer = relay.a.verify(auth_id, code=_wrong(right))
            if answer.json()["errorCode"] == "PATIENT_BLOCKED":
                refused = answer
                break
            failures += 1
        if refused is not None:
            break
    assert failures == 10
    assert refused is not None and refused.status_code == 429
    assert refused.json()["errorCode"] == "PATIENT_BLOCKED"
    guard = PatientGuard.objects.get()
    assert guard.failures == 10 and guard.blocked_until is not None
    assert _blocks() == blocks_before + 1
    # Every hospital is refused for this patient now, even with the right code.
    for client in (relay.a, relay.b):
        again = client.start(patient, "authcode")
        assert again.status_code == 429 and again.json()["errorCode"] == "PATIENT_BLOCKED"
    answer = relay.b.verify(honest, code=honest_code)
    assert answer.status_code == 429 and answer.json()["errorCode"] == "PATIENT_BLOCKED"
    assert Authorization.objects.get(pk=honest).state == State.PENDING
    assert CodeChallenge.objects.filter(reference=f"authorization:{honest}").exists()


# --- The honest path that was a dead end -------------------------------------------------


def test_an_authcode_request_nobody_can_read_is_refused_at_once(relay, settings):
    settings.AUTHCODE_PUSH_BACKEND = "identity.push.backends.none.NoPushBackend"
    answer = relay.a.start(resident_id(407), "authcode")
    assert answer.status_code == 409
    assert answer.json()["errorCode"] == "NO_CODE_CHANNEL"
    assert not Authorization.objects.exists()
    # With a phone of record the patient reads the code on their pages.
    record_phone(resident_id(407), PATIENT_PHONE)
    assert relay.a.start(resident_id(407), "authcode").status_code == 200
