"""The patient hears of every consent (attack 3, silence): a notice to the
phone of record for every grant, whatever the mode, and for the first view
within a consent; batched after the first of the day; a one-tap revoke link
that works without signing in, once, and only for that consent."""

from __future__ import annotations

import re
from datetime import timedelta

import requests
from django.core import signing
from django.utils import timezone

from relay.models import Authorization, ConsentNotice, NoticeState, State
from relay.notices import notices_flush, revoke_token
from tests.fixtures.relay import record_phone, resident_id

PATIENT_PHONE = "13700001111"
LINK = re.compile(r"(/me/r/[^/\s;]+/)")


def _notices_to(sms_outbox, phone: str) -> list[str]:
    return [m.text for m in sms_outbox if m.phone == phone and m.reference.startswith("notice:")]


def _grant_sms(relay, client, idcard: str, sms_outbox) -> int:
    auth_id = client.start(idcard, "sms", phone=PATIENT_PHONE).json()["data"]["authorizationId"]
    answer = client.verify(auth_id, code=sms_outbox[-1].params["code"])
    assert answer.json()["data"]["state"] == "granted", answer.text
    return auth_id


def test_a_grant_is_told_at_once_and_later_ones_are_batched(relay, sms_outbox, settings):
    settings.NOTICE_BATCH_MINUTES = 60
    patient = resident_id(501)
    record_phone(patient, PATIENT_PHONE)
    first = _grant_sms(relay, relay.a, patient, sms_outbox)
    told = _notices_to(sms_outbox, PATIENT_PHONE)
    assert len(told) == 1
    assert relay.a.org_name in told[0] and LINK.search(told[0])
    assert patient not in told[0]
    # A second consent the same day (mode 1 from another hospital): queued.
    assert relay.b.compat(patient).json()["returnCode"] == "1"
    second = Authorization.objects.get(patient_digest__isnull=False, method="appointment")
    assert ConsentNotice.objects.get(authorization=second).state == NoticeState.QUEUED
    assert len(_notices_to(sms_outbox, PATIENT_PHONE)) == 1
    # The batch waits for its interval, then one message carries it.
    assert notices_flush() == 0
    assert notices_flush(now=timezone.now() + timedelta(minutes=61)) == 1
    told = _notices_to(sms_outbox, PATIENT_PHONE)
    assert len(told) == 2 and relay.b.org_name in told[1]
    assert ConsentNotice.objects.get(authorization_id=first).state == NoticeState.SENT


def test_no_more_than_the_daily_messages(relay, sms_outbox, settings):
    settings.NOTICE_MAX_PER_DAY = 2
    settings.NOTICE_BATCH_MINUTES = 0
    patient = resident_id(502)
    record_phone(patient, PATIENT_PHONE)
    for client in (relay.a, relay.b):
        assert client.compat(patient).json()["returnCode"] == "1"
        notices_flush()
    assert relay.a.compat(patient, status="0").json()["returnCode"] == "1"
    assert relay.a.compat(patient).json()["returnCode"] == "1"
    notices_flush()
    assert len(_notices_to(sms_outbox, PATIENT_PHONE)) == 2
    assert ConsentNotice.objects.filter(state=NoticeState.QUEUED).count() == 1
    tomorrow = timezone.now() + timedelta(days=1)
    assert notices_flush(now=tomorrow) == 1


def test_the_first_view_is_told_once(relay, sms_outbox, settings):
    settings.NOTICE_BATCH_MINUTES = 0
    patient = resident_id(503)
    record_phone(patient, PATIENT_PHONE)
    relay.a.compat(patient)
    for _ in range(3):
        assert relay.a.view(patient).status_code == 200
    kinds = list(ConsentNotice.objects.values_list("kind", flat=True).order_by("id"))
    assert kinds == ["grant", "first_view"]
    notices_flush()
    assert any("viewed" in t or "调阅了" in t for t in _notices_to(sms_outbox, PATIENT_PHONE))


def test_nothing_goes_to_a_phone_the_hospital_typed(relay, sms_outbox, settings, sms_code):
    settings.SMS_UNRECORDED_PHONE = "allow"
    staff_phone = "13900002222"
    patient = resident_id(504)
    auth_id = relay.a.start(patient, "sms", phone=staff_phone, on_record=False).json()["data"]
    relay.a.verify(auth_id["authorizationId"], code=sms_code())
    notices_flush(now=timezone.now() + timedelta(hours=3))
    assert not _notices_to(sms_outbox, staff_phone)
    assert ConsentNotice.objects.get().state == NoticeState.SKIPPED


def test_the_one_tap_link_revokes_that_consent_only(relay, sms_outbox):
    patient = resident_id(505)
    record_phone(patient, PATIENT_PHONE)
    auth_id = _grant_sms(relay, relay.a, patient, sms_outbox)
    relay.b.compat(patient)
    link = LINK.search(_notices_to(sms_outbox, PATIENT_PHONE)[0]).group(1)
    browser = requests.Session()
    browser.trust_env = False
    page = browser.get(relay.url + link, timeout=10)
    assert page.status_code == 200 and relay.a.org_name in page.text
    assert Authorization.objects.get(pk=auth_id).state == State.GRANTED  # GET changes nothing
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = browser.post(
        relay.url + link,
        data={"csrfmiddlewaretoken": csrf},
        headers={"Referer": relay.url + link},
        timeout=10,
    )
    assert done.status_code == 200 and 'id="revoked"' in done.text
    assert Authorization.objects.get(pk=auth_id).state == State.REVOKED
    assert relay.a.view(patient).json()["errorCode"] == "CONSENT_REVOKED"
    # Hospital B's consent is untouched; the used link no longer works.
    assert Authorization.objects.get(hospital__org_code=relay.b.org_code).state == State.GRANTED
    assert browser.get(relay.url + link, timeout=10).status_code == 404


def test_a_forged_or_foreign_link_opens_nothing(relay, sms_outbox):
    patient = resident_id(506)
    record_phone(patient, PATIENT_PHONE)
    auth_id = _grant_sms(relay, relay.a, patient, sms_outbox)
    auth = Authorization.objects.get(pk=auth_id)
    token = revoke_token(auth)
    until = int(auth.valid_until.timestamp())
    # Signed for another purpose (a token of some other feature), or for a
    # validity the consent does not have.
    other_purpose = signing.dumps({"a": auth_id, "u": until}, salt="elsewhere", compress=True)
    wrong_end = signing.dumps(
        {"a": auth_id, "u": until + 86400}, salt="relay.consent-revoke-link", compress=True
    )
    session = requests.Session()
    session.trust_env = False
    for bad in (token[:-2] + "xx", "abc", other_purpose, wrong_end):
        assert session.get(f"{relay.url}/me/r/{bad}/", timeout=10).status_code == 404


def test_check_warns_when_links_would_have_no_address(settings):
    from relay.checks import notice_links_have_an_address

    assert notice_links_have_an_address() == []
    settings.PATIENT_PAGES_BASE_URL = ""
    assert [w.id for w in notice_links_have_an_address()] == ["relay.W001"]
