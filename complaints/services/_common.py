"""Helpers shared by the complaint services and ``complaints.dispatch``: who
acted, the follow-up trail, the row lock and the one place a state changes.
(Queueing deliveries is ``_outbox``; e-mailing the city is ``_notify``.)"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import operation_log_record
from complaints.errors import ComplaintsCode
from complaints.lifecycle import check_transition
from complaints.models import Complaint, ComplaintFollowUp
from hospitals.models import Hospital
from hub.errors import HubError


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor[:200]
    if isinstance(actor, Hospital):
        return f"{actor.org_code} {actor.org_name}"[:200]
    if hasattr(actor, "get_username"):
        return f"user:{actor.get_username()}"[:200]
    return str(actor)[:200]


def follow_up(
    complaint: Complaint,
    *,
    actor,
    kind: str,
    note: str = "",
    from_state: str = "",
    to_state: str = "",
    at=None,
) -> ComplaintFollowUp:
    return ComplaintFollowUp.objects.create(
        complaint=complaint,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        actor_user=actor if hasattr(actor, "get_username") else None,
        actor_hospital=actor if isinstance(actor, Hospital) else None,
        actor_label=actor_label(actor),
        note=note,
        created_at=at or timezone.now(),
    )


def audit_actor(actor):
    return actor if actor is not None else "task:complaints"


def locked(complaint: Complaint | int) -> Complaint:
    """The complaint row, locked for this transaction (serialises transitions)."""
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    try:
        return Complaint.objects.select_for_update().get(pk=pk)
    except Complaint.DoesNotExist:
        raise HubError(ComplaintsCode.COMPLAINT_NOT_FOUND, _("Complaint not found."), 404) from None


def transition(
    complaint: Complaint,
    new_state: str,
    *,
    actor,
    note: str = "",
    fields: dict | None = None,
    action: str = "",
    now=None,
) -> Complaint:
    """Move ``complaint`` (locked by the caller) to ``new_state``: the table is
    checked, the row saved, a follow-up and an operation-log row written, all
    in the caller's transaction."""
    old = complaint.state
    try:
        check_transition(old, new_state)
    except HubError as exc:
        exc.extra = {"state": old}
        raise
    now = now or timezone.now()
    complaint.state = new_state
    complaint.state_changed_at = now
    update = ["state", "state_changed_at"]
    for name, value in (fields or {}).items():
        setattr(complaint, name, value)
        update.append(name)
    complaint.save(update_fields=update)
    follow_up(
        complaint,
        actor=actor,
        kind="transition",
        note=note,
        from_state=old,
        to_state=new_state,
        at=now,
    )
    operation_log_record(
        actor=audit_actor(actor),
        action=action or f"complaint.{new_state}",
        target=complaint,
        before={"state": old},
        after={"state": new_state, "hospital": complaint.hospital_id, "note": note[:200]},
    )
    return complaint
