"""The province client's connections: one pooled, keep-alive urllib3 pool
per process, direct or through the government extranet's outbound proxy, with
the system's CAs or a given CA bundle. No Django imports: ``hub.apps`` passes
``PROVINCE_PROXY_URL`` and ``PROVINCE_CA_BUNDLE`` to ``configure_transport``
when Django starts.
"""

from __future__ import annotations

import threading
from typing import Any

import urllib3

POOL_SIZE = 100

# One pooled, keep-alive connection pool per process: the relay's overhead over
# a direct call is a measured target, and a TLS handshake per call would eat it.
# urllib3 itself rather than requests on top of it: requests' per-call request
# preparation, hooks and cookie jar doubled the client's CPU per call
# (docs/performance.md). urllib3 reads no HTTP(S)_PROXY/.netrc from the
# environment, which would silently reroute calls to the province: the
# government extranet's outbound proxy and CA bundle are explicit settings
# (``PROVINCE_PROXY_URL``, ``PROVINCE_CA_BUNDLE``), given to
# ``configure_transport`` when Django starts (``hub.apps``).
_pool: urllib3.PoolManager | None = None
_pool_lock = threading.Lock()
_transport: dict[str, str] = {"proxy_url": "", "ca_bundle": ""}


def configure_transport(*, proxy_url: str = "", ca_bundle: str = "") -> None:
    """Route calls through ``proxy_url`` (``http://host:port``; HTTPS to the
    province is tunnelled with CONNECT) and verify the province's TLS
    certificate against the CA file ``ca_bundle`` (PEM) instead of the
    system's store; empty = direct, system CAs. The shared pool is rebuilt."""
    global _pool
    if proxy_url and urllib3.util.parse_url(proxy_url).scheme not in ("http", "https"):
        raise ValueError("the province proxy must be an http:// or https:// URL")
    with _pool_lock:
        _transport.update(proxy_url=proxy_url or "", ca_bundle=ca_bundle or "")
        old, _pool = _pool, None
    if old is not None:
        old.clear()


def make_pool(*, proxy_url: str = "", ca_bundle: str = "") -> urllib3.PoolManager:
    # Retries are the caller's policy (Celery backoff), never urllib3's.
    options: dict[str, Any] = {"num_pools": 16, "maxsize": POOL_SIZE, "retries": False}
    if ca_bundle:
        options["ca_certs"] = ca_bundle
    if proxy_url:
        return urllib3.ProxyManager(proxy_url, **options)
    return urllib3.PoolManager(**options)


def shared_pool() -> urllib3.PoolManager:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = make_pool(**_transport)
    return _pool
