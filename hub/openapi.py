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
from hub.openapi_codes import CODE_TEXTS

#: Codes any JSON-body operation can answer, whatever its own checks.
BODY_ERRORS: dict[int, list[str]] = {
    400: [Code.BAD_JSON],
    413: [Code.PAYLOAD_TOO_LARGE],
    415: [Code.UNSUPPORTED_MEDIA_TYPE],
}
#: A JSON body's fields (``hub.inputs.validated``): one code per mistake everywhere.
BODY_FIELD_CHECKS: list[str] = [
    Code.BODY_NOT_OBJECT,
    Code.FIELD_MISSING,
    Code.FIELD_EMPTY,
    Code.FIELD_WRONG_TYPE,
    Code.FIELD_TOO_LONG,
    Code.FIELD_INVALID,
]
#: An SM4 hex field (``hub.inputs.sm4_field``).
SM4_FIELD_CHECKS: list[str] = [Code.SM4_BAD_CIPHERTEXT, Code.SM4_DECRYPT_FAILED]
#: Codes of a URL that does not resolve (a path parameter the route refuses).
PATH_ERRORS: dict[int, list[str]] = {404: [Code.NOT_FOUND], 405: [Code.METHOD_NOT_ALLOWED]}

_DESCRIPTIONS = {
    202: "已保存待审核，尚未生效 / Held for review, not yet in effect.",
    400: "请求内容有误，errorCode 指明哪项检查未通过 / Bad input: the errorCode names the "
    "check that failed.",
    401: "x-tif 签名被拒绝（缺少、过期、重放、paasid 不存在等） / The x-tif signature was "
    "refused (missing, stale, replayed, unknown paasid...).",
    403: "调用方无权进行此操作 / The caller may not do this.",
    404: "不存在（或不属于调用方） / Not found (or not the caller's).",
    405: "此地址不支持该请求方法 / Method not allowed on this URL.",
    409: "当前状态不允许此操作 / The resource's state does not allow this.",
    410: "已过期，请重新发起 / Expired: start again.",
    413: "请求体（或其中的照片）过大 / The request body (or a photo in it) is too large.",
    415: "请求体须为 application/json / Send the body as application/json.",
    423: "失败次数过多，已锁定 / Locked after too many failed attempts.",
    429: "调用过于频繁，请按 Retry-After 秒数后重试 / Throttled: retry after the "
    "Retry-After header's seconds.",
    502: "外部系统（省平台、短信或人脸服务）失败或拒绝 / An outside system (the province, "
    "the SMS or face provider) failed or refused.",
    503: "平台的某个组件暂不可用 / A component is not available on this hub right now.",
    504: "省平台未在规定时间内应答 / The province did not answer in time.",
}

#: The operations' tags (Chinese names; the English in their descriptions).
TAG_AUTHORIZATIONS = "授权"
TAG_VIEWS = "调阅"
TAG_COMPAT = "省平台兼容接口"
TAG_HOSPITALS = "医疗机构"
TAG_USAGE = "用量"
TAG_COMPLAINTS = "投诉"
TAG_OPERATIONS = "运维"
TAGS = [
    {
        "name": TAG_HOSPITALS,
        "description": "本院在共享平台的登记信息 / The caller's registry entry",
    },
    {
        "name": TAG_AUTHORIZATIONS,
        "description": "现场授权：短信验证码、授权码、人脸 / On-site authorizations: SMS "
        "code, authorization code, face",
    },
    {"name": TAG_VIEWS, "description": "调阅省平台健康档案 / Viewing the provincial record"},
    {
        "name": TAG_COMPAT,
        "description": "与省平台相同的接口（模式一：在线预约授权） / The province's own "
        "interface (mode 1: online appointment)",
    },
    {"name": TAG_USAGE, "description": "本院调用量统计 / The caller's usage counts"},
    {"name": TAG_COMPLAINTS, "description": "数据问题投诉 / Complaints about record data"},
    {"name": TAG_OPERATIONS, "description": "存活、就绪与监控指标 / Liveness, readiness, metrics"},
]

_failures: dict[frozenset[str], serializers.Serializer] = {}
_component_names: set[str] = set()


def describe(status: int) -> str:
    """The standard description of an error status."""
    return _DESCRIPTIONS.get(status, "")


def describe_codes(codes: Iterable[str]) -> str:
    """One line per code: its Chinese and English meaning (``hub.openapi_codes``)."""
    lines = []
    for code in sorted({str(c) for c in codes}):
        zh, en = CODE_TEXTS.get(code, ("", ""))
        lines.append(f"- `{code}`：{zh} / {en}" if zh else f"- `{code}`")
    return "\n".join(lines)


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
        "returnDesc": serializers.CharField(
            help_text="“成功”（或其译文） / 成功 (or its translation)."
        ),
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
            "returnDesc": serializers.CharField(
                help_text="可读的原因（默认中文） / Readable reason (Chinese by default)."
            ),
            "errorCode": serializers.ChoiceField(
                choices=values,
                help_text="稳定的错误代码：请据此处理，不要解析文字 / Stable code: act on this, "
                "never on the text.",
            ),
        },
    )
    return _failures[key]


def failures(name: str, errors: Mapping[int, Iterable[str]]) -> dict[int, OpenApiResponse]:
    """One failure response per error status (components ``<name>Failure<status>``)."""
    return {
        status: OpenApiResponse(
            failure(f"{name}Failure{status}", codes),
            description=f"{describe(status)}\n\n{describe_codes(codes)}",
        )
        for status, codes in merge(errors).items()
    }


def answers(
    name: str,
    data: serializers.Field | None,
    *,
    errors: Mapping[int, Iterable[str]],
    status: int | Iterable[int] = 200,
    success_description: str = "成功 / Success.",
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
            "tags": [TAG_OPERATIONS],
            "security": [{}],
            "responses": responses,
        }
    }


def ops_paths(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOKS entry: describe ``/healthz``, ``/readyz``, ``/metrics``,
    and the tags (``TAGS``)."""
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
    result["tags"] = TAGS  # Chinese names, their English in the descriptions
    paths = result.setdefault("paths", {})
    paths["/healthz"] = _ops_operation(
        "ops_healthz",
        "存活检查 / Liveness",
        "进程能应答，不检查其他 / The process answers. Checks nothing else.",
        {"200": _json(alive, "存活 / Alive.")},
    )
    paths["/readyz"] = _ops_operation(
        "ops_readyz",
        "就绪检查：数据库、缓存、消息队列、省平台 / Readiness: database, cache, broker, province",
        "非软检查的组件不可用时返回 503 / 503 while a component that is not a soft check is down.",
        {"200": _json(ready, "就绪 / Ready."), "503": _json(ready, "未就绪 / Not ready.")},
    )
    paths["/metrics"] = _ops_operation(
        "ops_metrics",
        "Prometheus 监控指标 / Prometheus metrics",
        "仅限 METRICS_ALLOWED_IPS 中的地址，或带 `Authorization: Bearer <METRICS_TOKEN>` / "
        "From METRICS_ALLOWED_IPS, or with `Authorization: Bearer <METRICS_TOKEN>`.",
        {
            "200": {
                "description": "Prometheus 文本格式 / Prometheus text exposition format.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            "403": _json(
                _OPS_FAILURE,
                "地址不在允许范围且无有效令牌 / Not from an allowed address, and no valid token.",
            ),
        },
    )
    return result
