"""Complaint figures per hospital for the monthly report (``audit.figures``).

For the complaints *received* in ``[start, end)`` and routed to a hospital:

- ``received``: how many;
- ``on_time``: resolved without missing a deadline;
- ``overdue``: missed the acknowledgement or resolution deadline (resolved
  late, escalated, or still open past a deadline when the report runs);
- ``median_hours``: median hours from receipt to resolution, time on hold
  excluded (left out for a hospital with no resolved complaint).

Complaints still open and within their deadlines count as received only.
"""

from __future__ import annotations

from datetime import datetime
from statistics import median

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.lifecycle import AWAITING_ACK_STATES, OPEN_STATES
from complaints.models import Complaint

LABELS = {
    "received": _("complaints received"),
    "on_time": _("complaints resolved on time"),
    "overdue": _("complaints overdue"),
    "median_hours": _("median hours to resolve"),
}


def complaint_figures(start: datetime, end: datetime, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    rows = Complaint.objects.filter(
        received_at__gte=start, received_at__lt=end, hospital__isnull=False
    )
    late_now = Q(state__in=OPEN_STATES, on_hold_since__isnull=True) & (
        Q(resolve_due_at__lt=now) | Q(state__in=AWAITING_ACK_STATES, acknowledge_due_at__lt=now)
    )
    overdue_ids = set(
        rows.filter(Q(ack_breached=True) | Q(resolve_breached=True) | late_now).values_list(
            "pk", flat=True
        )
    )
    out: dict[int, dict] = {}
    durations: dict[int, list[float]] = {}
    for pk, hospital_id, received_at, resolved_at, paused, breached in rows.values_list(
        "pk", "hospital_id", "received_at", "resolved_at", "paused_seconds", "resolve_breached"
    ):
        entry = out.setdefault(hospital_id, {"received": 0, "on_time": 0, "overdue": 0})
        entry["received"] += 1
        if pk in overdue_ids:
            entry["overdue"] += 1
        if resolved_at is not None:
            if pk not in overdue_ids and not breached:
                entry["on_time"] += 1
            hours = max((resolved_at - received_at).total_seconds() - paused, 0) / 3600
            durations.setdefault(hospital_id, []).append(hours)
    for hospital_id, values in durations.items():
        out[hospital_id]["median_hours"] = round(median(values), 1)
    # The city-wide row: counts add up, the median is of every complaint.
    city = {
        key: sum(entry[key] for entry in out.values()) for key in ("received", "on_time", "overdue")
    }
    every = [hours for values in durations.values() for hours in values]
    if every:
        city["median_hours"] = round(median(every), 1)
    out[None] = city
    return out


def register() -> None:
    from audit.figures import register_figures_provider

    register_figures_provider("complaints", complaint_figures, labels=LABELS)
