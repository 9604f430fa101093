"""Reads of the alerts app."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from alerts.models import Alert, AlertState, PhoneBlock


def phone_is_blocked(phone_digest: str) -> bool:
    """The checker ``hub.phone_blocks`` asks before an SMS code is sent."""
    return PhoneBlock.objects.filter(phone_digest=phone_digest, lifted_at__isnull=True).exists()


def alert_queue(qs: QuerySet | None = None) -> QuerySet:
    """Open alerts first, then acknowledged, then closed; newest first in each."""
    qs = Alert.objects.all() if qs is None else qs
    return qs.annotate(
        queue_rank=Case(
            When(state=AlertState.OPEN, then=Value(0)),
            When(state=AlertState.ACKNOWLEDGED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("queue_rank", "-created_at", "-id")


def active_block(alert: Alert) -> PhoneBlock | None:
    return alert.phone_blocks.filter(lifted_at__isnull=True).first()
