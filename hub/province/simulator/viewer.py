"""``GET <viewer path>?param=<SM4 hex>&appId=<appId>``: the province's record
viewer. Decrypts ``param`` with the key of the account whose ``appId`` it is,
parses it (spec §2.4), checks ``callSysCode``, that the org is registered and
that the org holds a live authorization for the patient, then renders the
synthetic record, or a refusal page (400 for a bad request, 403 for a refusal).
Pages are the province's, hence Chinese only."""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import parse_qs

from hub.gm import GMError, sm4_decrypt_ecb_hex
from hub.province.params import CARD_TYPES, ViewParamError, parse_view_param
from hub.province.simulator.http import Response, html_response
from hub.province.simulator.records import SECTION_TITLES, generate_record
from hub.province.simulator.state import SimState

logger = logging.getLogger("hub.province.simulator")

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;background:#f4f6f9;color:#222}
header{background:#1f6fb2;color:#fff;padding:12px 24px}
main{max-width:960px;margin:16px auto;padding:0 16px}
section{background:#fff;border-radius:6px;padding:12px 20px;margin-bottom:16px}
h2{font-size:18px;border-left:4px solid #1f6fb2;padding-left:8px}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #dde;padding:6px;text-align:left}
.refusal{border-left:4px solid #c0392b}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><header>广东健康档案互通系统（模拟）</header><main>{body}</main></body></html>"
    )


def refusal_page(status: int, reason: str, desc: str) -> Response:
    body = (
        f'<section class="refusal" data-reason="{html.escape(reason)}">'
        f"<h1>无法调阅健康档案</h1><p>{html.escape(desc)}</p></section>"
    )
    return html_response(status, _page("无法调阅健康档案", body))


def _table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "<p>暂无记录</p>"
    heads = list(rows[0])
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row[h]))}</td>" for h in heads) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def record_page(record: dict[str, Any], params: dict[str, str]) -> str:
    basic = record["基本信息"]
    basic_rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in basic.items()
    )
    card = CARD_TYPES.get(params["cardType"], params["cardType"])
    sections = [
        f'<section id="基本信息"><h2>基本信息</h2>'
        f"<p>证件：{html.escape(card)} {html.escape(mask(params['idcard']))}</p>"
        f"<table>{basic_rows}</table></section>"
    ]
    for title in SECTION_TITLES[1:]:
        sections.append(f'<section id="{title}"><h2>{title}</h2>{_table(record[title])}</section>')
    caller = (
        f"<p>调阅机构：{html.escape(params['orgCode'])}　调阅医生：{html.escape(params['staffName'])}"
        f"（{html.escape(params['staffNo'])}）</p>"
    )
    return _page(f"健康档案 - {basic['姓名']}", caller + "".join(sections))


def mask(value: str) -> str:
    if len(value) <= 8:
        return value[:1] + "*" * max(len(value) - 1, 0)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def handle_view(state: SimState, environ: dict[str, Any]) -> Response:
    faults, generation = state.current_faults(), state.generation
    state.sleep(faults.latency_ms / 1000)
    state.sleep(faults.hang_seconds)
    if state.generation != generation:
        return Response(503, b"simulator reset", "text/plain; charset=utf-8")
    if state.roll_failure(faults.fail_rate):
        state.count("view.injected_5xx")
        return refusal_page(503, "injected_5xx", "服务暂时不可用，请稍后重试")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    params = {key: values for key, values in query.items() if key in ("param", "appId")}
    if any(len(values) != 1 for values in params.values()) or len(params) != 2:
        return _refuse(state, 400, "bad_query", "调阅地址须带且仅带一次 param 与 appId 参数")
    param, app_id = params["param"][0].strip(), params["appId"][0].strip()
    account = state.account_by_app_id(app_id)
    if account is None:
        return _refuse(state, 403, "unknown_app_id", "appId 未登记，无权调阅")
    try:
        plain = sm4_decrypt_ecb_hex(account.sm4_key, param)
    except GMError:
        return _refuse(state, 400, "bad_param", "param 解密失败：请使用本应用的 SM4 密钥加密")
    try:
        values = parse_view_param(plain)
    except ViewParamError as exc:
        return _refuse(state, 400, "bad_param", f"param 格式错误（{exc.reason}：{exc.key or '-'}）")
    if values["callSysCode"].strip() != account.call_sys_code:
        return _refuse(state, 403, "wrong_call_sys_code", "callSysCode 与应用不符")
    org_code = values["orgCode"].strip()
    if state.org_name(org_code) is None:
        return _refuse(state, 403, "unregistered_org", "调阅机构未登记")
    id_number = values["idcard"].strip()
    if state.live_grant(org_code, id_number) is None:
        return _refuse(
            state, 403, "not_authorized", "该患者未授权本机构调阅健康档案，或授权已过期、已撤销"
        )
    state.count("view.shown")
    record = generate_record(id_number, values["patientName"].strip() or "（未提供）")
    return html_response(200, record_page(record, values))


def _refuse(state: SimState, status: int, reason: str, desc: str) -> Response:
    state.count(f"view.{reason}")
    logger.info("sim view refused: %s (HTTP %s)", reason, status)
    return refusal_page(status, reason, desc)
