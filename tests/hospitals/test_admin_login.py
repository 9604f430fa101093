"""The back office's login as a person meets it: the page asks for username,
password and the authenticator code, and logs in at the first try; failed
logins lock a username/address pair (django-axes) until a city administrator
unlocks it in the admin; lock and unlock are in the operation log.

The login tests read the form the page renders and fill only the fields a
person sees (``login_form``/``fill_login``), never a field the page does not show.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import OperationLog
from hospitals.roles import CITY_ADMIN, CITY_AUDITOR
from tests.fixtures.backoffice import staff_user, verified_client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-123456789"


class _FormParser(HTMLParser):
    """Every field of ``form#login-form``: inputs (with their type), selects, textareas."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.action = None
        self.fields: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "login-form":
            self.inside, self.action = True, attrs.get("action", "")
        elif self.inside and tag in ("input", "select", "textarea"):
            kind = attrs.get("type", "text") if tag == "input" else tag
            self.fields.append({"tag": tag, "type": kind, **attrs})

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def login_form(client: Client, url: str = "/admin/login/?next=/admin/"):
    """GET the login page; (action URL, fields it renders)."""
    response = client.get(url)
    assert response.status_code == 200
    parser = _FormParser()
    parser.feed(response.content.decode())
    assert parser.action is not None, "no login form on the page"
    return (parser.action or url), parser.fields


def visible(fields) -> list[str]:
    return [f["name"] for f in fields if f["type"] not in ("hidden", "submit")]


def fill_login(client: Client, *, username: str, password: str, code: str, **extra):
    """Post the page's own form: its hidden fields as rendered, the visible
    ones filled as a person would (username, password, the code)."""
    action, fields = login_form(client)
    typed = {"username": username, "password": password, "otp_token": code}
    assert visible(fields) == list(typed), visible(fields)
    data = {f["name"]: f.get("value", "") for f in fields if f["type"] == "hidden"}
    data.update(typed)
    return client.post(action, data, **extra)


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, digits=device.digits):0{device.digits}d}"


@pytest.fixture
def enrolled(city_admin):
    return TOTPDevice.objects.create(user=city_admin, name="phone", confirmed=True)


def _rows(action: str):
    return list(OperationLog.objects.filter(action=action).order_by("pk"))


def test_the_page_asks_for_username_password_and_code_only():
    action, fields = login_form(Client())
    assert visible(fields) == ["username", "password", "otp_token"]
    hidden = {f["name"]: f.get("value") for f in fields if f["type"] == "hidden"}
    assert set(hidden) == {"csrfmiddlewaretoken", "next"} and hidden["next"] == "/admin/"
    assert not [f for f in fields if f["tag"] == "select"]  # no device to choose
    page = Client().get("/admin/login/").content.decode()
    assert "动态验证码" in page and "OTP" not in page


def test_wrong_code_is_refused_in_chinese_without_a_device_list(city_admin, enrolled):
    client = Client(enforce_csrf_checks=True)
    wrong = f"{(int(code_of(enrolled)) + 1) % 1000000:06d}"
    response = fill_login(client, username="city-admin", password=PASSWORD, code=wrong)
    page = response.content.decode()
    assert response.status_code == 200
    assert "动态验证码错误或已过期" in page
    assert "Please select a device" not in page and "<select" not in page
    assert PASSWORD not in page  # the password is not echoed back into the page
    # Right away, django-otp pauses the device's checks (1 s after one failure).
    response = fill_login(client, username="city-admin", password=PASSWORD, code=code_of(enrolled))
    assert "验证暂停片刻" in response.content.decode()
    # A moment later the page shows the same three fields, and the right code works.
    time.sleep(1.1)
    response = fill_login(client, username="city-admin", password=PASSWORD, code=code_of(enrolled))
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


def test_wrong_password_and_missing_device_are_told_in_chinese(city_admin):
    response = fill_login(
        Client(enforce_csrf_checks=True), username="city-admin", password="nope", code="123456"
    )
    assert "请输入一个正确的" in response.content.decode()  # Django's own, translated
    response = fill_login(
        Client(enforce_csrf_checks=True), username="city-admin", password=PASSWORD, code="123456"
    )
    assert "此账户尚未设置身份验证器" in response.content.decode()


def test_a_backup_code_works_in_the_same_field(city_admin, enrolled):
    backup = StaticDevice.objects.create(user=city_admin, name="backup", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd2345")
    client = Client(enforce_csrf_checks=True)
    response = fill_login(client, username="city-admin", password=PASSWORD, code="ABCD 2345")
    assert response.status_code == 302 and client.get("/admin/").status_code == 200
    assert not StaticToken.objects.filter(device=backup).exists()  # used once
    enrolled.refresh_from_db()
    assert enrolled.throttling_failure_count == 0  # the TOTP device was not tried


def test_wrong_passwords_lock_the_login_until_an_administrator_unlocks_it(
    city_admin, enrolled, settings
):
    limit = settings.AXES_FAILURE_LIMIT
    client = Client(enforce_csrf_checks=True)
    for _ in range(limit):
        response = fill_login(client, username="city-admin", password="wrong", code="000000")
        assert response.status_code in (200, 429)
    # The right password and the right code are refused now, with a Chinese page.
    response = fill_login(client, username="city-admin", password=PASSWORD, code=code_of(enrolled))
    page = response.content.decode()
    assert response.status_code == 429
    assert "登录已暂时锁定" in page and f"（{limit} 次）" in page
    assert "30 分钟后再试" in page and response["Retry-After"] == "1800"
    assert "Traceback" not in page
    assert client.get("/admin/").status_code == 302  # not logged in
    attempt = AccessAttempt.objects.get(username="city-admin")
    assert attempt.failures_since_start == limit
    for secret in (PASSWORD, "wrong", "000000"):
        assert secret not in attempt.post_data
    # One operation-log row for the lock, however many refused tries follow.
    fill_login(client, username="city-admin", password=PASSWORD, code=code_of(enrolled))
    (lock,) = _rows("admin_login.lock")
    assert lock.target_type == "auth.user" and lock.target_id == str(city_admin.pk)
    assert lock.after == {"username": "city-admin", "ip_address": "127.0.0.1", "failures": limit}
    assert lock.actor_type == "client" and lock.actor_id == "127.0.0.1"

    # Another city administrator unlocks it through the admin.
    other = _other_city_admin()
    office = verified_client(other)
    listing = office.get("/admin/axes/accessattempt/").content.decode()
    assert "city-admin" in listing and "锁定至" in listing
    response = office.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": [attempt.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    (unlock,) = _rows("admin_login.unlock")
    assert unlock.actor_type == "user" and unlock.actor_id == str(other.pk)
    assert unlock.target_id == str(city_admin.pk)
    assert unlock.before["failures"] == limit and unlock.before["ip_address"] == "127.0.0.1"

    # The login works again, at the first try.
    response = fill_login(client, username="city-admin", password=PASSWORD, code=code_of(enrolled))
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


def _other_city_admin():
    return staff_user("city-admin-2", CITY_ADMIN)


def test_deleting_an_attempt_row_is_a_logged_unlock_too(city_admin, settings):
    attempt = AccessAttempt.objects.create(
        username="someone",
        ip_address="10.4.4.4",
        user_agent="",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    office = verified_client(city_admin)
    url = f"/admin/axes/accessattempt/{attempt.pk}/delete/"
    assert office.post(url, {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.exists()
    (unlock,) = _rows("admin_login.unlock")
    assert unlock.target_type == "login" and unlock.target_id == "someone"
    # An auditor may not unlock.
    AccessAttempt.objects.create(
        username="x", ip_address="10.4.4.5", user_agent="", failures_since_start=1
    )
    auditor = verified_client(staff_user("auditor-2", CITY_AUDITOR))
    assert auditor.get("/admin/axes/accessattempt/").status_code == 403


def test_wrong_codes_count_as_failed_logins(city_admin, enrolled, settings):
    client = Client(enforce_csrf_checks=True)
    wrong = f"{(int(code_of(enrolled)) + 7) % 1000000:06d}"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fill_login(client, username="city-admin", password=PASSWORD, code=wrong)
    response = fill_login(client, username="city-admin", password=PASSWORD, code=code_of(enrolled))
    assert response.status_code == 429 and "登录已暂时锁定" in response.content.decode()


def test_the_lock_holds_one_username_from_one_address(city_admin, city_auditor, settings):
    admin_device = TOTPDevice.objects.create(user=city_admin, name="a", confirmed=True)
    auditor_device = TOTPDevice.objects.create(user=city_auditor, name="b", confirmed=True)
    attacker = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.9.8.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fill_login(attacker, username="city-admin", password="wrong", code="000000")
    locked = fill_login(
        attacker, username="city-admin", password=PASSWORD, code=code_of(admin_device)
    )
    assert locked.status_code == 429
    # The same person from their own desk, and another user from the same address, log in.
    desk = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.1.1.1")
    response = fill_login(
        desk, username="city-admin", password=PASSWORD, code=code_of(admin_device)
    )
    assert response.status_code == 302
    response = fill_login(
        attacker, username="city-auditor", password=PASSWORD, code=code_of(auditor_device)
    )
    assert response.status_code == 302


def test_behind_nginx_the_address_is_the_forwarded_one(city_admin, enrolled, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]  # nginx, the direct peer
    attacker = Client(enforce_csrf_checks=True, HTTP_X_FORWARDED_FOR="10.2.2.2")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fill_login(attacker, username="city-admin", password="wrong", code="000000")
    (lock,) = _rows("admin_login.lock")
    assert lock.after["ip_address"] == "10.2.2.2"
    # Another desk behind the same proxy is not locked out.
    desk = Client(enforce_csrf_checks=True, HTTP_X_FORWARDED_FOR="10.3.3.3")
    response = fill_login(desk, username="city-admin", password=PASSWORD, code=code_of(enrolled))
    assert response.status_code == 302


def test_a_successful_login_forgets_earlier_failures(city_admin, enrolled, settings):
    client = Client(enforce_csrf_checks=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        fill_login(client, username="city-admin", password="wrong", code="000000")
    response = fill_login(client, username="city-admin", password=PASSWORD, code=code_of(enrolled))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="city-admin").exists()


def test_the_signed_api_is_not_touched_by_the_lockout(api_a, hospital_a, settings):
    # Lock every plausible name from the test client's address.
    for name in ("hosp-a", "", "city-admin"):
        AccessAttempt.objects.create(
            username=name,
            ip_address="127.0.0.1",
            user_agent="",
            failures_since_start=settings.AXES_FAILURE_LIMIT + 5,
        )
    assert api_a.get("/api/v1/hospitals/me").status_code == 200
    bad = Client().get(
        "/api/v1/hospitals/me",
        headers={
            "x-tif-paasid": "hosp-a",
            "x-tif-timestamp": "1",
            "x-tif-nonce": "n",
            "x-tif-signature": "x",
        },
    )
    assert bad.status_code == 401 and bad.json()["returnCode"] == "0"
    assert AccessAttempt.objects.count() == 3  # no attempt counted for API calls


def test_the_index_lists_the_hubs_sections_first_then_security_in_chinese(city_admin):
    page = verified_client(city_admin).get("/admin/").content.decode()
    headings = _app_headings(page)
    # The hub's sections in the architecture's order, Django's users and
    # groups, then the two-factor and lockout models under one Chinese heading.
    assert headings[-1] == "双因素认证与登录安全"
    hub = headings[: headings.index("认证和授权")]
    assert hub[0] == "接入医疗机构" and "审计与使用统计" in hub and "投诉处理" in hub
    assert headings.index("认证和授权") == len(headings) - 2
    main = page[page.index('id="content-main"') :]
    section = main[main.index("双因素认证与登录安全") :]
    for name in ("身份验证器（TOTP 设备）", "备用验证码组", "登录失败记录", "登录记录"):
        assert name in section, name
    assert "Otp_Totp" not in page and "TOTP device" not in page and "Axes" not in page
    group = verified_client(_other_city_admin()).get("/admin/security/")
    assert group.status_code == 200 and "登录失败记录" in group.content.decode()


def test_an_auditor_sees_no_security_section(city_auditor):
    page = verified_client(city_auditor).get("/admin/").content.decode()
    assert "双因素认证与登录安全" not in page


def _app_headings(page: str) -> list[str]:
    main = page[page.index('id="content-main"') :]
    return [
        re.sub(r"<[^>]+>", "", h).strip()
        for h in re.findall(r"<caption>(.*?)</caption>", main, re.S)
    ]


def test_otp_enroll_prints_an_issuer_and_backup_codes_that_work(city_admin, settings):
    out = StringIO()
    call_command("otp_enroll", "city-admin", "--no-qr", "--backup-codes", "3", stdout=out)
    text = out.getvalue()
    issuer = settings.OTP_TOTP_ISSUER
    assert issuer
    uri = next(line for line in text.splitlines() if line.startswith("otpauth://"))
    assert f"otpauth://totp/{quote(issuer)}%3Acity-admin?" in uri
    assert f"&issuer={quote(issuer)}" in uri
    codes = [line.strip() for line in text.splitlines() if line.startswith("  ")]
    assert len(codes) == 3
    client = Client(enforce_csrf_checks=True)
    response = fill_login(client, username="city-admin", password=PASSWORD, code=codes[0])
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


def test_lockout_and_unlock_on_the_embedded_sqlite_default(tmp_path):
    """axes' tables come from its migrations and the lockout works on SQLite too."""
    script = """
import django
django.setup()
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from axes.models import AccessAttempt
from hospitals.admin.security import attempts_unlock
assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
call_command("migrate", verbosity=0)
user = User.objects.create_superuser("root", "r@example.gov.cn", "pw-123456789")
device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
client = Client()
def login(password):
    data = {"username": "root", "password": password, "otp_token": f"{totp(device.bin_key):06d}"}
    return client.post("/admin/login/?next=/admin/", data).status_code
for _ in range(settings.AXES_FAILURE_LIMIT):
    login("wrong")
assert login("pw-123456789") == 429
attempts_unlock(attempts=AccessAttempt.objects.all(), actor="system:test")
assert login("pw-123456789") == 302
print("SQLITE-OK")
"""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(HUB_VAR_DIR=str(tmp_path), HUB_ENV="test", DJANGO_SETTINGS_MODULE="hub.settings")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "SQLITE-OK" in result.stdout, result.stderr[-3000:]
