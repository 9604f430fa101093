"""Periodic tasks of the relay (merged into Celery beat by ``hub.celery``)."""

from django.conf import settings

BEAT_SCHEDULE = {
    "hub.authorizations.sync_due": {
        "task": "hub.authorizations.sync_due",
        "schedule": float(getattr(settings, "AUTHORIZATION_SYNC_SWEEP_SECONDS", 60)),
    },
    "hub.authorizations.expire": {
        "task": "hub.authorizations.expire",
        "schedule": float(getattr(settings, "AUTHORIZATION_EXPIRE_SWEEP_SECONDS", 300)),
    },
}
