"""The operation-log row of a change to a consent, counted when the change
is one the usage figures count (docs/audit.md)."""

from __future__ import annotations

from audit.services import operation_log_counted, operation_log_record
from audit.usage import auth_kind
from relay.models import Authorization


def log_change(
    actor, action: str, auth: Authorization, before: dict | None, *, count: str = "", **extra
) -> None:
    """The change's operation-log row; with ``count`` (an ``audit.usage``
    outcome: granted, revoked, expired, refused...) the row also counts
    ``auth.<method>.<count>`` for the hospital, in the same transaction."""
    after = auth.snapshot()
    after.update(extra)
    if not count:
        operation_log_record(actor=actor, action=action, target=auth, before=before, after=after)
        return
    operation_log_counted(
        actor=actor,
        action=action,
        target=auth,
        hospital=auth.hospital,
        system_id=auth.system_id,
        usage=[auth_kind(auth.method, count)],
        before=before,
        after=after,
    )
