"""Per-hospital throttle: 429 with Retry-After, configurable per hospital."""

import pytest

pytestmark = pytest.mark.django_db
ME = "/api/v1/hospitals/me"


def test_hospital_over_its_rate_gets_429_with_retry_after(api_a, api_b, hospital_a):
    hospital_a.throttle_rate = "3/min"
    hospital_a.save(update_fields=["throttle_rate"])
    assert [api_a.get(ME).status_code for _ in range(3)] == [200, 200, 200]
    response = api_a.get(ME)
    assert response.status_code == 429
    assert response.json()["errorCode"] == "THROTTLED"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another hospital has its own budget.
    assert api_b.get(ME).status_code == 200


def test_throttle_off(api_a, hospital_a, settings):
    settings.HOSPITAL_THROTTLE_DEFAULT_RATE = "1/min"
    hospital_a.throttle_rate = "off"
    hospital_a.save(update_fields=["throttle_rate"])
    assert {api_a.get(ME).status_code for _ in range(5)} == {200}


def test_default_rate_applies_without_own_rate(api_a, settings):
    settings.HOSPITAL_THROTTLE_DEFAULT_RATE = "2/min"
    assert [api_a.get(ME).status_code for _ in range(3)] == [200, 200, 429]


def test_counter_without_redis(monkeypatch):
    """The embedded default (local-memory cache) counts the same way."""
    from django.core.cache.backends.locmem import LocMemCache

    from hospitals import throttles

    local = LocMemCache("throttle-test", {})
    monkeypatch.setattr(throttles, "caches", {"default": local})
    monkeypatch.setattr(throttles, "cache", local)
    assert [throttles._hit("k", 60) for _ in range(3)] == [1, 2, 3]
