"""The alert queue in the back office (password + TOTP): city administrators
act, auditors read, hospital operators see nothing; every action is logged."""

from __future__ import annotations

from datetime import date

import pytest

from alerts.models import Alert, AlertState, PhoneBlock, Rule, Severity
from alerts.services import alert_close, alert_raise
from alerts.windows import Finding
from audit.models import OperationLog
from hub import phone_blocks
from hub.protect import digest
from tests.fixtures.backoffice import verified_client

pytestmark = pytest.mark.django_db

URL = "/admin/alerts/alert/"
PHONE = "13700001111"


def _raise(scope: str, *, block: bool = False, hospital=None) -> Alert:
    finding = Finding(
        rule=Rule.PHONE_MANY_PATIENTS if block else Rule.MODE1_GRANTS_SPIKE,
        severity=Severity.HIGH,
        day=date.today(),
        scope=scope,
        subject="137****1111" if block else "455404482",
        details={"patients": 4, "limit": 3} if block else {"grants": 60, "threshold": 50.0},
        hospital_id=hospital.pk if hospital else None,
        block_phone_digest=digest(PHONE, purpose="phone") if block else "",
        block_phone_masked="137****1111" if block else "",
    )
    alert = alert_raise(finding=finding, actor="task:alerts.evaluate")
    assert alert is not None
    return alert


def _act(client, action: str, *alerts: Alert):
    return client.post(
        URL, {"action": action, "_selected_action": [a.pk for a in alerts]}, follow=True
    )


def _logged(action: str, user) -> bool:
    return OperationLog.objects.filter(
        action=action, actor_type="user", actor_id=str(user.pk)
    ).exists()


def test_the_queue_lists_open_alerts_first_in_chinese(city_admin, hospital_a):
    oldest_open = _raise("1", hospital=hospital_a)
    acknowledged = _raise("2")
    Alert.objects.filter(pk=acknowledged.pk).update(state=AlertState.ACKNOWLEDGED)
    newest_closed = _raise("3")
    alert_close(alert=newest_closed, actor=city_admin)
    page = verified_client(city_admin).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    positions = [html.index(f"{URL}{a.pk}/change/") for a in (oldest_open, acknowledged)]
    positions.append(html.index(f"{URL}{newest_closed.pk}/change/"))
    assert positions == sorted(positions)
    assert "安全告警" in html and "在线预约授权远超平常" in html and "待处理" in html


def test_city_admin_acknowledges_then_closes(city_admin):
    alert = _raise("1")
    client = verified_client(city_admin)
    _act(client, "acknowledge", alert)
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_by == city_admin
    assert _logged("alert.acknowledged", city_admin)
    page = _act(client, "acknowledge", alert)  # not open any more: refused, said so
    assert "只有待处理的告警可以确认受理。" in page.content.decode()
    _act(client, "close", alert)
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED and alert.closed_by == city_admin
    assert alert.closed_at is not None
    assert _logged("alert.closed", city_admin)


def test_a_note_and_a_close_from_the_change_page(city_admin):
    alert = _raise("1")
    client = verified_client(city_admin)
    page = client.get(f"{URL}{alert.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "添加备注" in html and "处理建议" in html and "在线预约授权: 60" in html
    answer = client.post(
        f"{URL}{alert.pk}/change/", {"add_note": "已电话联系医院信息科", "then": "close"}
    )
    assert answer.status_code == 302
    alert.refresh_from_db()
    assert "city-admin] 已电话联系医院信息科" in alert.notes
    assert alert.state == AlertState.CLOSED
    assert _logged("alert.noted", city_admin) and _logged("alert.closed", city_admin)


def test_lifting_a_phone_block(city_admin):
    alert = _raise("phone", block=True)
    blocked = digest(PHONE, purpose="phone")
    assert phone_blocks.is_blocked(blocked)
    client = verified_client(city_admin)
    page = client.get(f"{URL}{alert.pk}/change/").content.decode()
    assert "137****1111" in page and PHONE not in page
    other = _raise("other")
    queue = client.get(f"{URL}?queue=blocking").content.decode()
    assert f"{URL}{alert.pk}/change/" in queue and f"{URL}{other.pk}/change/" not in queue
    _act(client, "lift_block", alert)
    assert not phone_blocks.is_blocked(blocked)
    assert f"{URL}{alert.pk}/change/" not in client.get(f"{URL}?queue=blocking").content.decode()
    block = PhoneBlock.objects.get()
    assert block.lifted_by == city_admin and not block.active
    assert _logged("phone.unblocked", city_admin)
    again = _act(client, "lift_block", alert).content.decode()
    assert "该告警已没有封禁中的手机号。" in again
    # The alert itself is still open: lifting and closing are separate decisions.
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


def test_the_auditor_reads_and_cannot_act(city_auditor):
    alert = _raise("phone", block=True)
    client = verified_client(city_auditor)
    listing = client.get(URL)
    assert listing.status_code == 200
    assert 'value="acknowledge"' not in listing.content.decode()
    _act(client, "acknowledge", alert)
    _act(client, "lift_block", alert)
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN
    assert phone_blocks.is_blocked(digest(PHONE, purpose="phone"))
    page = client.get(f"{URL}{alert.pk}/change/")
    assert page.status_code == 200 and 'name="add_note"' not in page.content.decode()
    refused = client.post(f"{URL}{alert.pk}/change/", {"add_note": "x", "then": "close"})
    assert refused.status_code == 403
    assert client.get("/admin/alerts/phoneblock/").status_code == 200
    assert not OperationLog.objects.filter(actor_type="user").exists()


def test_hospital_operators_do_not_see_alerts(operator_a, hospital_a):
    _raise("1", hospital=hospital_a)
    client = verified_client(operator_a)
    assert client.get(URL).status_code == 403
    assert client.get("/admin/alerts/phoneblock/").status_code == 403


def test_alerts_are_never_added_or_deleted_by_hand(city_admin):
    alert = _raise("1")
    client = verified_client(city_admin)
    assert client.get(f"{URL}add/").status_code == 403
    assert client.get(f"{URL}{alert.pk}/delete/").status_code == 403
