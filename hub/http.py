"""Calls to outside systems (the province, SMS and face providers, hospitals'
callback URLs): the one rule for which failures are worth trying again, and
the error bases every client's failures share.

A failure is *transient* when the other side may well answer next time: no
answer at all (connection refused or reset, a timeout), HTTP 5xx, 408
(Request Timeout) and 429 (Too Many Requests: the gateway asking us to come
back). Every other status is *permanent*: sending the same request again
would be refused again. Each client sorts its own failures with
:func:`is_transient_status` and raises a subclass of :class:`TransientError`
or :class:`PermanentError`, so callers (retrying tasks, the call log) can ask
``exc.transient`` without knowing which client failed.
"""

from __future__ import annotations

#: 4xx statuses that mean "come back later" rather than "never".
TRANSIENT_4XX = frozenset({408, 429})


def is_transient_status(status: int | None) -> bool:
    """True for no answer (``None``), 5xx, 408 and 429."""
    return status is None or status >= 500 or status in TRANSIENT_4XX


class OutsideError(Exception):
    """A call to an outside system that did not succeed."""

    transient: bool = False


class TransientError(OutsideError):
    """Worth trying again later."""

    transient = True


class PermanentError(OutsideError):
    """Trying again would fail the same way."""

    transient = False
