"""Celery tasks of the identity app: thin doors into their services, which
this module imports inside the task's body (the services queue the tasks).

- ``identity.phone_import_run``: runs one registry import uploaded in the
  back office (``identity.phone_import.phone_import_job_run``). Safe to run
  twice: only a queued job (or one whose worker was lost) is claimed.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="identity.phone_import_run", acks_late=True, ignore_result=True)
def phone_import_run(job_id: int) -> str:
    from identity.phone_import import phone_import_job_run

    return phone_import_job_run(job_id=job_id, actor="task:phone_import_run")
