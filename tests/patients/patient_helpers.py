"""Helpers of the patient-page tests (tests/patients/test_patient_*.py and
tests/e2e/test_patient_browser.py): a hospital's calls through the signed
test client, a phone of record, an SMS authorization verified, signing in."""

from __future__ import annotations

import re

from hub.gm import sm4_encrypt_ecb_hex
from tests.fixtures.hospitals import DEMO_A
from tests.fixtures.relay import record_phone, view_param

PATIENT_PHONE = "13700001111"
ATTACKER_PHONE = "13900002222"


def enc(text: str, key: str = DEMO_A["sm4_key"]) -> str:
    return sm4_encrypt_ecb_hex(key, text)


def province_account(province_sim) -> None:
    """The simulator's demo account as the city's province account."""
    from hospitals.models import ProvinceAccount

    account = province_sim.account
    ProvinceAccount.objects.create(
        name="city",
        paasid=account.paasid,
        paastoken=account.paastoken,
        sm4_key=account.sm4_key,
        app_id=account.app_id,
        call_sys_code=account.call_sys_code,
        is_city_default=True,
    )


def start(api, idcard: str, method: str, *, phone: str | None = None, name: str = "张三") -> int:
    body = {
        "patientIdcard": enc(idcard, api.sm4_key),
        "cardType": "01",
        "patientName": name,
        "method": method,
        "staffNo": "doc001",
        "staffName": "李医生",
        "patientId": "P0001",
    }
    if phone:
        body["phone"] = enc(phone, api.sm4_key)
    answer = api.post_json("/api/v1/authorizations", body)
    assert answer.status_code == 200, answer.content
    return answer.json()["data"]["authorizationId"]


def verify(api, authorization_id: int, code: str):
    return api.post_json(f"/api/v1/authorizations/{authorization_id}/verify", {"code": code})


def view(api, idcard: str, org_code: str = DEMO_A["org_code"], **param):
    plain = view_param(org_code=org_code, idcard=idcard, **param)
    return api.post_json("/api/v1/views", {"param": enc(plain, api.sm4_key)})


def grant_by_sms(api, sms_outbox, idcard: str, phone: str) -> int:
    """The honest path: ``phone`` is the patient's phone of record (the
    registry import's way), the hospital starts an SMS authorization, the code
    goes to that phone and the patient tells the doctor."""
    record_phone(idcard, phone)
    auth_id = start(api, idcard, "sms", phone=phone)
    assert sms_outbox[-1].phone == phone
    answer = verify(api, auth_id, sms_outbox[-1].params["code"])
    assert answer.status_code == 200, answer.content
    return auth_id


def sign_in(client, sms_outbox, phone: str):
    answer = client.post("/me/login/", {"phone": phone})
    assert answer.status_code == 302 and answer["Location"] == "/me/login/code/", answer
    code = sms_outbox[-1].params["code"]
    assert sms_outbox[-1].phone == phone
    answer = client.post("/me/login/code/", {"code": code})
    assert answer.status_code == 302 and answer["Location"] == "/me/", answer.content
    return client


def shown_code(html: str) -> str:
    match = re.search(r'id="auth-code">(\d{6})<', html)
    assert match, "no authorization code on the page"
    return match.group(1)
