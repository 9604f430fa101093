"""What the relay tells the apps above it, without importing them.

``consent_ended``: an authorization was revoked or refused. Sent *inside*
the transaction that ended it (``transaction.atomic``), so that a receiver's
writes (the complaints app's outbox row of the hospital's callback) commit
with the change or not at all: a committed revocation always has its
notification on record, whatever happens to the process afterwards. A
receiver must only write to the database and queue work ``on_commit``; it
never calls out. Keyword arguments:

- ``authorization``: the ``relay.models.Authorization`` (its new state saved)
- ``state``: ``"revoked"`` or ``"refused"``
- ``ended_by``: ``"patient"`` (the patient's pages or a notice's revoke link),
  ``"hospital"`` (its API or the compatible save), ``"city"`` (an
  administrator) or ``"system"`` (a task)
- ``ended_at``: the aware datetime of the change
"""

from __future__ import annotations

from django.dispatch import Signal

consent_ended = Signal()


def ended_by(actor) -> str:
    """Who ended a consent, from the ``actor=`` the services were given."""
    if isinstance(actor, str):
        kind = actor.partition(":")[0]
        return "patient" if kind == "patient" else "system"
    if hasattr(actor, "org_code"):
        return "hospital"
    if hasattr(actor, "get_username"):
        return "city"
    return "system"


def consent_ended_send(*, authorization, state: str, actor, ended_at) -> None:
    """Tell the receivers (inside the caller's transaction)."""
    consent_ended.send(
        sender=type(authorization),
        authorization=authorization,
        state=state,
        ended_by=ended_by(actor),
        ended_at=ended_at,
    )
