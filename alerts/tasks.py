"""Celery tasks of the alerts app: thin doors into ``alerts.services``
(imported in the task's body, the Styleguide's way)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="alerts.evaluate", ignore_result=True)
def evaluate_alerts() -> int:
    """Run the rules (beat, every ``ALERT_EVALUATE_SECONDS``); the number of new alerts."""
    from alerts.services import alerts_evaluate

    return len(alerts_evaluate())
