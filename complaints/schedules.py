"""Periodic tasks of the complaints app (merged into the beat schedule by hub.celery)."""

from django.conf import settings

BEAT_SCHEDULE = {
    "complaints-sweep-outbox": {
        "task": "complaints.tasks.sweep_outbox",
        "schedule": float(settings.COMPLAINTS_SWEEP_INTERVAL),
    },
    "complaints-check-deadlines": {
        "task": "complaints.tasks.check_deadlines",
        "schedule": float(settings.COMPLAINTS_DEADLINE_CHECK_INTERVAL),
    },
}
