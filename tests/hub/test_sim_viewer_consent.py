"""The simulator's viewer without a consent: the province's own
authorization screen (user manual §3.1, modes 2 and 3), over real HTTP the
way a doctor's browser uses it (form posts, the 303 back to the viewer)."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import pytest
import requests

from hub.gm import sm3_hex
from hub.province.client import viewer_url
from hub.province.simulator.consent import (
    CODE_TTL_SECONDS,
    COOLDOWN_SECONDS,
    LOCK_SECONDS,
    MAX_FAILURES,
)
from hub.province.simulator.state import SimState
from tests.province.support import DEMO_ORG_CODE

#: A demo resident: the simulator has 13800138000 on file for them.
RESIDENT = "44010619900307001X"
PHONE_ON_FILE = "13800138000"


def url_for(sim, id_number: str = RESIDENT) -> str:
    return viewer_url(
        sim.account,
        viewer_url=sim.viewer_url,
        org_code=DEMO_ORG_CODE,
        staff_no="doc001",
        staff_name="李医生",
        card_type="01",
        id_number=id_number,
        patient_name="张三",
        patient_id="P0001",
    )


@pytest.fixture
def browser():
    with requests.Session() as session:
        session.trust_env = False
        yield session


def act(browser, url: str, **form) -> requests.Response:
    """Submit one of the screen's forms as the browser does: to the page's own
    URL (the forms have no action attribute), hidden fields included."""
    page = browser.get(url, timeout=5)
    hidden = dict(re.findall(r'name="(param|appId)" value="([^"]*)"', page.text))
    assert set(hidden) == {"param", "appId"}
    return browser.post(url, data={**hidden, **form}, timeout=5, allow_redirects=False)


def last_code(sim) -> str:
    return sim.state.consents.outbox[-1]["code"]


def test_sms_code_to_the_phone_on_file_then_the_record(province_sim, browser):
    url = url_for(province_sim)
    screen = browser.get(url, timeout=5)
    assert screen.status_code == 200 and 'data-screen="authorization"' in screen.text
    assert "138****8000" in screen.text  # the doctor checks the number with the patient

    sent = act(browser, url, action="sms")
    assert sent.status_code == 200
    assert 'data-outcome="sent"' in sent.text and "138****8000" in sent.text
    message = province_sim.state.consents.outbox[-1]
    assert message["channel"] == "sms" and message["phone"] == PHONE_ON_FILE
    assert message["patient_sm3"] == sm3_hex(RESIDENT) and message["org_code"] == DEMO_ORG_CODE
    assert message["code"] in message["text"] and re.fullmatch(r"\d{6}", message["code"])

    wrong = "000000" if message["code"] != "000000" else "111111"
    refused = act(browser, url, action="verify", code=wrong)
    assert refused.status_code == 400 and f"还可尝试 {MAX_FAILURES - 1} 次" in refused.text
    assert province_sim.state.live_grant(DEMO_ORG_CODE, RESIDENT) is None

    granted = act(browser, url, action="verify", code=message["code"])
    assert granted.status_code == 303
    record = browser.get(urljoin(url, granted.headers["Location"]), timeout=5)
    assert record.status_code == 200 and "<h2>诊疗记录</h2>" in record.text
    assert "138****8000" in record.text  # the record's phone is the one on file
    grant = province_sim.state.live_grant(DEMO_ORG_CODE, RESIDENT)
    assert grant is not None
    assert round((grant.expires_at - grant.granted_at) / 86400) == 30
    # From now on the viewer opens straight to the record.
    assert "<h2>诊疗记录</h2>" in browser.get(url, timeout=5).text


def test_wechat_code_goes_to_the_residents_app_not_a_number(province_sim, browser):
    url = url_for(province_sim)
    sent = act(browser, url, action="wechat")
    assert sent.status_code == 200 and "粤健通" in sent.text
    message = province_sim.state.consents.outbox[-1]
    assert message["channel"] == "wechat" and message["phone"] == ""
    assert act(browser, url, action="verify", code=message["code"]).status_code == 303
    assert province_sim.state.live_grant(DEMO_ORG_CODE, RESIDENT) is not None


def test_an_expired_code_is_refused(province_sim, browser):
    url = url_for(province_sim)
    act(browser, url, action="sms")
    code = last_code(province_sim)
    now = province_sim.state.clock()
    province_sim.state.clock = lambda: now + CODE_TTL_SECONDS + 1
    expired = act(browser, url, action="verify", code=code)
    assert expired.status_code == 410 and "验证码已过期" in expired.text
    assert province_sim.state.live_grant(DEMO_ORG_CODE, RESIDENT) is None


def test_the_fifth_wrong_code_locks_the_screen_for_thirty_minutes(province_sim, browser):
    url = url_for(province_sim)
    act(browser, url, action="sms")
    code = last_code(province_sim)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_FAILURES - 1):
        assert act(browser, url, action="verify", code=wrong).status_code == 400
    locked = act(browser, url, action="verify", code=wrong)
    assert locked.status_code == 423 and "已锁定" in locked.text
    # Locked: even the right code, and no new code.
    assert act(browser, url, action="verify", code=code).status_code == 423
    assert act(browser, url, action="sms").status_code == 423
    assert province_sim.state.live_grant(DEMO_ORG_CODE, RESIDENT) is None
    # Another patient at the same org is not locked.
    assert (
        act(browser, url_for(province_sim, "440106199003070028"), action="sms").status_code == 200
    )
    now = province_sim.state.clock()
    province_sim.state.clock = lambda: now + LOCK_SECONDS + 1
    assert act(browser, url, action="sms").status_code == 200


def test_a_new_code_waits_for_the_cooldown_and_replaces_the_old_one(province_sim, browser):
    url = url_for(province_sim)
    act(browser, url, action="sms")
    first = last_code(province_sim)
    again = act(browser, url, action="sms")
    assert again.status_code == 429 and "秒后再重新获取" in again.text
    assert len(province_sim.state.consents.outbox) == 1
    now = province_sim.state.clock()
    province_sim.state.clock = lambda: now + COOLDOWN_SECONDS + 1
    assert act(browser, url, action="sms").status_code == 200
    second = last_code(province_sim)
    if second != first:
        assert act(browser, url, action="verify", code=first).status_code == 400
    assert act(browser, url, action="verify", code=second).status_code == 303


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567"])
def test_a_malformed_code_is_not_counted(province_sim, browser, code):
    url = url_for(province_sim)
    act(browser, url, action="sms")
    answer = act(browser, url, action="verify", code=code)
    assert answer.status_code == 400 and "6 位数字验证码" in answer.text
    assert "还可尝试" not in answer.text


def test_verify_before_any_code_is_sent(province_sim, browser):
    answer = act(browser, url_for(province_sim), action="verify", code="123456")
    assert answer.status_code == 400 and "请先获取验证码" in answer.text


def test_the_viewer_opened_by_a_form_post_shows_the_same_screen(province_sim, browser):
    url = url_for(province_sim)
    param = re.search(r"param=([0-9a-f]+)", url).group(1)
    page = browser.post(
        province_sim.viewer_url,
        data={"param": param, "appId": province_sim.account.app_id},
        timeout=5,
    )
    assert page.status_code == 200 and 'data-screen="authorization"' in page.text


def test_residents_on_file_come_from_control_and_the_config_file(province_sim, tmp_path):
    other = "440106199003071231"
    province_sim.control(residents={other: "13700137000"})
    assert province_sim.state.consents.phone_on_file(other) == "13700137000"
    with pytest.raises(ValueError):
        province_sim.control(residents={other: "not-a-phone"})
    # Anyone else still has a (synthetic, stable) mobile number on file.
    stranger = province_sim.state.consents.phone_on_file("11010519491231002X")
    assert re.fullmatch(r"1\d{10}", stranger)
    assert stranger == province_sim.state.consents.phone_on_file("11010519491231002x")

    config = tmp_path / "sim.json"
    config.write_text(json.dumps({"residents": {other: "13600136000"}}), encoding="utf-8")
    outbox = tmp_path / "outbox.jsonl"
    state = SimState(config_path=config, outbox_path=outbox)
    assert state.consents.phone_on_file(other) == "13600136000"
    state.register_org(DEMO_ORG_CODE, "测试机构名称")
    state.consents.send(
        org_code=DEMO_ORG_CODE, org_name="测试机构名称", id_number=other, channel="sms"
    )
    line = json.loads(outbox.read_text(encoding="utf-8").splitlines()[-1])
    assert line["phone"] == "13600136000" and line["code"] in line["text"]


def test_the_outbox_is_readable_over_loopback(province_sim, browser):
    act(browser, url_for(province_sim), action="sms")
    outbox = browser.get(province_sim.url + "/_sim/outbox", timeout=5).json()["outbox"]
    assert [m["phone"] for m in outbox] == [PHONE_ON_FILE]
