"""Queueing the delivery of outbox rows (the ``dispatch_complaint`` task).

Services write outbox rows in their transaction and call
:func:`publish_on_commit`; the task re-queues a row after a transient failure
and the sweeper and the admin's "deliver again" call :func:`publish`.

This module imports ``complaints.tasks`` at load time (services queue tasks);
the tasks module, in turn, imports its services only inside the task bodies,
so the two never load each other in a circle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from complaints.tasks import dispatch_complaint

logger = logging.getLogger("complaints")


def publish_on_commit(outbox_ids: Iterable[int]) -> None:
    """Enqueue the dispatch of these outbox rows once the transaction commits.

    A broker that is down must not undo or fail the request: the rows are
    committed, so the sweeper delivers them when the broker is back.
    """
    ids = list(outbox_ids)
    if ids:
        transaction.on_commit(lambda: publish(ids))


def publish(ids: list[int], countdown: float | None = None) -> None:
    for outbox_id in ids:
        try:
            dispatch_complaint.apply_async(
                (outbox_id,),
                countdown=countdown,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2},
            )
        except Exception as exc:  # broker down: the outbox row stays for the sweeper
            logger.warning(
                "complaint delivery %s not enqueued (%s); the sweeper will pick it up",
                outbox_id,
                type(exc).__name__,
            )
