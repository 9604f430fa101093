"""The periodic deadline work: escalate breaches, close long-resolved complaints."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from complaints.lifecycle import AWAITING_ACK_STATES, AWAITING_RESOLUTION_STATES, State
from complaints.models import Complaint
from complaints.services.workflow import complaint_close, complaint_escalate
from hub.errors import HubError

logger = logging.getLogger("complaints")


def overdue_queryset(now=None):
    """Open complaints past a deadline, not on hold, not already escalated."""
    now = now or timezone.now()
    return Complaint.objects.filter(on_hold_since__isnull=True).filter(
        Q(state__in=AWAITING_ACK_STATES, acknowledge_due_at__lt=now)
        | Q(state__in=AWAITING_RESOLUTION_STATES, resolve_due_at__lt=now)
    )


def complaints_escalate_overdue(*, now=None, limit: int = 500) -> int:
    now = now or timezone.now()
    count = 0
    for complaint in overdue_queryset(now).order_by("resolve_due_at")[:limit]:
        if complaint.resolve_due_at and complaint.resolve_due_at < now:
            reason, due = "resolve_overdue", complaint.resolve_due_at
        else:
            reason, due = "acknowledge_overdue", complaint.acknowledge_due_at
        try:
            complaint_escalate(
                actor="task:check_deadlines",
                complaint=complaint,
                reason=reason,
                note=f"deadline {timezone.localtime(due).isoformat(timespec='minutes')} passed",
            )
        except HubError:  # moved on (acknowledged, held...) since the query
            continue
        count += 1
    if count:
        logger.info("escalated %s overdue complaints", count)
    return count


def complaints_auto_close(*, now=None, limit: int = 500) -> int:
    days = settings.COMPLAINTS_AUTO_CLOSE_DAYS
    if days <= 0:
        return 0
    now = now or timezone.now()
    count = 0
    old = Complaint.objects.filter(
        state=State.RESOLVED, resolved_at__lt=now - timedelta(days=days)
    ).order_by("resolved_at")[:limit]
    for complaint in old:
        try:
            complaint_close(actor="task:check_deadlines", complaint=complaint, note="auto-close")
        except HubError:
            continue
        count += 1
    return count
