"""Real-name registration in a real headless browser (Playwright driving
Debian's Chromium) against the hub on a live server, with the fake real-name
backend of the embedded default: a phone that has no record signs in through
the registration link, is offered the real-name form, enters the synthetic
resident's name and ID number, uploads a selfie file (what the phone's
camera capture hands the page), and the page says it is registered; the home
page then shows the masked ID number.

Needs ``/usr/bin/chromium`` (``scripts/sysdeps.sh`` installs it); skipped with
the reason when it is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.db import connections

from tests.e2e.conftest import BROWSER
from tests.fixtures.identity import FAKE_RESIDENT

PHONE = "13500135999"
MASKED_ID = "4401**********0019"

pytestmark = BROWSER


def test_a_phone_without_a_record_registers_with_a_selfie(
    relay, realname_fake, sms_outbox, selfie_files, phone_page, settings, tmp_path, leak_scan
):
    selfie = tmp_path / "selfie.jpg"
    selfie.write_bytes(selfie_files["astronaut_mirror"])
    page = phone_page

    # Signed out: /me/ sends the visitor to sign-in, which offers registration.
    page.goto(relay.url + "/me/")
    assert page.url.endswith("/me/login/")
    page.click("#register-link")
    page.wait_for_url("**/me/register/")
    assert "实名登记" in page.inner_text("main")

    # The phone is proven by the sign-in code.
    page.fill("input[name=phone]", PHONE)
    page.click("button.primary")
    page.wait_for_url("**/me/register/code/")
    assert "135****5999" in page.inner_text("main")
    message = sms_outbox[-1]
    assert message.phone == PHONE
    page.fill("input[name=code]", message.params["code"])
    page.click("button.primary")
    page.wait_for_url("**/me/register/")

    # Signed in with no record: offered the real-name form.
    main = page.inner_text("main")
    assert "本手机号尚未关联档案" in main
    selfie_input = page.locator("input[name=selfie]")
    assert selfie_input.get_attribute("capture") == "user"
    assert selfie_input.get_attribute("accept").startswith("image/")
    page.fill("input[name=name]", FAKE_RESIDENT["name"])
    page.fill("input[name=id_number]", FAKE_RESIDENT["id_number"])
    selfie_input.set_input_files(str(selfie))
    # The preview (register.js, a data: URL allowed by the CSP) shows the photo.
    page.wait_for_selector("#selfie-preview:not([hidden])", timeout=5000)
    page.check("input[name=consent]")
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(settings.VAR_DIR) / "patient-register.png"), full_page=True)
    page.click("button.primary")

    page.wait_for_url("**/me/register/done/", timeout=30000)
    done = page.inner_text("main")
    assert "实名登记成功" in done and MASKED_ID in done
    page.screenshot(path=str(Path(settings.VAR_DIR) / "patient-registered.png"), full_page=True)

    # Home now lists the record under the masked ID number.
    page.click("text=查看我的健康档案")
    page.wait_for_url(re.compile(r".*/me/$"))
    home = page.inner_text("main")
    assert "本手机号关联的档案" in home and MASKED_ID in home
    assert FAKE_RESIDENT["id_number"] not in page.content()

    assert not [p for p in page.problems if "Content Security Policy" in p], page.problems
    assert not [p for p in page.problems if "Uncaught" in p], page.problems
    try:
        leak_scan([FAKE_RESIDENT["id_number"], PHONE, message.params["code"]])
    finally:
        # Under Playwright's loop Django opened a connection of this context's
        # own: close it, or the test database cannot be dropped.
        connections.close_all()
