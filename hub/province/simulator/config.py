"""Registering orgs with the simulator from outside it (``seed_demo``).

``register_org`` writes the org into the simulator's JSON config file (so a
simulator started later knows it) and, when a simulator is already running on
a loopback address, tells it at once through ``POST /_sim/control``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from hub.province.simulator.state import parse_orgs, read_config_file, write_config_file

logger = logging.getLogger("hub.province.simulator")
_file_lock = threading.Lock()
CONTROL_TIMEOUT_SECONDS = 1.0


def register_org(
    config_path: str | Path, org_code: str, org_name: str, *, sim_url: str | None = None
) -> bool:
    """Add (or rename) an org in the config file; return True when a running
    simulator also took it. ``sim_url`` defaults to ``settings.PROVINCE_BASE_URL``
    when Django is configured; only a loopback URL is ever contacted, so this
    never posts to the real province."""
    org = parse_orgs({org_code: org_name})
    with _file_lock:
        data = read_config_file(config_path)
        orgs = parse_orgs(data.get("orgs", {}))
        orgs.update(org)
        data["orgs"] = orgs
        write_config_file(config_path, data)
    return _tell_running_simulator(sim_url or _settings_base_url(), org)


def _settings_base_url() -> str | None:
    try:
        from django.conf import settings

        return getattr(settings, "PROVINCE_BASE_URL", None) if settings.configured else None
    except ImportError:
        return None


def _is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def _tell_running_simulator(sim_url: str | None, orgs: dict[str, str]) -> bool:
    if not sim_url or not _is_loopback_url(sim_url):
        return False
    request = urllib.request.Request(  # noqa: S310 - scheme checked above (http/https only)
        sim_url.rstrip("/") + "/_sim/control",
        data=json.dumps({"orgs": orgs}, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # No proxy: the simulator is on this machine.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=CONTROL_TIMEOUT_SECONDS) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        logger.debug("no simulator answering at %s; org saved to the config file only", sim_url)
        return False
