"""Every refusal of ``codeAuthRec/save``, provoked by hand-built requests, with
its HTTP status and its exact ``returnDesc``."""

from __future__ import annotations

import time

import pytest
import requests

from hub.gm import sm4_encrypt_ecb_hex

from .support import DEMO_KEY, ID_A, post_signed, record

GATEWAY = 401
BUSINESS = 200


def answer_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["returnCode"], body["returnDesc"]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"paasid": "unknown-paasid"}, (GATEWAY, "0", "网关校验失败：paasid 不存在或未开通")),
        ({"token": "wrong"}, (GATEWAY, "0", "网关校验失败：签名 x-tif-signature 不正确")),
        (
            {"timestamp": int(time.time()) - 600},
            (GATEWAY, "0", "网关校验失败：请求时间戳与服务器时间相差超过 180 秒"),
        ),
        (
            {"timestamp": "1732500000000"},
            (GATEWAY, "0", "网关校验失败：x-tif-timestamp 应为 Unix 时间戳（秒）"),
        ),
        (
            {"content_type": "text/plain"},
            (415, "0", "Content-Type 必须为 application/json"),
        ),
    ],
)
def test_gateway_refusals(province_sim, kwargs, expected):
    assert answer_of(post_signed(province_sim.save_url, record(), **kwargs)) == expected
    assert province_sim.state.snapshot()["live"] == 0


def test_missing_signature_headers_are_refused(province_sim):
    response = requests.post(
        province_sim.save_url, json=record(), headers={"x-tif-paasid": "demo-paasid"}, timeout=5
    )
    assert response.status_code == GATEWAY
    assert response.json()["returnDesc"].startswith("网关校验失败：缺少 x-tif-paasid")


def test_replayed_nonce_is_refused(province_sim):
    ts = int(time.time())
    first = post_signed(province_sim.save_url, record(), timestamp=ts, nonce="777")
    assert answer_of(first) == (200, "1", "成功")
    second = post_signed(province_sim.save_url, record(), timestamp=ts, nonce="777")
    assert answer_of(second) == (GATEWAY, "0", "网关校验失败：重复请求，x-tif-nonce 已使用")


def test_a_forged_request_does_not_burn_the_nonce(province_sim):
    ts = int(time.time())
    post_signed(province_sim.save_url, record(), timestamp=ts, nonce="888", token="forged")
    real = post_signed(province_sim.save_url, record(), timestamp=ts, nonce="888")
    assert answer_of(real)[1] == "1"


@pytest.mark.parametrize(
    "raw", [b"{not json", b"", '{"codeAuthRec": 1}'.encode("utf-16"), b"\xff\xfe"]
)
def test_unparseable_bodies_are_refused(province_sim, raw):
    assert answer_of(post_signed(province_sim.save_url, raw)) == (
        400,
        "0",
        "请求体不是合法的 UTF-8 JSON",
    )


WRONG_KEY = "0123456789abcdeffedcba9876543210"


@pytest.mark.parametrize(
    ("body", "desc"),
    [
        ({"other": {}}, "缺少授权记录 codeAuthRec"),
        ([1, 2], "缺少授权记录 codeAuthRec"),
        ({"codeAuthRec": "x"}, "codeAuthRec 必须为 JSON 对象"),
        (
            {"codeAuthRec": {k: v for k, v in record()["codeAuthRec"].items() if k != "orgName"}},
            "缺少必填参数 orgName",
        ),
        (record(appId=None), "缺少必填参数 appId"),
        (record(authDays="30"), "authDays 必须为整数"),
        (record(authDays=30.5), "authDays 必须为整数"),
        (record(authDays=True), "authDays 必须为整数"),
        (record(authDays=0), "authDays 必须在 1 到 365 之间"),
        (record(authDays=366), "authDays 必须在 1 到 365 之间"),
        (record(patientName=123), "patientName 必须为字符串"),
        (record(status=1), "status 必须为字符串"),
        (record(orgCode=455404482), "orgCode 必须为字符串"),
        (record(patientIdcard=""), "patientIdcard 不能为空"),
        (record(patientIdcard="zz-not-hex"), "patientIdcard 不是合法的 SM4 密文（十六进制）"),
        (record(patientIdcard="abc"), "patientIdcard 不是合法的 SM4 密文（十六进制）"),
        (record(patientIdcard="00" * 15), "patientIdcard 不是合法的 SM4 密文（十六进制）"),
        (
            record(patientIdcard=sm4_encrypt_ecb_hex(WRONG_KEY, ID_A)),
            "patientIdcard 解密失败，请使用本应用的 SM4 密钥加密",
        ),
        (
            record(patientIdcard=sm4_encrypt_ecb_hex(DEMO_KEY, " ")),
            "patientIdcard 解密后不是有效的证件号码",
        ),
        (record(patientName="  "), "patientName 不能为空"),
        (record(status="2"), 'status 只能为 "1"（有效）或 "0"（无效）'),
        (record(status="有效"), 'status 只能为 "1"（有效）或 "0"（无效）'),
        (record(appId="ff8080818ab5cf57018b3bb2a4af0005"), "appId 与 paasid 对应的应用不一致"),
        (record(orgCode="123"), "机构代码 123 未登记，请先完成机构接入"),
        (record(orgName="测试机构"), "orgName 与登记的机构名称不一致"),
    ],
)
def test_business_refusals(province_sim, body, desc):
    assert answer_of(post_signed(province_sim.save_url, body)) == (BUSINESS, "0", desc)
    assert province_sim.state.snapshot()["live"] == 0


def test_uppercase_hex_idcard_and_stray_spaces_are_accepted(province_sim):
    body = record(
        patientIdcard=sm4_encrypt_ecb_hex(DEMO_KEY, ID_A).upper(),
        patientName=" 张三",
        status=" 1",
        orgName=" 测试机构名称",
    )
    assert answer_of(post_signed(province_sim.save_url, body)) == (200, "1", "成功")
    assert province_sim.state.live_grant("455404482", ID_A) is not None


def test_oversized_body_is_refused(province_sim):
    body = record(patientName="张" * 40_000)
    response = post_signed(province_sim.save_url, body)
    assert response.status_code == 413


def test_wrong_method_and_unknown_path(province_sim):
    assert requests.get(province_sim.save_url, timeout=5).status_code == 405
    missing = requests.post(province_sim.url + "/ebus/nothing", timeout=5)
    assert missing.status_code == 404 and missing.json()["returnCode"] == "0"
