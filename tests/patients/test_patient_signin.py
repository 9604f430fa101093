"""Signing in to the patient pages: phone + SMS code, wrong codes, the short
session with its own cookie, signing out, CSRF and the security headers."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AccessLog, OperationLog
from identity.models import CodeChallenge
from patients.session import COOKIE_NAME
from tests.patients.patient_helpers import PATIENT_PHONE, sign_in

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_pages_need_sign_in(client):
    for path in ("/me/", "/me/requests/", "/me/authorizations/", "/me/views/", "/me/report/"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"] == "/me/login/", path


def test_sign_in_with_phone_and_sms_code(client, sms_outbox):
    page = client.get("/me/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    sign_in(client, sms_outbox, PATIENT_PHONE)
    home = client.get("/me/")
    assert home.status_code == 200
    html = home.content.decode()
    # Signed in, but no hospital has linked this phone to anyone yet.
    assert "此手机号尚未关联任何档案" in html
    challenge = CodeChallenge.objects.get(reference__startswith="patient-login:")
    assert challenge.state == CodeChallenge.State.USED
    assert OperationLog.objects.filter(action="patients.signed_in", actor_type="patient").exists()


def test_the_session_keeps_a_digest_never_the_phone(client, sms_outbox):
    sign_in(client, sms_outbox, PATIENT_PHONE)
    cookie = client.cookies[COOKIE_NAME]
    assert cookie["path"] == "/me/" and cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    # Not the back office's session: no Django auth session is created.
    assert "sessionid" not in client.cookies
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie.value)
    data = store.load()
    assert PATIENT_PHONE not in repr(data)
    assert len(data["patient_phone_digest"]) == 64


def test_wrong_code_is_refused_and_five_lock_the_attempt(client, sms_outbox):
    client.post("/me/login/", {"phone": PATIENT_PHONE})
    right = sms_outbox[-1].params["code"]
    answer = client.post("/me/login/code/", {"code": _wrong(right)})
    assert answer.status_code == 200
    assert "验证码错误" in answer.content.decode()
    assert client.get("/me/").status_code == 302  # still signed out
    for _ in range(3):
        client.post("/me/login/code/", {"code": _wrong(right)})
    fifth = client.post("/me/login/code/", {"code": _wrong(right)})
    assert fifth.status_code == 302 and fifth["Location"] == "/me/login/"
    # The attempt is over: the right code no longer signs in.
    again = client.post("/me/login/code/", {"code": right})
    assert again.status_code == 302 and again["Location"] == "/me/login/"
    assert client.get("/me/").status_code == 302
    assert CodeChallenge.objects.get().state == CodeChallenge.State.LOCKED


def test_malformed_code_and_phone_are_form_errors(client, sms_outbox):
    bad_phone = client.post("/me/login/", {"phone": "12345"})
    assert bad_phone.status_code == 200 and not sms_outbox
    assert "11位" in bad_phone.content.decode()
    client.post("/me/login/", {"phone": PATIENT_PHONE})
    answer = client.post("/me/login/code/", {"code": "12ab56"})
    assert answer.status_code == 200 and "6位数字" in answer.content.decode()
    assert CodeChallenge.objects.get().throttling_failure_count == 0


def test_code_page_without_an_attempt_goes_back(client):
    answer = client.post("/me/login/code/", {"code": "123456"})
    assert answer.status_code == 302 and answer["Location"] == "/me/login/"


def test_session_ends_after_fifteen_idle_minutes(client, sms_outbox, clock):
    sign_in(client, sms_outbox, PATIENT_PHONE)
    clock.advance(minutes=10)
    assert client.get("/me/").status_code == 200  # activity slides the window
    clock.advance(minutes=14)
    assert client.get("/me/").status_code == 200
    clock.advance(minutes=15, seconds=1)
    answer = client.get("/me/")
    assert answer.status_code == 302 and answer["Location"] == "/me/login/?expired=1"
    assert "会话已结束" in client.get(answer["Location"]).content.decode()
    # The expired session is gone, not just hidden.
    assert client.get("/me/requests/")["Location"] == "/me/login/"


def test_session_ends_after_two_hours_even_when_active(client, sms_outbox, clock):
    sign_in(client, sms_outbox, PATIENT_PHONE)
    for _ in range(8):
        clock.advance(minutes=14)
        assert client.get("/me/").status_code == 200
    clock.advance(minutes=10)
    assert client.get("/me/")["Location"] == "/me/login/?expired=1"


def test_sign_out(client, sms_outbox):
    sign_in(client, sms_outbox, PATIENT_PHONE)
    answer = client.post("/me/logout/")
    assert answer.status_code == 302 and answer["Location"] == "/me/login/"
    assert client.get("/me/").status_code == 302
    assert client.get("/me/logout/").status_code == 405  # sign-out is a POST


def test_csrf_is_enforced():
    client = Client(enforce_csrf_checks=True)
    answer = client.post("/me/login/", {"phone": PATIENT_PHONE})
    assert answer.status_code == 403
    assert answer["Content-Security-Policy"] == CSP
    page = client.get("/me/login/")
    token = client.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    ok = client.post("/me/login/", {"phone": PATIENT_PHONE, "csrfmiddlewaretoken": token})
    assert ok.status_code == 302


def test_security_headers_on_every_patient_answer(client, sms_outbox):
    answers = [client.get("/me/login/"), client.get("/me/"), client.get("/me/nowhere/")]
    sign_in(client, sms_outbox, PATIENT_PHONE)
    answers.append(client.get("/me/"))
    for answer in answers:
        assert answer["Content-Security-Policy"] == CSP
        assert answer["Referrer-Policy"] == "same-origin"
        assert answer["X-Frame-Options"] == "DENY"
        assert "no-store" in answer["Cache-Control"]
    html = answers[-1].content.decode()
    assert "<script>" not in html and "style=" not in html
    assert 'name="viewport"' in html
    # Not on the API.
    assert "Content-Security-Policy" not in client.get("/api/v1/views")


def test_every_page_writes_the_access_log(client, sms_outbox):
    sign_in(client, sms_outbox, PATIENT_PHONE)
    client.get("/me/views/")
    endpoints = set(AccessLog.objects.values_list("endpoint", flat=True))
    assert {"/me/login/", "/me/login/code/", "/me/views/"} <= endpoints


def test_sign_in_codes_are_throttled_per_client_address(client, sms_outbox, settings):
    settings.PATIENT_LOGIN_PER_IP_HOURLY = 2
    for n in range(2):
        answer = client.post("/me/login/", {"phone": f"1370000{n:04d}"})
        assert answer.status_code == 302
    third = client.post("/me/login/", {"phone": "13700009999"})
    assert third.status_code == 200 and len(sms_outbox) == 2
    assert "登录尝试过多" in third.content.decode()
