"""Celery tasks of the complaints app: thin doors into ``dispatch`` and the
deadline services. All are safe to run twice (claims, conditional updates).

Each task imports what it runs inside its body (the HackSoft Styleguide's
way), and this module imports nothing of the app at load time: services
import ``dispatch_complaint`` at load time to queue it
(``complaints.services._outbox``), and ``dispatch`` itself uses the services
(transitions, escalation), so a load-time import from here would close a
circle through ``complaints.services``.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger("complaints.tasks")


def _eager(task) -> bool:
    return bool(task.app.conf.task_always_eager)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def dispatch_complaint(self, outbox_id: int) -> str:
    """Deliver one outbox row; schedule the next attempt after a transient failure."""
    from complaints import dispatch
    from complaints.services._outbox import publish

    result = dispatch.run(outbox_id)
    if result.outcome not in ("delivered", "retry", "failed"):
        logger.info("complaint delivery %s: nothing to do (%s)", outbox_id, result.outcome)
    # Eagerly (the embedded default) a countdown would run at once, blocking
    # the request through every retry: leave the row to the sweeper instead.
    if result.retry_in is not None and not _eager(self):
        publish([outbox_id], countdown=result.retry_in)
    return result.outcome


@shared_task(acks_late=True, ignore_result=True)
def sweep_outbox() -> int:
    """Re-enqueue deliveries that are due but were never picked up."""
    from complaints import dispatch
    from complaints.services._outbox import publish

    ids = dispatch.due_for_sweep()
    if ids:
        logger.info("sweeper re-enqueues %s complaint deliveries", len(ids))
        publish(ids)
    return len(ids)


@shared_task(acks_late=True, ignore_result=True)
def check_deadlines() -> dict:
    """Escalate breached deadlines and close long-resolved complaints."""
    from complaints.services.deadline_checks import (
        complaints_auto_close,
        complaints_escalate_overdue,
    )

    return {"escalated": complaints_escalate_overdue(), "closed": complaints_auto_close()}
