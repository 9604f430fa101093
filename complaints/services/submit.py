"""Intake and routing: a complaint, its routing decision and its deliveries
are written in one transaction; the deliveries are enqueued on commit."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import operation_log_record
from complaints.deadlines import deadlines_from
from complaints.intake import ComplaintInput
from complaints.lifecycle import State
from complaints.models import (
    Channel,
    Complaint,
    DispatchOutbox,
    FeedCredential,
    HospitalComplaintContact,
    Source,
    TriageReason,
)
from complaints.services._common import audit_actor, follow_up, transition
from complaints.services._outbox import publish_on_commit
from hospitals.models import Hospital, Status
from hub.protect import digest


def route_target(org_code: str) -> tuple[Hospital | None, str]:
    """The hospital a complaint about ``org_code`` goes to, or (None, why)."""
    hospital = Hospital.objects.filter(org_code=org_code).first()
    if hospital is None:
        return None, TriageReason.UNKNOWN_ORG
    if hospital.status != Status.ACTIVE:
        return None, TriageReason.SUSPENDED
    if not hospital.is_live:
        # Not live (at most in the joint test with the province, on test
        # data): a real patient's complaint goes to the city, which routes it.
        return None, TriageReason.NOT_LIVE
    return hospital, TriageReason.NONE


def hospital_deliveries(complaint: Complaint, hospital: Hospital) -> list[int]:
    """Outbox rows telling ``hospital`` about ``complaint``: its callback URL
    (signed POST) and its complaint e-mail contacts. Without a callback URL
    the hospital pulls with ``GET /api/v1/complaints``."""
    rows = []
    if hospital.callback_url:
        rows.append(
            DispatchOutbox(
                complaint=complaint,
                channel=Channel.HOSPITAL_CALLBACK,
                hospital=hospital,
                target=hospital.callback_url,
            )
        )
    for contact in HospitalComplaintContact.objects.filter(hospital=hospital, is_enabled=True):
        rows.append(
            DispatchOutbox(
                complaint=complaint,
                channel=Channel.HOSPITAL_EMAIL,
                hospital=hospital,
                target=contact.email,
            )
        )
    return [row.pk for row in DispatchOutbox.objects.bulk_create(rows)]


def assign(complaint: Complaint, hospital: Hospital | None, reason: str, *, actor, note, now):
    """Route (or re-route) a locked complaint; returns the new outbox ids."""
    deadlines = deadlines_from(now)
    paused = complaint.paused_seconds
    if complaint.on_hold_since is not None:
        paused += int((now - complaint.on_hold_since).total_seconds())
    transition(
        complaint,
        State.ROUTED,
        actor=actor,
        note=note,
        now=now,
        fields={
            "hospital": hospital,
            "triage_reason": reason,
            "routed_at": now,
            "acknowledged_at": None,
            "acknowledge_due_at": deadlines.acknowledge_by,
            "resolve_due_at": deadlines.resolve_by,
            "on_hold_since": None,
            "paused_seconds": paused,
        },
    )
    return hospital_deliveries(complaint, hospital) if hospital is not None else []


def _submitter(actor) -> dict:
    if isinstance(actor, Hospital):
        return {"submitted_by_hospital": actor}
    if isinstance(actor, FeedCredential):
        return {"submitted_by_feed": actor}
    if hasattr(actor, "get_username"):
        return {"submitted_by_user": actor}
    return {}


def _existing(submitter: dict, external_ref: str) -> Complaint | None:
    if not external_ref or not submitter or "submitted_by_user" in submitter:
        return None
    return Complaint.objects.filter(external_ref=external_ref, **submitter).first()


def complaint_submit(*, actor, source: str, data: ComplaintInput) -> tuple[Complaint, bool]:
    """Take in a complaint; answer ``(complaint, created)``.

    ``actor``: the submitting ``Hospital``, ``FeedCredential``, back-office
    ``User``, or for a patient the string ``"patient:<id digest>"``
    (``source="patient"``). The same ``external_ref`` from the same hospital
    or feed answers the complaint already taken in (``created`` False).
    """
    if source not in Source.values:
        raise ValueError(f"unknown complaint source {source!r}")
    submitter = _submitter(actor)
    existing = _existing(submitter, data.external_ref)
    if existing is not None:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                source=source,
                external_ref=data.external_ref if "submitted_by_user" not in submitter else "",
                org_code=data.org_code,
                patient_idcard=data.patient_idcard,
                patient_digest=digest(data.patient_idcard, purpose="id"),
                patient_name=data.patient_name,
                category=data.category,
                record_date=data.record_date,
                description=data.description,
                reporter_name=data.reporter_name,
                reporter_phone=data.reporter_phone,
                callback_url=data.callback_url,
                state=State.RECEIVED,
                state_changed_at=now,
                received_at=now,
                **submitter,
            )
            follow_up(complaint, actor=actor, kind="transition", to_state=State.RECEIVED, at=now)
            operation_log_record(
                actor=audit_actor(actor),
                action="complaint.submit",
                target=complaint,
                after={
                    "source": source,
                    "org_code": data.org_code,
                    "category": data.category,
                    "external_ref": data.external_ref,
                },
            )
            hospital, reason = route_target(data.org_code)
            outbox = assign(
                complaint,
                hospital,
                reason,
                actor="system:routing",
                note=f"triage: {reason}" if reason else "",
                now=now,
            )
            publish_on_commit(outbox)
    except IntegrityError:
        # A concurrent request with the same external_ref won the race.
        existing = _existing(submitter, data.external_ref)
        if existing is None:
            raise
        return existing, False
    return complaint, True
