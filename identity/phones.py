"""Phones of record (本人手机号): reads and the one write.

A phone of record is where a patient's SMS codes and consent notices go, and
the only phone that signs in to the patient's pages. It comes from a trusted
source only (``PhoneSource``): real-name registration, a face check at a
hospital kiosk, or the city's resident registry. A phone a hospital sends
with a request is never one: it is only compared with the record.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.services import operation_log_record
from hub.protect import digest, mask_id, mask_phone
from identity import codes
from identity.models import PatientPhone, PhoneSource

TAKEN, CHANGED, UNCHANGED = "taken", "changed", "unchanged"


def phone_of_record(*, patient_digest: str) -> PatientPhone | None:
    """The patient's phone of record, or None."""
    return PatientPhone.objects.filter(patient_digest=patient_digest).first()


def patients_of_phone(*, phone_digest: str) -> list[str]:
    """The patient digests whose phone of record is this phone (a family may share one)."""
    return list(
        PatientPhone.objects.filter(phone_digest=phone_digest).values_list(
            "patient_digest", flat=True
        )
    )


def phone_is_of_record(*, phone_digest: str) -> bool:
    return PatientPhone.objects.filter(phone_digest=phone_digest).exists()


def phone_of_record_set(
    *, id_number: str, card_type: str, phone: str, source: str, evidence: str, actor
) -> tuple[PatientPhone, str]:
    """Record ``phone`` as the patient's own; returns the row and whether it
    was ``taken`` (new), ``changed`` (another number before) or ``unchanged``.

    ``id_number`` must already be checked (``hub.province.params``); ``phone``
    must be a mainland mobile number.
    """
    if source not in PhoneSource.values:
        raise ValueError(f"unknown phone source {source!r}")
    if not codes.phone_is_valid(phone):
        raise ValueError("not a mainland mobile number")
    patient = digest(id_number, purpose="id")
    phone_digest = digest(phone, purpose="phone")
    with transaction.atomic():
        row = PatientPhone.objects.select_for_update().filter(patient_digest=patient).first()
        if row is not None and row.phone_digest == phone_digest:
            return row, UNCHANGED
        before = None
        if row is None:
            row = PatientPhone(patient_digest=patient)
            outcome = TAKEN
        else:
            before = {"phone": row.masked_phone, "source": row.source}
            outcome = CHANGED
        row.card_type = card_type
        row.idcard = id_number
        row.phone = phone
        row.phone_digest = phone_digest
        row.source = source
        row.evidence = evidence[:100]
        row.recorded_at = timezone.now()
        row.save()
        operation_log_record(
            actor=actor,
            action=f"patient_phone.{outcome}",
            target=f"patient:{mask_id(id_number)}",
            before=before,
            after={"phone": mask_phone(phone), "source": source, "evidence": row.evidence},
        )
    return row, outcome
