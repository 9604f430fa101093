"""Our client against the simulator over real HTTP: success, revocation, the
refusals the client can provoke, and failure classification."""

from __future__ import annotations

import dataclasses
import logging
import time

import pytest

from hub.gm import sm3_hex
from hub.province.client import (
    ProvinceAccount,
    ProvinceError,
    ProvincePermanentError,
    ProvinceTransientError,
    revoke_authorization,
    save_authorization,
)

from .support import DEMO_ORG_CODE, DEMO_ORG_NAME, ID_A, ID_B


def save(sim, account=None, *, timeout=(2.0, 5.0), **overrides):
    kwargs = {
        "base_url": sim.url,
        "id_number": ID_A,
        "patient_name": "张三",
        "org_code": DEMO_ORG_CODE,
        "org_name": DEMO_ORG_NAME,
        "timeout": timeout,
    }
    kwargs.update(overrides)
    return save_authorization(account or sim.account, **kwargs)


def refusal(sim, account=None, **overrides) -> ProvinceError:
    with pytest.raises(ProvinceError) as info:
        save(sim, account, **overrides)
    return info.value


def test_save_grants_a_live_authorization(province_sim):
    result = save(province_sim)
    assert (result.http_status, result.return_code, result.return_desc) == (200, "1", "成功")
    assert result.interface == "codeAuthRec/save"
    grant = province_sim.state.live_grant(DEMO_ORG_CODE, ID_A)
    assert grant is not None
    assert round((grant.expires_at - grant.granted_at) / 86400) == 30


def test_the_client_sends_clean_values_and_an_uppercase_signature(province_sim):
    save(province_sim, patient_name=" 张三 ", auth_days=7)
    sent = province_sim.state.last_save
    rec = sent["body"]["codeAuthRec"]
    assert rec["status"] == "1" and rec["patientName"] == "张三" and rec["authDays"] == 7
    assert ID_A not in str(sent)  # the ID travels encrypted only
    assert sent["headers"]["x-tif-signature"] == sent["headers"]["x-tif-signature"].upper()


def test_revoke_ends_the_authorization(province_sim):
    save(province_sim)
    result = revoke_authorization(
        province_sim.account,
        base_url=province_sim.url,
        id_number=ID_A,
        patient_name="张三",
        org_code=DEMO_ORG_CODE,
        org_name=DEMO_ORG_NAME,
    )
    assert result.return_code == "1"
    assert province_sim.state.live_grant(DEMO_ORG_CODE, ID_A) is None
    assert province_sim.state.last_save["body"]["codeAuthRec"]["status"] == "0"


def test_grants_are_per_org_and_patient(province_sim):
    province_sim.register_org("455404483", "演示第二医院")
    save(province_sim, org_code="455404483", org_name="演示第二医院")
    assert province_sim.state.live_grant("455404483", ID_A) is not None
    assert province_sim.state.live_grant(DEMO_ORG_CODE, ID_A) is None
    assert province_sim.state.live_grant("455404483", ID_B) is None


def test_an_expired_grant_is_not_live(province_sim):
    save(province_sim, auth_days=1)
    province_sim.state.clock = lambda: time.time() + 86400 + 5
    assert province_sim.state.live_grant(DEMO_ORG_CODE, ID_A) is None


@pytest.mark.parametrize(
    ("change", "http_status", "desc_part"),
    [
        ({"paasid": "nobody"}, 401, "paasid 不存在"),
        ({"paastoken": "wrong-token"}, 401, "签名"),
        ({"sm4_key": "0123456789abcdeffedcba9876543210"}, 200, "patientIdcard 解密失败"),
        ({"app_id": "ff8080818ab5cf57018b3bb2a4af9999"}, 200, "appId"),
    ],
)
def test_account_mistakes_are_permanent_with_the_province_reason(
    province_sim, change, http_status, desc_part
):
    account = dataclasses.replace(province_sim.account, **change)
    error = refusal(province_sim, account)
    assert isinstance(error, ProvincePermanentError) and not error.transient
    assert error.http_status == http_status
    assert error.return_code == "0"
    assert desc_part in error.return_desc


def test_unregistered_org_is_refused(province_sim):
    error = refusal(province_sim, org_code="999999999", org_name="无名医院")
    assert isinstance(error, ProvincePermanentError)
    assert error.return_desc == "机构代码 999999999 未登记，请先完成机构接入"


def test_org_name_must_match_the_registration(province_sim):
    error = refusal(province_sim, org_name="别的名字")
    assert error.return_desc == "orgName 与登记的机构名称不一致"


def test_a_clock_ten_minutes_apart_is_refused(province_sim):
    province_sim.state.clock = lambda: time.time() + 600
    error = refusal(province_sim)
    assert isinstance(error, ProvincePermanentError)
    assert error.http_status == 401
    assert "180 秒" in error.return_desc


def test_5xx_is_transient(province_sim):
    province_sim.control(fail_rate=1.0)
    error = refusal(province_sim)
    assert isinstance(error, ProvinceTransientError) and error.transient
    assert error.http_status == 503
    assert province_sim.state.live_grant(DEMO_ORG_CODE, ID_A) is None


def test_a_share_of_5xx_fails_only_that_share(province_sim):
    province_sim.control(fail_rate=0.5, seed=7)
    outcomes = []
    for _ in range(20):
        try:
            save(province_sim)
            outcomes.append("ok")
        except ProvinceTransientError:
            outcomes.append("5xx")
    assert 0 < outcomes.count("5xx") < 20


def test_business_failure_is_permanent_and_keeps_the_reason(province_sim):
    province_sim.control(business_fail=True)
    error = refusal(province_sim)
    assert isinstance(error, ProvincePermanentError)
    assert (error.http_status, error.return_code) == (200, "0")
    assert error.return_desc == "模拟故障：业务处理失败，请稍后重试"


def test_malformed_body_is_permanent(province_sim):
    province_sim.control(malformed=True)
    error = refusal(province_sim)
    assert isinstance(error, ProvincePermanentError)
    assert error.http_status == 200 and error.return_code is None


def test_hang_past_the_read_timeout_is_transient(province_sim):
    province_sim.control(hang_seconds=30)
    error = refusal(province_sim, timeout=(2.0, 0.3))
    assert isinstance(error, ProvinceTransientError)
    assert error.http_status is None and error.timed_out


def test_added_latency_still_succeeds(province_sim):
    province_sim.control(latency_ms=50)
    assert save(province_sim).return_code == "1"


def test_connection_refused_is_transient():
    error = None
    try:
        save_authorization(
            ProvinceAccount("p", "t", "33edd0637a6cbd8e7d057fbc0944d621", "a", "c"),
            base_url="http://127.0.0.1:9",
            id_number=ID_A,
            patient_name="张三",
            org_code=DEMO_ORG_CODE,
            org_name=DEMO_ORG_NAME,
            timeout=(1.0, 1.0),
        )
    except ProvinceError as exc:
        error = exc
    assert isinstance(error, ProvinceTransientError) and not error.timed_out


def test_no_id_number_in_any_log_line(province_sim, caplog):
    caplog.set_level(logging.DEBUG)
    save(province_sim)
    refusal(province_sim, org_code="999999999")
    province_sim.control(fail_rate=1.0)
    refusal(province_sim)
    text = caplog.text
    assert caplog.records  # the calls were logged
    assert ID_A not in text and sm3_hex(ID_A) not in text


def test_bad_arguments_never_reach_the_wire(province_sim):
    with pytest.raises(ValueError):
        save(province_sim, auth_days=0)
    with pytest.raises(ValueError):
        save(province_sim, id_number="  ")
    assert province_sim.state.counts == {}
