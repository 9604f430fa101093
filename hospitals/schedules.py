"""Periodic tasks of the hospitals app (merged into Celery beat by ``hub.celery``)."""

BEAT_SCHEDULE = {
    # The database nonce store of the embedded default forgets expired nonces.
    "hospitals.nonces_purge": {"task": "hospitals.nonces_purge", "schedule": 600.0},
}
