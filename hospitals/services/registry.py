"""Create and change registry entries."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hospitals.errors import HospitalsCode
from hospitals.models import Hospital, IntegratedSystem, Status
from hospitals.services._audit import record
from hub.errors import HubError
from hub.protect import mask_phone

# Fields a service may set; the rest (stage, credentials) have their own services.
EDITABLE_FIELDS = (
    "org_name",
    "uscc",
    "level",
    "district",
    "contact_name",
    "contact_phone",
    "callback_url",
    "ip_allowlist",
    "throttle_rate",
    "mode1_daily_cap",
    "consent_at",
    "authorization_integration",
    "viewing_integration",
)


def snapshot(hospital: Hospital) -> dict:
    """What the operation log keeps of a hospital (phone masked)."""
    return {
        "org_code": hospital.org_code,
        "org_name": hospital.org_name,
        "uscc": hospital.uscc,
        "level": hospital.level,
        "district": hospital.district,
        "contact_name": hospital.contact_name,
        "contact_phone": mask_phone(hospital.contact_phone),
        "status": hospital.status,
        "stage": hospital.stage,
        "callback_url": hospital.callback_url,
        "ip_allowlist": hospital.ip_allowlist,
        "throttle_rate": hospital.throttle_rate,
        "consent_at": hospital.consent_at,
    }


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return f"{field}: {messages[0]}"
    return exc.messages[0]


def _clean(hospital: Hospital) -> None:
    try:
        hospital.full_clean(exclude=["province_account"])
    except ValidationError as exc:
        raise HubError(HospitalsCode.INVALID_HOSPITAL, _validation_message(exc), 400) from exc


def hospital_create(
    *,
    actor,
    org_code: str,
    org_name: str,
    systems: Iterable[dict] = (),
    **fields,
) -> Hospital:
    """Register a hospital (stage ``parameters_issued``); validated in full."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown hospital fields: {sorted(unknown)}")
    hospital = Hospital(org_code=org_code.strip(), org_name=org_name.strip(), **fields)
    if hospital.uscc:
        hospital.uscc = hospital.uscc.strip().upper()
    _clean(hospital)
    with transaction.atomic():
        hospital.save()
        for system in systems:
            _system_add(hospital, system)
        record(actor=actor, action="hospital.create", target=hospital, after=snapshot(hospital))
    return hospital


def _system_add(hospital: Hospital, system: dict) -> IntegratedSystem:
    item = IntegratedSystem(
        hospital=hospital,
        name=str(system.get("name", "")).strip(),
        url=str(system.get("url", "")).strip(),
        ip=str(system.get("ip", "")).strip(),
    )
    try:
        item.full_clean()
    except ValidationError as exc:
        raise HubError(HospitalsCode.INVALID_HOSPITAL, _validation_message(exc), 400) from exc
    item.save()
    return item


def hospital_update(*, actor, hospital: Hospital, **fields) -> Hospital:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown hospital fields: {sorted(unknown)}")
    with transaction.atomic():
        hospital = Hospital.objects.select_for_update().get(pk=hospital.pk)
        before = snapshot(hospital)
        for name, value in fields.items():
            setattr(hospital, name, value)
        _clean(hospital)
        hospital.save(update_fields=[*fields, "updated_at"])
        record(
            actor=actor,
            action="hospital.update",
            target=hospital,
            before=before,
            after=snapshot(hospital),
        )
    return hospital


def _set_status(*, actor, hospital: Hospital, status: str, note: str, action: str) -> Hospital:
    with transaction.atomic():
        hospital = Hospital.objects.select_for_update().get(pk=hospital.pk)
        before = hospital.status
        hospital.status = status
        hospital.save(update_fields=["status", "updated_at"])
        record(
            actor=actor,
            action=action,
            target=hospital,
            before={"status": before},
            after={"status": status, "note": note},
        )
    return hospital


def hospital_suspend(*, actor, hospital: Hospital, note: str = "") -> Hospital:
    """Refuse every call of the hospital from now on (403 HOSPITAL_SUSPENDED)."""
    return _set_status(
        actor=actor,
        hospital=hospital,
        status=Status.SUSPENDED,
        note=note,
        action="hospital.suspend",
    )


def hospital_reactivate(*, actor, hospital: Hospital, note: str = "") -> Hospital:
    return _set_status(
        actor=actor,
        hospital=hospital,
        status=Status.ACTIVE,
        note=note,
        action="hospital.reactivate",
    )


def hospital_not_found(org_code: str) -> HubError:
    return HubError(
        HospitalsCode.HOSPITAL_NOT_FOUND,
        _("No hospital with orgCode %(org_code)s.") % {"org_code": org_code},
        404,
    )
