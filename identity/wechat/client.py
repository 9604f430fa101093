"""wechatpy's clients, pointed at the configured hosts.

- ``api_client()``: a ``WeChatClient`` for ``/cgi-bin/*``. wechatpy builds
  ``/cgi-bin/token`` from a fixed host, so ``fetch_access_token`` is
  overridden to ask ``WECHAT_API_BASE_URL``. The access token (7200 s) is kept
  in the Django cache (Redis in production), shared by every process, and
  dropped five minutes before WeChat's expiry; wechatpy fetches a new one on
  40001/42001 and retries once.
- ``oauth_client()``: a ``WeChatOAuth`` (web OAuth, ``snsapi_base``) whose
  authorize URL starts with ``WECHAT_OAUTH_BASE_URL`` and whose code exchange
  asks ``WECHAT_API_BASE_URL``.

Both send every request with ``WECHAT_TIMEOUT`` (wechatpy's token fetch and
OAuth calls pass none). A failure is raised as :class:`WeChatCallFailed`
(``errcode`` and ``transient``; never WeChat's ``errmsg``, never a URL: they
carry the access token or the code).
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient, WeChatOAuth
from wechatpy.exceptions import WeChatException
from wechatpy.session import SessionStorage

from hub.http import OutsideError, is_transient_status
from identity.wechat import app_id

#: WeChat's system-busy and rate-limit codes: worth trying again later.
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45011, 45047})
#: Seconds before WeChat's own expiry that a cached access token is dropped.
TOKEN_MARGIN = 300


class WeChatCallFailed(OutsideError):
    """A WeChat API call that did not succeed: ``errcode`` (None: no JSON
    answer), ``status`` (HTTP, None: no answer) and ``transient``."""

    def __init__(self, *, errcode: int | None, status: int | None, transient: bool):
        super().__init__(f"WeChat call failed errcode={errcode} status={status}")
        self.errcode = errcode
        self.status = status
        self.transient = transient


def _timeout() -> float:
    return float(getattr(settings, "WECHAT_TIMEOUT", 5.0))


def _api_base() -> str:
    return str(getattr(settings, "WECHAT_API_BASE_URL", "https://api.weixin.qq.com")).rstrip("/")


def _oauth_base() -> str:
    return str(getattr(settings, "WECHAT_OAUTH_BASE_URL", "https://open.weixin.qq.com")).rstrip("/")


class _TimeoutSession(requests.Session):
    """A session that gives every request a timeout unless one is passed."""

    def __init__(self, timeout: float):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)


class CacheStorage(SessionStorage):
    """wechatpy's session storage over the Django cache (shared by the web
    processes and the Celery workers)."""

    prefix = "wechat:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        if value is None:
            return
        timeout = max(60, int(ttl) - TOKEN_MARGIN) if ttl else None
        cache.set(self.prefix + key, value, timeout)

    def delete(self, key):
        cache.delete(self.prefix + key)


class HubWeChatClient(WeChatClient):
    def fetch_access_token(self):
        return self._fetch_access_token(
            url=_api_base() + "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def api_client() -> HubWeChatClient:
    client = HubWeChatClient(
        app_id(), settings.WECHAT_APP_SECRET, session=CacheStorage(), timeout=_timeout()
    )
    client.API_BASE_URL = _api_base() + "/cgi-bin/"
    client._http = _TimeoutSession(_timeout())
    return client


def oauth_client(*, redirect_uri: str, state: str) -> WeChatOAuth:
    oauth = WeChatOAuth(
        app_id(),
        settings.WECHAT_APP_SECRET,
        redirect_uri,
        scope="snsapi_base",
        state=state,
    )
    oauth.API_BASE_URL = _api_base() + "/"
    oauth.OAUTH_BASE_URL = _oauth_base() + "/connect/"
    oauth._http = _TimeoutSession(_timeout())
    return oauth


def authorize_url(*, redirect_uri: str, state: str) -> str:
    """Where the patient's WeChat goes to be asked for (silently, with
    ``snsapi_base``) their openid; WeChat comes back to ``redirect_uri`` with
    ``code`` and ``state``."""
    return oauth_client(redirect_uri=redirect_uri, state=state).authorize_url


def openid_for_code(code: str) -> str:
    """Exchange the OAuth ``code`` (single use, 5 minutes) for the openid."""
    oauth = oauth_client(redirect_uri="", state="")
    try:
        answer = oauth.fetch_access_token(code)
    except (WeChatException, requests.RequestException, KeyError, ValueError) as exc:
        raise failure(exc) from None
    openid = str(answer.get("openid") or "")
    if not openid:
        raise WeChatCallFailed(errcode=None, status=200, transient=False)
    return openid


def failure(exc: Exception) -> WeChatCallFailed:
    """The hub's error for whatever wechatpy or requests raised."""
    if isinstance(exc, WeChatException):
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        errcode = exc.errcode if isinstance(exc.errcode, int) else None
        if errcode is None:
            return WeChatCallFailed(
                errcode=None, status=status, transient=is_transient_status(status)
            )
        return WeChatCallFailed(
            errcode=errcode, status=status, transient=errcode in TRANSIENT_ERRCODES
        )
    if isinstance(exc, requests.RequestException):
        status = getattr(getattr(exc, "response", None), "status_code", None)
        return WeChatCallFailed(errcode=None, status=status, transient=is_transient_status(status))
    return WeChatCallFailed(errcode=None, status=200, transient=False)
