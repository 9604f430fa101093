"""The simulator as a plain WSGI application: ``make_app(state)``.

Routes:

- ``POST /ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save`` (``authrec``)
- ``GET|POST <state.viewer_path>`` (default ``/ebus/jiankangdangan/gdehr/viewer``;
  ``viewer``, its authorization screen: ``consent``)
- ``GET /_sim/health``: ``{"ok": true}``
- ``GET|POST /_sim/control``: read or change faults, orgs, accounts; ``reset``
- ``GET /_sim/authorizations``: grants as org code + SM3 digest of the ID, counts
- ``GET /_sim/outbox``: the codes the viewer's authorization screen sent

``/_sim/`` answers only loopback clients (403 otherwise): it is a test and
demo door, never part of the province's surface.
"""

from __future__ import annotations

import html
import ipaddress
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from hub.province.client import SAVE_PATH
from hub.province.simulator.authrec import handle_save
from hub.province.simulator.http import (
    BodyTooLarge,
    Response,
    html_response,
    json_response,
    read_body,
)
from hub.province.simulator.state import SimState
from hub.province.simulator.viewer import handle_view

logger = logging.getLogger("hub.province.simulator")


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def index_page(state: SimState) -> str:
    """``GET /``: what this is, for whoever opens the URL ``make run`` prints."""
    snapshot = state.snapshot()
    orgs = "".join(
        f"<li>{html.escape(code)} {html.escape(name)}</li>"
        for code, name in snapshot["orgs"].items()
    )
    accounts = ", ".join(html.escape(paasid) for paasid in snapshot["accounts"])
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>Province simulator</title></head><body>"
        "<h1>广东健康档案互通系统 — simulator</h1>"
        f"<p>POST <code>{SAVE_PATH}</code> (x-tif signed JSON)<br>"
        f"GET <code>{html.escape(state.viewer_path)}?param=..&amp;appId=..</code></p>"
        f"<p>Accounts (paasid): {accounts}</p><p>Registered orgs:</p><ul>{orgs}</ul>"
        "<p>Loopback only: <code>GET|POST /_sim/control</code>, "
        "<code>GET /_sim/authorizations</code>, <code>GET /_sim/outbox</code>, "
        "<code>GET /_sim/health</code>.</p>"
        "</body></html>"
    )


def handle_control(state: SimState, environ: dict[str, Any]) -> Response:
    if environ["REQUEST_METHOD"] == "GET":
        return json_response(200, state.snapshot())
    try:
        values = json.loads(read_body(environ).decode("utf-8") or "{}")
        return json_response(200, state.control(values))
    except BodyTooLarge:
        return json_response(413, {"error": "body too large"})
    except (UnicodeDecodeError, ValueError) as exc:
        return json_response(400, {"error": str(exc)})


def route(state: SimState, environ: dict[str, Any]) -> Response:
    path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
    if path == SAVE_PATH:
        if method != "POST":
            return json_response(
                405, {"returnCode": "0", "returnDesc": "请求方法不支持，应为 POST"}
            )
        return handle_save(state, environ)
    if path == state.viewer_path:
        if method not in ("GET", "HEAD", "POST"):
            return json_response(
                405, {"returnCode": "0", "returnDesc": "请求方法不支持，应为 GET 或 POST"}
            )
        return handle_view(state, environ)
    if path == "/" and method in ("GET", "HEAD"):
        return html_response(200, index_page(state))
    if path.startswith("/_sim/"):
        if not _is_loopback(environ.get("REMOTE_ADDR", "")):
            return json_response(403, {"error": "the simulator's control paths are loopback only"})
        if path == "/_sim/health":
            return json_response(200, {"ok": True})
        if path == "/_sim/control" and method in ("GET", "POST"):
            return handle_control(state, environ)
        if path == "/_sim/authorizations" and method == "GET":
            return json_response(200, state.snapshot())
        if path == "/_sim/outbox" and method == "GET":
            return json_response(200, {"outbox": list(state.consents.outbox)})
    return json_response(404, {"returnCode": "0", "returnDesc": "接口不存在"})


def make_app(state: SimState) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            response = route(state, environ)
        except Exception:  # a simulator bug must answer, not drop the connection
            logger.exception("simulator error on %s", environ.get("PATH_INFO", ""))
            response = json_response(500, {"returnCode": "0", "returnDesc": "系统内部错误"})
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            *response.headers,
        ]
        start_response(response.status_line(), headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else response.body]

    return app
