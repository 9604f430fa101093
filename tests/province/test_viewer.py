"""The simulator's viewer, opened with URLs our client builds."""

from __future__ import annotations

import dataclasses

import pytest
import requests

from hub.gm import sm4_encrypt_ecb_hex
from hub.province.client import revoke_authorization, save_authorization, viewer_url
from hub.province.simulator.records import SECTION_TITLES, generate_record

from .support import DEMO_KEY, DEMO_ORG_CODE, DEMO_ORG_NAME, ID_A, ID_B


def grant(sim, id_number=ID_A, org_code=DEMO_ORG_CODE, org_name=DEMO_ORG_NAME):
    save_authorization(
        sim.account,
        base_url=sim.url,
        id_number=id_number,
        patient_name="张三",
        org_code=org_code,
        org_name=org_name,
    )


def url_for(sim, account=None, **overrides) -> str:
    fields = {
        "viewer_url": sim.viewer_url,
        "org_code": DEMO_ORG_CODE,
        "staff_no": "doc001",
        "staff_name": "李医生",
        "card_type": "01",
        "id_number": ID_A,
        "patient_name": "张三",
        "patient_id": "P-0001",
    }
    fields.update(overrides)
    return viewer_url(account or sim.account, **fields)


def open_page(url: str) -> requests.Response:
    response = requests.get(url, timeout=5)
    assert response.headers["Content-Type"].startswith("text/html")
    return response


def test_the_viewer_opens_the_record_after_a_grant(province_sim):
    grant(province_sim)
    page = open_page(url_for(province_sim))
    assert page.status_code == 200
    for title in SECTION_TITLES:
        assert f"<h2>{title}</h2>" in page.text
    assert "张三" in page.text and "李医生" in page.text
    assert ID_A not in page.text  # shown masked
    assert "1101**********002X" in page.text


def test_the_record_is_deterministic_per_patient():
    assert generate_record(ID_A, "张三") == generate_record(ID_A, "张三")
    assert generate_record(ID_A, "张三") != generate_record(ID_B, "张三")
    basic = generate_record(ID_B, "王五")["基本信息"]
    assert (basic["出生日期"], basic["性别"]) == ("1990-03-07", "男")


def asks_for_consent(page: requests.Response) -> bool:
    """The province's own authorization screen, not the record (tests/hub/
    test_sim_viewer_consent.py walks it)."""
    return (
        page.status_code == 200
        and 'data-screen="authorization"' in page.text
        and "<h2>诊疗记录</h2>" not in page.text
    )


def test_without_a_grant_the_viewer_offers_its_authorization_screen(province_sim):
    page = open_page(url_for(province_sim))
    assert asks_for_consent(page)
    for label in ("获取微信验证码", "获取短信验证码", "验证"):
        assert label in page.text
    assert "尚未授权本机构" in page.text


def test_refused_after_revocation(province_sim):
    grant(province_sim)
    revoke_authorization(
        province_sim.account,
        base_url=province_sim.url,
        id_number=ID_A,
        patient_name="张三",
        org_code=DEMO_ORG_CODE,
        org_name=DEMO_ORG_NAME,
    )
    assert asks_for_consent(open_page(url_for(province_sim)))


def test_a_grant_for_another_patient_or_org_does_not_open(province_sim):
    province_sim.register_org("455404483", "演示第二医院")
    grant(province_sim, id_number=ID_B)
    grant(province_sim, org_code="455404483", org_name="演示第二医院")
    assert asks_for_consent(open_page(url_for(province_sim)))


def test_refused_with_a_wrong_app_id(province_sim):
    grant(province_sim)
    other = dataclasses.replace(province_sim.account, app_id="ff8080818ab5cf57018b3bb2a4af9999")
    page = open_page(url_for(province_sim, other))
    assert page.status_code == 403 and "appId 未登记" in page.text


def test_refused_with_a_wrong_call_sys_code(province_sim):
    grant(province_sim)
    other = dataclasses.replace(province_sim.account, call_sys_code="other")
    page = open_page(url_for(province_sim, other))
    assert page.status_code == 403 and "callSysCode" in page.text


def test_refused_for_an_unregistered_org(province_sim):
    page = open_page(url_for(province_sim, org_code="999"))
    assert page.status_code == 403 and "调阅机构未登记" in page.text


def test_refused_when_the_param_is_under_another_key(province_sim):
    grant(province_sim)
    other = dataclasses.replace(province_sim.account, sm4_key="0123456789abcdeffedcba9876543210")
    page = open_page(url_for(province_sim, other))
    assert page.status_code == 400 and "param 解密失败" in page.text


@pytest.mark.parametrize(
    "plain",
    [
        "orgCode=455404482&idcard=" + ID_A,  # missing keys
        "orgCode=455404482&orgCode=1&staffNo=a&staffName=b&cardType=01&idcard=x"
        "&patientName=c&patientId=d&callSysCode=zhspt",  # duplicate
        "orgCode=455404482&staffNo=a&staffName=b&cardType=01&idcard=x"
        "&patientName=c&patientId=d&callSysCode=zhspt&extra=1",  # unknown
        "orgCode=455404482&staffNo=a&staffName=b&cardType=77&idcard=x"
        "&patientName=c&patientId=d&callSysCode=zhspt",  # bad card type
    ],
)
def test_refused_with_a_bad_param(province_sim, plain):
    grant(province_sim)
    param = sm4_encrypt_ecb_hex(DEMO_KEY, plain)
    page = open_page(f"{province_sim.viewer_url}?param={param}&appId={province_sim.account.app_id}")
    assert page.status_code == 400 and "param 格式错误" in page.text


@pytest.mark.parametrize(
    "query",
    ["", "?param=abc", "?appId=ff8080818ab5cf57018b3bb2a4af0004", "?param=a&param=b&appId=x"],
)
def test_refused_without_both_query_parameters(province_sim, query):
    page = open_page(province_sim.viewer_url + query)
    assert page.status_code == 400 and "param 与 appId" in page.text


def test_raw_and_percent_encoded_values_both_open(province_sim):
    grant(province_sim)
    account = province_sim.account
    for staff in ("李医生", "%E6%9D%8E%E5%8C%BB%E7%94%9F"):
        plain = (
            f"orgCode={DEMO_ORG_CODE}&staffNo=a%26b&staffName={staff}&cardType=01&idcard={ID_A}"
            f"&patientName=张三&patientId=P1&callSysCode={account.call_sys_code}"
        )
        param = sm4_encrypt_ecb_hex(DEMO_KEY, plain)
        page = open_page(f"{province_sim.viewer_url}?param={param}&appId={account.app_id}")
        assert page.status_code == 200 and "李医生（a&amp;b）" in page.text


def test_the_seed_sample_param_decrypts_and_is_refused_without_grant(province_sim):
    # The seed's §9.3.3 ciphertext (spec §6): org o1 is not registered here.
    seed_cipher = sm4_encrypt_ecb_hex(
        DEMO_KEY,
        "orgCode=o1&staffNo=a1n&staffName=pn2&cardType=01&idcard=64212419560933091T"
        "&patientName=N1&patientId=d1&callSysCode=zhspt",
    )
    page = open_page(
        f"{province_sim.viewer_url}?param={seed_cipher}&appId={province_sim.account.app_id}"
    )
    assert page.status_code == 403 and "调阅机构未登记" in page.text
