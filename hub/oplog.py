"""The operation log, for the apps that sit below ``audit`` in the layering.

``hospitals`` changes state that must be logged (onboarding stages, credentials,
the province account) but may not import ``audit``, which itself depends on
``hospitals`` (its logs point at hospitals). So ``audit`` connects its writer
here when Django starts (``AuditConfig.ready``), and those services call
:func:`record`. The row is never optional: without a writer, :func:`record`
raises instead of skipping the row. Apps above ``audit`` call
``audit.services.operation_log_record`` directly.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_writer: Callable[..., object] | None = None


def connect(writer: Callable[..., object]) -> None:
    """Install the function that writes an operation-log row (``audit`` does)."""
    global _writer
    _writer = writer


def record(*, actor, action: str, target, before: dict | None = None, after: dict | None = None):
    """Write the operation-log row in the caller's transaction.

    Never pass secrets or phone numbers in ``before``/``after``: ids, stages,
    flags and masked values only.
    """
    if _writer is None:
        raise ImproperlyConfigured(
            "No operation-log writer: the audit app must be installed (every change is logged)."
        )
    return _writer(actor=actor, action=action, target=target, before=before, after=after)
