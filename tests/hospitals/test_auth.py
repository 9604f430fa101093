"""Signed-request authentication: every refusal has its own errorCode and status."""

import time

import pytest
from django.test import Client, override_settings

from hospitals.models import Stage, Status
from hub.gm.xtif import signed_headers
from tests.fixtures.hospitals import DEMO_A, SignedClient

ME = "/api/v1/hospitals/me"
pytestmark = pytest.mark.django_db


def _headers(paasid="hosp-a", token="hosp-a-token", **kw):
    h = signed_headers(paasid, token, **kw)
    h.pop("Content-Type")
    return h


def _refused(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["returnCode"] == "0"
    assert body["errorCode"] == code
    assert body["returnDesc"]


def test_me_answers_the_callers_entry(api_a, hospital_a):
    response = api_a.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["returnCode"] == "1"
    assert body["data"]["orgCode"] == "455404482"
    assert body["data"]["stage"] == "live"
    assert body["data"]["paasid"] == "hosp-a"


def test_hospital_b_sees_its_own_entry(api_a, api_b):
    assert api_b.get(ME).json()["data"]["orgCode"] == "455404483"
    assert api_a.get(ME).json()["data"]["orgCode"] == "455404482"


def test_lowercase_signature_is_accepted(hospital_a):
    h = _headers()
    h["x-tif-signature"] = h["x-tif-signature"].lower()
    assert Client().get(ME, headers=h).status_code == 200


def test_missing_headers_refused(hospital_a):
    h = _headers()
    del h["x-tif-nonce"]
    _refused(Client().get(ME, headers=h), 401, "MISSING_SIGNATURE_HEADERS")
    _refused(Client().get(ME), 401, "MISSING_SIGNATURE_HEADERS")


def test_unknown_paasid_refused(hospital_a):
    _refused(Client().get(ME, headers=_headers("nobody", "x")), 401, "UNKNOWN_PAASID")


def test_bad_signature_refused(hospital_a):
    _refused(Client().get(ME, headers=_headers("hosp-a", "wrong")), 401, "BAD_SIGNATURE")


def test_other_hospitals_token_refused(hospital_a, hospital_b):
    _refused(Client().get(ME, headers=_headers("hosp-a", "hosp-b-token")), 401, "BAD_SIGNATURE")


class _FrozenTime:
    """Stands in for the ``time`` module the signature check reads its clock
    from (``hub.gm.xtif``): ``time()`` is fixed, everything else is real."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.fixture
def server_now(monkeypatch):
    """The hub's signature clock frozen at a whole second; returns that second.

    A timestamp built from ``time.time()`` in the test is not exact: it is
    truncated to the second and the server reads its clock later, so
    ``int(time.time()) + 181`` can be 180 s or less ahead when checked, and be
    accepted. With the clock frozen the skew is exact."""
    from hub.gm import xtif

    now = int(time.time())
    monkeypatch.setattr(xtif, "time", _FrozenTime(float(now)))
    return now


def test_stale_timestamp_refused(hospital_a, server_now):
    old = server_now - 181
    _refused(Client().get(ME, headers=_headers(timestamp=old)), 401, "STALE_TIMESTAMP")
    future = server_now + 181
    _refused(Client().get(ME, headers=_headers(timestamp=future)), 401, "STALE_TIMESTAMP")


@pytest.mark.parametrize("skew", [-180, 0, 180])
def test_timestamp_up_to_180_seconds_off_is_accepted(hospital_a, server_now, skew):
    assert Client().get(ME, headers=_headers(timestamp=server_now + skew)).status_code == 200


def test_malformed_timestamp_refused(hospital_a):
    h = _headers()
    h["x-tif-timestamp"] = "yesterday"
    _refused(Client().get(ME, headers=h), 401, "BAD_TIMESTAMP")


def test_replayed_nonce_refused(hospital_a):
    h = _headers()
    assert Client().get(ME, headers=h).status_code == 200
    _refused(Client().get(ME, headers=h), 401, "REPLAYED_NONCE")


def test_suspended_hospital_refused(hospital_a, api_a):
    hospital_a.status = Status.SUSPENDED
    hospital_a.save(update_fields=["status"])
    _refused(api_a.get(ME), 403, "HOSPITAL_SUSPENDED")


def test_ip_outside_allowlist_refused(hospital_a, api_a):
    hospital_a.ip_allowlist = "10.0.0.0/8\n192.168.1.5"
    hospital_a.save(update_fields=["ip_allowlist"])
    _refused(api_a.get(ME), 403, "IP_NOT_ALLOWED")
    assert api_a.get(ME, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert api_a.get(ME, REMOTE_ADDR="192.168.1.5").status_code == 200


def test_forwarded_for_only_believed_from_trusted_proxy(hospital_a, api_a):
    hospital_a.ip_allowlist = "10.0.0.0/8"
    hospital_a.save(update_fields=["ip_allowlist"])
    xff = {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 172.16.0.1"}
    _refused(api_a.get(ME, **xff), 403, "IP_NOT_ALLOWED")
    with override_settings(TRUSTED_PROXIES=["127.0.0.1/32"]):
        assert api_a.get(ME, **xff).status_code == 200


def test_me_answers_for_a_hospital_not_yet_live(hospital_a, api_a):
    hospital_a.stage = Stage.INTEGRATING
    hospital_a.save(update_fields=["stage"])
    response = api_a.get(ME)
    assert response.status_code == 200
    data = response.json()["data"]
    # In the joint test: it may call, its traffic on the test target.
    assert data["mayRelay"] is True and data["provinceTarget"] == "test"


def test_refusal_log_holds_no_secret(hospital_a, caplog):
    h = _headers("hosp-a", "wrong-token")
    Client().get(ME, headers=h)
    text = caplog.text
    assert "BAD_SIGNATURE" in text
    assert "wrong-token" not in text and h["x-tif-signature"] not in text


def test_signed_client_helper_signs_each_request_afresh(hospital_a):
    client = SignedClient(DEMO_A["paasid"], DEMO_A["paastoken"])
    assert client.get(ME).status_code == 200
    assert client.get(ME).status_code == 200


def test_refusals_are_chinese_by_default(hospital_a):
    body = Client().get(ME, headers=_headers("hosp-a", "wrong")).json()
    assert body["returnDesc"] == "x-tif-signature 签名不匹配。"


def test_refusals_in_english_on_request(hospital_a):
    h = _headers("hosp-a", "wrong")
    h["Accept-Language"] = "en"
    body = Client().get(ME, headers=h).json()
    assert body["returnDesc"] == "x-tif-signature does not match."


def test_signed_headers_for_requests_against_a_live_server(transactional_db, live_server):
    import requests

    from tests.fixtures.hospitals import DEMO_A, make_demo_hospital, signed_headers_for

    make_demo_hospital(DEMO_A)
    session = requests.Session()
    session.trust_env = False  # never through a proxy
    url = live_server.url + ME
    first = session.get(url, headers=signed_headers_for("hosp-a", "hosp-a-token"), timeout=10)
    assert first.status_code == 200 and first.json()["data"]["orgCode"] == "455404482"
    replay = session.get(url, headers=first.request.headers, timeout=10)
    assert replay.status_code == 401 and replay.json()["errorCode"] == "REPLAYED_NONCE"
