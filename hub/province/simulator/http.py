"""Tiny WSGI plumbing for the simulator: a response value and body reading."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

MAX_BODY_BYTES = 64 * 1024
JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)

    def status_line(self) -> str:
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        return f"{self.status} {phrase}"


def json_response(status: int, data: Any) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def province_answer(status: int, code: str, desc: str) -> Response:
    """The province's answer shape: ``{"returnCode": ..., "returnDesc": ...}``."""
    return json_response(status, {"returnCode": code, "returnDesc": desc})


def html_response(status: int, html: str) -> Response:
    return Response(status, html.encode("utf-8"), HTML_TYPE)


class BodyTooLarge(Exception):
    pass


def read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise BodyTooLarge
    if length <= 0:
        return b""
    return environ["wsgi.input"].read(length)


def header(environ: dict[str, Any], name: str) -> str:
    """A request header by its HTTP name (``x-tif-paasid``), stripped."""
    return (environ.get("HTTP_" + name.upper().replace("-", "_")) or "").strip()
