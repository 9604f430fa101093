"""Liveness and readiness checks.

Liveness (``/healthz``) touches nothing: the process answers, that is all, so
an orchestrator restarts only a hung process, never a healthy one whose
database is briefly away.

Readiness (``/readyz``) checks what a request needs: the database, the cache,
the Celery broker (``eager`` when there is none) and whether the province's
host accepts a TCP connection. The province probe is cached for
``READYZ_PROVINCE_CACHE_SECONDS`` in each process so frequent probes do not
hammer the province. Components named in ``READYZ_SOFT_CHECKS`` are reported
but do not turn the answer into a 503.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

UP, DOWN, EAGER = "up", "down", "eager"


@dataclass
class CheckResult:
    status: str
    latency_ms: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (UP, EAGER)

    def as_dict(self) -> dict:
        data: dict = {"status": self.status, "latencyMs": round(self.latency_ms, 1)}
        if self.detail:
            data["detail"] = self.detail
        return data


def _timed(probe: Callable[[], str | None]) -> CheckResult:
    """Run a probe; it returns a status (default up) or raises for down.

    The failure detail is the exception class only: messages may carry URLs
    with passwords.
    """
    started = time.perf_counter()
    try:
        status = probe() or UP
        detail = ""
    except Exception as exc:
        status, detail = DOWN, exc.__class__.__name__
    return CheckResult(status, (time.perf_counter() - started) * 1000, detail)


def _setting(name: str, default):
    return getattr(settings, name, default)


def check_database() -> CheckResult:
    from django.db import connection

    def probe():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return _timed(probe)


def check_cache() -> CheckResult:
    from django.core.cache import cache

    def probe():
        key, value = "hub:readyz", uuid.uuid4().hex
        cache.set(key, value, 10)
        if cache.get(key) != value:
            raise RuntimeError("cache did not return what was stored")

    return _timed(probe)


def check_broker() -> CheckResult:
    url = _setting("CELERY_BROKER_URL", "")
    if not url:
        return CheckResult(EAGER, 0.0)
    timeout = float(_setting("READYZ_TIMEOUT_SECONDS", 1.5))

    def probe():
        from kombu import Connection

        with Connection(
            url,
            connect_timeout=timeout,
            transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout},
        ) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout
            )

    return _timed(probe)


_province_lock = threading.Lock()
_province_cache: dict[str, tuple[float, CheckResult]] = {}


def _province_address(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise ValueError("PROVINCE_BASE_URL has no host")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def check_province() -> CheckResult:
    """A TCP connect to the province's host (no TLS, no request), cached a few
    seconds; to the outbound proxy when calls go through one (``PROVINCE_PROXY_URL``)."""
    base_url = _setting("PROVINCE_PROXY_URL", "") or _setting("PROVINCE_BASE_URL", "")
    ttl = float(_setting("READYZ_PROVINCE_CACHE_SECONDS", 10.0))
    now = time.monotonic()
    with _province_lock:
        cached = _province_cache.get(base_url)
        if cached and now - cached[0] < ttl:
            return cached[1]
    timeout = float(_setting("READYZ_TIMEOUT_SECONDS", 1.5))

    def probe():
        host, port = _province_address(base_url)
        with socket.create_connection((host, port), timeout=timeout):
            pass

    result = _timed(probe)
    with _province_lock:
        _province_cache[base_url] = (time.monotonic(), result)
    return result


def forget_province_probe() -> None:
    """Drop the cached province probe (tests, and after a configuration change)."""
    with _province_lock:
        _province_cache.clear()


CHECKS: dict[str, Callable[[], CheckResult]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "province": check_province,
}


def readiness() -> tuple[bool, dict]:
    """(ready, body): every component's status and latency."""
    soft = set(_setting("READYZ_SOFT_CHECKS", ()) or ())
    components = {name: check() for name, check in CHECKS.items()}
    ready = all(result.ok or name in soft for name, result in components.items())
    body = {
        "status": "ready" if ready else "not_ready",
        "components": {name: result.as_dict() for name, result in components.items()},
    }
    return ready, body
