"""/healthz and /readyz: liveness without dependencies, readiness per component."""

import socket

import pytest
from django.test import override_settings

from hub.ops import health


@pytest.fixture(autouse=True)
def _fresh_province_probe():
    health.forget_province_probe()
    yield
    health.forget_province_probe()


@pytest.fixture
def province_up():
    """A listening TCP socket standing in for the province's host."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    with override_settings(PROVINCE_BASE_URL=f"http://127.0.0.1:{port}"):
        yield server
    server.close()


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_healthz_answers_ok_without_touching_anything(client):
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            }
        }
    ):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_post_with_a_stable_code(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.json()["errorCode"] == "METHOD_NOT_ALLOWED"


@pytest.mark.django_db
def test_readyz_is_200_with_database_cache_and_province_up(client, province_up):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    components = body["components"]
    assert components["database"]["status"] == "up"
    assert components["cache"]["status"] == "up"
    assert components["broker"]["status"] == "eager"  # no CELERY_BROKER_URL in tests
    assert components["province"]["status"] == "up"
    assert all("latencyMs" in c for c in components.values())


@pytest.mark.django_db
def test_readyz_is_503_when_the_cache_is_unreachable(client, province_up):
    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    with override_settings(CACHES=broken):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["components"]["cache"]["status"] == "down"
    assert body["components"]["cache"]["detail"]  # the exception class, not its message
    assert body["components"]["database"]["status"] == "up"


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_unreachable(client, province_up):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["components"]["broker"]["status"] == "down"


@pytest.mark.django_db
def test_readyz_reports_a_reachable_redis_broker_as_up(client, province_up, settings):
    settings.CELERY_BROKER_URL = settings.CACHES["default"].get("LOCATION") or ""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("REDIS_URL is not set: the tests run on Redis via make test")
    response = client.get("/readyz")
    assert response.json()["components"]["broker"]["status"] == "up"
    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_province(client):
    with override_settings(PROVINCE_BASE_URL=f"http://127.0.0.1:{closed_port()}"):
        response = client.get("/readyz")
    assert response.status_code == 503
    province = response.json()["components"]["province"]
    assert province["status"] == "down"
    assert province["detail"] == "ConnectionRefusedError"


@pytest.mark.django_db
def test_a_soft_check_is_reported_but_does_not_fail_readiness(client):
    with override_settings(
        PROVINCE_BASE_URL=f"http://127.0.0.1:{closed_port()}", READYZ_SOFT_CHECKS=["province"]
    ):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["components"]["province"]["status"] == "down"


def test_the_province_probe_is_reused_for_a_few_seconds(province_up):
    assert health.check_province().status == "up"
    province_up.close()  # the province goes away...
    assert health.check_province().status == "up"  # ...the cached answer stands
    health.forget_province_probe()
    assert health.check_province().status == "down"


def test_a_province_url_without_host_is_reported_down():
    with override_settings(PROVINCE_BASE_URL="not a url"):
        result = health.check_province()
    assert result.status == "down"
    assert result.detail == "ValueError"
