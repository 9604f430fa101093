"""Request id and request metrics.

``RequestIdMiddleware`` goes first in ``MIDDLEWARE``: it takes a sane
``X-Request-ID`` from the caller (nginx sets one) or makes one, exposes it as
``request.request_id`` and through :func:`hub.ops.logging.current_request_id`,
and returns it in the ``X-Request-ID`` answer header.

``RequestMetricsMiddleware`` comes right after it: it counts and times every
request into ``HTTP_REQUESTS``/``HTTP_LATENCY`` and writes one access-log line
(``hub.access``) with the route pattern, never the raw path or query string,
which may carry identifiers.
"""

from __future__ import annotations

import json
import logging
import re
import time

from hub.context import (
    NO_REQUEST,
    bind_hospital,
    bind_request_id,
    current_hospital,
    new_request_id,
    reset_hospital,
    reset_request_id,
    sane_request_id,
)
from hub.ops.metrics import HTTP_LATENCY, HTTP_REQUESTS

access_logger = logging.getLogger("hub.access")

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED = "<unmatched>"
# Probes arrive every few seconds: their access lines are DEBUG, not INFO.
QUIET_ENDPOINTS = frozenset({"/healthz", "/readyz", "/metrics"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_ERROR_CODE = re.compile(r"[A-Z0-9_]{1,48}")
_LABEL = re.compile(r"[A-Za-z0-9_.-]{1,32}")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_request_id(request.META.get("HTTP_X_REQUEST_ID")) or new_request_id()
        request.request_id = request_id
        id_token = bind_request_id(request_id)
        hospital_token = bind_hospital(None)
        try:
            response = self.get_response(request)
        finally:
            reset_hospital(hospital_token)
            reset_request_id(id_token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def endpoint_of(request) -> str:
    """The route pattern (``/api/v1/authorizations/<uuid:pk>/verify``): bounded
    label values, and no identifiers from the path."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.route is None:
        return UNMATCHED
    return "/" + match.route


def hospital_of(request) -> str:
    """The caller's org code: ``request.hub_hospital`` (a Hospital or its code),
    else what the authentication bound with ``bind_hospital``, else "-"."""
    hospital = getattr(request, "hub_hospital", None)
    code = getattr(hospital, "org_code", hospital) if hospital is not None else None
    code = code or current_hospital()
    if code and _LABEL.fullmatch(str(code)):
        return str(code)
    return NO_REQUEST


def outcome_of(response) -> str:
    """``ok`` below 400; otherwise the answer's ``errorCode`` when it has one
    (a bounded enum), else ``http_<status>``."""
    status = response.status_code
    if status < 400:
        return "ok"
    code = None
    data = getattr(response, "data", None)  # a DRF Response keeps its data
    if isinstance(data, dict):
        code = data.get("errorCode")
    elif (
        not getattr(response, "streaming", False)
        and response.get("Content-Type", "").startswith("application/json")
        and len(response.content) <= 4096
    ):
        try:
            body = json.loads(response.content)
            code = body.get("errorCode") if isinstance(body, dict) else None
        except ValueError:
            code = None
    if isinstance(code, str) and _ERROR_CODE.fullmatch(code):
        return code
    return f"http_{status}"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        try:
            self._record(request, response, elapsed)
        except Exception:  # metrics must never break an answer
            access_logger.exception("request metrics failed")
        return response

    def _record(self, request, response, elapsed: float) -> None:
        endpoint = endpoint_of(request)
        method = request.method if request.method in _METHODS else "OTHER"
        hospital = hospital_of(request)
        outcome = outcome_of(response)
        HTTP_REQUESTS.labels(
            hospital=hospital, endpoint=endpoint, method=method, outcome=outcome
        ).inc()
        HTTP_LATENCY.labels(endpoint=endpoint, method=method).observe(elapsed)
        level = logging.DEBUG if endpoint in QUIET_ENDPOINTS else logging.INFO
        access_logger.log(
            level,
            "%s %s %s %.1fms",
            method,
            endpoint,
            response.status_code,
            elapsed * 1000,
            extra={
                "method": method,
                "endpoint": endpoint,
                "status": response.status_code,
                "outcome": outcome,
                "duration_ms": round(elapsed * 1000, 1),
                "hospital": hospital,
            },
        )
