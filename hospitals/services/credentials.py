"""Hub-issued hospital credentials: issue, rotate with an overlap window, revoke.

The secrets are returned once, in the ``IssuedCredential`` the caller shows
(admin page, management command) and then forgets; the database keeps them
sealed. Rotation keeps the previous pairs working until the end of the
overlap window (``HUB_CREDENTIAL_OVERLAP_HOURS``, default 24).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hospitals.errors import HospitalsCode
from hospitals.models import Hospital, HubCredential, IntegratedSystem
from hospitals.selectors import credentials_cache_clear
from hospitals.services._audit import record, user_or_none
from hub.errors import HubError

_KEY_RE = re.compile(r"^[0-9a-fA-F]{32}$")
_PAASID_RE = re.compile(r"^[A-Za-z0-9._:-]{3,128}$")


@dataclass(frozen=True)
class IssuedCredential:
    """Shown once to the city officer who hands it to the hospital."""

    org_code: str
    paasid: str
    paastoken: str
    sm4_key: str
    previous_valid_until: datetime | None
    app_id: str = ""
    system_name: str = ""


def _overlap() -> timedelta:
    return timedelta(hours=float(getattr(settings, "HUB_CREDENTIAL_OVERLAP_HOURS", 24)))


def _new_paasid(hospital: Hospital) -> str:
    return f"{hospital.org_code}-{secrets.token_hex(4)}"


def _system_for(hospital: Hospital, system: IntegratedSystem | None) -> IntegratedSystem:
    """The system a credential is issued to: the one given, else the
    hospital's first (created, named after the hospital, when it has none)."""
    if system is not None:
        if system.hospital_id != hospital.pk:
            raise HubError(
                HospitalsCode.INVALID_HOSPITAL, _("This system belongs to another hospital."), 400
            )
        return system
    first = hospital.systems.order_by("id").first()
    return first or IntegratedSystem.objects.create(hospital=hospital, name=hospital.org_name)


def _app_id_for(system: IntegratedSystem, paasid: str, app_id: str | None) -> str:
    """A system keeps its hub appId; a system without one gets ``app_id`` or
    ``<paasid>-app`` (``secrets`` hex when that is taken)."""
    if system.app_id:
        return system.app_id
    wanted = app_id or f"{paasid}-app"
    if IntegratedSystem.objects.filter(app_id=wanted).exclude(pk=system.pk).exists():
        wanted = secrets.token_hex(16)
    system.app_id = wanted
    system.save(update_fields=["app_id"])
    return wanted


def hub_credential_issue(
    *,
    actor,
    hospital: Hospital,
    system: IntegratedSystem | None = None,
    app_id: str | None = None,
    paasid: str | None = None,
    paastoken: str | None = None,
    sm4_key: str | None = None,
    overlap: timedelta | None = None,
) -> IssuedCredential:
    """Issue a new credential to one of the hospital's systems (default: its
    first); that system's current ones are retired at now + ``overlap``.

    Values are generated unless given (the demo data gives fixed ones).
    """
    paasid = paasid or _new_paasid(hospital)
    paastoken = paastoken or secrets.token_urlsafe(24)
    sm4_key = (sm4_key or secrets.token_hex(16)).lower()
    if not _PAASID_RE.match(paasid):
        raise HubError(
            HospitalsCode.INVALID_HOSPITAL, _("A paasid is 3-128 letters, digits or ._:-"), 400
        )
    if not _KEY_RE.match(sm4_key):
        raise HubError(
            HospitalsCode.INVALID_HOSPITAL, _("An SM4 key is 32 hexadecimal characters."), 400
        )
    overlap = _overlap() if overlap is None else overlap
    now = timezone.now()
    retire_at = now + overlap
    try:
        with transaction.atomic():
            # Serialises concurrent rotations of one hospital.
            Hospital.objects.select_for_update().filter(pk=hospital.pk).first()
            system = _system_for(hospital, system)
            issued_app_id = _app_id_for(system, paasid, app_id)
            mine = HubCredential.objects.filter(hospital=hospital, system=system)
            current = list(mine.filter(valid_until__isnull=True))
            for cred in current:
                cred.valid_until = retire_at
                cred.save(update_fields=["valid_until"])
            # Pairs already in an earlier overlap window keep their earlier end.
            mine.filter(valid_until__gt=retire_at).update(valid_until=retire_at)
            created = HubCredential.objects.create(
                hospital=hospital,
                system=system,
                paasid=paasid,
                paastoken=paastoken,
                sm4_key=sm4_key,
                created_by=user_or_none(actor),
            )
            record(
                actor=actor,
                action="hub_credential.rotate" if current else "hub_credential.issue",
                target=hospital,
                before={"paasids": [c.paasid for c in current]} if current else None,
                after={
                    "system": system.name,
                    "app_id": issued_app_id,
                    "paasid": created.paasid,
                    "previous_valid_until": retire_at.isoformat() if current else None,
                },
            )
    except IntegrityError as exc:
        raise HubError(
            HospitalsCode.INVALID_HOSPITAL, _("This paasid is already in use."), 409
        ) from exc
    credentials_cache_clear()
    return IssuedCredential(
        org_code=hospital.org_code,
        paasid=paasid,
        paastoken=paastoken,
        sm4_key=sm4_key,
        previous_valid_until=retire_at if current else None,
        app_id=issued_app_id,
        system_name=system.name,
    )


def hub_credential_rotate(
    *,
    actor,
    hospital: Hospital,
    system: IntegratedSystem | None = None,
    overlap: timedelta | None = None,
) -> IssuedCredential:
    """A fresh paasid/paastoken/SM4 key for one system (default: the
    hospital's first); its old pair works until the overlap ends."""
    return hub_credential_issue(actor=actor, hospital=hospital, system=system, overlap=overlap)


def hub_credential_revoke(*, actor, credential: HubCredential, note: str = "") -> HubCredential:
    """Stop a credential now (a leaked token): no overlap window."""
    with transaction.atomic():
        now = timezone.now()
        before = credential.valid_until
        credential.valid_until = now
        credential.save(update_fields=["valid_until"])
        record(
            actor=actor,
            action="hub_credential.revoke",
            target=credential.hospital,
            before={
                "paasid": credential.paasid,
                "valid_until": before.isoformat() if before else None,
            },
            after={
                "system": credential.system.name if credential.system_id else None,
                "paasid": credential.paasid,
                "valid_until": now.isoformat(),
                "note": note,
            },
        )
    credentials_cache_clear()
    return credential
