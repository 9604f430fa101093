"""Authorization codes by WeChat, over real HTTP: a hospital's authcode
request for a patient reached only through WeChat is accepted and the code
goes to their openid; a patient with neither a phone of record nor a binding
is refused at once; a WeChat failure never fails the request; unbinding
stops the pushes."""

from __future__ import annotations

import logging

from identity.models import CodeChallenge
from relay.models import Authorization, State
from tests.fixtures.relay import record_phone, resident_id
from tests.fixtures.wechat import WECHAT_CODE_TEMPLATE, WECHAT_OPENID

PHONE = "13700006021"


def _pushed_codes(stub) -> list[str]:
    return [
        m["data"]["code"]["value"] for m in stub.sent if m["template_id"] == WECHAT_CODE_TEMPLATE
    ]


def test_a_patient_reached_only_by_wechat_gets_the_code_there(
    relay, wechat_push, wechat_bound, caplog, leak_scan
):
    caplog.set_level(logging.DEBUG)
    patient = resident_id(611)
    wechat_bound(patient)  # no phone of record
    answer = relay.a.start(patient, "authcode")
    assert answer.status_code == 200, answer.text
    auth_id = answer.json()["data"]["authorizationId"]
    [code] = _pushed_codes(wechat_push)
    assert wechat_push.sent[0]["touser"] == WECHAT_OPENID
    challenge = CodeChallenge.objects.get(reference=f"authorization:{auth_id}")
    assert challenge.backend == "wechat"
    # The patient tells the doctor the code from WeChat.
    granted = relay.a.verify(auth_id, code=code)
    assert granted.json()["data"]["state"] == "granted", granted.text
    leak_scan([WECHAT_OPENID, code, patient])


def test_a_patient_with_neither_channel_is_refused(relay, wechat_push):
    answer = relay.a.start(resident_id(612), "authcode")
    assert answer.status_code == 409
    assert answer.json()["errorCode"] == "NO_CODE_CHANNEL"
    assert not Authorization.objects.exists()
    assert wechat_push.sent == []


def test_a_resend_pushes_the_new_code(relay, wechat_push, wechat_bound, clock):
    patient = resident_id(613)
    wechat_bound(patient)
    auth_id = relay.a.start(patient, "authcode").json()["data"]["authorizationId"]
    clock.advance(seconds=61)
    assert relay.a.resend(auth_id).status_code == 200
    first, second = _pushed_codes(wechat_push)
    if first != second:  # the first code stopped working
        assert relay.a.verify(auth_id, code=first).json()["errorCode"] == "CODE_WRONG"
    assert relay.a.verify(auth_id, code=second).json()["data"]["state"] == "granted"


def test_a_wechat_failure_does_not_fail_the_request(relay, wechat_push, wechat_bound, caplog):
    patient = resident_id(614)
    wechat_bound(patient)
    wechat_push.script.append({"errcode": 43004})  # the patient stopped following
    answer = relay.a.start(patient, "authcode")
    assert answer.status_code == 200, answer.text
    auth_id = answer.json()["data"]["authorizationId"]
    assert Authorization.objects.get(pk=auth_id).state == State.PENDING
    assert CodeChallenge.objects.filter(reference=f"authorization:{auth_id}").exists()
    assert wechat_push.sent == []
    assert f"wechat code not sent ref=authorization:{auth_id} errcode=43004" in caplog.text
    # WeChat down altogether: the same.
    wechat_push.script.append({"status": 503})
    other = relay.a.start(resident_id(615), "authcode")
    assert other.status_code == 409  # not bound: refused as before, nothing to do with WeChat
    record_phone(resident_id(615), PHONE)
    wechat_bound(resident_id(615), phone=PHONE)
    assert relay.a.start(resident_id(615), "authcode").status_code == 200
    assert wechat_push.sent == []


def test_unbinding_stops_the_pushes(relay, wechat_push, wechat_bound):
    from hub.protect import digest
    from identity.wechat.services import wechat_binding_unbind

    patient = resident_id(616)
    record_phone(patient, PHONE)
    wechat_bound(patient, phone=PHONE)
    assert relay.a.start(patient, "authcode").status_code == 200
    assert len(_pushed_codes(wechat_push)) == 1
    wechat_binding_unbind(patient_digests=[digest(patient, purpose="id")], actor="system:test")
    # Still reachable on their pages (phone of record), but nothing goes to WeChat.
    answer = relay.b.start(patient, "authcode")
    assert answer.status_code == 200, answer.text
    assert len(_pushed_codes(wechat_push)) == 1
    challenge = CodeChallenge.objects.get(
        reference=f"authorization:{answer.json()['data']['authorizationId']}"
    )
    assert challenge.backend == ""
