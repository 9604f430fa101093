"""The back office's login in a real headless browser (Playwright driving
Debian's Chromium) against the hub on a live server, the way a newcomer
meets it: an administrator made as the README says (``createsuperuser``, then
``otp_enroll``), whose authenticator app reads the printed otpauth:// URI,
opens /admin/, fills what the login page shows (username, password, the
6-digit code), and lands on the admin index at the first try. The index lists
the hub's own sections first and the two-factor and lockout models after them
under one Chinese heading.

Needs ``/usr/bin/chromium`` (``scripts/sysdeps.sh`` installs it); skipped with
the reason when it is absent.
"""

from __future__ import annotations

import base64
import re
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.core.management import call_command
from django_otp.oath import totp

from tests.e2e.conftest import BROWSER

pytestmark = BROWSER

USERNAME = "newcomer"
PASSWORD = "Zx9-newcomer-pass"


class Authenticator:
    """What an authenticator app keeps from the URI: the label and the secret."""

    def __init__(self, uri: str):
        parsed = urlparse(uri)
        assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
        self.label = unquote(parsed.path.lstrip("/"))
        query = parse_qs(parsed.query)
        self.issuer = query["issuer"][0]
        secret = query["secret"][0]
        self.key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        self.digits = int(query.get("digits", ["6"])[0])
        self.period = int(query.get("period", ["30"])[0])

    def code(self) -> str:
        return f"{totp(self.key, step=self.period, digits=self.digits):0{self.digits}d}"


@pytest.fixture
def newcomer(transactional_db, monkeypatch) -> Authenticator:
    """The README's first admin: createsuperuser, then otp_enroll."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser",
        "--noinput",
        username=USERNAME,
        email="newcomer@example.gov.cn",
        stdout=StringIO(),
    )
    out = StringIO()
    call_command("otp_enroll", USERNAME, stdout=out)
    uri = next(line for line in out.getvalue().splitlines() if line.startswith("otpauth://"))
    return Authenticator(uri)


def test_a_newcomer_logs_in_at_the_first_try_and_sees_the_hub_first(
    newcomer, live_server, desktop_page, settings
):
    # The authenticator app labels the entry with the hub's name.
    assert newcomer.issuer == settings.OTP_TOTP_ISSUER
    assert newcomer.label == f"{settings.OTP_TOTP_ISSUER}:{USERNAME}"

    page = desktop_page
    page.goto(live_server.url + "/admin/")
    page.wait_for_url(re.compile(r".*/admin/login/\?next=/admin/$"))

    # What the page shows: three fields, no device to pick.
    form = page.locator("#login-form")
    shown = [
        form.locator("input:visible").nth(i).get_attribute("name")
        for i in range(form.locator("input:visible").count())
    ]
    assert [name for name in shown if name] == ["username", "password", "otp_token"]
    assert form.locator("select").count() == 0

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(settings.VAR_DIR) / "admin-login.png"), full_page=True)

    # A person fills them by their labels and presses 登录.
    _log_in(page, PASSWORD, newcomer.code())

    # First try: the admin index.
    page.wait_for_url(live_server.url + "/admin/")
    main = page.locator("#content-main")
    headings = [h.strip() for h in main.locator("caption").all_inner_texts()]
    assert headings[0] == "接入医疗机构", headings
    assert headings[-1] == "双因素认证与登录安全", headings
    assert headings.index("认证和授权") == len(headings) - 2, headings
    security = main.locator("caption", has_text="双因素认证与登录安全").locator("xpath=..")
    rows = security.inner_text()
    for name in ("身份验证器（TOTP 设备）", "登录失败记录"):
        assert name in rows, rows
    assert "Otp_Totp" not in page.content() and "Axes" not in page.content()

    page.screenshot(path=str(Path(settings.VAR_DIR) / "admin-index.png"), full_page=True)
    assert not page.problems, page.problems


def _log_in(page, password: str, code: str) -> None:
    page.get_by_label("用户名").fill(USERNAME)
    page.get_by_label("密码").fill(password)
    page.get_by_label("动态验证码").fill(code)
    page.get_by_role("button", name="登录").click()


def test_wrong_passwords_lock_the_login_with_a_chinese_page(
    newcomer, live_server, desktop_page, settings
):
    page = desktop_page
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _log_in(page, "not-the-password", "000000")
        page.wait_for_load_state()
        assert "请输入一个正确的" in page.locator(".errornote").first.inner_text()
    _log_in(page, "not-the-password", "000000")
    page.wait_for_load_state()
    assert "登录已暂时锁定" in page.content()
    # Locked: the right password and code are refused too, with the same page.
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    _log_in(page, PASSWORD, newcomer.code())
    page.wait_for_load_state()
    text = page.locator("#content").inner_text()
    assert "登录已暂时锁定" in text and "30 分钟后再试" in text, text
    assert "双因素认证与登录安全" in text
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(settings.VAR_DIR) / "admin-locked.png"), full_page=True)
    page.goto(live_server.url + "/admin/")
    assert "/admin/login/" in page.url
