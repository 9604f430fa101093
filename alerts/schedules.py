"""Periodic tasks of the alerts app (merged into Celery beat by ``hub.celery``)."""

from django.conf import settings

BEAT_SCHEDULE = {
    "alerts.evaluate": {
        "task": "alerts.evaluate",
        "schedule": float(getattr(settings, "ALERT_EVALUATE_SECONDS", 120)),
    },
}
