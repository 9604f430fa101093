"""Periodic tasks of the relay (merged into Celery beat by ``hub.celery``)."""

from django.conf import settings

BEAT_SCHEDULE = {
    "relay.sync_due": {
        "task": "relay.sync_due",
        "schedule": float(getattr(settings, "AUTHORIZATION_SYNC_SWEEP_SECONDS", 60)),
    },
    "relay.expire": {
        "task": "relay.expire",
        "schedule": float(getattr(settings, "AUTHORIZATION_EXPIRE_SWEEP_SECONDS", 300)),
    },
    # Each patient gets at most one batch per NOTICE_BATCH_MINUTES (relay.notices).
    "relay.notices_flush": {"task": "relay.notices_flush", "schedule": 300.0},
}
