"""Receive codes and notices by WeChat (/me/wechat/, docs/wechat.md).

A signed-in phone binds the WeChat it is opened in to every patient whose
phone of record it is (``selectors.bound_digests``), and only to those:

| path | page |
| --- | --- |
| ``/me/wechat/`` | which records are bound; bind (inside WeChat) or unbind |
| ``/me/wechat/bind/`` | a fresh ``state`` in the patient session, then WeChat's OAuth page (``snsapi_base``: silent, openid only) |
| ``/me/wechat/callback/`` | WeChat comes back with ``code`` and ``state``: the state must be the session's (single use, 10 minutes), the code is exchanged for the openid (``WeChatOAuth.fetch_access_token``), the openid bound |
| ``/me/wechat/unbind/`` | POST: the bindings of these records end |

The openid never reaches the page, the session or a log line.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from identity import wechat
from identity.wechat.client import WeChatCallFailed, authorize_url, openid_for_code
from identity.wechat.selectors import live_bindings
from identity.wechat.services import wechat_binding_bind, wechat_binding_unbind
from patients import selectors
from patients.session import patient_page

logger = logging.getLogger(__name__)

_STATE = "patient_wechat_state"
#: How long WeChat may take to come back (its code itself lasts 5 minutes).
STATE_SECONDS = 10 * 60


def in_wechat(request) -> bool:
    """Opened inside WeChat's browser (web OAuth works only there)."""
    return "MicroMessenger" in request.headers.get("User-Agent", "")


def _redirect_uri(request) -> str:
    path = reverse("patients:wechat-callback")
    base = str(getattr(settings, "PATIENT_PAGES_BASE_URL", "")).rstrip("/")
    return base + path if base else request.build_absolute_uri(path)


def _page(request, *, error: str = "", status: int = 200):
    phone_digest = request.patient.phone_digest
    identities = selectors.identities(phone_digest)
    bound = {b.patient_digest: b for b in live_bindings([i.patient_digest for i in identities])}
    rows = [(i, bound.get(i.patient_digest)) for i in identities]
    context = {
        "offered": wechat.configured(),
        "in_wechat": in_wechat(request),
        "rows": rows,
        "any_bound": bool(bound),
        "error": error,
    }
    return render(request, "patients/wechat.html", context, status=status)


@require_GET
@patient_page()
def wechat_home(request):
    return _page(request)


@require_GET
@patient_page()
def wechat_bind(request):
    if not wechat.configured():
        return _page(request, status=404)
    if not selectors.bound_digests(request.patient.phone_digest):
        messages.error(request, _("No record is linked to this phone yet"))
        return redirect("patients:wechat")
    if not in_wechat(request):
        return _page(request, error=_("Open this page inside WeChat to bind it."), status=400)
    state = secrets.token_urlsafe(16)
    request.patient.store[_STATE] = {"state": state, "at": timezone.now().timestamp()}
    return redirect(authorize_url(redirect_uri=_redirect_uri(request), state=state))


def _state_ok(request) -> bool:
    """The ``state`` WeChat brings back is the one this session sent, once."""
    stored = request.patient.store.pop(_STATE, None) or {}
    expected, at = str(stored.get("state", "")), float(stored.get("at", 0))
    given = request.GET.get("state", "")
    if not expected or not given or timezone.now().timestamp() - at > STATE_SECONDS:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


@require_GET
@patient_page()
def wechat_callback(request):
    if not wechat.configured():
        return _page(request, status=404)
    if not _state_ok(request):
        logger.warning("wechat bind refused: state missing, expired or not this session's")
        return _page(
            request, error=_("This binding link is not valid any more. Try again."), status=400
        )
    code = request.GET.get("code", "")
    if not code or len(code) > 128:
        return _page(request, error=_("WeChat did not confirm the binding. Try again."), status=400)
    try:
        openid = openid_for_code(code)
    except WeChatCallFailed as exc:
        logger.warning(
            "wechat bind failed: code exchange errcode=%s status=%s", exc.errcode, exc.status
        )
        return _page(request, error=_("WeChat could not be reached. Try again later."), status=502)
    digests = selectors.bound_digests(request.patient.phone_digest)
    if not digests:
        return _page(request, error=_("No record is linked to this phone yet"), status=400)
    wechat_binding_bind(
        patient_digests=digests,
        openid=openid,
        phone_digest=request.patient.phone_digest,
        actor=request.patient.actor,
    )
    messages.success(
        request,
        _("WeChat bound. Authorization codes and notices will also come to this WeChat."),
    )
    return redirect("patients:wechat")


@require_POST
@patient_page()
def wechat_unbind(request):
    digests = selectors.bound_digests(request.patient.phone_digest)
    if wechat_binding_unbind(patient_digests=digests, actor=request.patient.actor):
        messages.success(request, _("WeChat unbound. Nothing more will be sent to it."))
    return redirect("patients:wechat")
