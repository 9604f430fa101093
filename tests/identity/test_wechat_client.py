"""wechatpy's clients against the local fake of WeChat's documented endpoints
(tests/fixtures/wechat.py, ``WeChatStub``): the access token, template
messages and their error answers, the OAuth code exchange, the backend's
per-patient reach."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from audit.models import OperationLog
from hub.protect import digest
from identity.models import WeChatBinding
from identity.push import PushMessage, get_push_backend
from identity.wechat import mask_openid
from identity.wechat.client import WeChatCallFailed, authorize_url, openid_for_code
from identity.wechat.selectors import live_binding
from identity.wechat.send import template_send
from identity.wechat.services import wechat_binding_unbind
from tests.fixtures.relay import record_phone, resident_id
from tests.fixtures.wechat import (
    WECHAT_APP_ID,
    WECHAT_CODE_TEMPLATE,
    WECHAT_OPENID,
    WECHAT_OPENID_B,
)

PATIENT = resident_id(601)
PHONE = "13700006011"
DATA = {"code": {"value": "123456"}, "expires": {"value": "2026-01-01 10:05"}}


def test_a_template_message_gets_a_token_then_goes_to_the_openid(wechat_stub):
    msgid = template_send(openid=WECHAT_OPENID, template_id=WECHAT_CODE_TEMPLATE, data=DATA)
    assert msgid == "1001"
    assert wechat_stub.requests == ["GET /cgi-bin/token", "POST /cgi-bin/message/template/send"]
    assert wechat_stub.sent == [
        {"touser": WECHAT_OPENID, "template_id": WECHAT_CODE_TEMPLATE, "url": None, "data": DATA}
    ]
    # The token is shared through the cache: the next message fetches none.
    template_send(openid=WECHAT_OPENID_B, template_id=WECHAT_CODE_TEMPLATE, data=DATA)
    assert wechat_stub.token_fetches == 1
    assert cache.get(f"wechat:{WECHAT_APP_ID}_access_token") in wechat_stub.tokens


def test_a_token_wechat_no_longer_takes_is_fetched_again(wechat_stub):
    template_send(openid=WECHAT_OPENID, template_id=WECHAT_CODE_TEMPLATE, data=DATA)
    wechat_stub.tokens.clear()  # another client of the account took a new one
    template_send(openid=WECHAT_OPENID, template_id=WECHAT_CODE_TEMPLATE, data=DATA)
    assert wechat_stub.token_fetches == 2 and len(wechat_stub.sent) == 2


def test_a_wrong_secret_is_a_permanent_failure(wechat_stub, settings):
    settings.WECHAT_APP_SECRET = "not-the-secret"
    with pytest.raises(WeChatCallFailed) as caught:
        template_send(openid=WECHAT_OPENID, template_id=WECHAT_CODE_TEMPLATE, data=DATA)
    assert (caught.value.errcode, caught.value.transient) == (40001, False)
    assert wechat_stub.sent == []


@pytest.mark.parametrize(
    ("script", "errcode", "transient"),
    [
        ({"errcode": 43004}, 43004, False),  # the patient stopped following the account
        ({"errcode": 45009}, 45009, True),  # the daily quota
        ({"errcode": -1}, -1, True),  # system busy
        ({"status": 503}, None, True),
    ],
)
def test_error_answers_are_sorted(wechat_stub, script, errcode, transient):
    wechat_stub.script.append(script)
    with pytest.raises(WeChatCallFailed) as caught:
        template_send(openid=WECHAT_OPENID, template_id=WECHAT_CODE_TEMPLATE, data=DATA)
    assert (caught.value.errcode, caught.value.transient) == (errcode, transient)


def test_an_unknown_template_or_openid_is_refused(wechat_stub):
    with pytest.raises(WeChatCallFailed) as caught:
        template_send(openid=WECHAT_OPENID, template_id="tmpl-unknown", data=DATA)
    assert caught.value.errcode == 40037
    wechat_stub.followers.discard(WECHAT_OPENID_B)
    with pytest.raises(WeChatCallFailed) as caught:
        template_send(openid=WECHAT_OPENID_B, template_id=WECHAT_CODE_TEMPLATE, data=DATA)
    assert caught.value.errcode == 43004


def test_wechat_not_answering_is_transient(wechat_stub, settings):
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(WeChatCallFailed) as caught:
        template_send(openid=WECHAT_OPENID, template_id=WECHAT_CODE_TEMPLATE, data=DATA)
    assert (caught.value.errcode, caught.value.status, caught.value.transient) == (
        None,
        None,
        True,
    )


def test_the_oauth_code_is_exchanged_once(wechat_stub):
    wechat_stub.codes["code-1"] = WECHAT_OPENID_B
    assert openid_for_code("code-1") == WECHAT_OPENID_B
    with pytest.raises(WeChatCallFailed) as caught:
        openid_for_code("code-1")
    assert caught.value.errcode == 40029


def test_the_authorize_url_is_wechats_documented_one(wechat_stub):
    url = authorize_url(redirect_uri="https://me.example.cn/me/wechat/callback/", state="s1")
    assert url == (
        f"{wechat_stub.url}/connect/oauth2/authorize?appid={WECHAT_APP_ID}"
        "&redirect_uri=https%3A%2F%2Fme.example.cn%2Fme%2Fwechat%2Fcallback%2F"
        "&response_type=code&scope=snsapi_base&state=s1#wechat_redirect"
    )


# --- The push backend --------------------------------------------------------------------


def test_the_backend_reaches_a_patient_with_a_live_binding_only(db, wechat_push, wechat_bound):
    backend = get_push_backend()
    patient = digest(PATIENT, purpose="id")
    assert backend.name == "wechat" and not backend.reaches(patient)
    wechat_bound(PATIENT)
    assert backend.reaches(patient)
    wechat_binding_unbind(patient_digests=[patient], actor="system:test")
    assert not backend.reaches(patient)


def test_no_reach_without_the_code_template(db, wechat_push, wechat_bound, settings):
    wechat_bound(PATIENT)
    settings.WECHAT_CODE_TEMPLATE_ID = ""
    assert not get_push_backend().reaches(digest(PATIENT, purpose="id"))


def test_the_console_and_locmem_stand_ins_reach_everyone(db):
    assert get_push_backend().reaches("any")
    assert get_push_backend("identity.push.backends.console.ConsolePushBackend").reaches("any")
    assert not get_push_backend("identity.push.backends.none.NoPushBackend").reaches("any")


def test_a_binding_made_by_a_phone_that_is_no_longer_the_record_stops(
    db, wechat_push, wechat_bound
):
    record_phone(PATIENT, PHONE)
    wechat_bound(PATIENT, phone=PHONE)
    patient = digest(PATIENT, purpose="id")
    assert live_binding(patient) is not None
    # The registry gives the patient another number: the old phone's binding stops.
    record_phone(PATIENT, "13700006012")
    assert live_binding(patient) is None
    assert not get_push_backend().reaches(patient)


def test_the_backend_pushes_the_code_and_its_expiry(
    db, wechat_push, wechat_bound, django_capture_on_commit_callbacks
):
    wechat_bound(PATIENT)
    expires = timezone.now() + timedelta(minutes=5)
    message = PushMessage(
        reference="authorization:1",
        code="654321",
        expires_at=expires,
        patient_digest=digest(PATIENT, purpose="id"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert get_push_backend().push(message) is True
        assert wechat_push.sent == []  # only once the transaction commits
    [sent] = wechat_push.sent
    assert sent["touser"] == WECHAT_OPENID and sent["template_id"] == WECHAT_CODE_TEMPLATE
    assert sent["data"] == {
        "code": {"value": "654321"},
        "expires": {"value": timezone.localtime(expires).strftime("%Y-%m-%d %H:%M")},
    }


def test_the_template_field_names_are_the_templates_own(
    db, wechat_push, wechat_bound, settings, django_capture_on_commit_callbacks
):
    settings.WECHAT_CODE_TEMPLATE_FIELDS = ["character_string1", "time2"]
    wechat_bound(PATIENT)
    message = PushMessage(
        reference="authorization:1",
        code="654321",
        expires_at=timezone.now(),
        patient_digest=digest(PATIENT, purpose="id"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        get_push_backend().push(message)
    assert set(wechat_push.sent[0]["data"]) == {"character_string1", "time2"}


def test_nobody_to_push_to_is_not_a_push(db, wechat_push):
    message = PushMessage(
        reference="authorization:1",
        code="654321",
        expires_at=timezone.now(),
        patient_digest=digest(PATIENT, purpose="id"),
    )
    assert get_push_backend().push(message) is False
    assert get_push_backend().push(PushMessage("x:1", "654321", timezone.now())) is False


# --- What is stored and logged -----------------------------------------------------------


def test_the_openid_is_sealed_and_logged_masked(db, wechat_stub, wechat_bound, caplog, leak_scan):
    caplog.set_level(logging.DEBUG)
    binding = wechat_bound(PATIENT, openid=WECHAT_OPENID)
    assert binding.app_id == WECHAT_APP_ID
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT openid, openid_digest, patient_digest FROM identity_wechatbinding WHERE id = %s",
            [binding.pk],
        )
        sealed, openid_digest, patient_digest = cursor.fetchone()
    assert WECHAT_OPENID.encode() not in bytes(sealed)
    assert openid_digest == digest(WECHAT_OPENID, purpose="wechat-openid")
    assert patient_digest == digest(PATIENT, purpose="id")
    assert WeChatBinding.objects.get(pk=binding.pk).openid == WECHAT_OPENID
    row = OperationLog.objects.get(action="identity.wechat.bound")
    assert row.target_type == "identity.wechatbinding" and row.target_id == str(binding.pk)
    assert row.after["openid"] == mask_openid(WECHAT_OPENID)
    wechat_binding_unbind(patient_digests=[binding.patient_digest], actor="system:test")
    assert OperationLog.objects.filter(action="identity.wechat.unbound").count() == 1
    leak_scan([WECHAT_OPENID, PATIENT])


def test_binding_again_replaces_the_other_wechat(db, wechat_stub, wechat_bound):
    first = wechat_bound(PATIENT, openid=WECHAT_OPENID)
    assert wechat_bound(PATIENT, openid=WECHAT_OPENID).pk == first.pk  # unchanged
    second = wechat_bound(PATIENT, openid=WECHAT_OPENID_B)
    first.refresh_from_db()
    assert first.unbound_at is not None and second.unbound_at is None
    assert live_binding(first.patient_digest).pk == second.pk
    assert OperationLog.objects.filter(action="identity.wechat.replaced").count() == 1
