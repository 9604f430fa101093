"""Shared OpenAPI building blocks (drf-spectacular) for the hospital-facing API.

Every answer of the contract has the province's shape, so each app describes
an operation in two short pieces: the ``data`` of a success, and the
``errorCode`` values each HTTP status can carry::

    from hub.openapi import answers
    responses = answers("UsageAnswer", UsageSerializer(), errors={400: ["VALIDATION_FAILED"]})

which gives, per status, ``{"returnCode": "1", "returnDesc": ..., "data": ...}``
or ``{"returnCode": "0", "returnDesc": ..., "errorCode": <enum>}``. The enums
are exact: schemathesis (tests/api) fails when an endpoint answers a code or a
status its description does not list.

A failure component is named after its first user and shared by every
operation with the same code set (spectacular names an enum after the one
component that holds it, so no two components may hold the same set under
different names).

:func:`ops_paths` is a postprocessing hook adding the plain Django operations
endpoints (``/healthz``, ``/readyz``, ``/metrics``), which are not DRF views.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from hub.errors import Code

#: Codes any JSON-body operation can answer, whatever its own checks.
BODY_ERRORS: dict[int, list[str]] = {
    400: [Code.BAD_JSON],
    413: [Code.PAYLOAD_TOO_LARGE],
    415: [Code.UNSUPPORTED_MEDIA_TYPE],
}
#: Codes of a URL that does not resolve (a path parameter the route refuses).
PATH_ERRORS: dict[int, list[str]] = {404: [Code.NOT_FOUND], 405: [Code.METHOD_NOT_ALLOWED]}

_DESCRIPTIONS = {
    400: "Bad input: the errorCode names the check that failed.",
    401: "The x-tif signature was refused (missing, stale, replayed, unknown paasid...).",
    403: "The caller may not do this.",
    404: "Not found (or not the caller's).",
    405: "Method not allowed on this URL.",
    409: "The resource's state does not allow this.",
    410: "Expired: start again.",
    413: "The request body (or a photo in it) is too large.",
    415: "Send the body as application/json.",
    423: "Locked after too many failed attempts.",
    429: "Throttled: retry after the Retry-After header's seconds.",
    502: "An outside system (the province, the SMS or face provider) failed or refused.",
    503: "A component is not available on this hub right now.",
    504: "The province did not answer in time.",
}

_failures: dict[frozenset[str], serializers.Serializer] = {}
_component_names: set[str] = set()


def describe(status: int) -> str:
    """The standard description of an error status."""
    return _DESCRIPTIONS.get(status, "")


def merge(*maps: Mapping[int, Iterable[str]]) -> dict[int, list[str]]:
    """Union of status -> codes maps, codes in first-seen order."""
    out: dict[int, list[str]] = {}
    for mapping in maps:
        for status, codes in mapping.items():
            bucket = out.setdefault(int(status), [])
            for code in codes:
                if str(code) not in bucket:
                    bucket.append(str(code))
    return dict(sorted(out.items()))


def success(name: str, data: serializers.Field | None = None) -> serializers.Serializer:
    """The success envelope ``{"returnCode": "1", "returnDesc", "data"}``."""
    fields: dict = {
        "returnCode": serializers.ChoiceField(choices=["1"]),
        "returnDesc": serializers.CharField(help_text="成功 (or its translation)."),
    }
    if data is not None:
        fields["data"] = data
    return inline_serializer(name, fields)


def failure(name: str, codes: Iterable[str]) -> serializers.Serializer:
    """The failure envelope with ``errorCode`` limited to ``codes`` (shared per set)."""
    values = sorted({str(c) for c in codes})
    key = frozenset(values)
    if key in _failures:
        return _failures[key]
    if name in _component_names:
        raise ValueError(f"OpenAPI component {name} already describes another code set")
    _component_names.add(name)
    _failures[key] = inline_serializer(
        name,
        {
            "returnCode": serializers.ChoiceField(choices=["0"]),
            "returnDesc": serializers.CharField(help_text="Readable reason (Chinese by default)."),
            "errorCode": serializers.ChoiceField(
                choices=values, help_text="Stable code: act on this, never on the text."
            ),
        },
    )
    return _failures[key]


def failures(name: str, errors: Mapping[int, Iterable[str]]) -> dict[int, OpenApiResponse]:
    """One failure response per error status (components ``<name>Failure<status>``)."""
    return {
        status: OpenApiResponse(
            failure(f"{name}Failure{status}", codes), description=describe(status)
        )
        for status, codes in merge(errors).items()
    }


def answers(
    name: str,
    data: serializers.Field | None,
    *,
    errors: Mapping[int, Iterable[str]],
    status: int | Iterable[int] = 200,
    success_description: str = "Success.",
) -> dict[int, OpenApiResponse]:
    """``responses=`` for ``extend_schema``: the success envelope ``name`` at
    ``status`` (one or several) and one failure component per error status."""
    body = success(name, data)
    statuses = [status] if isinstance(status, int) else list(status)
    out = {s: OpenApiResponse(body, description=success_description) for s in statuses}
    out.update(failures(name, errors))
    return out


# Shared sets, named for what they mean (registered first, so they keep these names).
failure("PayloadTooLarge", [Code.PAYLOAD_TOO_LARGE])
failure("UnsupportedMediaType", [Code.UNSUPPORTED_MEDIA_TYPE])
failure("Throttled", [Code.THROTTLED])
failure("UnknownUrl", [Code.NOT_FOUND])
failure("MethodNotAllowed", [Code.METHOD_NOT_ALLOWED])


# --- The operations endpoints (plain Django views) ----------------------------------------

_OPS_FAILURE = {
    "type": "object",
    "required": ["returnCode", "returnDesc", "errorCode"],
    "properties": {
        "returnCode": {"type": "string", "enum": ["0"]},
        "returnDesc": {"type": "string"},
        "errorCode": {"type": "string", "enum": ["FORBIDDEN"]},
    },
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ops_operation(op_id: str, summary: str, description: str, responses: dict) -> dict:
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "description": description,
            "tags": ["operations"],
            "security": [{}],
            "responses": responses,
        }
    }


def ops_paths(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOKS entry: describe ``/healthz``, ``/readyz``, ``/metrics``."""
    check = {
        "type": "object",
        "required": ["status", "latencyMs"],
        "properties": {
            "status": {"type": "string", "enum": ["up", "down", "eager"]},
            "latencyMs": {"type": "number"},
            "detail": {"type": "string"},
        },
    }
    ready = {
        "type": "object",
        "required": ["status", "components"],
        "properties": {
            "status": {"type": "string", "enum": ["ready", "not_ready"]},
            "components": {"type": "object", "additionalProperties": check},
        },
    }
    alive = {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["ok"]}},
    }
    paths = result.setdefault("paths", {})
    paths["/healthz"] = _ops_operation(
        "ops_healthz",
        "Liveness",
        "The process answers. Checks nothing else.",
        {"200": _json(alive, "Alive.")},
    )
    paths["/readyz"] = _ops_operation(
        "ops_readyz",
        "Readiness: database, cache, broker, province",
        "503 while a component that is not a soft check is down.",
        {"200": _json(ready, "Ready."), "503": _json(ready, "Not ready.")},
    )
    paths["/metrics"] = _ops_operation(
        "ops_metrics",
        "Prometheus metrics",
        "From METRICS_ALLOWED_IPS, or with `Authorization: Bearer <METRICS_TOKEN>`.",
        {
            "200": {
                "description": "Prometheus text exposition format.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            "403": _json(_OPS_FAILURE, "Not from an allowed address, and no valid token."),
        },
    )
    return result
