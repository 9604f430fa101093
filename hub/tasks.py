"""Celery discovers ``hub.tasks``; the relay's tasks live in ``hub.authorizations``."""

from hub.authorizations.tasks import (  # noqa: F401
    expire_authorizations,
    sync_authorization,
    sync_due_authorizations,
)
