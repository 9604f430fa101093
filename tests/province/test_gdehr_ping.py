"""``manage.py gdehr ping`` against the simulator."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from relay.cli import gdehr_ping

from .support import DEMO_ORG_CODE


def ping(*args) -> list[str]:
    out = StringIO()
    call_command("gdehr", "ping", *args, stdout=out, stderr=StringIO())
    return out.getvalue().splitlines()


def failing_ping(*args) -> tuple[list[str], str]:
    out = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("gdehr", "ping", *args, stdout=out, stderr=StringIO())
    return out.getvalue().splitlines(), str(info.value)


@pytest.fixture
def no_city_account(monkeypatch):
    monkeypatch.setattr("hospitals.selectors.city_province_account", lambda: None, raising=False)


def verdict(lines: list[str]) -> list[str]:
    return [line for line in lines if line.split(":")[0] in ("protocol", "business", "state")]


def test_ping_prints_protocol_business_state_in_order(province_sim, no_city_account):
    lines = ping()
    assert lines[0] == "account: demo-paasid (the simulator's demo account)"
    protocol, business, state = verdict(lines)
    assert protocol.startswith("protocol: HTTP 200")
    assert business == "business: returnCode 1, returnDesc 成功"
    assert (
        state == f"state: authorized for 7 days (org {DEMO_ORG_CODE}, patient 1101**********002X)"
    )
    assert province_sim.state.live_grant(DEMO_ORG_CODE, gdehr_ping.PING_ID_NUMBER) is not None


def test_ping_revoke(province_sim, no_city_account):
    ping()
    assert verdict(ping("--revoke"))[2].startswith("state: revoked")
    assert province_sim.state.live_grant(DEMO_ORG_CODE, gdehr_ping.PING_ID_NUMBER) is None


def test_ping_with_explicit_base_url(province_sim, no_city_account, settings):
    settings.PROVINCE_BASE_URL = "http://127.0.0.1:9"
    assert "returnCode 1" in verdict(ping("--base-url", province_sim.url))[1]


def test_ping_reports_a_business_refusal(province_sim, no_city_account):
    lines, error = failing_ping("--org-code", "999", "--org-name", "无")
    protocol, business, state = verdict(lines)
    assert protocol.startswith("protocol: HTTP 200")
    assert business == "business: returnCode 0, returnDesc 机构代码 999 未登记，请先完成机构接入"
    assert state.startswith("state: not authorized (permanent")
    assert error.startswith("ping failed") and "\n" not in error


def test_ping_reports_a_5xx_as_transient(province_sim, no_city_account):
    province_sim.control(fail_rate=1)
    lines, _ = failing_ping()
    protocol, business, state = verdict(lines)
    assert protocol.startswith("protocol: HTTP 503")
    assert business.startswith("business: no returnCode")
    assert "transient" in state


def test_ping_with_no_province_answering(no_city_account, settings):
    settings.PROVINCE_CONNECT_TIMEOUT = 1.0
    lines, _ = failing_ping("--base-url", "http://127.0.0.1:9")
    assert verdict(lines)[0].startswith("protocol: no HTTP answer")


def test_ping_uses_the_city_account_when_configured(province_sim, monkeypatch):
    city = province_sim.account
    monkeypatch.setattr("hospitals.selectors.city_province_account", lambda: city, raising=False)
    account, source = gdehr_ping.configured_account()
    assert account == city and source == "the city's province account"


def test_production_refuses_the_demo_account(no_city_account, settings):
    settings.HUB_ENV = "production"
    with pytest.raises(CommandError) as info:
        gdehr_ping.configured_account()
    assert "production" in str(info.value)


def test_ping_refuses_a_bad_base_url(no_city_account):
    _, error = failing_ping("--base-url", "ftp://x")
    assert "--base-url" in error
