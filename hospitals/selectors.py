"""Reads on the registry, including the signed-request hot path.

``credentials_for_paasid`` runs on every hospital request. The decrypted
credential material and the hospital's row are kept in-process for
``HUB_CREDENTIAL_CACHE_SECONDS`` (default 5 s) so that an authenticated
request costs no query and no unsealing; any write in this process (services,
admin: see ``hospitals.signals``) clears it at once, other processes pick
changes up when the entry expires (a suspension takes effect everywhere
within those seconds). The set carries the IP allowlist in force for the
calling system (its own, else its hospital's), so checking the address costs
no query either. Expiry times are cached, not "is usable" flags, so a
credential whose overlap window ends is refused on the second it ends. The
decrypted secrets never leave the process (not in Redis, not in logs).
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from hospitals.errors import HospitalsCode
from hospitals.models import Hospital, HubCredential, IntegratedSystem, ProvinceAccount
from hub.errors import HubError
from hub.province.client import ProvinceAccount as ClientAccount


@dataclass(frozen=True)
class CachedCredential:
    id: int
    system_id: int | None
    paasid: str
    paastoken: str
    sm4_key: str
    created_at: datetime
    valid_until: datetime | None

    def usable(self, at: datetime) -> bool:
        return self.valid_until is None or self.valid_until > at


@dataclass(frozen=True)
class CredentialSet:
    """The hospital system behind a paasid (or a hub appId) and all of that
    system's credentials (a rotation's overlap window: old and new).

    ``hospital`` is the row as loaded; callers get a copy (``hospital_copy``)
    so that nothing a view does to ``request.user`` leaks into the cache.
    """

    hospital_id: int
    requested: CachedCredential
    credentials: tuple[CachedCredential, ...]
    hospital: Hospital | None = None
    system_id: int | None = None
    app_id: str = ""
    system_name: str = ""
    #: The allowlist in force for the caller: the system's own when set, else
    #: the hospital's ('' = any address).
    ip_allowlist: str = ""

    def hospital_copy(self) -> Hospital | None:
        return copy.copy(self.hospital) if self.hospital is not None else None

    def usable(self, at: datetime | None = None) -> list[CachedCredential]:
        at = at or timezone.now()
        return [c for c in self.credentials if c.usable(at)]


class _TTLCache:
    def __init__(self) -> None:
        self._data: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        entry = self._data.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None, False
        return entry[1], True

    def set(self, key, value, ttl: float) -> None:
        with self._lock:
            if len(self._data) > 10_000:
                now = time.monotonic()
                self._data = {k: v for k, v in self._data.items() if v[0] >= now}
            self._data[key] = (time.monotonic() + ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_credential_cache = _TTLCache()
_province_cache = _TTLCache()


def _ttl() -> float:
    return float(getattr(settings, "HUB_CREDENTIAL_CACHE_SECONDS", 5))


def credentials_cache_clear() -> None:
    """Forget cached secrets in this process (after an issue, rotation or entry)."""
    _credential_cache.clear()
    _province_cache.clear()


def _cached(cred: HubCredential) -> CachedCredential:
    return CachedCredential(
        id=cred.id,
        system_id=cred.system_id,
        paasid=cred.paasid,
        paastoken=cred.paastoken,
        sm4_key=cred.sm4_key,
        created_at=cred.created_at,
        valid_until=cred.valid_until,
    )


def _credential_set(rows: list[HubCredential], requested: HubCredential) -> CredentialSet:
    creds = tuple(_cached(r) for r in rows)
    system = requested.system
    hospital = requested.hospital
    own_allowlist = system.ip_allowlist.strip() if system is not None else ""
    return CredentialSet(
        hospital_id=requested.hospital_id,
        requested=next(c for c in creds if c.paasid == requested.paasid),
        credentials=creds,
        hospital=hospital,
        system_id=requested.system_id,
        app_id=(system.app_id or "") if system is not None else "",
        system_name=system.name if system is not None else "",
        ip_allowlist=own_allowlist or hospital.ip_allowlist,
    )


def _load_credentials(paasid: str) -> CredentialSet | None:
    now = timezone.now()
    # One query: the requested credential and every credential of its system
    # (of its hospital, for a credential from before systems) that is current
    # or inside an overlap window.
    owner = HubCredential.objects.filter(paasid=paasid)
    rows = list(
        HubCredential.objects.select_related("hospital", "system")
        .filter(hospital_id=Subquery(owner.values("hospital_id")[:1]))
        .filter(Q(paasid=paasid) | Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .order_by("-created_at")
    )
    requested = next((r for r in rows if r.paasid == paasid), None)
    if requested is None:
        return None
    rows = [r for r in rows if r.system_id == requested.system_id]
    return _credential_set(rows, requested)


def _load_app(app_id: str) -> CredentialSet | None:
    rows = list(
        HubCredential.objects.select_related("hospital", "system")
        .filter(system__app_id=app_id)
        .usable()
        .order_by("-created_at")
    )
    if not rows:
        return None
    return _credential_set(rows, rows[0])


def credentials_for_paasid(paasid: str) -> CredentialSet | None:
    """The credential set behind ``paasid`` (None when unknown), cached briefly."""
    value, hit = _credential_cache.get(paasid)
    if hit:
        return value
    value = _load_credentials(paasid)
    # Unknown paasids are remembered for a second only: long enough to shield
    # the database from a flood, short enough that a fresh issue works at once.
    _credential_cache.set(paasid, value, _ttl() if value is not None else min(1.0, _ttl()))
    return value


def credentials_for_app_id(app_id: str) -> CredentialSet | None:
    """The system behind a hub appId (the viewer entry's caller) and its
    usable credentials, newest first (``requested`` is the newest: the key a
    ``param`` is tried with first); None when unknown. Cached like paasids."""
    key = ("app", app_id)
    value, hit = _credential_cache.get(key)
    if hit:
        return value
    value = _load_app(app_id) if 0 < len(app_id) <= 128 else None
    _credential_cache.set(key, value, _ttl() if value is not None else min(1.0, _ttl()))
    return value


def current_credential(
    hospital: Hospital, system: IntegratedSystem | None = None
) -> HubCredential | None:
    """The hospital's newest current credential; of ``system`` when given."""
    qs = hospital.credentials.filter(valid_until__isnull=True)
    if system is not None:
        qs = qs.filter(system=system)
    return qs.order_by("-created_at").first()


def system_of_hospital(hospital: Hospital, ref: str) -> IntegratedSystem | None:
    """One of ``hospital``'s systems named by its hub appId, else by its name
    (None when neither matches, or the name is ambiguous)."""
    ref = (ref or "").strip()
    if not ref:
        return None
    systems = hospital.systems.all()
    by_app = systems.filter(app_id=ref).first()
    if by_app is not None:
        return by_app
    named = list(systems.filter(name=ref)[:2])
    return named[0] if len(named) == 1 else None


def systems_with_credentials(hospital: Hospital) -> list[tuple[IntegratedSystem, list]]:
    """Each of the hospital's systems with its credentials, newest first
    (credentials from before systems, with no system, under ``None``)."""
    creds = list(hospital.credentials.select_related("system").order_by("-created_at"))
    out: list[tuple[IntegratedSystem | None, list]] = [
        (system, [c for c in creds if c.system_id == system.pk])
        for system in hospital.systems.order_by("id")
    ]
    legacy = [c for c in creds if c.system_id is None]
    if legacy:
        out.append((None, legacy))
    return out


def city_province_account() -> ProvinceAccount | None:
    return ProvinceAccount.objects.filter(is_city_default=True).first()


def _to_client_account(account: ProvinceAccount):
    return ClientAccount(
        paasid=account.paasid,
        paastoken=account.paastoken,
        sm4_key=account.sm4_key,
        app_id=account.app_id,
        call_sys_code=account.call_sys_code,
    )


def province_account_for(hospital: Hospital):
    """The province account (``hub.province.client.ProvinceAccount``) to relay
    ``hospital``'s calls with: its override, else the city platform's."""
    key = ("account", hospital.province_account_id or "city")
    value, hit = _province_cache.get(key)
    if hit and value is not None:
        return value
    account = (
        ProvinceAccount.objects.filter(pk=hospital.province_account_id).first()
        if hospital.province_account_id
        else city_province_account()
    )
    if account is None:
        raise HubError(
            HospitalsCode.NO_PROVINCE_ACCOUNT,
            _("The city platform has no province account configured."),
            503,
        )
    value = _to_client_account(account)
    _province_cache.set(key, value, _ttl())
    return value


def hospital_by_org_code(org_code: str) -> Hospital | None:
    return Hospital.objects.filter(org_code=org_code).first()
