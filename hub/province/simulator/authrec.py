"""``POST /ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save``, as the real
gateway and service would check it.

HTTP statuses (our decision; the seed documents only the business answer):

- gateway refusals, before the service sees the request: **401** for missing
  ``x-tif-*`` headers, an unknown ``paasid``, a bad signature, a timestamp
  more than 180 s off, a replayed or malformed nonce; **415** for a
  Content-Type that is not JSON, **413** for a body over 64 KiB, **400** for a
  body that is not UTF-8 JSON. Each has the province's JSON shape
  ``{"returnCode": "0", "returnDesc": "<reason>"}``.
- business refusals: **HTTP 200** with ``returnCode`` ``"0"`` and a specific
  Chinese ``returnDesc`` (missing field, wrong type, bad ``patientIdcard``,
  unregistered org, wrong ``appId``, bad ``status`` ...).
- success: HTTP 200 ``{"returnCode": "1", "returnDesc": "成功"}``.
- injected failures (``fail_next``, then the ``fail_rate`` share answered
  with ``fail_status``) come before every check: 5xx as plain text, 4xx
  (e.g. the gateway's 408 and 429) in the JSON shape above.

The messages are the province's, hence Chinese only (not the hub's i18n).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from hub.gm import GMError, SignatureError, sm4_decrypt_ecb_hex, verify
from hub.province.simulator.http import (
    BodyTooLarge,
    Response,
    header,
    province_answer,
    read_body,
)
from hub.province.simulator.state import SimAccount, SimState

logger = logging.getLogger("hub.province.simulator")

FIELDS = ("authDays", "patientIdcard", "patientName", "orgCode", "orgName", "status", "appId")
MAX_AUTH_DAYS = 365
MAX_ID_LENGTH = 64

GATEWAY_REASONS = {
    "missing_headers": "网关校验失败：缺少 x-tif-paasid、x-tif-timestamp、x-tif-nonce 或 x-tif-signature 请求头",
    "unknown_paasid": "网关校验失败：paasid 不存在或未开通",
    "bad_timestamp": "网关校验失败：x-tif-timestamp 应为 Unix 时间戳（秒）",
    "stale_timestamp": "网关校验失败：请求时间戳与服务器时间相差超过 180 秒",
    "bad_signature": "网关校验失败：签名 x-tif-signature 不正确",
    "replayed_nonce": "网关校验失败：重复请求，x-tif-nonce 已使用",
    "bad_nonce": "网关校验失败：x-tif-nonce 过长或含不可见字符",
}


class Refusal(Exception):
    """A business refusal: HTTP 200, returnCode "0"."""

    def __init__(self, reason: str, desc: str) -> None:
        super().__init__(desc)
        self.reason = reason
        self.desc = desc


def handle_save(state: SimState, environ: dict[str, Any]) -> Response:
    faults, generation = state.current_faults(), state.generation
    state.sleep(faults.latency_ms / 1000)
    state.sleep(faults.hang_seconds)
    if state.generation != generation:
        return Response(503, b"simulator reset", "text/plain; charset=utf-8")
    injected = state.injected_status(faults)
    if injected is not None:
        return _injected_failure(state, injected)

    account, refused = _gateway(state, environ)
    if refused is not None or account is None:
        return refused or province_answer(401, "0", GATEWAY_REASONS["unknown_paasid"])
    try:
        raw = read_body(environ)
    except BodyTooLarge:
        return _refuse(state, 413, "body_too_large", "请求体过大（超过 64 KiB）")
    content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return _refuse(state, 415, "bad_content_type", "Content-Type 必须为 application/json")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _refuse(state, 400, "bad_json", "请求体不是合法的 UTF-8 JSON")
    state.last_save = {
        "headers": {
            n: header(environ, n) for n in ("x-tif-paasid", "x-tif-nonce", "x-tif-signature")
        },
        "body": data,
    }

    try:
        org_code, id_number, auth_days, status = _check_record(state, account, data)
    except Refusal as refusal:
        return _refuse(state, 200, refusal.reason, refusal.desc)

    if faults.business_fail:
        return _refuse(state, 200, "injected_business_fail", "模拟故障：业务处理失败，请稍后重试")
    if faults.malformed:
        state.count("save.injected_malformed")
        return Response(200, b"<html><body>Bad Gateway</body></html>", "text/html; charset=utf-8")

    if status == "1":
        state.grant(org_code, id_number, auth_days)
        state.count("save.granted")
    else:
        state.revoke(org_code, id_number)
        state.count("save.revoked")
    logger.info("sim save ok paasid=%s org=%s status=%s", account.paasid, org_code, status)
    return province_answer(200, "1", "成功")


INJECTED_4XX_DESC = {
    408: "模拟故障：HTTP 408 请求超时，请稍后重试",
    429: "模拟故障：HTTP 429 请求过于频繁，请稍后重试",
}


def _injected_failure(state: SimState, status: int) -> Response:
    """An injected failure, before any check (nothing recorded, no nonce used).

    5xx: a plain-text body, as a proxy in front of the service would send
    (503 is the historical ``fail_rate`` answer). 4xx: the gateway's JSON shape
    (``returnCode`` "0"), with ``Retry-After: 1`` on 429.
    """
    if status >= 500:
        state.count("save.injected_5xx")
        text = "503 Service Temporarily Unavailable" if status == 503 else f"{status} Server Error"
        return Response(status, text.encode(), "text/plain; charset=utf-8")
    state.count("save.injected_4xx")
    desc = INJECTED_4XX_DESC.get(status, f"模拟故障：HTTP {status}")
    response = province_answer(status, "0", desc)
    if status == 429:
        response.headers.append(("Retry-After", "1"))
    return response


def _refuse(state: SimState, http_status: int, reason: str, desc: str) -> Response:
    state.count(f"save.{reason}")
    logger.info("sim save refused: %s (HTTP %s)", reason, http_status)
    return province_answer(http_status, "0", desc)


def _gateway(state: SimState, environ: dict[str, Any]) -> tuple[SimAccount | None, Response | None]:
    paasid = header(environ, "x-tif-paasid")
    timestamp = header(environ, "x-tif-timestamp")
    nonce = header(environ, "x-tif-nonce")
    signature = header(environ, "x-tif-signature")
    if not (paasid and timestamp and nonce and signature):
        return None, _refuse(state, 401, "missing_headers", GATEWAY_REASONS["missing_headers"])
    account = state.account(paasid)
    if account is None:
        return None, _refuse(state, 401, "unknown_paasid", GATEWAY_REASONS["unknown_paasid"])
    try:
        verify(
            paasid=paasid,
            timestamp=timestamp,
            nonce=nonce,
            signature=signature,
            paastokens=[account.paastoken],
            nonce_store=state.nonces,
            now=state.clock(),
        )
    except SignatureError as exc:
        return account, _refuse(state, 401, exc.reason, GATEWAY_REASONS[exc.reason])
    return account, None


def _check_record(state: SimState, account: SimAccount, data: Any) -> tuple[str, str, int, str]:
    if not isinstance(data, dict) or "codeAuthRec" not in data:
        raise Refusal("missing_record", "缺少授权记录 codeAuthRec")
    rec = data["codeAuthRec"]
    if not isinstance(rec, dict):
        raise Refusal("bad_record", "codeAuthRec 必须为 JSON 对象")
    for name in FIELDS:
        if name not in rec or rec[name] is None:
            raise Refusal("missing_field", f"缺少必填参数 {name}")

    auth_days = rec["authDays"]
    if isinstance(auth_days, bool) or not isinstance(auth_days, int):
        raise Refusal("bad_auth_days", "authDays 必须为整数")
    if not 1 <= auth_days <= MAX_AUTH_DAYS:
        raise Refusal("bad_auth_days", f"authDays 必须在 1 到 {MAX_AUTH_DAYS} 之间")
    for name in ("patientIdcard", "patientName", "orgCode", "orgName", "status", "appId"):
        if not isinstance(rec[name], str):
            raise Refusal("bad_type", f"{name} 必须为字符串")

    id_number = _decrypt_id(account, rec["patientIdcard"].strip())
    # The seed's samples send " 张三" and " 1": read trimmed.
    if not rec["patientName"].strip():
        raise Refusal("empty_name", "patientName 不能为空")
    status = rec["status"].strip()
    if status not in ("1", "0"):
        raise Refusal("bad_status", 'status 只能为 "1"（有效）或 "0"（无效）')
    if rec["appId"].strip() != account.app_id:
        raise Refusal("wrong_app_id", "appId 与 paasid 对应的应用不一致")
    org_code = rec["orgCode"].strip()
    registered_name = state.org_name(org_code)
    if not org_code or registered_name is None:
        raise Refusal("unregistered_org", f"机构代码 {org_code[:32]} 未登记，请先完成机构接入")
    if rec["orgName"].strip() != registered_name:
        raise Refusal("org_name_mismatch", "orgName 与登记的机构名称不一致")
    return org_code, id_number, auth_days, status


def _decrypt_id(account: SimAccount, cipher_hex: str) -> str:
    if not cipher_hex:
        raise Refusal("bad_idcard", "patientIdcard 不能为空")
    try:
        id_number = sm4_decrypt_ecb_hex(account.sm4_key, cipher_hex)
    except GMError as exc:
        if exc.reason in ("bad_hex", "bad_length"):
            raise Refusal("bad_idcard", "patientIdcard 不是合法的 SM4 密文（十六进制）") from None
        raise Refusal(
            "idcard_decrypt_failed", "patientIdcard 解密失败，请使用本应用的 SM4 密钥加密"
        ) from None
    id_number = id_number.strip()
    if not id_number or len(id_number) > MAX_ID_LENGTH or not id_number.isprintable():
        raise Refusal("bad_idcard", "patientIdcard 解密后不是有效的证件号码")
    return id_number
