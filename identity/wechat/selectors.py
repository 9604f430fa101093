"""Reads of the WeChat bindings."""

from __future__ import annotations

from identity.models import PatientPhone, WeChatBinding
from identity.wechat import app_id


def _still_trusted(binding: WeChatBinding, record_phone_digest: str | None) -> bool:
    """A binding counts while the phone that made it is still the patient's
    phone of record: when the record moves to another number (carriers
    recycle numbers), the old phone's binding stops with it. A patient left
    without a phone of record keeps the binding they made."""
    if record_phone_digest is None or not binding.phone_digest:
        return True
    return binding.phone_digest == record_phone_digest


def live_bindings(patient_digests) -> list[WeChatBinding]:
    """The live bindings of these patients to the configured official account."""
    digests = [d for d in patient_digests if d]
    if not digests or not app_id():
        return []
    rows = list(
        WeChatBinding.objects.filter(
            patient_digest__in=digests, app_id=app_id(), unbound_at__isnull=True
        ).order_by("bound_at", "id")
    )
    if not rows:
        return []
    records = dict(
        PatientPhone.objects.filter(patient_digest__in=digests).values_list(
            "patient_digest", "phone_digest"
        )
    )
    return [row for row in rows if _still_trusted(row, records.get(row.patient_digest))]


def live_binding(patient_digest: str) -> WeChatBinding | None:
    """The patient's live binding, or None."""
    found = live_bindings([patient_digest])
    return found[0] if found else None
