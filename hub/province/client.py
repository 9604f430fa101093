"""Client for the province's interface (spec §2): ``codeAuthRec/save`` and the
viewer URL. No Django imports and no models: callers pass the account, the
base URL and the timeouts (from settings).

Failure classes (every call has a connect and a read timeout):

- ``ProvinceError``: base class; carries ``interface``, ``http_status``,
  ``return_code``, ``return_desc`` (the province's own text, kept verbatim),
  ``latency_ms``, ``transient`` and ``timed_out`` (connect or read timeout).
- ``ProvinceTransientError`` (retry with backoff): network failure, connect or
  read timeout, HTTP 5xx, and HTTP 408/429 (the gateway asking us to come back).
- ``ProvincePermanentError`` (never retry): any other 4xx (bad signature,
  unknown paasid, stale timestamp, replayed nonce), HTTP 200 with
  ``returnCode`` ``"0"``, an unparseable or unexpected body, a bad URL.

Answers are read in the seed's order: protocol (HTTP status), business
(``returnCode``/``returnDesc``), then state. No ID number ever reaches a log
line: logs carry the interface, paasid, org code, status and latency only.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import quote

import urllib3
from urllib3 import exceptions as http_errors

from hub.context import current_request_id
from hub.gm import signed_headers, sm4_encrypt_ecb_hex
from hub.http import is_transient_status
from hub.ops.metrics import province_call
from hub.province.params import PARAM_KEYS, build_param_string, parse_view_param
from hub.province.transport import configure_transport, shared_pool
from hub.province.types import (
    ProvinceAccount,
    ProvinceError,
    ProvincePermanentError,
    ProvinceResult,
    ProvinceTransientError,
)

__all__ = [
    "PARAM_KEYS",
    "SAVE_PATH",
    "ProvinceAccount",
    "ProvinceError",
    "ProvincePermanentError",
    "ProvinceResult",
    "ProvinceTransientError",
    "build_save_body",
    "build_view_param",
    "configure_transport",
    "parse_view_param",
    "revoke_authorization",
    "save_authorization",
    "viewer_url",
]

logger = logging.getLogger("hub.province")

SAVE_PATH = "/ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save"
SAVE_INTERFACE = "codeAuthRec/save"
DEFAULT_TIMEOUT = (3.0, 10.0)
MAX_AUTH_DAYS = 365


# The pooled keep-alive connections (and the extranet's proxy and CA bundle):
# ``hub.province.transport``.


def _network_failure(exc: Exception) -> tuple[bool, str] | None:
    """(transient?, kind) of a transport failure; None when it is not one.

    Order matters: urllib3's ``NewConnectionError`` (refused, unreachable)
    subclasses ``ConnectTimeoutError`` for compatibility, but is no timeout.
    """
    if isinstance(exc, http_errors.NewConnectionError):
        return True, "network error"
    if isinstance(exc, http_errors.TimeoutError):
        return True, "timeout"
    if isinstance(exc, http_errors.LocationValueError | http_errors.LocationParseError):
        return False, "bad URL"
    if isinstance(exc, http_errors.ProtocolError | http_errors.SSLError | http_errors.PoolError):
        return True, "network error"
    if isinstance(exc, http_errors.ProxyError | OSError):
        return True, "network error"
    if isinstance(exc, http_errors.HTTPError):
        return False, "request failed"  # an undecodable answer: retrying changes nothing
    return None


def build_save_body(
    account: ProvinceAccount,
    *,
    id_number: str,
    patient_name: str,
    org_code: str,
    org_name: str,
    auth_days: int,
    status: str,
) -> dict[str, Any]:
    """The exact ``codeAuthRec/save`` body of spec §2.3, ID re-encrypted under
    the account's SM4 key, values trimmed (the seed's stray spaces are never sent)."""
    status = str(status).strip()
    if status not in ("1", "0"):
        raise ValueError("status must be '1' (grant) or '0' (revoke)")
    if isinstance(auth_days, bool) or not isinstance(auth_days, int):
        raise ValueError("auth_days must be an int")
    if not 1 <= auth_days <= MAX_AUTH_DAYS:
        raise ValueError(f"auth_days must be between 1 and {MAX_AUTH_DAYS}")
    id_number = id_number.strip()
    if not id_number:
        raise ValueError("id_number must not be empty")
    return {
        "codeAuthRec": {
            "authDays": auth_days,
            "patientIdcard": sm4_encrypt_ecb_hex(account.sm4_key, id_number),
            "patientName": patient_name.strip(),
            "orgCode": org_code.strip(),
            "orgName": org_name.strip(),
            "status": status,
            "appId": account.app_id,
        }
    }


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _metric_outcome(exc: ProvinceError) -> str:
    if exc.transient:
        return "transient"
    if exc.http_status is not None and 200 <= exc.http_status < 300 and exc.return_code:
        return "business_error"  # the province answered, and said no
    return "permanent"


def _post_save(
    account: ProvinceAccount,
    body: dict[str, Any],
    *,
    base_url: str,
    timeout: tuple[float, float] | None,
    pool: urllib3.PoolManager | None,
) -> ProvinceResult:
    """One call, counted in ``hub_province_calls`` and timed in
    ``hub_province_call_duration_seconds`` (hub.ops.metrics)."""
    with province_call(SAVE_INTERFACE) as call:
        try:
            result = _send_save(account, body, base_url=base_url, timeout=timeout, pool=pool)
        except ProvinceError as exc:
            call["outcome"] = _metric_outcome(exc)
            raise
        call["outcome"] = "ok"
        return result


def _send_save(
    account: ProvinceAccount,
    body: dict[str, Any],
    *,
    base_url: str,
    timeout: tuple[float, float] | None,
    pool: urllib3.PoolManager | None,
) -> ProvinceResult:
    url = base_url.rstrip("/") + SAVE_PATH
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = signed_headers(account.paasid, account.paastoken)
    request_id = current_request_id()
    if request_id:
        # The hub request (or Celery task) behind this call: one id in both logs.
        headers["X-Request-ID"] = request_id
    rec = body["codeAuthRec"]
    log_ctx = f"paasid={account.paasid} org={rec['orgCode']} status={rec['status']}"
    pool = pool or shared_pool()
    connect, read = timeout or DEFAULT_TIMEOUT
    started = time.perf_counter()
    try:
        response = pool.request(
            "POST",
            url,
            body=payload,
            headers=headers,
            timeout=urllib3.Timeout(connect=connect, read=read),
            retries=False,
            redirect=False,
        )
        raw = response.data
    except (http_errors.HTTPError, OSError) as exc:
        failure = _network_failure(exc)
        if failure is None:  # pragma: no cover - every HTTPError/OSError is sorted above
            raise
        transient, kind = failure
        latency = _elapsed_ms(started)
        if transient:
            logger.warning(
                "province %s %s: %s after %.0f ms", SAVE_INTERFACE, log_ctx, kind, latency
            )
            raise ProvinceTransientError(
                f"province {kind}: {type(exc).__name__}",
                interface=SAVE_INTERFACE,
                latency_ms=latency,
                timed_out=kind == "timeout",
            ) from exc
        # Bad URL, bad scheme, undecodable transfer: retrying changes nothing.
        logger.error("province %s %s: %s: %s", SAVE_INTERFACE, log_ctx, kind, type(exc).__name__)
        raise ProvincePermanentError(
            f"province {kind}: {type(exc).__name__}",
            interface=SAVE_INTERFACE,
            latency_ms=latency,
        ) from exc
    latency = _elapsed_ms(started)
    return _classify(response.status, raw, latency=latency, log_ctx=log_ctx)


def _read_answer(raw: bytes) -> tuple[str | None, str | None]:
    """``(returnCode, returnDesc)`` trimmed, or ``(None, None)`` if not the province's shape."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, None
    if not isinstance(data, dict) or "returnCode" not in data:
        return None, None
    code, desc = data.get("returnCode"), data.get("returnDesc")
    if isinstance(code, bool) or not isinstance(code, str | int):
        return None, None
    # The seed's sample answer reads " 1": compare trimmed.
    return str(code).strip(), (str(desc).strip() if desc is not None else "")


def _classify(status: int, raw: bytes, *, latency: float, log_ctx: str) -> ProvinceResult:
    code, desc = _read_answer(raw)
    fields = {
        "interface": SAVE_INTERFACE,
        "http_status": status,
        "return_code": code,
        "return_desc": desc,
        "latency_ms": latency,
    }
    # 1. protocol
    if is_transient_status(status):
        logger.warning(
            "province %s %s: HTTP %s in %.0f ms", SAVE_INTERFACE, log_ctx, status, latency
        )
        raise ProvinceTransientError(f"province answered HTTP {status}", **fields)
    if not 200 <= status < 300:
        logger.warning(
            "province %s %s: HTTP %s returnCode=%s in %.0f ms",
            SAVE_INTERFACE,
            log_ctx,
            status,
            code,
            latency,
        )
        raise ProvincePermanentError(f"province refused with HTTP {status}", **fields)
    # 2. business
    if code is None:
        logger.warning(
            "province %s %s: unparseable answer (HTTP %s)", SAVE_INTERFACE, log_ctx, status
        )
        raise ProvincePermanentError(
            "province answer is not {returnCode, returnDesc} JSON", **fields
        )
    if code != "1":
        logger.info(
            "province %s %s: returnCode=%s in %.0f ms", SAVE_INTERFACE, log_ctx, code, latency
        )
        message = "province refused (returnCode 0)" if code == "0" else "unexpected returnCode"
        raise ProvincePermanentError(message, **fields)
    logger.info("province %s %s: ok in %.0f ms", SAVE_INTERFACE, log_ctx, latency)
    return ProvinceResult(SAVE_INTERFACE, status, code, desc or "", latency)


def save_authorization(
    account: ProvinceAccount,
    *,
    base_url: str,
    id_number: str,
    patient_name: str,
    org_code: str,
    org_name: str,
    auth_days: int = 30,
    timeout: tuple[float, float] | None = None,
    pool: urllib3.PoolManager | None = None,
    status: str = "1",
) -> ProvinceResult:
    """Grant ``org_code`` the right to view the patient's record for ``auth_days``
    (``status`` ``"1"``; ``"0"`` revokes, see ``revoke_authorization``).
    Raises ``ProvinceTransientError``/``ProvincePermanentError``."""
    body = build_save_body(
        account,
        id_number=id_number,
        patient_name=patient_name,
        org_code=org_code,
        org_name=org_name,
        auth_days=auth_days,
        status=status,
    )
    return _post_save(account, body, base_url=base_url, timeout=timeout, pool=pool)


def revoke_authorization(account: ProvinceAccount, **call) -> ProvinceResult:
    """Revoke the authorization: the same call as ``save_authorization`` with
    ``status`` ``"0"`` (same keyword arguments)."""
    return save_authorization(account, **call, status="0")


def build_view_param(
    account: ProvinceAccount,
    *,
    org_code: str,
    staff_no: str,
    staff_name: str,
    card_type: str,
    id_number: str,
    patient_name: str,
    patient_id: str,
) -> str:
    """The plain ``param`` text of spec §2.4 (before encryption), spec key order."""
    return build_param_string(
        {
            "orgCode": org_code,
            "staffNo": staff_no,
            "staffName": staff_name,
            "cardType": card_type,
            "idcard": id_number,
            "patientName": patient_name,
            "patientId": patient_id,
            "callSysCode": account.call_sys_code,
        }
    )


def viewer_url(
    account: ProvinceAccount,
    *,
    viewer_url: str,
    org_code: str,
    staff_no: str,
    staff_name: str,
    card_type: str,
    id_number: str,
    patient_name: str,
    patient_id: str,
) -> str:
    """The URL a doctor's browser opens: ``<viewer>?param=<SM4 hex>&appId=<appId>``,
    the param encrypted under the account's SM4 key."""
    plain = build_view_param(
        account,
        org_code=org_code,
        staff_no=staff_no,
        staff_name=staff_name,
        card_type=card_type,
        id_number=id_number,
        patient_name=patient_name,
        patient_id=patient_id,
    )
    cipher = sm4_encrypt_ecb_hex(account.sm4_key, plain)
    joiner = "&" if "?" in viewer_url else "?"
    # appId is issued as [0-9a-f]; quoted anyway so a configuration typo cannot break the URL.
    return f"{viewer_url}{joiner}param={cipher}&appId={quote(account.app_id, safe='')}"
