"""``AccessLogMiddleware``: one access-log row per request under /api/, /ebus/, /me/
and /viewer.

The row holds: time, hospital (``request.hub_hospital``, set by the
hospitals authentication class, or ``note(hospital=...)``), the hospital
system whose credential signed the call (``request.hub_system_id``, or
``note(system_id=...)`` beside a noted hospital), the endpoint as the
resolved URL *route pattern* (never the raw path, which may carry ids), method,
HTTP status, ``errorCode`` (set by ``hub.errors.exception_handler`` on DRF
answers; empty for other answers), latency, what the view noted through
``audit.context.note`` (staff number, patient digest, authorization id, usage
kinds), client IP and request id. The row and the usage counters (per
hospital and system) are written in one transaction (``audit.services.access_log_write``).

Request id: ``request.request_id`` if an earlier middleware set it, else a
well-formed ``X-Request-ID`` header, else a fresh one; it is echoed in the
``X-Request-ID`` answer header and made available to operation-log rows.
"""

from __future__ import annotations

import logging
import time

from django.utils import timezone

from audit import context
from audit.services import access_log_write
from hospitals.clientip import client_ip
from hub.context import (
    bind_request_id,
    current_request_id,
    new_request_id,
    reset_request_id,
    sane_request_id,
)

logger = logging.getLogger(__name__)

# /viewer: the viewer entry (relay.viewer_entry), a doctor's browser opening a record.
LOGGED_PREFIXES = ("/api/", "/ebus/", "/me/", "/viewer")
UNMATCHED = "(unmatched)"


def request_id_for(request) -> str:
    """The id RequestIdMiddleware gave the request (made the same way without it)."""
    existing = getattr(request, "request_id", "")
    if existing:
        return str(existing)[:64]
    return sane_request_id(request.headers.get("X-Request-ID")) or new_request_id()


def _drf_request(response):
    renderer_context = getattr(response, "renderer_context", None) or {}
    return renderer_context.get("request")


def _from_requests(name: str, *requests):
    for req in requests:
        value = getattr(req, name, None) if req is not None else None
        if value:
            return value
    return None


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED
    return "/" + match.route.lstrip("^").rstrip("$").replace("\\Z", "")


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(LOGGED_PREFIXES):
            return self.get_response(request)
        started = time.perf_counter()
        created_at = timezone.now()
        request_id = request_id_for(request)
        request.request_id = request_id
        # RequestIdMiddleware, first in MIDDLEWARE, has bound the id already;
        # bind it here only when this runs without it.
        token = bind_request_id(request_id) if current_request_id() is None else None
        try:
            response = self.get_response(request)
        finally:
            if token is not None:
                reset_request_id(token)
        latency_ms = (time.perf_counter() - started) * 1000.0
        response.setdefault("X-Request-ID", request_id)
        try:
            self._write(request, response, created_at, latency_ms, request_id)
        except Exception:
            # The answer is already decided (and its effects committed); losing
            # the row is reported loudly rather than turned into a 500.
            logger.exception("access log write failed for request %s", request_id)
        return response

    def _write(self, request, response, created_at, latency_ms, request_id) -> None:
        drf_request = _drf_request(response)
        details = context.noted(request)
        if details.get("hospital"):
            hospital, system_id = details["hospital"], details.get("system_id")
        else:
            hospital = _from_requests("hub_hospital", request, drf_request)
            system_id = _from_requests("hub_system_id", request, drf_request)
        error_code = _from_requests("_hub_error_code", request, drf_request) or ""
        access_log_write(
            created_at=created_at,
            hospital=hospital,
            system_id=system_id if hospital is not None else None,
            endpoint=_route(request),
            method=request.method or "",
            http_status=response.status_code,
            error_code=str(error_code),
            latency_ms=latency_ms,
            staff_no=str(details.get("staff_no") or ""),
            patient_digest=details.get("patient_digest") or "",
            authorization_id=details.get("authorization_id"),
            client_ip=client_ip(request),
            request_id=request_id,
            usage=details.get("usage") or (),
            # Before go-live the hospital's traffic is the joint test: apart.
            test=bool(getattr(hospital, "in_joint_test", False)),
        )
