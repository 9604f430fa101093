"""The access-log middleware, usage counting and the usage API."""

import threading

import pytest
import requests

from audit.models import AccessLog, UsageCounter
from audit.recount import usage_counts, usage_recount
from tests.fixtures.hospitals import make_demo_hospital, signed_headers_for

pytestmark = pytest.mark.urls("tests.audit.urls")


def test_one_row_per_request_with_route_and_details(api_a, hospital_a):
    response = api_a.post_json(
        "/api/v1/test-audit/42/note?usage=view", {}, headers={"X-Request-ID": "req-1"}
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-1"
    row = AccessLog.objects.get()
    assert row.endpoint == "/api/v1/test-audit/<int:pk>/note"  # the route, not the raw path
    assert (row.method, row.http_status, row.error_code) == ("POST", 200, "")
    assert row.hospital_id == hospital_a.pk and row.org_code == hospital_a.org_code
    assert row.staff_no == "doc-7" and row.authorization_id == 42
    assert len(row.patient_digest) == 64 and "440106" not in row.patient_digest
    assert row.request_id == "req-1" and row.client_ip == "127.0.0.1"
    assert row.usage == "view" and row.latency_ms > 0
    assert row.seq is None  # plain on the request path; the sealer chains it
    assert UsageCounter.objects.get(hospital_id=hospital_a.pk, kind="view").count == 1


def test_refusal_records_error_code_and_still_counts(api_a, hospital_a):
    response = api_a.post_json("/api/v1/test-audit/1/note?usage=view.refused&fail=1", {})

    assert response.status_code == 403
    row = AccessLog.objects.get()
    assert (row.http_status, row.error_code, row.usage) == (403, "FORBIDDEN", "view.refused")
    assert usage_counts() == usage_recount()


def test_unsigned_request_is_logged_without_hospital(client, db):
    response = client.get("/api/v1/test-audit/plain")

    assert response.status_code == 401
    row = AccessLog.objects.get()
    assert row.hospital_id is None
    assert row.error_code == response.json()["errorCode"]
    assert len(row.request_id) == 32  # generated


def test_unmatched_path_is_not_logged_raw(client, db):
    client.get("/api/v1/nothing/440106199003071231")

    row = AccessLog.objects.get()
    assert row.endpoint == "(unmatched)"
    assert row.http_status == 404


def test_paths_outside_the_api_are_not_logged(client, db):
    client.get("/healthz")
    assert AccessLog.objects.count() == 0


def test_usage_api_answers_own_counts_only(api_a, api_b, hospital_a, hospital_b):
    for _ in range(3):
        api_a.post_json("/api/v1/test-audit/1/note?usage=auth.sms.granted,view", {})
    api_b.post_json("/api/v1/test-audit/2/note?usage=view", {})

    from django.utils import timezone

    month = timezone.localdate().strftime("%Y-%m")
    body_a = api_a.get(f"/api/v1/usage?month={month}").json()
    body_b = api_b.get(f"/api/v1/usage?month={month}").json()

    assert body_a["returnCode"] == "1"
    assert body_a["data"]["totals"] == {"auth.sms.granted": 3, "view": 3}
    assert body_a["data"]["orgCode"] == hospital_a.org_code
    assert body_a["data"]["days"][0]["date"] == timezone.localdate().isoformat()
    assert body_b["data"]["totals"] == {"view": 1}


@pytest.mark.parametrize("month", ["2026-13", "26-01", "2026/01", "", "x" * 50])
def test_usage_api_bad_month(api_a, month):
    response = api_a.get("/api/v1/usage", data={"month": month})

    assert response.status_code == 400
    assert response.json()["errorCode"] == "FILTER_INVALID"


def test_usage_api_needs_a_signature(client, db):
    response = client.get("/api/v1/usage?month=2026-01")
    assert response.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_counts_equal_the_log_after_a_concurrent_burst(live_server):
    from django.db import connection

    from hospitals.models import Hospital

    demos = [
        {
            "org_code": f"4554049{i:02d}",
            "org_name": f"并发医院{i}",
            "paasid": f"burst-{i}",
            "paastoken": f"burst-token-{i}",
            "sm4_key": "0123456789abcdeffedcba9876543210",
        }
        for i in range(4)
    ]
    for demo in demos:
        make_demo_hospital(demo)
    Hospital.objects.update(throttle_rate="off")
    per_thread, errors = 12, []

    def burst(demo):
        session = requests.Session()
        try:
            for n in range(per_thread):
                kinds = "view,auth.sms.granted" if n % 2 else "view"
                response = session.post(
                    f"{live_server.url}/api/v1/test-audit/{n}/note?usage={kinds}",
                    json={},
                    headers=signed_headers_for(demo["paasid"], demo["paastoken"]),
                    timeout=30,
                )
                if response.status_code != 200:
                    errors.append(response.text)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=burst, args=(d,)) for d in demos for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert AccessLog.objects.count() == len(threads) * per_thread
    assert usage_counts() == usage_recount()
    for demo in demos:
        hospital = Hospital.objects.get(org_code=demo["org_code"])
        counts = dict(
            UsageCounter.objects.filter(hospital_id=hospital.pk).values_list("kind", "count")
        )
        assert counts == {"view": 2 * per_thread, "auth.sms.granted": per_thread}
    assert connection.vendor == "postgresql"
