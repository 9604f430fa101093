"""Consent at the province, in a real headless browser (Playwright driving
Debian's Chromium): under ``CONSENT_AT=province`` a doctor opens the hub's
viewer entry for a patient the hub holds no consent for; the hub forwards to
the province simulator's viewer, which shows its own authorization screen;
the doctor asks for the SMS code (it goes to the phone the province has on
file, the simulator's own outbox), enters it, clicks 验证 and reads the
record. The hub counted the views as consent-at-province.

Needs ``/usr/bin/chromium`` (``scripts/sysdeps.sh`` installs it); skipped with
the reason when it is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

from hub.gm import sm3_hex, sm4_encrypt_ecb_hex
from tests.e2e.conftest import BROWSER
from tests.fixtures.hospitals import DEMO_A
from tests.fixtures.relay import view_param

pytestmark = BROWSER

#: A demo resident: the province has 13800138000 on file for them.
RESIDENT = "44010619900307001X"


def test_the_doctor_completes_the_provinces_sms_authorization_to_the_record(
    relay, desktop_page, settings
):
    settings.CONSENT_AT = "province"
    sim = relay.sim
    plain = view_param(org_code=DEMO_A["org_code"], idcard=RESIDENT, patient_name="张三")
    entry = (
        f"{relay.url}/viewer?param={sm4_encrypt_ecb_hex(DEMO_A['sm4_key'], plain)}"
        f"&appId={DEMO_A['app_id']}"
    )
    page = desktop_page

    page.goto(entry)
    # Forwarded to the province viewer, which asks for the patient's consent.
    assert page.url.startswith(sim.viewer_url + "?param=")
    screen = page.locator("section[data-screen=authorization]")
    assert "尚未授权本机构" in screen.inner_text()
    assert page.inner_text("#phone-on-file") == "138****8000"

    page.click("#get-sms-code")
    page.wait_for_selector("[data-outcome=sent]")
    assert "138****8000" in page.inner_text("[data-outcome=sent]")
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(settings.VAR_DIR) / "viewer-province-authorization.png"))
    message = sim.state.consents.outbox[-1]
    assert message["channel"] == "sms" and message["phone"] == "13800138000"
    assert message["patient_sm3"] == sm3_hex(RESIDENT)

    # A wrong code first: the screen says how many tries are left.
    wrong = "000000" if message["code"] != "000000" else "111111"
    page.fill("#code", wrong)
    page.click("#verify")
    page.wait_for_selector("[data-outcome=wrong]")
    assert "还可尝试 4 次" in page.inner_text("[data-outcome=wrong]")

    page.fill("#code", message["code"])
    page.click("#verify")
    page.wait_for_selector("h2:has-text('诊疗记录')")
    assert re.search(r"健康档案 - 张三", page.title())
    assert "138****8000" in page.inner_text("main")
    assert sim.state.live_grant(DEMO_A["org_code"], RESIDENT) is not None
    page.screenshot(path=str(Path(settings.VAR_DIR) / "viewer-province-consent.png"))

    # The next view goes straight to the record: the consent is the province's.
    page.goto(entry)
    page.wait_for_selector("h2:has-text('诊疗记录')")

    # The hub counted two views with consent at the province, no ordinary view.
    usage = relay.a.get("/api/v1/usage").json()
    assert usage["returnCode"] == "1", usage
    totals = usage["data"]["totals"]
    assert totals.get("view.province_consent") == 2 and "view" not in totals, totals
    assert page.problems == []
