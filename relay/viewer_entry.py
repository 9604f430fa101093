"""The viewer entry, ``GET|POST /viewer?param=<SM4 hex>&appId=<hub appId>``:
the province's viewer call (guide §9.3) pointed at the hub.

A hospital system written against the guide opens the viewer in the doctor's
browser; with the hub's address, its hub appId and its hub SM4 key in place
of the province's, it opens this. The hub decrypts and checks ``param`` as
``POST /api/v1/views`` does (``relay.viewing.view_request_read``), decides on
the consent (``relay.view_consent``: the hub's own, or the province's under
``CONSENT_AT=province``), writes the access row of a real view (the access-log
middleware, ``audit.context.note``), and answers **302** to the province
viewer with ``param`` re-encrypted under the city's province key and the
province appId (``relay.viewing.view_url_build``). The hub never fetches the
viewer and stores nothing of a record.

What proves the caller (there is no x-tif signature: the doctor's browser
calls): ``param`` decrypts under a usable credential of the system that
``appId`` names (newest first: a rotation's overlap window works), and its
``orgCode`` is that system's hospital's. The system's IP allowlist does not
apply (the browser is not the system). A ``param`` is a stable value (the
guide's eight fields hold no time or nonce), so replaying a URL is possible
for whoever holds it, exactly as with the province's own viewer URL: every
open is checked against the consent again, logged and counted as a view;
the answers are ``no-store`` and ``no-referrer``, so the URL is neither cached
nor passed on; the hospital's request rate (``throttle_rate``) applies, in the
same window as its API calls. See docs/relay.md, "The viewer entry".

Refusals: a small page in the visitor's language (Chinese by default) with
the reason and the ``errorCode``, the HTTP status of that code; never a stack
trace.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from audit.context import note
from audit.usage import VIEW_REFUSED
from hospitals.clientip import client_ip
from hospitals.errors import HospitalsCode
from hospitals.permissions import not_live_error
from hospitals.selectors import credentials_for_app_id
from hospitals.throttles import HospitalRateThrottle
from hub.errors import Code, HubError, throttled_error
from relay.errors import RelayCode, relay_error
from relay.view_consent import ViewConsent, view_consent, view_recorded
from relay.viewing import ViewRequest, view_request_read, view_url_build

logger = logging.getLogger("relay.viewer_entry")

MAX_PARAM_LENGTH = 8192
MAX_APP_ID_LENGTH = 128
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _one(request: HttpRequest, name: str) -> str:
    """``name`` from the form (POST) or else the query: exactly once."""
    source = request.POST if request.method == "POST" and name in request.POST else request.GET
    values = source.getlist(name)
    if len(values) != 1:
        raise relay_error(RelayCode.VIEWER_QUERY_INVALID)
    return values[0].strip()


def _read_query(request: HttpRequest) -> tuple[str, str]:
    param, app_id = _one(request, "param"), _one(request, "appId")
    if not param or not app_id or len(param) > MAX_PARAM_LENGTH:
        raise relay_error(RelayCode.VIEWER_QUERY_INVALID)
    if len(app_id) > MAX_APP_ID_LENGTH:
        raise relay_error(RelayCode.APP_ID_UNKNOWN)
    return param, app_id


def _caller(app_id: str):
    """(hospital, credential set) of the system behind ``app_id``; refuses an
    unknown appId, a suspended hospital and one that may not relay."""
    creds = credentials_for_app_id(app_id)
    if creds is None or not creds.usable():
        raise relay_error(RelayCode.APP_ID_UNKNOWN)
    hospital = creds.hospital_copy()
    if hospital is None:  # pragma: no cover - loaded with its hospital
        raise relay_error(RelayCode.APP_ID_UNKNOWN)
    return hospital, creds


def _check_hospital(hospital) -> None:
    # The same refusals as the signed API's (hospitals.auth, IsLiveHospital).
    if not hospital.is_active:
        raise HubError(
            HospitalsCode.HOSPITAL_SUSPENDED, _("This hospital is suspended from the hub."), 403
        )
    if not hospital.may_relay:
        raise not_live_error(hospital)


def _throttle(request: HttpRequest, hospital) -> None:
    """The hospital's request rate (``throttle_rate``), in the same window as
    its signed API calls: opening records counts like calling the API."""
    throttle = HospitalRateThrottle()
    if not throttle.allow_request(SimpleNamespace(user=hospital, _request=request), None):
        raise throttled_error(throttle.wait())


def _view_request(hospital, creds, param: str) -> ViewRequest:
    """``param`` read under the first usable key of the system it decrypts
    under (a rotation's overlap window: the new key, then the old)."""
    keys = [c.sm4_key for c in creds.usable()]
    for position, key in enumerate(keys):
        try:
            return view_request_read(hospital=hospital, key_hex=key, param_hex=param)
        except HubError as exc:
            if exc.code != Code.SM4_DECRYPT_FAILED or position == len(keys) - 1:
                raise
    raise relay_error(RelayCode.APP_ID_UNKNOWN)  # pragma: no cover - keys is never empty


def refusal_page(request: HttpRequest, exc: HubError) -> HttpResponse:
    response = render(
        request,
        "relay/viewer_refused.html",
        {"message": exc.message, "code": exc.code, "status": exc.http_status},
        status=exc.http_status,
    )
    for name, value in {**NO_STORE, **exc.headers}.items():
        response[name] = value
    return response


@csrf_exempt  # the HIS page posts here from its own origin; no cookie is read
def viewer_entry(request: HttpRequest) -> HttpResponse:
    """``GET|POST /viewer``: see the module docstring."""
    hospital = None
    try:
        # Not HEAD: every answer here is a view, logged and counted.
        if request.method not in ("GET", "POST"):
            raise HubError(Code.METHOD_NOT_ALLOWED, _("Method not allowed."), 405)
        param, app_id = _read_query(request)
        hospital, creds = _caller(app_id)
        # The access row names the hospital and the system whose appId it is.
        note(request, hospital=hospital, system_id=creds.system_id)
        _check_hospital(hospital)
        _throttle(request, hospital)
        try:
            view = _view_request(hospital, creds, param)
            note(request, staff_no=view.staff_no, patient_digest=view.patient_digest)
            consent: ViewConsent = view_consent(hospital=hospital, view=view)
            url = view_url_build(hospital=hospital, view=view, authorization=consent.authorization)
        except HubError:
            note(request, usage=[VIEW_REFUSED])
            raise
    except HubError as exc:
        request._hub_error_code = exc.code  # the access row's errorCode
        logger.info(
            "viewer entry refused: code=%s org=%s ip=%s",
            exc.code,
            getattr(hospital, "org_code", "-"),
            client_ip(request),
        )
        return refusal_page(request, exc)
    view_recorded(request, consent)
    response = HttpResponseRedirect(url)
    for name, value in NO_STORE.items():
        response[name] = value
    return response
