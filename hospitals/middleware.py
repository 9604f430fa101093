"""Keep the back office off the API host (seed §7.3).

With ``ADMIN_HOSTS`` set, ``/admin/`` answers only on those hosts and is a
plain 404 everywhere else, as if it did not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseNotFound


def _host_allowed(host: str, allowed: list[str]) -> bool:
    host = host.lower()
    bare = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return any(h.lower() in (host, bare) for h in allowed)


class AdminHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = getattr(settings, "ADMIN_HOSTS", None)
        if allowed and request.path_info.startswith("/admin"):
            try:
                host = request.get_host()
            except Exception:  # DisallowedHost: not an admin host either
                host = ""
            if not _host_allowed(host, allowed):
                return HttpResponseNotFound(b"Not Found", content_type="text/plain")
        return self.get_response(request)
