"""Consent notices also go to a bound WeChat (best effort); SMS to the phone
of record stays the channel of record: the notice's state follows the SMS."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from hub.protect import digest
from identity.wechat.services import wechat_binding_unbind
from relay.models import ConsentNotice, NoticeState
from relay.notices import notices_flush
from tests.fixtures.relay import record_phone, resident_id
from tests.fixtures.wechat import WECHAT_NOTICE_TEMPLATE, WECHAT_OPENID

PHONE = "13700006041"


def _notices(stub) -> list[dict]:
    return [m for m in stub.sent if m["template_id"] == WECHAT_NOTICE_TEMPLATE]


def _grant_sms(relay, idcard: str, sms_outbox) -> int:
    auth_id = relay.a.start(idcard, "sms", phone=PHONE).json()["data"]["authorizationId"]
    answer = relay.a.verify(auth_id, code=sms_outbox[-1].params["code"])
    assert answer.json()["data"]["state"] == "granted", answer.text
    return auth_id


def test_the_notice_goes_by_sms_and_by_wechat(relay, sms_outbox, wechat_stub, wechat_bound):
    patient = resident_id(641)
    record_phone(patient, PHONE)
    wechat_bound(patient, phone=PHONE)
    auth_id = _grant_sms(relay, patient, sms_outbox)
    [sms] = [m for m in sms_outbox if m.reference.startswith("notice:")]
    [pushed] = _notices(wechat_stub)
    assert pushed["touser"] == WECHAT_OPENID
    assert pushed["data"] == {"text": {"value": sms.text}}
    assert relay.a.org_name in sms.text
    # One consent: the message opens its one-tap revoke page.
    link = re.search(r"(/me/r/[^/\s;]+/)", sms.text).group(1)
    assert pushed["url"].endswith(link)
    assert ConsentNotice.objects.get(authorization_id=auth_id).state == NoticeState.SENT


def test_a_wechat_failure_leaves_the_sms_notice_alone(relay, sms_outbox, wechat_stub, wechat_bound):
    patient = resident_id(642)
    record_phone(patient, PHONE)
    wechat_bound(patient, phone=PHONE)
    auth_id = relay.a.start(patient, "sms", phone=PHONE).json()["data"]["authorizationId"]
    wechat_stub.script.append({"status": 503})  # WeChat down when the notice goes
    answer = relay.a.verify(auth_id, code=sms_outbox[-1].params["code"])
    assert answer.json()["data"]["state"] == "granted"
    assert _notices(wechat_stub) == []
    assert ConsentNotice.objects.get(authorization_id=auth_id).state == NoticeState.SENT


def test_a_patient_without_a_phone_of_record_hears_by_wechat(
    relay, sms_outbox, wechat_push, wechat_bound
):
    patient = resident_id(643)
    wechat_bound(patient)
    auth_id = relay.a.start(patient, "authcode").json()["data"]["authorizationId"]
    code = wechat_push.sent[-1]["data"]["code"]["value"]
    assert relay.a.verify(auth_id, code=code).json()["data"]["state"] == "granted"
    [pushed] = _notices(wechat_push)
    assert pushed["touser"] == WECHAT_OPENID and relay.a.org_name in pushed["data"]["text"]["value"]
    # No SMS: there is no phone of record to text; the notice stays "skipped".
    assert not [m for m in sms_outbox if m.reference.startswith("notice:")]
    assert ConsentNotice.objects.get(authorization_id=auth_id).state == NoticeState.SKIPPED


def test_no_notice_by_wechat_once_unbound_or_without_the_template(
    relay, sms_outbox, wechat_stub, wechat_bound, settings
):
    patient = resident_id(644)
    record_phone(patient, PHONE)
    wechat_bound(patient, phone=PHONE)
    settings.WECHAT_NOTICE_TEMPLATE_ID = ""
    _grant_sms(relay, patient, sms_outbox)
    assert _notices(wechat_stub) == [] and wechat_stub.sent == []
    settings.WECHAT_NOTICE_TEMPLATE_ID = WECHAT_NOTICE_TEMPLATE
    wechat_binding_unbind(patient_digests=[digest(patient, purpose="id")], actor="system:test")
    assert relay.b.compat(patient).json()["returnCode"] == "1"
    assert notices_flush(now=timezone.now() + timedelta(hours=2)) == 1
    assert wechat_stub.sent == []
