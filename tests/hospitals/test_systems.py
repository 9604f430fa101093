"""One credential per connected system (issue 14, §6.1): hospital A's HIS and
EMR sign with their own paasid/token/SM4 key, see their hospital's data, and
are counted apart (access log, usage counters, the usage API, the admin usage
page), the hospital's figures being their sum. Over real HTTP, against the
province simulator."""

from __future__ import annotations

import re

import pytest

from audit.models import AccessLog, UsageCounter
from hospitals.models import IntegratedSystem
from hospitals.roles import CITY_ADMIN
from relay.models import Authorization
from tests.fixtures.backoffice import staff_user, verified_client
from tests.fixtures.hospitals import DEMO_A, DEMO_A_EMR, make_demo_hospital
from tests.fixtures.relay import HubClient, resident_id

START = "/api/v1/authorizations"


def _grant(client: HubClient, push_code, idcard: str) -> int:
    started = client.start(idcard, "authcode")
    assert started.status_code == 200, started.text
    auth_id = started.json()["data"]["authorizationId"]
    verified = client.verify(auth_id, code=push_code())
    assert verified.status_code == 200, verified.text
    return auth_id


def _listed(client: HubClient) -> set[int]:
    answer = client.get("/api/v1/authorizations")
    assert answer.status_code == 200, answer.text
    return {item["authorizationId"] for item in answer.json()["data"]["items"]}


@pytest.fixture
def two_systems(relay):
    """Hospital A with its HIS (``relay.a``) and its EMR (returned client)."""
    make_demo_hospital(DEMO_A_EMR)
    emr = HubClient(relay.url, DEMO_A_EMR)
    yield emr
    emr.session.close()


def test_each_system_signs_with_its_own_credentials_and_sees_its_hospitals_data(
    relay, two_systems, push_code
):
    his, emr = relay.a, two_systems
    his_id = _grant(his, push_code, resident_id(501))
    emr_id = _grant(emr, push_code, resident_id(502))
    saved = emr.compat(resident_id(503))
    assert saved.status_code == 200 and saved.json()["returnCode"] == "1", saved.text

    systems = {s.app_id: s for s in IntegratedSystem.objects.filter(hospital__org_code="455404482")}
    assert Authorization.objects.get(pk=his_id).system == systems["hosp-a-app"]
    assert Authorization.objects.get(pk=emr_id).system == systems["hosp-a-emr-app"]
    mode1 = Authorization.objects.filter(method="appointment").get()
    assert mode1.system == systems["hosp-a-emr-app"]

    # Each key is the system's own: the EMR's ID number under the HIS key is refused.
    body = {
        "patientIdcard": his.enc(resident_id(504)),
        "cardType": "01",
        "patientName": "张三",
        "method": "authcode",
        "staffNo": "doc001",
    }
    refused = emr.post(START, body)
    assert refused.status_code == 400, refused.text
    # The same hospital: both systems see all of A's consents; B sees none.
    everything = {his_id, emr_id, mode1.pk}
    assert _listed(his) == everything
    assert _listed(emr) == everything
    assert _listed(relay.b) & everything == set()
    assert emr.detail(his_id).status_code == 200
    assert relay.b.detail(his_id).status_code == 404


def _usage_of(answer) -> dict:
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_his_and_emr_are_counted_apart_and_the_hospital_is_their_sum(relay, two_systems, push_code):
    his, emr = relay.a, two_systems
    his_id = _grant(his, push_code, resident_id(511))
    assert his.view(resident_id(511)).status_code == 200
    _grant(emr, push_code, resident_id(512))
    _grant(emr, push_code, resident_id(513))
    systems = {s.app_id: s.pk for s in IntegratedSystem.objects.all()}
    his_pk, emr_pk = systems["hosp-a-app"], systems["hosp-a-emr-app"]

    # Access log: each request under the system that signed it.
    starts = AccessLog.objects.filter(endpoint=START, method="POST", http_status=200)
    assert starts.filter(system_id=his_pk).count() == 1
    assert starts.filter(system_id=emr_pk).count() == 2
    verify = AccessLog.objects.get(authorization_id=his_id, endpoint__endswith="/verify")
    assert verify.system_id == his_pk

    # Counters: one row per system; the hospital's figure is their sum.
    def counted(kind, system_id=None):
        rows = UsageCounter.objects.filter(org_code=DEMO_A["org_code"], kind=kind)
        if system_id is not None:
            rows = rows.filter(system_id=system_id)
        return sum(rows.values_list("count", flat=True))

    kind = "auth.authcode.started"
    assert (counted(kind, his_pk), counted(kind, emr_pk), counted(kind)) == (1, 2, 3)
    assert (counted("view", his_pk), counted("view", emr_pk)) == (1, 0)

    # The usage API, asked by either system: the hospital's totals and each system's.
    usage = _usage_of(emr.get("/api/v1/usage"))
    assert usage == _usage_of(his.get("/api/v1/usage"))
    by_app = {s["appId"]: s for s in usage["systems"]}
    assert by_app["hosp-a-app"]["name"] == "HIS" and by_app["hosp-a-emr-app"]["name"] == "EMR"
    assert by_app["hosp-a-app"]["totals"][kind] == 1
    assert by_app["hosp-a-emr-app"]["totals"][kind] == 2
    assert by_app["hosp-a-app"]["totals"]["view"] == 1
    assert "view" not in by_app["hosp-a-emr-app"]["totals"]
    for name, total in usage["totals"].items():
        assert sum(s["totals"].get(name, 0) for s in usage["systems"]) == total, name
    # Per day too (all of it happened today).
    assert [d["date"] for d in by_app["hosp-a-emr-app"]["days"]] == [
        d["date"] for d in usage["days"]
    ]
    assert by_app["hosp-a-emr-app"]["days"][0]["counts"][kind] == 2
    # B's figures are B's alone.
    assert _usage_of(relay.b.get("/api/v1/usage"))["totals"] == {}


def test_the_admin_usage_page_splits_a_hospital_by_system(relay, two_systems, push_code):
    _grant(relay.a, push_code, resident_id(521))
    assert relay.a.view(resident_id(521)).status_code == 200
    assert relay.a.view(resident_id(521)).status_code == 200
    _grant(two_systems, push_code, resident_id(522))
    assert two_systems.view(resident_id(522)).status_code == 200
    emr = IntegratedSystem.objects.get(app_id="hosp-a-emr-app")
    client = verified_client(staff_user("usage-admin", CITY_ADMIN))

    page = client.get("/admin/audit/usagecounter/")
    assert page.status_code == 200
    html = page.content.decode()
    columns = [key for key, _label in page.context["columns"]]
    views = columns.index("views")
    rows = {(r["org_code"], r["app_id"]): r["values"] for r in page.context["system_rows"]}
    assert rows[("455404482", "hosp-a-app")][views] == 2
    assert rows[("455404482", "hosp-a-emr-app")][views] == 1
    hospital = next(r for r in page.context["rows"] if r.org_code == "455404482")
    assert hospital.current["views"] == 3
    assert 'data-app-id="hosp-a-emr-app"' in html
    # The filter the page offers: one system's figures alone.
    assert re.search(rf'<option value="{emr.pk}">[^<]*EMR \(hosp-a-emr-app\)</option>', html)

    only = client.get("/admin/audit/usagecounter/", {"system": str(emr.pk)})
    assert only.status_code == 200 and only.context["system"] == emr
    assert [r.org_code for r in only.context["rows"]] == ["455404482"]
    assert only.context["rows"][0].current["views"] == 1
    assert only.context["rows"][0].current["granted"] == 1
    assert {r["app_id"] for r in only.context["system_rows"]} == {"hosp-a-emr-app"}
    # Nonsense or another scope's id: the page ignores it, never a 500.
    assert client.get("/admin/audit/usagecounter/", {"system": "x"}).status_code == 200
