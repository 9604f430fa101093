"""Per-hospital request throttle on the shared cache (Redis in production).

A fixed-window counter: one atomic ``INCR`` per request (plus an ``ADD`` when a
window opens), so concurrent workers never lose counts the way a read-modify-
write history would. The rate is the hospital's ``throttle_rate`` or
``HOSPITAL_THROTTLE_DEFAULT_RATE``; ``"off"`` disables it. A window boundary can
let through up to twice the rate within one period, which is acceptable for
protecting the hub and the province from a runaway client.

On Redis the x-tif authentication counts the request in the same round trip
as its nonce (``nonce_and_hit``: one Lua script, the count only when the
nonce is new) when it knows the request will reach this throttle; the
throttle then reads that count instead of calling Redis again.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Window:
    """The fixed window a request falls in, for one hospital."""

    key: str
    limit: int
    period: int
    window: int
    now: float
    hospital_id: int


def window_for(hospital: Hospital, now: float | None = None) -> Window | None:
    """The hospital's current window; None when its throttle is off."""
    rate = _rate_for(hospital)
    if rate is None:
        return None
    limit, period = rate
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"throttle:hospital:{hospital.pk}:{period}:{window}"
    return Window(key, limit, period, window, now, hospital.pk)


# KEYS: nonce, counter; ARGV: nonce ttl, counter ttl. 0 = nonce already used.
_NONCE_AND_HIT = """
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then return 0 end
local n = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2], 'NX')
return n
"""
_script = None


def nonce_and_hit(nonce_key: str, nonce_ttl: int, window: Window) -> int | None:
    """Record ``nonce_key`` (a cache key, ``SET NX EX`` as ``cache.add`` does)
    and, only if it was new, count one request in ``window``: one round trip.
    Returns 0 for a nonce already used, else the window's new count; None when
    the cache is not Redis (the caller then uses the two separate steps)."""
    global _script
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    redis_nonce = backend.make_and_validate_key(nonce_key)
    client = backend._cache.get_client(redis_nonce, write=True)
    if _script is None:
        _script = client.register_script(_NONCE_AND_HIT)
    keys = [redis_nonce, backend.make_and_validate_key(window.key)]
    return int(_script(keys=keys, args=[int(nonce_ttl), window.period + 1], client=client))


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
        counted = getattr(request._request, "hub_throttle_count", None)
        if counted is not None and counted[0].hospital_id == hospital.pk:
            win, count = counted  # counted with the nonce (hospitals.auth)
        else:
            win = window_for(hospital)
            if win is None:
                return True
            count = _hit(win.key, win.period + 1)
        if count <= win.limit:
            return True
        self._wait = (win.window + 1) * win.period - win.now
        logger.info("hospital %s throttled (%s/%ss)", hospital.pk, win.limit, win.period)
        return False

    def wait(self) -> float | None:
        return float(max(1, math.ceil(getattr(self, "_wait", 1.0))))
