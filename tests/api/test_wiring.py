"""What ties a hospital request to its province call and to the metrics: the
request id sent on as ``X-Request-ID``, the province and SMS counters."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from hub.context import bind_request_id, reset_request_id
from hub.gm import sm4_encrypt_ecb_hex
from hub.province.client import SAVE_PATH, ProvinceAccount, save_authorization
from hub.province.simulator.state import DEMO_ACCOUNT
from tests.api.conftest import DEMO_PATIENT_ID, _signed_a
from tests.fixtures.hospitals import DEMO_A, make_demo_hospital
from tests.fixtures.relay import record_phone


class ProvinceStub:
    """A province that answers success and remembers each request's headers."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stub.headers.append({k.lower(): v for k, v in self.headers.items()})
                body = json.dumps({"returnCode": "1", "returnDesc": "成功"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def province_stub():
    stub = ProvinceStub()
    yield stub
    stub.close()


def _save(base_url: str):
    return save_authorization(
        ProvinceAccount(**DEMO_ACCOUNT),
        base_url=base_url,
        id_number=DEMO_PATIENT_ID,
        patient_name="张三",
        org_code=DEMO_A["org_code"],
        org_name=DEMO_A["org_name"],
    )


def test_province_call_carries_the_current_request_id(province_stub):
    token = bind_request_id("his-req-0001")
    try:
        _save(province_stub.url)
    finally:
        reset_request_id(token)
    _save(province_stub.url)  # outside any request: no id to send
    first, second = province_stub.headers
    assert first["x-request-id"] == "his-req-0001"
    assert "x-request-id" not in second


def _compat_body() -> str:
    rec = {
        "authDays": 30,
        "patientIdcard": sm4_encrypt_ecb_hex(DEMO_A["sm4_key"], DEMO_PATIENT_ID),
        "patientName": "张三",
        "orgCode": DEMO_A["org_code"],
        "orgName": DEMO_A["org_name"],
        "status": "1",
    }
    return json.dumps({"codeAuthRec": rec})


def _city_account() -> None:
    from hospitals.models import ProvinceAccount as AccountRow

    AccountRow.objects.create(name="city", is_city_default=True, **DEMO_ACCOUNT)


def test_relayed_call_reaches_the_province_with_the_hospital_request_id(
    transactional_db, province_stub, settings
):
    settings.PROVINCE_BASE_URL = province_stub.url
    _city_account()
    make_demo_hospital(DEMO_A)
    answer = Client().post(
        SAVE_PATH,
        data=_compat_body(),
        content_type="application/json",
        headers={**_signed_a(), "X-Request-ID": "his-7f3a_0042"},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["returnCode"] == "1"
    assert [h.get("x-request-id") for h in province_stub.headers] == ["his-7f3a_0042"]


def _samples(client: Client) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    out = {}
    for family in text_string_to_metric_families(answer.content.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _delta(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_metrics_count_a_relayed_call_an_sms_and_a_refused_sms(transactional_db, province_sim):
    _city_account()
    make_demo_hospital(DEMO_A)
    client = Client()
    before = _samples(client)

    relayed = client.post(
        SAVE_PATH, data=_compat_body(), content_type="application/json", headers=_signed_a()
    )
    assert relayed.status_code == 200 and relayed.json()["returnCode"] == "1", relayed.content
    record_phone(DEMO_PATIENT_ID, "13800138000")
    start = {
        "patientIdcard": sm4_encrypt_ecb_hex(DEMO_A["sm4_key"], DEMO_PATIENT_ID),
        "cardType": "01",
        "patientName": "张三",
        "method": "sms",
        "phone": sm4_encrypt_ecb_hex(DEMO_A["sm4_key"], "13800138000"),
        "staffNo": "doc001",
    }
    started = client.post(
        "/api/v1/authorizations",
        data=json.dumps(start),
        content_type="application/json",
        headers=_signed_a(),
    )
    assert started.status_code == 200, started.content
    auth_id = started.json()["data"]["authorizationId"]
    resent = client.post(f"/api/v1/authorizations/{auth_id}/resend", headers=_signed_a())
    assert resent.status_code == 429 and resent.json()["errorCode"] == "SMS_COOLDOWN"

    after = _samples(client)
    interface = {"interface": "codeAuthRec/save"}
    assert _delta(before, after, "hub_province_calls_total", outcome="ok", **interface) == 1
    assert _delta(before, after, "hub_province_call_duration_seconds_count", **interface) == 1
    assert _delta(before, after, "hub_sms_sends_total", backend="locmem", outcome="sent") == 1
    assert _delta(before, after, "hub_sms_refusals_total", reason="sms_cooldown") == 1
