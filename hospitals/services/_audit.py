"""What hospitals services need to log a change: the operation log's door
(``hub.oplog.record``, written by the audit app) and the user behind an actor."""

from __future__ import annotations

from hub.oplog import record

__all__ = ["record", "user_or_none"]


def user_or_none(actor):
    """The ``User`` behind ``actor`` for FK columns; None for tasks, commands, hospitals."""
    from django.contrib.auth.models import AbstractBaseUser

    return actor if isinstance(actor, AbstractBaseUser) and actor.pk else None
