"""The Celery application.

Without ``CELERY_BROKER_URL`` tasks run eagerly in-process (the embedded
default). Each app contributes its periodic tasks through a ``BEAT_SCHEDULE``
dict in its ``schedules.py``; they are merged here so no app edits another's
file.
"""

import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_SCHEDULE_MODULES = ("hospitals", "identity", "audit", "relay", "alerts", "complaints", "patients")


@app.on_after_finalize.connect
def _merge_beat_schedules(sender, **kwargs):  # pragma: no cover - wiring
    schedule = dict(sender.conf.beat_schedule or {})
    for name in _SCHEDULE_MODULES:
        try:
            module = importlib.import_module(f"{name}.schedules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.schedules":
                raise
            continue
        schedule.update(module.BEAT_SCHEDULE)
    sender.conf.beat_schedule = schedule


# Request ids in task headers, Django's logging and metrics in workers.
import hub.ops.celery_signals  # noqa: E402, F401
