"""Template messages (模板消息) to a bound patient: an authorization code, a
consent notice. Best effort: a failure is logged (errcode, reference or
patient digest prefix; never the openid, the code or the text) and never
raised to the caller, since SMS and the patient's pages stay the channels of
record.

The message data follows ``client.message.send_template``'s documented
shape, ``{"<field>": {"value": "..."}}``; the field names are the template's
own (``WECHAT_CODE_TEMPLATE_FIELDS``, ``WECHAT_NOTICE_TEMPLATE_FIELDS``).
"""

from __future__ import annotations

import logging
from datetime import datetime

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from wechatpy.exceptions import WeChatException

from identity.wechat import code_template, configured, notice_template
from identity.wechat.client import WeChatCallFailed, api_client, failure
from identity.wechat.selectors import live_binding

logger = logging.getLogger(__name__)


def template_send(*, openid: str, template_id: str, data: dict, url: str = "") -> str:
    """Send one template message; returns WeChat's ``msgid``. Raises
    :class:`WeChatCallFailed`."""
    client = api_client()
    try:
        answer = client.message.send_template(openid, template_id, data, url=url or None)
    except (WeChatException, requests.RequestException, ValueError) as exc:
        raise failure(exc) from None
    if not isinstance(answer, dict):
        raise WeChatCallFailed(errcode=None, status=200, transient=False)
    return str(answer.get("msgid", ""))


def _fields(setting: str, default: list[str]) -> list[str]:
    return [str(f) for f in (getattr(settings, setting, None) or default)]


def code_data(*, code: str, expires_at: datetime) -> dict:
    code_field, expires_field = _fields("WECHAT_CODE_TEMPLATE_FIELDS", ["code", "expires"])
    expires = timezone.localtime(expires_at).strftime("%Y-%m-%d %H:%M")
    return {code_field: {"value": code}, expires_field: {"value": expires}}


def notice_data(*, text: str) -> dict:
    (text_field,) = _fields("WECHAT_NOTICE_TEMPLATE_FIELDS", ["text"])
    return {text_field: {"value": text}}


def _deliver(*, what: str, tag: str, openid: str, template_id: str, data: dict, url: str) -> None:
    try:
        msgid = template_send(openid=openid, template_id=template_id, data=data, url=url)
    except WeChatCallFailed as exc:
        logger.warning(
            "wechat %s not sent %s errcode=%s status=%s transient=%s",
            what,
            tag,
            exc.errcode,
            exc.status,
            exc.transient,
        )
        return
    except Exception:  # best effort: never fail the caller's commit
        logger.exception("wechat %s not sent %s: unexpected error", what, tag)
        return
    logger.info("wechat %s sent %s msgid=%s", what, tag, msgid)


def _after_commit(func) -> None:
    """Send once the caller's transaction commits (at once outside one): no
    HTTP call holds the caller's row locks, and nothing goes out for a change
    that rolled back."""
    transaction.on_commit(func, robust=True)


def code_push(*, patient_digest: str, code: str, expires_at: datetime, reference: str) -> bool:
    """Queue the code for the patient's bound WeChat; False when the patient
    has no live binding (or the official account or template is not set)."""
    if not (configured() and code_template()):
        return False
    binding = live_binding(patient_digest)
    if binding is None:
        logger.info("wechat code not pushed ref=%s: no live binding", reference)
        return False
    openid, template_id = binding.openid, code_template()
    data = code_data(code=code, expires_at=expires_at)
    _after_commit(
        lambda: _deliver(
            what="code",
            tag=f"ref={reference}",
            openid=openid,
            template_id=template_id,
            data=data,
            url="",
        )
    )
    return True


def notices_enabled() -> bool:
    return configured() and bool(notice_template())


def notice_push(*, patient_digest: str, text: str, url: str = "") -> bool:
    """Queue a consent notice (the SMS text) for the patient's bound WeChat;
    False when there is none to send to."""
    if not notices_enabled():
        return False
    binding = live_binding(patient_digest)
    if binding is None:
        return False
    openid, template_id = binding.openid, notice_template()
    data = notice_data(text=text)
    _after_commit(
        lambda: _deliver(
            what="notice",
            tag=f"patient={patient_digest[:12]}",
            openid=openid,
            template_id=template_id,
            data=data,
            url=url,
        )
    )
    return True
