"""The caller's address: REMOTE_ADDR, or the left-most X-Forwarded-For entry when
the request came through a trusted proxy (nginx in production)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _trusted(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _in(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())
    if proxies and _in(remote, _trusted(proxies)):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        first = forwarded.split(",")[0].strip()
        if first:
            try:
                return str(ipaddress.ip_address(first))
            except ValueError:
                return remote
    return remote


def ip_allowed(address: str, networks) -> bool:
    """Empty allowlist = every address."""
    if not networks:
        return True
    return _in(address, networks)
