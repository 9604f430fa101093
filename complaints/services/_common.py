"""Helpers shared by the complaint services: who acted, the one place a state
changes, and enqueueing outbox rows once the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import operation_log_record
from complaints.errors import ComplaintsCode
from complaints.lifecycle import check_transition
from complaints.models import Complaint, ComplaintFollowUp
from hospitals.models import Hospital
from hub.errors import HubError

logger = logging.getLogger("complaints")


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


def publish_on_commit(outbox_ids: Iterable[int]) -> None:
    """Enqueue the dispatch of these outbox rows once the transaction commits.

    A broker that is down must not undo or fail the request: the rows are
    committed, so the sweeper delivers them when the broker is back.
    """
    ids = list(outbox_ids)
    if ids:
        transaction.on_commit(lambda: publish(ids))


def publish(ids: list[int], countdown: float | None = None) -> None:
    from complaints.tasks import dispatch_complaint

    for outbox_id in ids:
        try:
            dispatch_complaint.apply_async(
                (outbox_id,),
                countdown=countdown,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2},
            )
        except Exception as exc:  # broker down: the outbox row stays for the sweeper
            logger.warning(
                "complaint delivery %s not enqueued (%s); the sweeper will pick it up",
                outbox_id,
                type(exc).__name__,
            )


def city_recipients() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=settings.COMPLAINTS_CITY_GROUP)
        .exclude(email="")
    )
    addresses = {u.email for u in users} | set(settings.COMPLAINTS_CITY_EMAILS)
    return sorted(addresses)


def notify_city(subject: str, body: str) -> None:
    """E-mail the city's complaint supervisors; a mail failure is logged, not raised."""
    recipients = city_recipients()
    if not recipients:
        logger.warning("no city recipient for complaint notice: %s", subject)
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as exc:
        logger.error("city complaint notice not sent (%s): %s", type(exc).__name__, subject)
