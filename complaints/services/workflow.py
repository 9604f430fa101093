"""What hospitals, the city and tasks do to a complaint after intake.

Every function locks the complaint row, lets ``transition`` check the move
against the one table, and writes its follow-up and operation-log row in the
same transaction. Messages owed to others (deliveries, the feed's callback,
the patient's SMS) are outbox rows enqueued on commit.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import operation_log_record
from complaints.deadlines import deadlines_from, shift_for_hold
from complaints.errors import ComplaintsCode
from complaints.lifecycle import OPEN_STATES, State
from complaints.models import Channel, Complaint, DeliveryState, DispatchOutbox, TriageReason
from complaints.services._common import audit_actor, follow_up, locked, transition
from complaints.services._notify import notify_city
from complaints.services._outbox import publish_on_commit
from complaints.services.submit import assign, hospital_deliveries, route_target
from hospitals.models import Hospital
from hub.errors import Code, HubError


def _require_handler(complaint: Complaint, hospital: Hospital | None) -> None:
    """A hospital acts only on complaints routed to it (the city on any)."""
    if hospital is not None and complaint.hospital_id != hospital.pk:
        raise HubError(
            ComplaintsCode.COMPLAINT_NOT_ROUTED_TO_CALLER,
            _("This complaint is not routed to your hospital."),
            403,
        )


def _hospital_actor(actor) -> Hospital | None:
    return actor if isinstance(actor, Hospital) else None


def _release_fields(complaint: Complaint, now) -> dict:
    """Fields that end a running hold: deadlines shifted, paused time added."""
    if complaint.on_hold_since is None:
        return {}
    start = complaint.on_hold_since
    fields = {
        "on_hold_since": None,
        "paused_seconds": complaint.paused_seconds + int((now - start).total_seconds()),
    }
    if complaint.acknowledge_due_at:
        fields["acknowledge_due_at"] = shift_for_hold(complaint.acknowledge_due_at, start, now)
    if complaint.resolve_due_at:
        fields["resolve_due_at"] = shift_for_hold(complaint.resolve_due_at, start, now)
    return fields


def complaint_acknowledge(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    now = timezone.now()
    with transaction.atomic():
        complaint = locked(complaint)
        _require_handler(complaint, _hospital_actor(actor))
        late = bool(complaint.acknowledge_due_at and now > complaint.acknowledge_due_at)
        transition(
            complaint,
            State.ACKNOWLEDGED,
            actor=actor,
            note=note,
            now=now,
            fields={"acknowledged_at": now, "ack_breached": complaint.ack_breached or late},
        )
    return complaint


def complaint_resolve(*, actor, complaint: Complaint, resolution: str) -> Complaint:
    """Resolve; then tell whoever raised it (feed callback, reporter's SMS)."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise HubError(Code.FIELD_EMPTY, _("Say what was fixed in resolution."), 400)
    now = timezone.now()
    with transaction.atomic():
        complaint = locked(complaint)
        _require_handler(complaint, _hospital_actor(actor))
        fields = _release_fields(complaint, now)
        due = fields.get("resolve_due_at", complaint.resolve_due_at)
        late = bool(due and now > due)
        fields.update(
            resolved_at=now,
            resolution=resolution,
            resolve_breached=complaint.resolve_breached or late,
            acknowledged_at=complaint.acknowledged_at or now,
        )
        transition(complaint, State.RESOLVED, actor=actor, note=resolution, now=now, fields=fields)
        publish_on_commit(_feedback_deliveries(complaint))
    return complaint


def _feedback_deliveries(complaint: Complaint) -> list[int]:
    rows = []
    if complaint.callback_url and complaint.submitted_by_feed_id:
        rows.append(
            DispatchOutbox(
                complaint=complaint, channel=Channel.FEED_CALLBACK, target=complaint.callback_url
            )
        )
    raiser = complaint.submitted_by_hospital
    if raiser is not None and raiser.callback_url and raiser.pk != complaint.hospital_id:
        # A doctor raised it at another hospital: that hospital hears the result.
        rows.append(
            DispatchOutbox(
                complaint=complaint,
                channel=Channel.RAISER_CALLBACK,
                hospital=raiser,
                target=raiser.callback_url,
            )
        )
    if complaint.reporter_phone:
        rows.append(DispatchOutbox(complaint=complaint, channel=Channel.PATIENT_SMS))
    return [row.pk for row in DispatchOutbox.objects.bulk_create(rows)]


def complaint_close(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    now = timezone.now()
    with transaction.atomic():
        complaint = locked(complaint)
        fields = _release_fields(complaint, now)
        fields["closed_at"] = now
        transition(complaint, State.CLOSED, actor=actor, note=note, now=now, fields=fields)
    return complaint


def complaint_reopen(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    """Reopen a resolved or closed complaint: new deadlines, delivered again."""
    now = timezone.now()
    with transaction.atomic():
        complaint = locked(complaint)
        deadlines = deadlines_from(now)
        transition(
            complaint,
            State.REOPENED,
            actor=actor,
            note=note,
            now=now,
            fields={
                "acknowledged_at": None,
                "resolved_at": None,
                "closed_at": None,
                "acknowledge_due_at": deadlines.acknowledge_by,
                "resolve_due_at": deadlines.resolve_by,
            },
        )
        if complaint.hospital_id:
            publish_on_commit(hospital_deliveries(complaint, complaint.hospital))
    return complaint


def complaint_escalate(*, actor, complaint: Complaint, reason: str, note: str = "") -> Complaint:
    """Hand an open complaint to the city's attention and e-mail the city."""
    now = timezone.now()
    with transaction.atomic():
        complaint = locked(complaint)
        fields = {"escalated_at": now, "escalation_reason": reason[:32]}
        if reason == "acknowledge_overdue":
            fields["ack_breached"] = True
        if reason == "resolve_overdue":
            fields["resolve_breached"] = True
        transition(
            complaint,
            State.ESCALATED,
            actor=actor,
            note=note or reason,
            now=now,
            fields=fields,
        )
        ref = str(complaint.public_id)
        where = complaint.hospital.org_code if complaint.hospital_id else _("triage queue")
        transaction.on_commit(
            lambda: notify_city(
                _("Complaint %(ref)s escalated (%(reason)s)") % {"ref": ref[:8], "reason": reason},
                _(
                    "Complaint %(ref)s (%(where)s) was escalated to the city: %(reason)s. "
                    "%(note)s\nOpen the back office to reassign, comment or close it."
                )
                % {"ref": ref, "where": where, "reason": reason, "note": note},
            )
        )
    return complaint


def complaint_reassign(
    *, actor, complaint: Complaint, hospital: Hospital | None, note: str = ""
) -> Complaint:
    """Route to another hospital (or to triage with ``hospital=None``)."""
    now = timezone.now()
    if hospital is not None:
        target, reason = route_target(hospital.org_code)
        if target is None:
            raise HubError(
                ComplaintsCode.HOSPITAL_NOT_ROUTABLE,
                _("%(hospital)s cannot receive complaints (%(reason)s).")
                % {"hospital": hospital.org_code, "reason": reason},
                400,
            )
    with transaction.atomic():
        complaint = locked(complaint)
        previous = complaint.hospital_id
        # Deliveries still owed to the previous hospital are no longer owed.
        DispatchOutbox.objects.filter(
            complaint=complaint,
            channel__in=[Channel.HOSPITAL_CALLBACK, Channel.HOSPITAL_EMAIL],
            state=DeliveryState.PENDING,
        ).update(state=DeliveryState.CANCELLED, last_error="reassigned")
        outbox = assign(
            complaint,
            hospital,
            TriageReason.NONE if hospital else TriageReason.MANUAL,
            actor=actor,
            note=note or f"reassigned from hospital {previous or '-'}",
            now=now,
        )
        publish_on_commit(outbox)
    return complaint


def complaint_hold(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    """Pause the deadline clock (waiting on the patient, a third party...)."""
    now = timezone.now()
    with transaction.atomic():
        complaint = locked(complaint)
        if complaint.state not in OPEN_STATES or complaint.on_hold_since is not None:
            raise HubError(
                ComplaintsCode.HOLD_STATE_CONFLICT,
                _("Only an open complaint that is not on hold can be put on hold."),
                409,
                extra={"state": complaint.state},
            )
        complaint.on_hold_since = now
        complaint.save(update_fields=["on_hold_since"])
        follow_up(complaint, actor=actor, kind="hold", note=note, at=now)
        operation_log_record(
            actor=audit_actor(actor),
            action="complaint.hold",
            target=complaint,
            after={"note": note},
        )
    return complaint


def complaint_release(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    """Restart the clock; both deadlines move by the working time on hold."""
    now = timezone.now()
    with transaction.atomic():
        complaint = locked(complaint)
        if complaint.on_hold_since is None:
            raise HubError(
                ComplaintsCode.HOLD_STATE_CONFLICT, _("This complaint is not on hold."), 409
            )
        held = now - complaint.on_hold_since
        fields = _release_fields(complaint, now)
        for name, value in fields.items():
            setattr(complaint, name, value)
        complaint.save(update_fields=list(fields))
        note = note or f"held {held // timedelta(minutes=1)} min"
        follow_up(complaint, actor=actor, kind="release", note=note, at=now)
        operation_log_record(
            actor=audit_actor(actor),
            action="complaint.release",
            target=complaint,
            after={"paused_seconds": complaint.paused_seconds},
        )
    return complaint


def complaint_comment(*, actor, complaint: Complaint, note: str) -> Complaint:
    note = (note or "").strip()
    if not note:
        raise HubError(Code.FIELD_EMPTY, _("A comment needs text."), 400)
    with transaction.atomic():
        complaint = locked(complaint)
        follow_up(complaint, actor=actor, kind="comment", note=note)
        operation_log_record(actor=audit_actor(actor), action="complaint.comment", target=complaint)
    return complaint
