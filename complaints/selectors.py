"""Reads on complaints: what a caller may see, queues, and the patient's list."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from complaints.lifecycle import AWAITING_ACK_STATES, OPEN_STATES
from complaints.models import Complaint, FeedCredential
from hospitals.models import Hospital


def visible_to(caller, *, role: str = "routed") -> QuerySet:
    """Complaints ``caller`` may read.

    A hospital sees the complaints routed to it (``role="routed"``) or those
    it raised (``role="raised"``); a feed sees those it raised.
    """
    qs = Complaint.objects.select_related("hospital")
    if isinstance(caller, FeedCredential):
        return qs.filter(submitted_by_feed=caller)
    if isinstance(caller, Hospital):
        if role == "raised":
            return qs.filter(submitted_by_hospital=caller)
        if role == "any":
            return qs.filter(Q(hospital=caller) | Q(submitted_by_hospital=caller))
        return qs.filter(hospital=caller)
    return qs.none()


def complaint_for(caller, public_id) -> Complaint | None:
    return visible_to(caller, role="any").filter(public_id=public_id).first()


def with_overdue(qs: QuerySet, now=None) -> QuerySet:
    """Annotate ``overdue`` (open, not on hold, a deadline passed) for ordering."""
    now = now or timezone.now()
    late = Q(state__in=OPEN_STATES, on_hold_since__isnull=True) & (
        Q(resolve_due_at__lt=now) | Q(state__in=AWAITING_ACK_STATES, acknowledge_due_at__lt=now)
    )
    return qs.annotate(
        overdue=Case(
            When(late, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def queue(qs: QuerySet | None = None, now=None) -> QuerySet:
    """The back-office queue: overdue first, then the nearest deadline."""
    qs = Complaint.objects.all() if qs is None else qs
    return with_overdue(qs, now).order_by("-overdue", "resolve_due_at", "received_at")


def complaints_of_patient(idcard_digest: str) -> QuerySet:
    """A patient's own complaints (for the patient pages), newest first."""
    return Complaint.objects.filter(patient_digest=idcard_digest).order_by("-received_at")
