"""``GET|POST <viewer path>?param=<SM4 hex>&appId=<appId>``: the province's
record viewer. Decrypts ``param`` with the key of the account whose ``appId``
it is, parses it (spec §2.4), checks ``callSysCode`` and that the org is
registered (else a refusal page: 400 for a bad request, 403 for a refusal).
If the org holds a live authorization for the patient it renders the
synthetic record; if not, the province's own authorization screen (modes 2
and 3, ``consent``): a POST of ``action`` = ``wechat`` or ``sms`` sends a
code, ``verify`` with ``code`` checks it and, when right, records the grant
and answers 303 back to the viewer URL, which now shows the record.
Pages are the province's, hence Chinese only."""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import parse_qs, quote

from hub.gm import GMError, sm4_decrypt_ecb_hex
from hub.province.params import CARD_TYPES, ViewParamError, parse_view_param
from hub.province.simulator.consent import AUTH_DAYS as CONSENT_AUTH_DAYS
from hub.province.simulator.consent import Outcome, mask_phone
from hub.province.simulator.http import (
    HTML_TYPE,
    BodyTooLarge,
    Response,
    html_response,
    read_body,
)
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
.consent form{margin:12px 0}.notice{padding:8px 12px;background:#fff}
.ok{border-left:4px solid #27ae60}button{padding:6px 14px;margin-right:8px}
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


def authorization_page(
    status: int,
    values: dict[str, str],
    param: str,
    app_id: str,
    phone: str,
    outcome: Outcome | None,
) -> Response:
    """The screen the real viewer shows without a consent (manual §3.1.2 and
    §3.1.3): 获取微信验证码, 获取短信验证码, the code and 验证."""
    hidden = (
        f'<input type="hidden" name="param" value="{html.escape(param)}">'
        f'<input type="hidden" name="appId" value="{html.escape(app_id)}">'
    )
    card = CARD_TYPES.get(values["cardType"], values["cardType"])
    notice = ""
    if outcome is not None:
        css = "ok" if outcome.kind == "sent" else "refusal"
        notice = (
            f'<p class="notice {css}" role="status" data-outcome="{html.escape(outcome.kind)}">'
            f"{html.escape(outcome.message)}</p>"
        )
    name = values["patientName"].strip() or "（未提供）"
    body = (
        '<section class="consent" data-screen="authorization"><h1>健康档案调阅授权</h1>'
        f"<p>患者 {html.escape(name)}（{html.escape(card)} {html.escape(mask(values['idcard']))}）"
        f"尚未授权本机构（{html.escape(values['orgCode'])}）调阅其健康档案。"
        "请患者选择授权方式，将收到的验证码告知医生：</p><ul>"
        "<li>微信验证码：患者在粤健通“健康档案调阅授权”中查看，或通过订阅的微信消息接收；</li>"
        f'<li>短信验证码：请先向患者核实预留手机号 <b id="phone-on-file">{mask_phone(phone)}</b>'
        "，确认无误后再获取。</li></ul>"
        f"{notice}"
        f'<form method="post" class="send">{hidden}'
        '<button type="submit" name="action" value="wechat" id="get-wechat-code">获取微信验证码</button> '
        '<button type="submit" name="action" value="sms" id="get-sms-code">获取短信验证码</button>'
        "</form>"
        f'<form method="post" class="verify">{hidden}'
        '<label for="code">验证码</label> '
        '<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" '
        'maxlength="6" required> '
        '<button type="submit" name="action" value="verify" id="verify">验证</button>'
        "</form>"
        f"<p>授权后本机构可在 {CONSENT_AUTH_DAYS} 天内调阅该患者的健康档案。</p></section>"
    )
    return html_response(status, _page("健康档案调阅授权", body))


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


def _fields(environ: dict[str, Any]) -> dict[str, list[str]]:
    """``param``, ``appId`` (and the screen's ``action``, ``code``) from the
    query, or from a POST form (the guide's §9.1 says POST): a form's own
    ``param``/``appId`` win over the query's, since a form without an
    ``action`` attribute posts back to the URL it was opened at."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ["REQUEST_METHOD"] != "POST":
        return query
    try:
        body = read_body(environ).decode("utf-8")
    except (BodyTooLarge, UnicodeDecodeError):
        return {}
    form = parse_qs(body, keep_blank_values=True)
    merged = {key: values for key, values in query.items() if key in ("param", "appId")}
    if "param" in form or "appId" in form:
        merged = {}
    merged.update(form)
    return merged


def handle_view(state: SimState, environ: dict[str, Any]) -> Response:
    faults, generation = state.current_faults(), state.generation
    state.sleep(faults.latency_ms / 1000)
    state.sleep(faults.hang_seconds)
    if state.generation != generation:
        return Response(503, b"simulator reset", "text/plain; charset=utf-8")
    if state.roll_failure(faults.fail_rate):
        state.count("view.injected_5xx")
        return refusal_page(503, "injected_5xx", "服务暂时不可用，请稍后重试")
    fields = _fields(environ)
    params = {key: values for key, values in fields.items() if key in ("param", "appId")}
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
    org_name = state.org_name(org_code)
    if org_name is None:
        return _refuse(state, 403, "unregistered_org", "调阅机构未登记")
    id_number = values["idcard"].strip()
    phone = state.consents.phone_on_file(id_number)
    if state.live_grant(org_code, id_number) is None:
        # No consent at the province: its own authorization screen (modes 2 and 3).
        action = (fields.get("action") or [""])[0]
        if environ["REQUEST_METHOD"] != "POST" or action not in ("sms", "wechat", "verify"):
            state.count("view.consent_screen")
            return authorization_page(200, values, param, app_id, phone, None)
        if action == "verify":
            outcome = state.consents.verify(
                org_code=org_code, id_number=id_number, code=(fields.get("code") or [""])[0]
            )
        else:
            outcome = state.consents.send(
                org_code=org_code, org_name=org_name, id_number=id_number, channel=action
            )
        state.count(f"view.consent_{outcome.kind}")
        if outcome.kind != "granted":
            logger.info("sim viewer consent: %s (HTTP %s)", outcome.kind, outcome.status)
            return authorization_page(outcome.status, values, param, app_id, phone, outcome)
        state.grant(org_code, id_number, CONSENT_AUTH_DAYS)
        logger.info("sim viewer consent granted at the province org=%s", org_code)
        # Back to the viewer's own URL (relative: right behind a proxy too).
        location = f"?param={quote(param, safe='')}&appId={quote(app_id, safe='')}"
        return Response(303, b"", HTML_TYPE, [("Location", location)])
    state.count("view.shown")
    record = generate_record(id_number, values["patientName"].strip() or "（未提供）")
    record["基本信息"]["联系电话"] = mask_phone(phone)
    return html_response(200, record_page(record, values))


def _refuse(state: SimState, status: int, reason: str, desc: str) -> Response:
    state.count(f"view.{reason}")
    logger.info("sim view refused: %s (HTTP %s)", reason, status)
    return refusal_page(status, reason, desc)
