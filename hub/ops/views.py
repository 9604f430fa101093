"""The operations endpoints: ``/healthz``, ``/readyz`` and ``/metrics``.

They answer plain JSON (or the Prometheus text format), not the province's
envelope: their readers are load balancers, orchestrators and Prometheus.
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache, wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from hub.errors import Code, json_error
from hub.ops import health, metrics


def _ops_endpoint(view):
    """GET/HEAD only, never cached by a proxy."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = json_error(request, Code.METHOD_NOT_ALLOWED, _("Method not allowed."), 405)
            response["Allow"] = "GET, HEAD"
            return response
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper


@_ops_endpoint
def healthz(request):
    """Liveness: the process serves requests. Checks nothing else on purpose."""
    return JsonResponse({"status": "ok"})


@_ops_endpoint
def readyz(request):
    ready, body = health.readiness()
    response = JsonResponse(body, status=200 if ready else 503)
    # A failing probe is a state, reported every few seconds: not an ERROR line each time.
    response._has_been_logged = True
    return response


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]):
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def metrics_allowed(request) -> bool:
    """From an allowed address (the direct peer, never X-Forwarded-For), or with
    the bearer token when one is configured."""
    token = getattr(settings, "METRICS_TOKEN", "") or ""
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, presented = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), token.encode()
        ):
            return True
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if peer.version == 6 and peer.ipv4_mapped:  # a dual-stack socket's view of IPv4
        peer = peer.ipv4_mapped
    allowed = _networks(tuple(getattr(settings, "METRICS_ALLOWED_IPS", ()) or ()))
    return any(peer in network for network in allowed)


@_ops_endpoint
def metrics_view(request):
    if not metrics_allowed(request):
        return json_error(request, Code.FORBIDDEN, _("You do not have permission to do this."), 403)
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)
