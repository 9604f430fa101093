"""The WeChat official account (微信公众号): the guide's mode 2 over WeChat
(消息订阅后通过微信消息接收验证码). See docs/wechat.md.

- ``client``: wechatpy's ``WeChatClient`` and ``WeChatOAuth`` pointed at the
  configured hosts, with a timeout and the access token shared through the
  Django cache;
- ``selectors``: a patient's live binding;
- ``services``: bind an openid to patients, unbind (operation-log rows);
- ``send``: template messages: a code, a consent notice (best effort).

The push backend ``identity.push.backends.wechat.WeChatPushBackend`` and the
patient pages (``patients.views_wechat``) use these. This package imports
nothing of ``identity.push``.
"""

from __future__ import annotations

from django.conf import settings


def app_id() -> str:
    return str(getattr(settings, "WECHAT_APP_ID", "") or "")


def configured() -> bool:
    """An official account is set up (binding and API calls possible)."""
    return bool(app_id() and getattr(settings, "WECHAT_APP_SECRET", ""))


def code_template() -> str:
    return str(getattr(settings, "WECHAT_CODE_TEMPLATE_ID", "") or "")


def notice_template() -> str:
    return str(getattr(settings, "WECHAT_NOTICE_TEMPLATE_ID", "") or "")


def mask_openid(openid: str | None) -> str:
    """``oLVPpjqs9BhvzwPj5A-vTYAX3GLc`` -> ``oLV******GLc``: enough to tell two apart
    in the operation log, not enough to message anyone."""
    if not openid:
        return ""
    if len(openid) < 12:
        return "******"
    return openid[:3] + "******" + openid[-3:]
