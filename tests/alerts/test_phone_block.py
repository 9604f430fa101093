"""The blocking rule, attacked the way a hospital would: SMS requests over real
HTTP for several patients whose codes all reach one phone (a number someone
got recorded as the phone of record of patients who are not theirs)."""

from __future__ import annotations

import pytest

from alerts.models import AlertState, PhoneBlock, Rule
from hub import phone_blocks
from hub.protect import digest
from relay.models import Authorization, State
from tests.alerts.conftest import SECURITY, alerts_counted, evaluate, raised
from tests.fixtures.relay import resident_id

SHARED_PHONE = "13700001111"
OTHER_PHONE = "13900002222"


def _sms_requests(client, first: int, count: int, phone: str = SHARED_PHONE) -> list[int]:
    """``count`` SMS requests, each for another patient whose phone of record is ``phone``."""
    ids = []
    for n in range(first, first + count):
        answer = client.start(resident_id(n), "sms", phone=phone)
        assert answer.status_code == 200, answer.text
        ids.append(answer.json()["data"]["authorizationId"])
    return ids


def test_codes_for_four_patients_on_one_phone_block_it_at_once(relay, sms_outbox, mailoutbox):
    ids = _sms_requests(relay.a, 501, 2) + _sms_requests(relay.b, 503, 2)
    codes = [message.params["code"] for message in sms_outbox]
    assert {m.phone for m in sms_outbox} == {SHARED_PHONE}
    counted = alerts_counted(Rule.PHONE_MANY_PATIENTS)

    evaluate()

    [alert] = raised(Rule.PHONE_MANY_PATIENTS)
    assert alert.state == AlertState.OPEN and alert.severity == "high"
    assert alert.subject == "137****1111"
    assert alert.hospital is None  # two hospitals used it
    assert alert.details["patients"] == 4 and alert.details["limit"] == 3
    assert alert.details["codes_sent"] == 4 and alert.details["codes_verified"] == 0
    assert sorted(alert.details["hospitals"]) == ["455404482", "455404483"]
    assert alert.details["pending_requests_cancelled"] == 4
    block = PhoneBlock.objects.get()
    assert block.alert == alert and block.active and block.phone_masked == "137****1111"
    assert phone_blocks.is_blocked(digest(SHARED_PHONE, purpose="phone"))
    assert not phone_blocks.is_blocked(digest(OTHER_PHONE, purpose="phone"))
    # Codes already sent are of no use any more: their requests were cancelled.
    assert set(Authorization.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        State.REVOKED
    }
    answer = relay.a.verify(ids[0], code=codes[0])
    assert answer.status_code == 409
    assert Authorization.objects.get(pk=ids[0]).granted_at is None
    # Counted and e-mailed to the security contact, with no number in clear.
    assert alerts_counted(Rule.PHONE_MANY_PATIENTS) == counted + 1
    [mail] = mailoutbox
    assert mail.to == [SECURITY]
    assert "安全告警" in mail.subject and "137****1111" in mail.subject
    assert "解除封禁" in mail.body and "/admin/alerts/alert/" in mail.body
    for secret in (SHARED_PHONE, resident_id(501), resident_id(504)):
        assert secret not in mail.subject + mail.body
        assert secret not in str(alert.details) + alert.subject


def test_three_patients_on_one_phone_raise_nothing(relay, sms_outbox, mailoutbox):
    ids = _sms_requests(relay.a, 511, 3)
    # A second request for one of them reaches the same phone: still three patients.
    assert relay.b.start(resident_id(511), "sms", phone=SHARED_PHONE).status_code == 200
    assert evaluate() == []
    assert not raised(Rule.PHONE_MANY_PATIENTS) and not PhoneBlock.objects.exists()
    assert not phone_blocks.is_blocked(digest(SHARED_PHONE, purpose="phone"))
    assert Authorization.objects.get(pk=ids[0]).state == State.PENDING
    assert mailoutbox == []


def test_the_same_phone_raises_one_alert_a_day_however_often_evaluated(relay, mailoutbox):
    _sms_requests(relay.a, 521, 4)
    counted = alerts_counted(Rule.PHONE_MANY_PATIENTS)
    assert len(evaluate()) == 1
    assert evaluate() == []
    assert evaluate() == []
    assert len(raised(Rule.PHONE_MANY_PATIENTS)) == 1
    assert PhoneBlock.objects.count() == 1
    assert len(mailoutbox) == 1
    assert alerts_counted(Rule.PHONE_MANY_PATIENTS) == counted + 1


def test_one_hospital_alone_is_named_on_the_alert(relay):
    _sms_requests(relay.b, 531, 4)
    evaluate()
    [alert] = raised(Rule.PHONE_MANY_PATIENTS)
    assert alert.hospital.org_code == "455404483"


def test_lifting_the_block_lets_codes_go_to_the_phone_again(relay, city_admin):
    from alerts.services import phone_block_lift
    from audit.models import OperationLog

    _sms_requests(relay.a, 541, 4)
    evaluate()
    [alert] = raised(Rule.PHONE_MANY_PATIENTS)
    phone_block_lift(alert=alert, actor=city_admin)
    assert not phone_blocks.is_blocked(digest(SHARED_PHONE, purpose="phone"))
    block = PhoneBlock.objects.get()
    assert block.lifted_by == city_admin and block.lifted_at is not None
    assert OperationLog.objects.filter(action="phone.unblocked", actor_id=str(city_admin.pk))
    # The officer's decision holds for the day: no new alert, no new block.
    assert evaluate() == []
    assert PhoneBlock.objects.filter(lifted_at__isnull=True).count() == 0


def test_the_port_blocks_nothing_without_the_alerts_checker(relay):
    _sms_requests(relay.a, 551, 4)
    evaluate()
    blocked = digest(SHARED_PHONE, purpose="phone")
    assert phone_blocks.is_blocked(blocked)
    from alerts.selectors import phone_is_blocked

    phone_blocks.connect(None)
    try:
        assert phone_blocks.is_blocked(blocked) is False
        phone_blocks.refuse_if_blocked(SHARED_PHONE)  # no error
    finally:
        phone_blocks.connect(phone_is_blocked)
    with pytest.raises(phone_blocks.PhoneBlocked) as refused:
        phone_blocks.refuse_if_blocked(SHARED_PHONE)
    assert refused.value.code == "PHONE_BLOCKED" and refused.value.http_status == 423
    assert "封禁" in refused.value.message
    phone_blocks.refuse_if_blocked(OTHER_PHONE)
    phone_blocks.refuse_if_blocked(None)


def test_a_blocked_phone_refuses_later_sms_requests_over_http(relay, sms_outbox):
    _sms_requests(relay.a, 561, 4)
    evaluate()
    sent = len(sms_outbox)
    later = resident_id(565)
    refused = relay.b.start(later, "sms", phone=SHARED_PHONE)
    assert refused.status_code == 423, refused.text
    assert refused.json()["errorCode"] == "PHONE_BLOCKED"
    assert len(sms_outbox) == sent
    assert not Authorization.objects.filter(patient_digest=digest(later, purpose="id")).exists()
    # Another patient's own phone is not affected.
    assert relay.b.start(resident_id(566), "sms", phone=OTHER_PHONE).status_code == 200
    # Lifted: the phone gets codes again.
    from alerts.services import phone_block_lift

    phone_block_lift(alert=raised(Rule.PHONE_MANY_PATIENTS)[0], actor="user:test")
    assert relay.b.start(later, "sms", phone=SHARED_PHONE).status_code == 200
    assert sms_outbox[-1].phone == SHARED_PHONE
