"""A hospital's request on the patient's pages: read the notice, agree (the
code the hospital then verifies) or refuse; revoke a granted authorization;
who viewed the record; report a problem."""

from __future__ import annotations

import re

import pytest

from audit.models import AccessLog, OperationLog
from hub.protect import digest
from identity.models import CodeChallenge
from patients.notice import NOTICE_VERSION
from relay.models import Authorization, State
from tests.fixtures.hospitals import DEMO_A
from tests.fixtures.relay import resident_id
from tests.patients.patient_helpers import (
    PATIENT_PHONE,
    grant_by_sms,
    province_account,
    shown_code,
    sign_in,
    start,
    verify,
    view,
)

PATIENT_ID = resident_id(303)
ACTOR = "patient:" + digest(PATIENT_PHONE, purpose="phone")


@pytest.fixture
def patient(transactional_db, province_sim, api_a, client, sms_outbox):
    """A patient whose phone hospital A bound (SMS authorization), signed in."""
    province_account(province_sim)
    first = grant_by_sms(api_a, sms_outbox, PATIENT_ID, PATIENT_PHONE)
    sign_in(client, sms_outbox, PATIENT_PHONE)
    client.first_authorization = first
    return client


def _agree(client, auth_id: int, **extra):
    return client.post(
        f"/me/requests/{auth_id}/", {"decision": "agree", "read_notice": "on", **extra}
    )


def test_agree_shows_a_code_that_the_hospital_verifies(patient, api_a):
    auth_id = start(api_a, PATIENT_ID, "authcode")
    listing = patient.get("/me/requests/").content.decode()
    assert f"/me/requests/{auth_id}/" in listing and "测试机构名称" in listing
    notice = patient.get(f"/me/requests/{auth_id}/").content.decode()
    assert "用户须知" in notice and "市健康医疗信息共享平台" in notice
    assert "允许测试机构名称在30天内查看您的健康档案" in notice

    answer = _agree(patient, auth_id)
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    html = answer.content.decode()
    code = shown_code(html)
    assert 'data-countdown="' in html and "/static/patients/countdown.js" in html
    remaining = int(re.search(r'data-countdown="(\d+)"', html).group(1))
    assert 290 <= remaining <= 300

    granted = verify(api_a, auth_id, code)
    assert granted.status_code == 200, granted.content
    assert granted.json()["data"]["state"] == "granted"
    agreed = OperationLog.objects.get(action="authorization.patient_agreed")
    assert agreed.actor_repr == ACTOR and agreed.target_id == str(auth_id)
    assert agreed.after["notice"] == NOTICE_VERSION
    mine = patient.get("/me/authorizations/").content.decode()
    assert f'data-authorization="{auth_id}"' in mine and "生效中" in mine and "授权码" in mine
    # The access log knows which authorization the page acted on.
    row = AccessLog.objects.get(endpoint="/me/requests/<int:pk>/", method="POST")
    assert row.authorization_id == auth_id
    assert row.patient_digest == digest(PATIENT_ID, purpose="id")


def test_agreeing_needs_the_notice_read(patient, api_a):
    auth_id = start(api_a, PATIENT_ID, "authcode")
    answer = patient.post(f"/me/requests/{auth_id}/", {"decision": "agree"})
    assert answer.status_code == 200 and 'id="auth-code"' not in answer.content.decode()
    assert "请确认您已阅读用户须知" in answer.content.decode()
    assert CodeChallenge.objects.filter(reference=f"authorization:{auth_id}").count() == 1


def test_a_second_code_waits_for_the_cooldown(patient, api_a, clock):
    auth_id = start(api_a, PATIENT_ID, "authcode")
    first = shown_code(_agree(patient, auth_id).content.decode())
    again = _agree(patient, auth_id)
    assert 'id="auth-code"' not in again.content.decode()
    assert "秒后才能重新生成授权码" in again.content.decode()
    clock.advance(seconds=61)
    second = shown_code(_agree(patient, auth_id).content.decode())
    if second != first:  # only the latest code works
        assert verify(api_a, auth_id, first).status_code == 400
    assert verify(api_a, auth_id, second).json()["data"]["state"] == "granted"


def test_refuse(patient, api_a):
    auth_id = start(api_a, PATIENT_ID, "authcode")
    answer = patient.post(f"/me/requests/{auth_id}/", {"decision": "refuse"})
    assert answer.status_code == 302 and answer["Location"] == "/me/requests/"
    assert Authorization.objects.get(pk=auth_id).state == State.REFUSED
    refused = OperationLog.objects.get(action="authorization.refused")
    assert refused.actor_repr == ACTOR
    assert f"/me/requests/{auth_id}/" not in patient.get("/me/requests/").content.decode()
    gone = patient.get(f"/me/requests/{auth_id}/")
    assert gone.status_code == 404 and "无法查看" in gone.content.decode()
    # Whatever code the hospital tries now, the request stays refused.
    late = verify(api_a, auth_id, "123456")
    assert late.status_code == 409
    assert "您已拒绝" in patient.get("/me/authorizations/").content.decode()


def test_revoke_refuses_views_at_once(patient, api_a, province_sim):
    auth_id = patient.first_authorization
    assert view(api_a, PATIENT_ID).status_code == 200
    confirm = patient.get(f"/me/authorizations/{auth_id}/revoke/")
    assert confirm.status_code == 200 and "立即撤销" in confirm.content.decode()
    answer = patient.post(f"/me/authorizations/{auth_id}/revoke/")
    assert answer.status_code == 302 and answer["Location"] == "/me/authorizations/"
    auth = Authorization.objects.get(pk=auth_id)
    assert auth.state == State.REVOKED
    refused = view(api_a, PATIENT_ID)
    assert refused.status_code != 200 and refused.json()["errorCode"] == "CONSENT_REVOKED"
    # Relayed to the province with status "0".
    assert province_sim.state.live_grant(DEMO_A["org_code"], PATIENT_ID) is None
    assert OperationLog.objects.get(action="authorization.revoked").actor_repr == ACTOR
    page = patient.get("/me/authorizations/").content.decode()
    assert "已撤销" in page and f"/me/authorizations/{auth_id}/revoke/" not in page
    # Revoking twice is a 404: it is no longer live.
    assert patient.post(f"/me/authorizations/{auth_id}/revoke/").status_code == 404


def test_who_viewed_lists_every_view_of_the_record(patient, api_a):
    assert view(api_a, PATIENT_ID, staff_no="doc001").status_code == 200
    patient.post(f"/me/authorizations/{patient.first_authorization}/revoke/")
    assert view(api_a, PATIENT_ID, staff_no="doc001").json()["errorCode"] == "CONSENT_REVOKED"
    other = view(api_a, resident_id(404), staff_no="doc009")  # someone else's record
    assert other.status_code != 200
    html = patient.get("/me/views/").content.decode()
    assert html.count('class="view ') == 2
    assert "测试机构名称" in html and "李医生" in html and "doc001" in html
    assert "已查看" in html and "已拒绝：授权已撤销" in html
    assert "doc009" not in html


def test_report_a_problem_creates_a_complaint(patient, hospital_a):
    from complaints.models import Complaint

    page = patient.get("/me/report/").content.decode()
    assert "测试机构名称" in page
    form = {
        "category": "lab",
        "hospital": hospital_a.pk,
        "record_date": "2024-03-05",
        "description": "化验结果不是我的。",
    }
    from identity.models import PatientPhone

    form["patient"] = PatientPhone.objects.get().pk
    future = patient.post("/me/report/", {**form, "record_date": "2999-01-01"})
    assert future.status_code == 200 and "日期不能晚于今天" in future.content.decode()
    answer = patient.post("/me/report/", form)
    assert answer.status_code == 302 and answer["Location"] == "/me/report/"
    complaint = Complaint.objects.get()
    assert complaint.source == "patient"
    assert complaint.org_code == DEMO_A["org_code"]
    assert complaint.patient_digest == digest(PATIENT_ID, purpose="id")
    assert complaint.category == "lab" and str(complaint.record_date) == "2024-03-05"
    assert complaint.reporter_phone == PATIENT_PHONE
    assert OperationLog.objects.get(action="complaint.submit").actor_repr == ACTOR
    listing = patient.get("/me/report/").content.decode()
    assert "我的反馈" in listing
    # Resolved by the source hospital: the patient reads what was fixed.
    from complaints.services import complaint_resolve

    complaint_resolve(actor=hospital_a, complaint=complaint, resolution="已更正检验报告归属。")
    assert "已更正检验报告归属。" in patient.get("/me/report/").content.decode()
