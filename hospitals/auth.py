"""Signed-request authentication of hospital calls (the x-tif scheme of the
province's gateway, with hub-issued credentials).

Order of checks: headers present -> paasid known and not retired -> timestamp,
signature (any usable credential of the calling system: a rotation's overlap
window), nonce not replayed -> hospital not suspended -> caller's IP in the
allowlist in force (the system's own when set, else the hospital's; a
malformed one refuses every address). Each refusal has its own ``errorCode``; each is logged
with the paasid, the reason and the address, never a token or signature.

On success ``request.user`` is the ``Hospital`` and ``request.auth`` the
``HubCredential`` that matched, whose ``sm4_key`` is the decrypted hex key the
hospital encrypts ID and phone numbers with and whose ``system_id`` is the
calling system (``IntegratedSystem``; None for a credential from before
systems). The underlying Django request carries ``hub_hospital`` and
``hub_system_id`` for the access log, refused calls included.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication

from hospitals.clientip import client_ip, ip_allowed
from hospitals.errors import HospitalsCode
from hospitals.models import Hospital, HubCredential
from hospitals.nonces import nonce_store as nonce_store_in_force
from hospitals.permissions import IsLiveHospital, IsSignedHospital
from hospitals.selectors import credentials_for_paasid
from hospitals.throttles import HospitalRateThrottle, Window, nonce_and_hit, window_for
from hospitals.validators import parse_cidrs
from hub.errors import HubError
from hub.gm import xtif
from hub.gm.nonces import CacheNonceStore

logger = logging.getLogger("hospitals.auth")


_SIGNATURE_CODES = {
    "missing_headers": HospitalsCode.MISSING_SIGNATURE_HEADERS,
    "bad_timestamp": HospitalsCode.BAD_TIMESTAMP,
    "stale_timestamp": HospitalsCode.STALE_TIMESTAMP,
    "bad_nonce": HospitalsCode.BAD_NONCE,
    "bad_signature": HospitalsCode.BAD_SIGNATURE,
    "replayed_nonce": HospitalsCode.REPLAYED_NONCE,
}


def _messages() -> dict[str, str]:
    # Translated at call time (the active language is per request).
    return {
        "missing_headers": _(
            "Send the x-tif-paasid, x-tif-timestamp, x-tif-nonce and x-tif-signature headers."
        ),
        "bad_timestamp": _("x-tif-timestamp must be Unix seconds."),
        "stale_timestamp": _(
            "x-tif-timestamp is more than 180 seconds from the hub's clock; check the system clock."
        ),
        "bad_nonce": _("x-tif-nonce is too long or not printable."),
        "bad_signature": _("x-tif-signature does not match."),
        "replayed_nonce": _("This x-tif-nonce was already used."),
    }


def signature_refusal(exc: xtif.SignatureError) -> tuple[str, str]:
    """(errorCode, readable message) for a refused x-tif signature; shared by
    every signed caller (hospitals here, the complaint feed in complaints)."""
    messages = _messages()  # only on a refusal: 6 lookups per request otherwise
    code = _SIGNATURE_CODES.get(exc.reason, HospitalsCode.BAD_SIGNATURE)
    return code, messages.get(exc.reason, messages["bad_signature"])


def _refuse(request, code: str, message: str, status: int, reason: str, paasid: str) -> HubError:
    logger.warning(
        "hospital request refused: code=%s reason=%s paasid=%s ip=%s path=%s",
        code,
        reason,
        paasid[:64] if paasid else "-",
        client_ip(request),
        request.path[:200],
    )
    return HubError(code, message, status)


def _credential(hospital: Hospital, cached) -> HubCredential:
    # Built from the cache (no query); has the row's pk so it can be stored as an FK.
    cred = HubCredential(
        id=cached.id,
        hospital=hospital,
        system_id=cached.system_id,
        paasid=cached.paasid,
        created_at=cached.created_at,
        valid_until=cached.valid_until,
    )
    cred.paastoken = cached.paastoken
    cred.sm4_key = cached.sm4_key
    cred._state.adding = False
    cred._state.db = "default"
    return cred


class XTifAuthentication(BaseAuthentication):
    """DRF authentication for the hub's hospital API."""

    def authenticate_header(self, request) -> str:
        return 'x-tif realm="hub"'

    def authenticate(self, request):
        meta = request.META
        paasid = meta.get("HTTP_X_TIF_PAASID", "").strip()
        timestamp = meta.get("HTTP_X_TIF_TIMESTAMP", "").strip()
        nonce = meta.get("HTTP_X_TIF_NONCE", "").strip()
        signature = meta.get("HTTP_X_TIF_SIGNATURE", "").strip()

        if not (paasid and timestamp and nonce and signature):
            raise _refuse(
                request,
                HospitalsCode.MISSING_SIGNATURE_HEADERS,
                _messages()["missing_headers"],
                401,
                "missing_headers",
                paasid,
            )

        creds = credentials_for_paasid(paasid) if len(paasid) <= 128 else None
        if creds is None:
            raise _refuse(
                request,
                HospitalsCode.UNKNOWN_PAASID,
                _("Unknown x-tif-paasid."),
                401,
                "unknown_paasid",
                paasid,
            )
        now = timezone.now()
        if not creds.requested.usable(now):
            raise _refuse(
                request,
                HospitalsCode.CREDENTIAL_RETIRED,
                _("This paasid was rotated and its overlap window is over; use the new one."),
                401,
                "credential_retired",
                paasid,
            )
        usable = creds.usable(now)
        hospital = creds.hospital_copy()
        if hospital is None:  # pragma: no cover - the set is always loaded with its hospital
            hospital = Hospital.objects.get(pk=creds.hospital_id)
        allowlist = creds.ip_allowlist
        ip_refused = bool(allowlist) and not _ip_ok(request, allowlist)
        nonce_store = nonce_store_in_force()
        if hospital.is_active and not ip_refused:
            window = _throttle_window(request, hospital)
            if window is not None:
                nonce_store = _NonceAndHit(request, window)
        try:
            token = xtif.verify(
                paasid=paasid,
                timestamp=timestamp,
                nonce=nonce,
                signature=signature,
                paastokens=[c.paastoken for c in usable],
                nonce_store=nonce_store,
                max_skew=int(getattr(settings, "XTIF_MAX_SKEW_SECONDS", xtif.MAX_SKEW_SECONDS)),
            )
        except xtif.SignatureError as exc:
            code, message = signature_refusal(exc)
            raise _refuse(request, code, message, 401, exc.reason, paasid) from None

        # The audit middleware attributes the call (even a refused one) from here.
        request._request.hub_hospital = hospital
        request._request.hub_system_id = creds.system_id
        if not hospital.is_active:
            raise _refuse(
                request,
                HospitalsCode.HOSPITAL_SUSPENDED,
                _("This hospital is suspended from the hub."),
                403,
                "suspended",
                paasid,
            )
        if ip_refused:
            raise _refuse(
                request,
                HospitalsCode.IP_NOT_ALLOWED,
                _("Calls from this address are not allowed for this hospital."),
                403,
                "ip_not_allowed",
                paasid,
            )
        matched = next(c for c in usable if c.paastoken == token)
        return hospital, _credential(hospital, matched)


def _ip_ok(request, allowlist: str) -> bool:
    networks = _networks(allowlist)
    return networks is not None and ip_allowed(client_ip(request), networks)


def _throttle_window(request, hospital: Hospital) -> Window | None:
    """The throttle window to count this request in together with its nonce,
    when the request, once authenticated, is sure to reach
    ``HospitalRateThrottle`` (the view's only throttle, behind permissions
    this hospital passes); else None and the throttle counts it itself."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if view is None or list(getattr(view, "throttle_classes", ())) != [HospitalRateThrottle]:
        return None
    for permission in getattr(view, "permission_classes", ()):
        if permission is IsLiveHospital and hospital.may_relay:
            continue
        if permission is not IsSignedHospital:
            return None
    return window_for(hospital)


class _NonceAndHit:
    """Nonce store for one request: the nonce's ``SET NX`` and, only when it
    is new, the throttle's count, in one Redis round trip (``verify`` calls
    ``add`` only after the signature checked). The count waits on the request
    for ``HospitalRateThrottle``."""

    def __init__(self, request, window: Window) -> None:
        self.request = request
        self.window = window

    def add(self, key: str, ttl_seconds: int) -> bool:
        store = nonce_store_in_force()
        if not isinstance(store, CacheNonceStore):
            return store.add(key, ttl_seconds)  # the database: the throttle counts later
        count = nonce_and_hit(f"{store.prefix}:{key}", ttl_seconds, self.window)
        if count is None:  # not Redis: the nonce alone; the throttle counts later
            return store.add(key, ttl_seconds)
        if count == 0:
            return False
        self.request._request.hub_throttle_count = (self.window, count)
        return True


@lru_cache(maxsize=1024)
def _networks(text: str):
    try:
        return tuple(parse_cidrs(text))
    except ValueError:
        # A malformed allowlist (validated on save, so only a hand-edited row)
        # fails closed, not open.
        logger.error("malformed ip_allowlist; refusing every address")
        return None
