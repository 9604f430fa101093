"""``python manage.py run_periodic``: the periodic tasks without Celery beat.

The embedded default (``make run``) has no broker, so there is no beat and no
worker: this loop runs the same beat schedule in-process (each task applied
eagerly), so province syncs are retried, consents expire, audit rows are
sealed and complaints are swept there too. With a broker configured, run
``celery -A hub beat`` and workers instead; this command refuses to start.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from celery.schedules import maybe_schedule
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from hub.celery import app as celery_app

logger = logging.getLogger("hub.periodic")

MAX_SLEEP_SECONDS = 5.0


class Command(BaseCommand):
    help = "Run the beat schedule in-process (embedded default without a broker)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="run every task once, then stop (for checks)"
        )

    def handle(self, *args, **options):
        if settings.CELERY_BROKER_URL:
            raise CommandError(
                "CELERY_BROKER_URL is set: run `celery -A hub beat` and workers instead."
            )
        celery_app.loader.import_default_modules()  # each app's tasks.py
        celery_app.finalize()  # merges every app's BEAT_SCHEDULE
        entries = {
            name: maybe_schedule(entry["schedule"])
            for name, entry in celery_app.conf.beat_schedule.items()
        }
        tasks = {name: entry["task"] for name, entry in celery_app.conf.beat_schedule.items()}
        if options["once"]:
            failed = [name for name in entries if not self._run(name, tasks[name])]
            if failed:
                raise CommandError(f"periodic tasks failed: {', '.join(failed)}")
            return
        self.stdout.write(f"running {len(entries)} periodic tasks in-process")
        last_run: dict[str, datetime] = {name: timezone.now() for name in entries}
        while True:
            wait = MAX_SLEEP_SECONDS
            close_old_connections()  # a long-lived process: drop broken/expired ones
            for name, schedule in entries.items():
                due, next_in = schedule.is_due(last_run[name])
                if due:
                    last_run[name] = timezone.now()
                    self._run(name, tasks[name])
                wait = min(wait, max(float(next_in), 0.5))
            time.sleep(wait)

    def _run(self, name: str, task_name: str) -> bool:
        try:
            result = celery_app.tasks[task_name].apply()
            if result.failed():
                logger.error("periodic task %s failed: %s", name, type(result.result).__name__)
                return False
            return True
        except Exception:
            logger.exception("periodic task %s failed", name)
            return False
