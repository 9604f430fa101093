"""The patient's pages in a real headless browser (Playwright driving
Debian's Chromium) against the hub on a live server beside the province
simulator: sign in with the SMS code, agree to a hospital's request, read the
code, the hospital verifies it and views the record, the patient sees the
authorization, revokes it, and sees the views made during the test.

Needs ``/usr/bin/chromium`` (``scripts/sysdeps.sh`` installs it); skipped with
the reason when it is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connections

from tests.e2e.conftest import BROWSER
from tests.fixtures.relay import resident_id

PHONE = "13500135000"
PATIENT_ID = resident_id(505)

pytestmark = BROWSER


@pytest.fixture
def hub(relay):
    """Hospital A over real HTTP; its keep-alive connection is closed at the
    end so no live-server thread is left waiting on it."""
    yield relay.a
    relay.a.session.close()


def _code(sms_outbox, phone: str) -> str:
    message = sms_outbox[-1]
    assert message.phone == phone
    return message.params["code"]


def test_patient_signs_in_agrees_reads_the_code_and_revokes(
    relay, hub, sms_outbox, phone_page, settings, leak_scan
):
    # PHONE is the patient's phone of record (the fixture records it as the
    # registry import would); a doctor at hospital A once had an SMS code sent
    # there and the patient told it back.
    sms = hub.start(PATIENT_ID, "sms", phone=PHONE).json()["data"]["authorizationId"]
    assert hub.verify(sms, code=_code(sms_outbox, PHONE)).json()["data"]["state"] == "granted"
    # Today the doctor asks again, with an authorization code.
    pending = hub.start(PATIENT_ID, "authcode").json()["data"]["authorizationId"]

    page = phone_page
    page.goto(relay.url + "/me/")
    assert page.url.endswith("/me/login/")
    page.fill("input[name=phone]", PHONE)
    page.click("button.primary")
    page.wait_for_url("**/me/login/code/")
    assert "135****5000" in page.inner_text("main")
    page.fill("input[name=code]", _code(sms_outbox, PHONE))
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/me/$"))
    assert "本手机号关联的档案" in page.inner_text("main")

    # Agree to the pending request and read the code.
    page.click("nav.tabs >> text=调阅申请")
    page.click(f"a[href='/me/requests/{pending}/']")
    assert "用户须知" in page.inner_text("main")
    assert "市健康医疗信息共享平台" in page.inner_text("main")
    page.check("input[name=read_notice]")
    page.click("button[value=agree]")
    code = page.inner_text("#auth-code").strip()
    assert re.fullmatch(r"\d{6}", code)
    # The countdown script (same origin, allowed by the CSP) is ticking.
    start = page.inner_text(".countdown .remaining")
    page.wait_for_function(
        "t => document.querySelector('.countdown .remaining').textContent !== t",
        arg=start,
        timeout=5000,
    )
    assert re.fullmatch(r"[45]:\d\d", page.inner_text(".countdown .remaining"))
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(settings.VAR_DIR) / "patient-code.png"), full_page=True)

    # The hospital verifies the code the patient told the doctor, then views.
    answer = hub.verify(pending, code=code)
    assert answer.status_code == 200 and answer.json()["data"]["state"] == "granted"
    viewed = hub.view(PATIENT_ID)
    assert viewed.status_code == 200 and viewed.json()["data"]["viewerUrl"]

    # My authorizations: granted, then revoked.
    page.click("nav.tabs >> text=我的授权")
    row = page.locator(f"li[data-authorization='{pending}']")
    assert "生效中" in row.inner_text() and "授权码" in row.inner_text()
    row.locator("text=撤销").click()
    page.wait_for_url(f"**/me/authorizations/{pending}/revoke/")
    page.click("button.danger")
    page.wait_for_url("**/me/authorizations/")
    assert "不能再查看您的档案" in page.inner_text("main")
    assert "已撤销" in page.locator(f"li[data-authorization='{pending}']").inner_text()
    assert hub.detail(pending).json()["data"]["state"] == "revoked"
    refused = hub.view(PATIENT_ID)
    assert refused.json()["errorCode"] == "CONSENT_REVOKED"

    # Who viewed my record: the view made above, and the refused attempt.
    page.click("nav.tabs >> text=谁查看了我的档案")
    entries = page.locator("li.view")
    assert entries.count() == 2
    texts = [entries.nth(i).inner_text() for i in range(2)]
    assert "已拒绝：授权已撤销" in texts[0] and "已查看" in texts[1]
    for text in texts:
        assert "测试机构名称" in text and "李医生" in text and "doc001" in text
    page.screenshot(path=str(Path(settings.VAR_DIR) / "patient-views.png"), full_page=True)

    # Sign out.
    page.click("button.link")
    page.wait_for_url("**/me/login/")
    page.goto(relay.url + "/me/authorizations/")
    assert page.url.endswith("/me/login/")
    assert not [p for p in page.problems if "Content Security Policy" in p], page.problems
    # Nothing the patient or the doctor typed, nor any code, is in a log.
    codes = [m.params["code"] for m in sms_outbox if "code" in m.params]
    try:
        leak_scan([PATIENT_ID, PHONE, code, *codes])
    finally:
        # The scan reads the log tables under Playwright's event loop, where
        # Django hands out a connection of that context's own: close it, or it
        # outlives the test and the test database cannot be dropped.
        connections.close_all()


def test_the_grant_notice_and_its_one_tap_revoke(relay, hub, sms_outbox, phone_page, settings):
    """Mode 1: the hospital's system asserts the patient agreed when booking.
    The patient hears of it on their phone of record and revokes it from the
    message's link, without signing in."""
    from tests.fixtures.relay import record_phone

    patient = resident_id(506)
    record_phone(patient, PHONE)
    assert hub.compat(patient).json()["returnCode"] == "1"
    notice = [m for m in sms_outbox if m.phone == PHONE and m.reference.startswith("notice:")]
    assert len(notice) == 1
    assert "测试机构名称" in notice[0].text and patient not in notice[0].text
    link = re.search(r"(https?://\S+/me/r/[^/\s;]+/)", notice[0].text).group(1)
    assert hub.view(patient).status_code == 200

    page = phone_page
    page.goto(relay.url + link[link.index("/me/r/") :])
    assert "测试机构名称" in page.inner_text("main")
    page.click("button#revoke")
    page.wait_for_selector("#revoked")
    assert "不能再查看您的健康档案" in page.inner_text("main")
    assert hub.view(patient).json()["errorCode"] == "CONSENT_REVOKED"
    # The link has done its one job.
    page.goto(relay.url + link[link.index("/me/r/") :])
    assert "链接已失效" in page.inner_text("main")
    assert not [p for p in page.problems if "Content Security Policy" in p], page.problems
