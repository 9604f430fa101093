"""Periodic tasks of the audit app (merged into the beat schedule by hub.celery).

Crontab times are in CELERY_TIMEZONE (Asia/Shanghai).
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Chain the rows written on the request path within seconds.
    "audit-seal-pending": {"task": "audit.seal_pending", "schedule": 5.0},
    "audit-maintain-partitions": {
        "task": "audit.maintain_partitions",
        "schedule": crontab(hour=1, minute=10),
    },
    "audit-purge-expired": {"task": "audit.purge_expired", "schedule": crontab(hour=2, minute=30)},
    # The previous month's report, on the 1st of each month.
    "audit-monthly-report": {
        "task": "audit.monthly_report",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
}
