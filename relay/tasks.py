"""Celery tasks of the relay, and ``sync_after_commit``, which hands a
committed grant or revocation to them. The tasks are thin: they take ids,
call a service and own the retry policy. ``relay.services`` is imported in
the task's body: the services import this module to queue the tasks.

- ``relay.sync``: one send of an authorization to the province.
  A transient failure re-queues it after the backoff the service computed
  (``AUTHORIZATION_SYNC_RETRY_BASE_SECONDS`` doubling up to
  ``AUTHORIZATION_SYNC_RETRY_MAX_SECONDS``). When the task's own retries run
  out, or a message is lost, the sweeper below picks the row up again: a
  grant is never dropped.
- ``relay.sync_due``: the sweeper (beat), queues every pending
  sync whose next attempt is due.
- ``relay.expire``: marks expired authorizations (beat).
- ``relay.notices_flush``: sends the patients' batched consent notices (beat).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

from relay.models import Authorization
from relay.sync import (
    RETRY,
    SUPERSEDED,
    SyncOutcome,
    authorization_sync,
    authorization_sync_claimed,
    backoff_seconds,
    due_for_sync,
)

logger = logging.getLogger("relay.tasks")
# The inline attempt's failure is logged with the attempts themselves.
sync_logger = logging.getLogger("relay.sync")


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
    from relay.services import authorization_expire_due

    return authorization_expire_due(actor="task:expire_authorizations")


@shared_task(name="relay.notices_flush", ignore_result=True)
def flush_consent_notices() -> int:
    from relay.notices import notices_flush

    return notices_flush()


# --- Handing a committed change to the province send ------------------------------------


def _run_after_commit(auth: Authorization, token: str | None, actor) -> SyncOutcome | None:
    if token is None:
        sync_authorization.delay(auth.pk)
        return None
    try:
        outcome = authorization_sync_claimed(authorization=auth, token=token, actor=actor)
    except Exception:  # the change is committed: a failed attempt must not fail the answer
        sync_logger.exception("inline sync of authorization %s failed; queued", auth.pk)
        sync_authorization.apply_async((auth.pk,), countdown=backoff_seconds(1))
        return None
    if outcome.kind == RETRY:
        sync_authorization.apply_async((auth.pk,), countdown=outcome.next_in)
    elif outcome.kind == SUPERSEDED:
        sync_authorization.delay(auth.pk)
    return outcome


def sync_after_commit(auth: Authorization, *, token: str | None, actor) -> SyncOutcome | None:
    """Send once the current transaction commits.

    With ``token`` (the row was claimed in that transaction) the first attempt
    runs in this thread right after the commit, so the answer can say
    ``provinceSynced``; a transient failure is handed to the retrying task.
    Without, the task is queued. Returns the inline outcome when the commit
    already happened (no enclosing atomic block); ``auth`` is updated in memory.
    """
    holder: list[SyncOutcome | None] = []
    transaction.on_commit(lambda: holder.append(_run_after_commit(auth, token, actor)))
    return holder[0] if holder else None
