"""A hospital's connected systems (HIS, EMR, internet hospital...): connect one
with its own credentials, change one, remove one.

Each system has its own hub appId, its own credentials (issued and rotated on
their own, ``hospitals.services.credentials``) and its own IP allowlist. Every
change writes an operation-log row that names the system (its name and
appId), in the change's own transaction. A system that ever had credentials
is never deleted: calls, logs and usage are attributed to it.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from hospitals.errors import HospitalsCode
from hospitals.models import Hospital, IntegratedSystem
from hospitals.services._audit import record
from hospitals.services.credentials import IssuedCredential, hub_credential_issue
from hub.errors import HubError

APP_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{3,128}$")
SNAPSHOT_FIELDS = ("name", "app_id", "url", "ip", "ip_allowlist")


def system_snapshot(system: IntegratedSystem) -> dict:
    """What the operation log keeps of a system (no secrets in it)."""
    return {field: getattr(system, field) or "" for field in SNAPSHOT_FIELDS}


def _invalid(message: str) -> HubError:
    return HubError(HospitalsCode.INVALID_HOSPITAL, message, 400)


def _clean(system: IntegratedSystem) -> None:
    system.name = (system.name or "").strip()
    system.app_id = (system.app_id or "").strip() or None
    if not system.name:
        raise _invalid(_("A system needs a name."))
    if system.app_id is not None and not APP_ID_RE.match(system.app_id):
        raise _invalid(_("An appId is 3-128 letters, digits or ._:-"))
    taken = IntegratedSystem.objects.filter(app_id=system.app_id).exclude(pk=system.pk)
    if system.app_id is not None and taken.exists():
        raise HubError(HospitalsCode.INVALID_HOSPITAL, _("This appId is already in use."), 409)
    try:
        system.full_clean(exclude=["hospital", "app_id"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise _invalid(f"{field}: {messages[0]}") from exc


def integrated_system_save(*, actor, system: IntegratedSystem) -> IntegratedSystem:
    """Create or change a system (validated; its appId is fixed once set)."""
    with transaction.atomic():
        before = None
        if system.pk is not None:
            stored = IntegratedSystem.objects.select_for_update().get(pk=system.pk)
            before = system_snapshot(stored)
            if stored.app_id and (system.app_id or None) != stored.app_id:
                raise _invalid(_("A system's appId cannot be changed once set."))
        _clean(system)
        system.save()
        action = "integrated_system.update" if before else "integrated_system.create"
        after = system_snapshot(system)
        if before != after:
            record(
                actor=actor,
                action=action,
                target=system.hospital,
                before={"system": before["name"], **before} if before else None,
                after={"system": system.name, **after},
            )
    return system


def integrated_system_delete(*, actor, system: IntegratedSystem) -> None:
    """Remove a system that never had credentials nor asked for a consent."""
    if system.credentials.exists():
        raise HubError(
            HospitalsCode.INVALID_HOSPITAL,
            _("A system that had credentials is kept: its calls and usage refer to it."),
            409,
        )
    hospital = system.hospital
    before = system_snapshot(system)
    try:
        with transaction.atomic():
            system.delete()
            record(
                actor=actor,
                action="integrated_system.delete",
                target=hospital,
                before={"system": before["name"], **before},
            )
    except ProtectedError as exc:  # consents it asked for refer to it
        raise HubError(
            HospitalsCode.INVALID_HOSPITAL,
            _("A system that had credentials is kept: its calls and usage refer to it."),
            409,
        ) from exc


def system_connect(
    *,
    actor,
    hospital: Hospital,
    name: str,
    app_id: str | None = None,
    url: str = "",
    ip: str = "",
    ip_allowlist: str = "",
) -> IssuedCredential:
    """Connect a new system to ``hospital`` and issue its first credentials
    (paasid, paastoken, SM4 key, and its appId: ``app_id`` or one generated),
    all or nothing. The secrets are in the answer only."""
    with transaction.atomic():
        system = integrated_system_save(
            actor=actor,
            system=IntegratedSystem(
                hospital=hospital,
                name=name,
                app_id=app_id,
                url=url,
                ip=ip,
                ip_allowlist=ip_allowlist,
            ),
        )
        return hub_credential_issue(actor=actor, hospital=hospital, system=system, app_id=app_id)
