"""The simulator's injected HTTP statuses: ``fail_next`` (a queue of statuses
for the next saves) and ``fail_status`` (what the ``fail_rate`` share answers,
503 unless set). The gateway's 408 and 429 are what the hub must retry
(hub.http); a 400 it must not. The existing ``fail_rate`` behaviour (plain-text
503) is unchanged."""

from __future__ import annotations

import time

import pytest
import requests

from hub.province.client import (
    ProvincePermanentError,
    ProvinceTransientError,
    save_authorization,
)
from hub.province.simulator.state import Faults

from .support import DEMO_ORG_CODE, DEMO_ORG_NAME, ID_A, post_signed, record


def _save(sim):
    return save_authorization(
        sim.account,
        base_url=sim.url,
        id_number=ID_A,
        patient_name="张三",
        org_code=DEMO_ORG_CODE,
        org_name=DEMO_ORG_NAME,
        timeout=(2.0, 5.0),
    )


def _error(sim):
    with pytest.raises((ProvinceTransientError, ProvincePermanentError)) as info:
        _save(sim)
    return info.value


def test_fail_next_answers_408_then_429_then_lets_saves_through(province_sim):
    province_sim.control(fail_next=[408, 429])

    first = post_signed(province_sim.save_url, record())
    assert first.status_code == 408
    assert first.json() == {
        "returnCode": "0",
        "returnDesc": "模拟故障：HTTP 408 请求超时，请稍后重试",
    }
    assert province_sim.state.current_faults().fail_next == [429]

    second = post_signed(province_sim.save_url, record())
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "1"
    assert second.json()["returnCode"] == "0" and "429" in second.json()["returnDesc"]
    # Nothing was recorded by the failed ones.
    assert province_sim.state.live_grant(DEMO_ORG_CODE, ID_A) is None

    third = post_signed(province_sim.save_url, record())
    assert third.status_code == 200 and third.json()["returnCode"] == "1"
    assert province_sim.state.live_grant(DEMO_ORG_CODE, ID_A) is not None
    assert province_sim.state.counts["save.injected_4xx"] == 2
    assert province_sim.state.current_faults().fail_next == []


def test_the_hub_client_sorts_injected_statuses(province_sim):
    province_sim.control(fail_next=[408, 429, 400, 502])

    timeout = _error(province_sim)
    assert isinstance(timeout, ProvinceTransientError) and timeout.http_status == 408
    throttled = _error(province_sim)
    assert isinstance(throttled, ProvinceTransientError) and throttled.http_status == 429
    assert throttled.return_desc == "模拟故障：HTTP 429 请求过于频繁，请稍后重试"
    bad = _error(province_sim)
    assert isinstance(bad, ProvincePermanentError) and bad.http_status == 400
    gateway = _error(province_sim)
    assert isinstance(gateway, ProvinceTransientError) and gateway.http_status == 502
    assert _save(province_sim).return_code == "1"


def test_an_injected_failure_does_not_use_the_nonce(province_sim):
    """Injected before the gateway's checks: the same signed request, sent
    again, is not a replay."""
    province_sim.control(fail_next=[429])
    timestamp = int(time.time())
    first = post_signed(province_sim.save_url, record(), timestamp=timestamp, nonce="n-429")
    again = post_signed(province_sim.save_url, record(), timestamp=timestamp, nonce="n-429")
    assert (first.status_code, again.status_code) == (429, 200)
    assert again.json()["returnCode"] == "1"


def test_fail_status_sets_what_the_fail_rate_share_answers(province_sim):
    province_sim.control(fail_rate=1.0, fail_status=429)
    for _ in range(2):
        assert post_signed(province_sim.save_url, record()).status_code == 429
    province_sim.control(fail_status=408)
    assert isinstance(_error(province_sim), ProvinceTransientError)
    assert province_sim.state.counts["save.injected_4xx"] == 3


def test_fail_rate_alone_still_answers_a_plain_503(province_sim):
    province_sim.control(fail_rate=1.0)
    answer = post_signed(province_sim.save_url, record())
    assert answer.status_code == 503
    assert answer.text == "503 Service Temporarily Unavailable"
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert province_sim.state.counts["save.injected_5xx"] == 1


def test_fail_next_goes_before_the_fail_rate_share(province_sim):
    province_sim.control(fail_rate=1.0, fail_next=[408])
    assert post_signed(province_sim.save_url, record()).status_code == 408
    assert post_signed(province_sim.save_url, record()).status_code == 503


def test_control_over_http_shows_and_resets_the_new_faults(province_sim):
    url = province_sim.url + "/_sim/control"
    body = requests.post(url, json={"fail_next": [408, 429], "fail_status": 429}, timeout=5).json()
    assert body["faults"]["fail_next"] == [408, 429] and body["faults"]["fail_status"] == 429
    body = requests.post(url, json={"reset": True}, timeout=5).json()
    assert body["faults"]["fail_next"] == [] and body["faults"]["fail_status"] == 503


@pytest.mark.parametrize(
    "body",
    [
        {"fail_status": 200},
        {"fail_status": 600},
        {"fail_status": 429.0},
        {"fail_status": True},
        {"fail_status": "often"},
        {"fail_next": 429},
        {"fail_next": [429, 302]},
        {"fail_next": [None]},
        {"fail_next": [429] * 101},
        {"fail_next": [408], "fail_rate": 2},  # validated whole: the good key is not applied
    ],
)
def test_control_refuses_bad_statuses_and_changes_nothing(province_sim, body):
    answer = requests.post(province_sim.url + "/_sim/control", json=body, timeout=5)
    assert answer.status_code == 400 and answer.json()["error"]
    assert province_sim.state.current_faults() == Faults()


def test_new_faults_from_environment():
    faults = Faults.from_env(
        {"PROVINCE_SIM_FAIL_STATUS": "429", "PROVINCE_SIM_FAIL_NEXT": "408, 429"}
    )
    assert faults == Faults(fail_status=429, fail_next=[408, 429])
    assert Faults.from_env({}) == Faults(fail_status=503, fail_next=[])
    with pytest.raises(ValueError):
        Faults.from_env({"PROVINCE_SIM_FAIL_NEXT": "408,ok"})


def test_reset_refills_the_queue_from_the_start_up_faults():
    from hub.province.simulator.state import SimState

    state = SimState(faults=Faults.from_env({"PROVINCE_SIM_FAIL_NEXT": "429"}))
    assert state.injected_status(state.current_faults()) == 429
    assert state.injected_status(state.current_faults()) is None
    state.reset()
    assert state.injected_status(state.current_faults()) == 429
