"""The one door from hospitals services to the operation log."""

from __future__ import annotations

import logging

logger = logging.getLogger("hospitals.services")


def record(*, actor, action: str, target, before: dict | None = None, after: dict | None = None):
    """Write the operation-log row in the caller's transaction.

    Never pass secrets or phone numbers in ``before``/``after``: paasids,
    stages, flags and masked values only.
    """
    try:
        from audit.services import operation_log_record
    except ImportError:  # the audit app not installed: log line only
        logger.info("operation %s on %s by %s", action, target, actor)
        return
    operation_log_record(actor=actor, action=action, target=target, before=before, after=after)


def user_or_none(actor):
    """The ``User`` behind ``actor`` for FK columns; None for tasks, commands, hospitals."""
    from django.contrib.auth.models import AbstractBaseUser

    return actor if isinstance(actor, AbstractBaseUser) and actor.pk else None
