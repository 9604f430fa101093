"""/metrics: the hub's metric families, scrape-time gauges, and who may read them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.test import override_settings

from hub.ops.metrics import METRIC_NAMES, PROVINCE_CALLS, SMS_REFUSALS, province_call

ROOT = Path(__file__).resolve().parents[2]


def scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_expose_the_request_counter_after_a_request(client):
    client.get("/healthz")
    client.get("/no/such/page")
    text = scrape(client)
    assert (
        'hub_http_requests_total{endpoint="/healthz",hospital="-",method="GET",outcome="ok"}'
        in text
    )
    # An unknown path is one bounded label, with the answer's error code as outcome.
    assert 'endpoint="<unmatched>",hospital="-",method="GET",outcome="NOT_FOUND"' in text
    assert 'hub_http_request_duration_seconds_bucket{endpoint="/healthz"' in text


def test_metrics_declare_every_family_other_modules_increment(client):
    SMS_REFUSALS.labels(reason="throttled").inc()
    with province_call("codeAuthRec/save") as call:
        call["outcome"] = "business_error"
    text = scrape(client)
    for name in METRIC_NAMES[:6]:  # the counted families; the rest are computed
        assert f"# TYPE {name} " in text
    assert "_created" not in text
    assert 'hub_sms_refusals_total{reason="throttled"}' in text
    assert 'hub_province_calls_total{interface="codeAuthRec/save",outcome="business_error"}' in text
    assert 'hub_province_call_duration_seconds_count{interface="codeAuthRec/save"}' in text


def test_province_call_counts_an_exception_as_error():
    before = PROVINCE_CALLS.labels(interface="test/boom", outcome="error")._value.get()
    with pytest.raises(RuntimeError), province_call("test/boom"):
        raise RuntimeError("down")
    after = PROVINCE_CALLS.labels(interface="test/boom", outcome="error")._value.get()
    assert after == before + 1


def test_metrics_are_refused_from_a_public_address(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert response.json()["errorCode"] == "FORBIDDEN"
    assert b"hub_http_requests" not in response.content


def test_metrics_follow_the_configured_networks(client):
    with override_settings(METRICS_ALLOWED_IPS=["203.0.113.0/24"]):
        assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_metrics_accept_the_bearer_token_from_anywhere(client):
    with override_settings(METRICS_TOKEN="s3cret-scrape-token"):
        good = client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
        )
        bad = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    assert good.status_code == 200
    assert bad.status_code == 403


def test_metrics_ignore_a_forged_forwarded_for(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 403


def test_queue_depth_is_read_from_the_redis_broker(client, settings):
    url = os.environ.get("REDIS_URL", "")
    if not url.startswith("redis"):
        pytest.skip("REDIS_URL is not set: the tests run on Redis via make test")
    r = redis.Redis.from_url(url)
    r.delete("celery")
    r.rpush("celery", "a", "b", "c")
    try:
        settings.CELERY_BROKER_URL = url
        text = scrape(client)
    finally:
        r.delete("celery")
        r.close()
    assert 'hub_celery_queue_length{queue="celery"} 3.0' in text


def test_an_unreachable_broker_leaves_the_scrape_working(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    text = scrape(client)
    assert "hub_celery_queue_length" not in text
    assert "hub_http_requests_total" in text


@pytest.mark.django_db
def test_the_complaint_backlog_never_breaks_the_scrape(client):
    from django.apps import apps

    text = scrape(client)
    try:
        apps.get_model("complaints", "Complaint")
    except LookupError:
        assert "hub_complaint_backlog" not in text
    else:
        assert "# TYPE hub_complaint_backlog gauge" in text


def test_metric_names_list_matches_the_declared_families():
    assert {n.removesuffix("_total") for n in METRIC_NAMES} >= {
        "hub_http_requests",
        "hub_province_calls",
        "hub_sms_sends",
        "hub_sms_refusals",
    }


COUNT_ONE = (
    "from hub.ops.metrics import SMS_SENDS; SMS_SENDS.labels(backend='file', outcome='ok').inc()"
)
COUNT_AND_RENDER = (
    "import django; django.setup();"
    "from hub.ops.metrics import SMS_SENDS, render;"
    "SMS_SENDS.labels(backend='file', outcome='ok').inc();"
    "print(render()[0].decode())"
)


def test_counts_of_several_processes_add_up_in_multiprocess_mode(tmp_path):
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hub.settings",
    }
    subprocess.run([sys.executable, "-c", COUNT_ONE], env=env, cwd=ROOT, check=True, timeout=60)
    out = subprocess.run(
        [sys.executable, "-c", COUNT_AND_RENDER],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    assert 'hub_sms_sends_total{backend="file",outcome="ok"} 2.0' in out
