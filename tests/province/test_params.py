"""The viewer ``param`` string and the save body, built and parsed exactly as
spec §2.3/§2.4 say."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.gm import sm4_decrypt_ecb_hex
from hub.province.client import (
    PARAM_KEYS,
    ProvinceAccount,
    build_save_body,
    build_view_param,
    parse_view_param,
    viewer_url,
)
from hub.province.params import ViewParamError

SEED_KEY = "33edd0637a6cbd8e7d057fbc0944d621"
SEED_CIPHER = (
    "55d0dad78cfe0a426b78632a08adce38e832d90c11a09d3c1df0dd540e12fdfc8f94f46a5ea1dba7e217d4d8f6d3dcd7"
    "fc87acfe8d39a6d7a02ca2c974753d9e6f5935560fe6448eca34059caf3d016bd071f41251d3874aca227788ec1c52f7"
    "af8c9d7099eb221652d94523db2d86f28892d291a70c5854be5b4be1ff6f2eec"
)
ACCOUNT = ProvinceAccount("p", "t", SEED_KEY, "ff8080818ab5cf57018b3bb2a4af0004", "zhspt")
SEED_FIELDS = {
    "org_code": "o1",
    "staff_no": "a1n",
    "staff_name": "pn2",
    "card_type": "01",
    "id_number": "64212419560933091T",
    "patient_name": "N1",
    "patient_id": "d1",
}


def test_viewer_url_reproduces_the_seed_ciphertext():
    url = viewer_url(ACCOUNT, viewer_url="https://viewer.example/v", **SEED_FIELDS)
    assert url == (
        f"https://viewer.example/v?param={SEED_CIPHER}&appId=ff8080818ab5cf57018b3bb2a4af0004"
    )


def test_viewer_url_appends_to_an_existing_query():
    url = viewer_url(ACCOUNT, viewer_url="https://v.example/x?tenant=1", **SEED_FIELDS)
    assert url.startswith("https://v.example/x?tenant=1&param=")


def test_values_with_separators_are_percent_encoded_others_raw():
    plain = build_view_param(
        ACCOUNT, **{**SEED_FIELDS, "staff_name": "李 医生", "patient_id": "a&b=c%"}
    )
    assert "staffName=李 医生&" in plain
    assert "patientId=a%26b%3Dc%25&" in plain
    assert parse_view_param(plain)["patientId"] == "a&b=c%"


def test_param_keys_are_in_the_spec_order():
    plain = build_view_param(ACCOUNT, **SEED_FIELDS)
    assert [part.split("=")[0] for part in plain.split("&")] == list(PARAM_KEYS)


def test_parse_accepts_percent_encoded_utf8_and_keeps_plus():
    plain = sm4_decrypt_ecb_hex(SEED_KEY, SEED_CIPHER).replace("pn2", "%E6%9D%8E+1")
    assert parse_view_param(plain)["staffName"] == "李+1"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "malformed"),
        ("orgCode", "malformed"),
        ("orgCode=o1&staffNo=%FF", "malformed"),
        ("orgCode=o1&orgCode=o2", "duplicate_key"),
        ("orgCode=o1&who=x", "unknown_key"),
        ("orgCode=o1&staffNo=a", "missing_key"),
        (
            "orgCode=&staffNo=a&staffName=b&cardType=01&idcard=x&patientName=c&patientId=d&callSysCode=z",
            "empty_value",
        ),
        (
            "orgCode=o&staffNo=a&staffName=b&cardType=1&idcard=x&patientName=c&patientId=d&callSysCode=z",
            "bad_card_type",
        ),
    ],
)
def test_parse_refuses(text, reason):
    with pytest.raises(ViewParamError) as info:
        parse_view_param(text)
    assert info.value.reason == reason


@given(st.dictionaries(st.sampled_from(list(SEED_FIELDS)), st.text(min_size=1, max_size=12)))
def test_build_then_parse_round_trips(overrides):
    fields = {**SEED_FIELDS, **overrides, "card_type": "01"}
    for key in ("org_code", "staff_no", "id_number"):
        if not fields[key].strip():
            fields[key] = "x"
    parsed = parse_view_param(build_view_param(ACCOUNT, **fields))
    assert parsed["staffName"] == fields["staff_name"]
    assert parsed["patientId"] == fields["patient_id"]
    assert parsed["idcard"] == fields["id_number"]


def test_save_body_is_the_spec_shape_with_clean_values():
    body = build_save_body(
        ACCOUNT,
        id_number=" 64212419560933091T ",
        patient_name=" 张三",
        org_code="455404482",
        org_name="测试机构名称",
        auth_days=30,
        status=" 1",
    )
    rec = body["codeAuthRec"]
    assert list(rec) == [
        "authDays",
        "patientIdcard",
        "patientName",
        "orgCode",
        "orgName",
        "status",
        "appId",
    ]
    assert rec["status"] == "1" and rec["patientName"] == "张三" and rec["authDays"] == 30
    assert sm4_decrypt_ecb_hex(SEED_KEY, rec["patientIdcard"]) == "64212419560933091T"
    assert rec["appId"] == ACCOUNT.app_id


@pytest.mark.parametrize(
    "change", [{"status": "2"}, {"auth_days": 0}, {"auth_days": "30"}, {"auth_days": True}]
)
def test_save_body_refuses_bad_arguments(change):
    kwargs = {
        "id_number": "x",
        "patient_name": "n",
        "org_code": "o",
        "org_name": "n",
        "auth_days": 30,
        "status": "1",
        **change,
    }
    with pytest.raises(ValueError):
        build_save_body(ACCOUNT, **kwargs)


def test_account_repr_hides_secrets():
    account = ProvinceAccount("p", "token-secret", SEED_KEY, "a", "c")
    assert "token-secret" not in repr(account) and SEED_KEY not in repr(account)
