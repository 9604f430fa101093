"""A complaint as the hospital-facing JSON shows it (API answers and the
messages delivered to callback URLs). ID and phone numbers leave the hub only
as SM4 hex under the reader's own hub-issued key, as everywhere else in the
contract."""

from __future__ import annotations

from complaints.models import Complaint
from hub.gm import sm4_encrypt_ecb_hex
from hub.times import iso_time


def _time(value) -> str | None:
    return iso_time(value)  # the one time format of the hub's answers


def complaint_data(
    complaint: Complaint, *, key_hex: str, submitter: bool = False, history: bool = False
) -> dict:
    data = {
        "id": str(complaint.public_id),
        "state": complaint.state,
        "onHold": complaint.on_hold,
        "overdue": complaint.is_overdue(),
        "source": complaint.source,
        "orgCode": complaint.org_code,
        "routedTo": complaint.hospital.org_code if complaint.hospital_id else None,
        "triage": complaint.hospital_id is None,
        "category": complaint.category,
        "recordDate": complaint.record_date.isoformat(),
        "description": complaint.description,
        "patientName": complaint.patient_name,
        "patientIdcard": sm4_encrypt_ecb_hex(key_hex, complaint.patient_idcard),
        "reporterName": complaint.reporter_name,
        "reporterContact": (
            sm4_encrypt_ecb_hex(key_hex, complaint.reporter_phone)
            if complaint.reporter_phone
            else None
        ),
        "receivedAt": _time(complaint.received_at),
        "acknowledgeBy": _time(complaint.acknowledge_due_at),
        "resolveBy": _time(complaint.resolve_due_at),
        "acknowledgedAt": _time(complaint.acknowledged_at),
        "resolvedAt": _time(complaint.resolved_at),
        "closedAt": _time(complaint.closed_at),
        "resolution": complaint.resolution or None,
    }
    if submitter:
        data["externalRef"] = complaint.external_ref or None
    if history:
        data["history"] = [
            {"at": _time(f.created_at), "from": f.from_state or None, "to": f.to_state}
            for f in complaint.follow_ups.all()
            if f.kind == "transition"
        ]
    return data


def feed_result(complaint: Complaint) -> dict:
    """What the province's feed is told when its complaint is resolved."""
    return {
        "event": "complaint.resolved",
        "id": str(complaint.public_id),
        "externalRef": complaint.external_ref or None,
        "state": complaint.state,
        "orgCode": complaint.org_code,
        "resolution": complaint.resolution,
        "resolvedAt": _time(complaint.resolved_at),
    }
