"""Row-level helpers shared by the authorization services: the transition
check, the queuing of a province send, saving, the operation-log row."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relay.changes import log_change
from relay.errors import RelayCode, relay_error
from relay.models import Authorization, State, SyncState, transition_allowed
from relay.sync import new_claim

logger = logging.getLogger("relay")

#: Failed verifications (wrong codes, face mismatches) that lock a request.
MAX_FAILURES = 5
#: An on-site consent lasts 30 days (the seed's appendix 2); the compatible
#: endpoint relays the HIS's own authDays (1..30).
VALID_DAYS = 30


def pending_ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "AUTHORIZATION_PENDING_TTL_HOURS", 24)))


def conflict(auth: Authorization, action: str):
    logger.info("authorization %s: %s refused in state %s", auth.pk, action, auth.state)
    return relay_error(
        RelayCode.AUTHORIZATION_STATE_CONFLICT,
        _("This authorization is %(state)s; the operation is not possible in this state.")
        % {"state": auth.get_state_display()},
    )


def move(auth: Authorization, target: str, *, action: str) -> None:
    """Apply a transition in memory after checking the one table of legal moves."""
    if not transition_allowed(auth.state, target):
        raise conflict(auth, action)
    auth.state = target


#: Columns a grant or a revocation changes (existing rows save only these).
CHANGE_FIELDS = [
    "state",
    "granted_at",
    "valid_until",
    "ended_at",
    "sync_state",
    "sync_status",
    "sync_version",
    "sync_attempts",
    "sync_reason",
    "sync_next_at",
    "sync_claim",
    "sync_claimed_until",
    "updated_at",
]


def save_changes(auth: Authorization) -> None:
    if auth.pk is None:
        auth.save()
    else:
        auth.save(update_fields=CHANGE_FIELDS)


def queue_send(auth: Authorization, status: str, now) -> str | None:
    """Mark ``status`` as the next thing the province must hear about, and
    claim the send for this thread (returns the claim token) unless another
    sender holds the row: that one then sees the version change and hands the
    new status on when it finishes."""
    held = bool(auth.sync_claim) and auth.sync_claimed_until and auth.sync_claimed_until > now
    auth.sync_state = SyncState.PENDING
    auth.sync_status = status
    auth.sync_version += 1
    auth.sync_reason = ""
    if held:
        auth.sync_attempts = 0
        auth.sync_next_at = now
        return None
    token, auth.sync_claimed_until = new_claim()
    auth.sync_claim = token
    auth.sync_attempts = 1
    auth.sync_next_at = None
    return token


def end_pending(pk: int, target: str, *, actor, count: str = "", **extra) -> Authorization | None:
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().get(pk=pk)
        if auth.state != State.PENDING:
            return None
        before = auth.snapshot()
        move(auth, target, action=target)
        auth.ended_at = timezone.now()
        auth.save(update_fields=["state", "ended_at", "verify_failures", "updated_at"])
        log_change(actor, f"authorization.{target}", auth, before, count=count, **extra)
    return auth
