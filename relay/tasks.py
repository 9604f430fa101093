"""Celery tasks of the relay. Thin: they take ids, call a service, and own
the retry policy.

- ``relay.sync``: one send of an authorization to the province.
  A transient failure re-queues it after the backoff the service computed
  (``AUTHORIZATION_SYNC_RETRY_BASE_SECONDS`` doubling up to
  ``AUTHORIZATION_SYNC_RETRY_MAX_SECONDS``). When the task's own retries run
  out, or a message is lost, the sweeper below picks the row up again: a
  grant is never dropped.
- ``relay.sync_due``: the sweeper (beat), queues every pending
  sync whose next attempt is due.
- ``relay.expire``: marks expired authorizations (beat).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from relay.services import authorization_expire_due
from relay.sync import RETRY, SUPERSEDED, authorization_sync, due_for_sync

logger = logging.getLogger("relay.tasks")


@shared_task(bind=True, name="relay.sync", ignore_result=True, max_retries=None)
def sync_authorization(self, authorization_id: int) -> str:
    outcome = authorization_sync(authorization_id=authorization_id, actor="task:sync_authorization")
    if outcome.kind == SUPERSEDED:
        # The status to send changed during the call: send the new one now.
        sync_authorization.delay(authorization_id)
    elif outcome.kind == RETRY and not self.request.is_eager:
        limit = int(getattr(settings, "AUTHORIZATION_SYNC_MAX_RETRIES", 12))
        if self.request.retries < limit:
            raise self.retry(countdown=outcome.next_in)
        logger.warning(
            "authorization %s: task retries exhausted; the sweeper keeps trying",
            authorization_id,
        )
    return outcome.kind


@shared_task(name="relay.sync_due", ignore_result=True)
def sync_due_authorizations() -> int:
    ids = due_for_sync()
    for pk in ids:
        sync_authorization.delay(pk)
    return len(ids)


@shared_task(name="relay.expire", ignore_result=True)
def expire_authorizations() -> int:
    return authorization_expire_due(actor="task:expire_authorizations")
