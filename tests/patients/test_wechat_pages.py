"""Binding WeChat on the patient's pages (/me/wechat/): the test client
follows WeChat's web OAuth as WeChat's in-app browser would (the authorize
URL on the local fake, back to the hub with ``code`` and ``state``); the
openid goes to every patient the signed-in phone acts for, and only to them;
a foreign or replayed state is refused; unbinding ends it."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from audit.models import OperationLog
from hub.protect import digest
from identity.models import WeChatBinding
from tests.fixtures.relay import record_phone, resident_id
from tests.fixtures.wechat import WECHAT_APP_ID, WECHAT_OPENID, WECHAT_OPENID_B
from tests.patients.patient_helpers import sign_in

PHONE = "13700006031"
OTHER_PHONE = "13700006032"
PATIENT_ID = resident_id(631)
FAMILY_ID = resident_id(632)  # shares the phone of record (a child's)
STRANGER_ID = resident_id(633)
WECHAT = {"User-Agent": "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50"}
BASE = "https://me.city.example.cn"
ACTOR = "patient:" + digest(PHONE, purpose="phone")


@pytest.fixture
def patient(db, client, sms_outbox, wechat_stub, settings):
    settings.PATIENT_PAGES_BASE_URL = BASE
    record_phone(PATIENT_ID, PHONE)
    record_phone(FAMILY_ID, PHONE)
    record_phone(STRANGER_ID, OTHER_PHONE)
    sign_in(client, sms_outbox, PHONE)
    return client


def _open_bind(client) -> str:
    answer = client.get("/me/wechat/bind/", headers=WECHAT)
    assert answer.status_code == 302, answer.content
    return answer["Location"]


def _wechat_opens(location: str) -> str:
    """WeChat's browser opens the authorize URL and is sent back to the hub."""
    back = requests.get(location, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    return back.headers["Location"]


def _callback(client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", headers=WECHAT)


def _live(id_number: str) -> list[WeChatBinding]:
    return list(
        WeChatBinding.objects.filter(
            patient_digest=digest(id_number, purpose="id"), unbound_at__isnull=True
        )
    )


def test_binding_through_wechats_oauth(patient, wechat_stub, caplog, leak_scan):
    caplog.set_level(logging.DEBUG)
    home = patient.get("/me/").content.decode()
    assert 'href="/me/wechat/"' in home and "通过微信接收验证码和通知" in home
    page = patient.get("/me/wechat/", headers=WECHAT).content.decode()
    assert 'id="wechat-bind"' in page and "绑定此微信" in page

    location = _open_bind(patient)
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        wechat_stub.url + "/connect/oauth2/authorize"
    )
    assert parts.fragment == "wechat_redirect"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["appid"] == WECHAT_APP_ID
    assert query["redirect_uri"] == BASE + "/me/wechat/callback/"
    assert (query["response_type"], query["scope"]) == ("code", "snsapi_base")
    assert len(query["state"]) >= 16

    back = _wechat_opens(location)
    assert back.startswith(BASE + "/me/wechat/callback/?code=")
    assert parse_qs(urlsplit(back).query)["state"] == [query["state"]]
    answer = _callback(patient, back)
    assert answer.status_code == 302 and answer["Location"] == "/me/wechat/"
    assert "GET /sns/oauth2/access_token" in wechat_stub.requests

    # Every patient this phone acts for, and nobody else.
    [mine], [family] = _live(PATIENT_ID), _live(FAMILY_ID)
    assert _live(STRANGER_ID) == []
    assert mine.openid == family.openid == WECHAT_OPENID
    assert mine.app_id == WECHAT_APP_ID and mine.phone_digest == digest(PHONE, purpose="phone")
    rows = OperationLog.objects.filter(action="identity.wechat.bound")
    assert rows.count() == 2 and {r.actor_repr for r in rows} == {ACTOR}

    page = patient.get("/me/wechat/", headers=WECHAT).content.decode()
    assert page.count('data-bound="yes"') == 2 and 'id="wechat-unbind"' in page
    assert "微信已绑定" in page
    assert WECHAT_OPENID not in page
    leak_scan([WECHAT_OPENID])


def test_a_state_that_is_not_this_sessions_is_refused(patient, wechat_stub):
    location = _open_bind(patient)
    back = _wechat_opens(location)
    forged = back.replace("state=", "state=x")
    answer = _callback(patient, forged)
    assert answer.status_code == 400
    assert "绑定链接已失效" in answer.content.decode()
    assert not WeChatBinding.objects.exists()
    assert "GET /sns/oauth2/access_token" not in wechat_stub.requests
    # The state was single use: the genuine answer after a refusal is refused too.
    assert _callback(patient, back).status_code == 400
    assert not WeChatBinding.objects.exists()


def test_a_callback_without_a_bind_or_replayed_is_refused(patient, wechat_stub):
    wechat_stub.codes["planted"] = WECHAT_OPENID_B
    answer = patient.get("/me/wechat/callback/?code=planted&state=anything", headers=WECHAT)
    assert answer.status_code == 400
    back = _wechat_opens(_open_bind(patient))
    assert _callback(patient, back).status_code == 302
    assert _callback(patient, back).status_code == 400  # replayed
    assert {b.openid for b in WeChatBinding.objects.all()} == {WECHAT_OPENID}


def test_a_code_wechat_does_not_know_is_an_error_page(patient, wechat_stub):
    back = _wechat_opens(_open_bind(patient))
    wechat_stub.codes.clear()  # expired at WeChat
    answer = _callback(patient, back)
    assert answer.status_code == 502 and "无法连接微信" in answer.content.decode()
    assert not WeChatBinding.objects.exists()


def test_binding_is_offered_inside_wechat_only(patient):
    page = patient.get("/me/wechat/").content.decode()
    assert 'id="wechat-bind"' not in page and "请在微信中打开" in page
    answer = patient.get("/me/wechat/bind/")
    assert answer.status_code == 400
    assert not WeChatBinding.objects.exists()


def test_unbinding(patient, wechat_stub):
    _callback(patient, _wechat_opens(_open_bind(patient)))
    assert len(_live(PATIENT_ID)) == 1
    answer = patient.post("/me/wechat/unbind/", headers=WECHAT)
    assert answer.status_code == 302 and answer["Location"] == "/me/wechat/"
    assert _live(PATIENT_ID) == [] and _live(FAMILY_ID) == []
    rows = OperationLog.objects.filter(action="identity.wechat.unbound")
    assert rows.count() == 2 and {r.actor_repr for r in rows} == {ACTOR}
    page = patient.get("/me/wechat/", headers=WECHAT).content.decode()
    assert 'data-bound="yes"' not in page and 'id="wechat-unbind"' not in page


def test_unbinding_is_a_post(patient):
    assert patient.get("/me/wechat/unbind/").status_code == 405


def test_a_phone_that_is_nobodys_record_binds_nothing(db, client, sms_outbox, wechat_stub):
    sign_in(client, sms_outbox, "13700006039")
    answer = client.get("/me/wechat/bind/", headers=WECHAT)
    assert answer.status_code == 302 and answer["Location"] == "/me/wechat/"
    assert not WeChatBinding.objects.exists()


def test_signed_out_goes_to_sign_in(client, db, wechat_stub):
    answer = client.get("/me/wechat/bind/", headers=WECHAT)
    assert answer.status_code == 302 and answer["Location"].startswith("/me/login/")
    answer = client.get("/me/wechat/callback/?code=x&state=y", headers=WECHAT)
    assert answer.status_code == 302 and answer["Location"].startswith("/me/login/")


def test_not_offered_without_an_official_account(patient, settings):
    settings.WECHAT_APP_ID = ""
    page = patient.get("/me/wechat/", headers=WECHAT).content.decode()
    assert "暂未提供微信消息" in page and 'id="wechat-bind"' not in page
    assert patient.get("/me/wechat/bind/", headers=WECHAT).status_code == 404
