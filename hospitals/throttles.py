"""Per-hospital request throttle on the shared cache (Redis in production).

A fixed-window counter: one atomic ``INCR`` per request (plus an ``ADD`` when a
window opens), so concurrent workers never lose counts the way a read-modify-
write history would. The rate is the hospital's ``throttle_rate`` or
``HOSPITAL_THROTTLE_DEFAULT_RATE``; ``"off"`` disables it. A window boundary can
let through up to twice the rate within one period, which is acceptable for
protecting the hub and the province from a runaway client.
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

from hospitals.models import Hospital
from hospitals.validators import parse_throttle_rate

logger = logging.getLogger("hospitals.throttle")

DEFAULT_RATE = "1200/min"


def _rate_for(hospital: Hospital) -> tuple[int, int] | None:
    rate = hospital.throttle_rate or getattr(
        settings, "HOSPITAL_THROTTLE_DEFAULT_RATE", DEFAULT_RATE
    )
    try:
        return parse_throttle_rate(rate)
    except ValueError:
        logger.error("bad throttle rate for hospital %s; using the default", hospital.pk)
        return parse_throttle_rate(DEFAULT_RATE)


def _hit(key: str, ttl: int) -> int:
    """Count one request in ``key``'s window; the new count."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Redis: INCR and EXPIRE NX in one round trip (atomic, no lost counts).
        redis_key = backend.make_and_validate_key(key)
        pipe = backend._cache.get_client(redis_key, write=True).pipeline()
        pipe.incr(redis_key)
        pipe.expire(redis_key, ttl, nx=True)
        return int(pipe.execute()[0])
    cache.add(key, 0, timeout=ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1


class HospitalRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        hospital = request.user
        if not isinstance(hospital, Hospital):
            return True
        rate = _rate_for(hospital)
        if rate is None:
            return True
        limit, period = rate
        now = time.time()
        window = int(now // period)
        key = f"throttle:hospital:{hospital.pk}:{period}:{window}"
        count = _hit(key, period + 1)
        if count <= limit:
            return True
        self._wait = (window + 1) * period - now
        logger.info("hospital %s throttled (%s/%ss)", hospital.pk, limit, period)
        return False

    def wait(self) -> float | None:
        return float(max(1, math.ceil(getattr(self, "_wait", 1.0))))
