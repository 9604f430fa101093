"""Every malformed input of the contract answers a 4xx with its errorCode, in
the province's shape, never a 500 (over real HTTP)."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hub.gm import sm4_encrypt_ecb_hex
from relay.models import Authorization
from tests.fixtures.hospitals import DEMO_A, DEMO_B
from tests.fixtures.relay import SAVE_PATH, resident_id, view_param

GOOD_ID = resident_id(50)
BAD_CHECK = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")


def bad_padding_hex(key_hex: str) -> str:
    """One block whose last byte is not valid PKCS#7 padding."""
    raw = Cipher(algorithms.SM4(bytes.fromhex(key_hex)), modes.ECB()).encryptor()  # noqa: S305
    return (raw.update(b"44010619900307\x00\x11") + raw.finalize()).hex()


def check(answer, status: int, code: str, label: str) -> None:
    assert answer.status_code == status, f"{label}: {answer.status_code} {answer.text[:300]}"
    body = answer.json()
    assert body["returnCode"] == "0", label
    assert body["errorCode"] == code, f"{label}: {body}"
    assert body["returnDesc"], label


def run(client, path: str, cases) -> None:
    for label, body, status, code in cases:
        if isinstance(body, bytes):
            answer = client.post(path, raw=body, headers={"Content-Type": "application/json"})
        else:
            answer = client.post(path, body, headers={"Content-Type": "application/json"})
        check(answer, status, code, label)


def start_body(client, **changes) -> dict:
    body = {
        "patientIdcard": client.enc(GOOD_ID),
        "cardType": "01",
        "patientName": "张三",
        "method": "sms",
        "phone": client.enc("13800138000"),
        "staffNo": "doc001",
        "staffName": "李医生",
    }
    for key, value in changes.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return body


def test_start_refuses_every_malformed_input(relay):
    a = relay.a
    key_b = DEMO_B["sm4_key"]
    cases = [
        ("bad json", b'{"patientIdcard": ', 400, "BAD_JSON"),
        ("deep json", b"[" * 100_000 + b"]" * 100_000, 400, "BAD_JSON"),
        ("list body", [1, 2], 400, "BODY_NOT_OBJECT"),
        ("string body", "text", 400, "BODY_NOT_OBJECT"),
        ("missing id", start_body(a, patientIdcard=...), 400, "FIELD_MISSING"),
        ("null id", start_body(a, patientIdcard=None), 400, "FIELD_MISSING"),
        ("missing staffNo", start_body(a, staffNo=...), 400, "FIELD_MISSING"),
        ("int name", start_body(a, patientName=42), 400, "FIELD_WRONG_TYPE"),
        ("list name", start_body(a, patientName=["张三"]), 400, "FIELD_WRONG_TYPE"),
        ("empty name", start_body(a, patientName=""), 400, "FIELD_EMPTY"),
        ("oversize name", start_body(a, patientName="张" * 101), 400, "FIELD_TOO_LONG"),
        ("oversize id", start_body(a, patientIdcard="a" * 600), 400, "FIELD_TOO_LONG"),
        ("nul in name", start_body(a, patientName="张\u0000三"), 400, "FIELD_INVALID"),
        ("tab in staffName", start_body(a, staffName="李\t医生"), 400, "FIELD_INVALID"),
        ("surrogate", start_body(a, patientName="\ud800"), 400, "FIELD_INVALID"),
        ("not hex", start_body(a, patientIdcard="zz" * 16), 400, "SM4_BAD_CIPHERTEXT"),
        ("odd hex", start_body(a, patientIdcard="abc"), 400, "SM4_BAD_CIPHERTEXT"),
        ("part block", start_body(a, patientIdcard="ab" * 15), 400, "SM4_BAD_CIPHERTEXT"),
        (
            "bad padding",
            start_body(a, patientIdcard=bad_padding_hex(DEMO_A["sm4_key"])),
            400,
            "SM4_DECRYPT_FAILED",
        ),
        (
            "wrong key",
            start_body(a, patientIdcard=sm4_encrypt_ecb_hex(key_b, GOOD_ID)),
            400,
            "SM4_DECRYPT_FAILED",
        ),
        ("unknown cardType", start_body(a, cardType="00"), 400, "CARD_TYPE_UNKNOWN"),
        ("int cardType", start_body(a, cardType=1), 400, "FIELD_WRONG_TYPE"),
        (
            "bad check digit",
            start_body(a, patientIdcard=a.enc(BAD_CHECK)),
            400,
            "ID_CHECK_DIGIT_INVALID",
        ),
        ("not an ID", start_body(a, patientIdcard=a.enc("ABC")), 400, "ID_NUMBER_INVALID"),
        ("unknown method", start_body(a, method="fax"), 400, "METHOD_UNKNOWN"),
        ("appointment here", start_body(a, method="appointment"), 400, "METHOD_UNKNOWN"),
        # No phone of record for GOOD_ID and the default policy "refuse".
        ("sms, no phone of record", start_body(a, phone=...), 409, "PHONE_NOT_ON_RECORD"),
        ("bad phone", start_body(a, phone=a.enc("12345")), 400, "PHONE_INVALID"),
        (
            "phone wrong key",
            start_body(a, phone=sm4_encrypt_ecb_hex(key_b, "13800138000")),
            400,
            "SM4_DECRYPT_FAILED",
        ),
    ]
    run(a, "/api/v1/authorizations", cases)
    plain = a.post("/api/v1/authorizations", raw="x", headers={"Content-Type": "text/plain"})
    check(plain, 415, "UNSUPPORTED_MEDIA_TYPE", "text/plain")
    assert Authorization.objects.count() == 0


def test_verify_resend_detail_refuse_malformed_input_and_unknown_ids(relay):
    a = relay.a
    auth_id = a.start(resident_id(51), "authcode").json()["data"]["authorizationId"]
    path = f"/api/v1/authorizations/{auth_id}/verify"
    run(
        a,
        path,
        [
            ("bad json", b"{", 400, "BAD_JSON"),
            ("list", [], 400, "BODY_NOT_OBJECT"),
            ("int code", {"code": 123456}, 400, "FIELD_WRONG_TYPE"),
            ("long code", {"code": "1" * 17}, 400, "FIELD_TOO_LONG"),
            ("no code", {}, 400, "CODE_REQUIRED"),
            ("photo not text", {"idPhoto": 1, "livePhoto": 2}, 400, "FIELD_WRONG_TYPE"),
        ],
    )
    for bad in ("999999", "abc", "99999999999999999999", "-1", "１"):
        for suffix in ("", "/verify", "/revoke", "/resend"):
            answer = (
                a.get(f"/api/v1/authorizations/{bad}")
                if not suffix
                else a.post(f"/api/v1/authorizations/{bad}{suffix}", {"code": "123456"})
            )
            check(answer, 404, "AUTHORIZATION_NOT_FOUND", f"{bad}{suffix}")


def test_views_refuse_every_malformed_param(relay):
    a = relay.a
    org = a.org_code

    def param(**kw) -> dict:
        return {
            "param": a.enc(
                view_param(org_code=kw.pop("org_code", org), idcard=kw.pop("idcard", GOOD_ID), **kw)
            )
        }

    base = view_param(org_code=org, idcard=GOOD_ID)
    cases = [
        ("bad json", b"{", 400, "BAD_JSON"),
        ("list", ["x"], 400, "BODY_NOT_OBJECT"),
        ("no param", {}, 400, "FIELD_MISSING"),
        ("int param", {"param": 5}, 400, "FIELD_WRONG_TYPE"),
        ("oversize param", {"param": "a" * 8193}, 400, "FIELD_TOO_LONG"),
        ("not hex", {"param": "xyz"}, 400, "SM4_BAD_CIPHERTEXT"),
        ("bad padding", {"param": bad_padding_hex(DEMO_A["sm4_key"])}, 400, "SM4_DECRYPT_FAILED"),
        (
            "wrong key",
            {"param": sm4_encrypt_ecb_hex(DEMO_B["sm4_key"], base)},
            400,
            "SM4_DECRYPT_FAILED",
        ),
        ("no pairs", {"param": a.enc("hello")}, 400, "PARAM_MALFORMED"),
        ("unknown key", {"param": a.enc(base + "&extra=1")}, 400, "PARAM_UNKNOWN_KEY"),
        ("duplicate", {"param": a.enc(base + "&staffNo=x")}, 400, "PARAM_DUPLICATE_KEY"),
        (
            "missing key",
            {"param": a.enc(base.replace("&patientId=P0001", ""))},
            400,
            "PARAM_MISSING_KEY",
        ),
        ("empty staffNo", param(staff_no=""), 400, "PARAM_EMPTY_VALUE"),
        ("unknown cardType", param(card_type="00"), 400, "CARD_TYPE_UNKNOWN"),
        ("bad check digit", param(idcard=BAD_CHECK), 400, "ID_CHECK_DIGIT_INVALID"),
        ("short resident id", param(idcard="4401"), 400, "ID_NUMBER_INVALID"),
        ("oversize staffName", param(staff_name="李" * 65), 400, "FIELD_TOO_LONG"),
        ("oversize id", param(card_type="03", idcard="E" * 65), 400, "FIELD_TOO_LONG"),
        (
            "bad percent",
            {"param": a.enc(base.replace("staffName=李医生", "staffName=%E6%9D"))},
            400,
            "PARAM_MALFORMED",
        ),
        ("other org", param(org_code=relay.b.org_code), 403, "ORG_CODE_MISMATCH"),
        ("well formed, no consent", param(staff_name="李%26医生"), 403, "NO_CONSENT"),
        ("passport, no consent", param(card_type="03", idcard="E12345678"), 403, "NO_CONSENT"),
    ]
    run(a, "/api/v1/views", cases)


def test_compatible_endpoint_refuses_malformed_input_in_the_province_shape(relay):
    a = relay.a

    def rec(**changes) -> dict:
        body = {
            "authDays": 30,
            "patientIdcard": a.enc(GOOD_ID),
            "patientName": "张三",
            "orgCode": a.org_code,
            "orgName": a.org_name,
            "status": "1",
            "appId": "x",
        }
        for key, value in changes.items():
            if value is ...:
                body.pop(key)
            else:
                body[key] = value
        return {"codeAuthRec": body}

    cases = [
        ("bad json", b'{"codeAuthRec":', 400, "BAD_JSON"),
        ("list", [], 400, "BODY_NOT_OBJECT"),
        ("no record", {}, 400, "FIELD_MISSING"),
        ("record not object", {"codeAuthRec": "x"}, 400, "FIELD_WRONG_TYPE"),
        ("no status", rec(status=...), 400, "FIELD_MISSING"),
        ("status 2", rec(status="2"), 400, "STATUS_INVALID"),
        ("int status", rec(status=1), 400, "FIELD_WRONG_TYPE"),
        ("authDays text", rec(authDays="abc"), 400, "AUTH_DAYS_INVALID"),
        ("authDays 31", rec(authDays=31), 400, "AUTH_DAYS_INVALID"),
        ("authDays 0", rec(authDays=0), 400, "AUTH_DAYS_INVALID"),
        ("authDays bool", rec(authDays=True), 400, "AUTH_DAYS_INVALID"),
        ("authDays float", rec(authDays=7.5), 400, "AUTH_DAYS_INVALID"),
        ("other org", rec(orgCode=relay.b.org_code), 403, "ORG_CODE_MISMATCH"),
        ("oversize orgCode", rec(orgCode="1" * 33), 400, "FIELD_TOO_LONG"),
        ("empty name", rec(patientName=" "), 400, "FIELD_EMPTY"),
        ("not hex", rec(patientIdcard="zz"), 400, "SM4_BAD_CIPHERTEXT"),
        (
            "wrong key",
            rec(patientIdcard=sm4_encrypt_ecb_hex(DEMO_B["sm4_key"], GOOD_ID)),
            400,
            "SM4_DECRYPT_FAILED",
        ),
        (
            "bad padding",
            rec(patientIdcard=bad_padding_hex(DEMO_A["sm4_key"])),
            400,
            "SM4_DECRYPT_FAILED",
        ),
    ]
    run(a, SAVE_PATH, cases)
    assert Authorization.objects.count() == 0
    unsigned = a.session.post(relay.url + SAVE_PATH, data=json.dumps(rec()), timeout=10)
    check(unsigned, 401, "MISSING_SIGNATURE_HEADERS", "unsigned")
    # A numeric-text authDays within 1..30 is relayed as sent.
    ok = a.post(SAVE_PATH, rec(authDays="7"))
    assert ok.json() == {"returnCode": "1", "returnDesc": "成功"}
    assert relay.sim.state.last_save["body"]["codeAuthRec"]["authDays"] == 7
    assert Authorization.objects.get().auth_days == 7


def test_list_filters_and_pagination(relay, push_code):
    a = relay.a
    ids = [
        a.start(resident_id(60 + n), "authcode").json()["data"]["authorizationId"] for n in range(3)
    ]
    relay.b.start(resident_id(70), "authcode")
    listing = a.get("/api/v1/authorizations?pageSize=2").json()["data"]
    assert listing["total"] == 3 and len(listing["items"]) == 2
    assert [i["authorizationId"] for i in listing["items"]] == ids[::-1][:2]
    page2 = a.get("/api/v1/authorizations?pageSize=2&page=2").json()["data"]
    assert [i["authorizationId"] for i in page2["items"]] == [ids[0]]
    one = a.get("/api/v1/authorizations", params={"patientIdcard": a.enc(resident_id(61))})
    assert [i["authorizationId"] for i in one.json()["data"]["items"]] == [ids[1]]
    assert a.get("/api/v1/authorizations?state=granted").json()["data"]["total"] == 0
    for query in ("state=bogus", "pageSize=1000", "page=abc", "method=fax", "page=0"):
        check(a.get(f"/api/v1/authorizations?{query}"), 400, "FILTER_INVALID", query)
    check(
        a.get("/api/v1/authorizations", params={"patientIdcard": "zz"}),
        400,
        "SM4_BAD_CIPHERTEXT",
        "patient filter",
    )
