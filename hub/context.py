"""The request context: which request (or task) is being served, and for which
hospital, without handing the request down every call.

``hub.ops.middleware.RequestIdMiddleware`` binds both for each HTTP request
(taking a sane ``X-Request-ID`` from the caller, nginx sets one, or making
one); in Celery workers ``hub.ops.celery_signals`` binds the id that travelled
with the task. Everything that records a request id reads it here: log lines
(``hub.ops.logging``), the province client's ``X-Request-ID`` header, and the
audit rows (``audit.services``), so a task's retry writes its rows under the
id of the request that queued it.
"""

from __future__ import annotations

import contextvars
import re
import uuid

NO_REQUEST = "-"

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "hub_request_id", default=None
)
_hospital: contextvars.ContextVar[str | None] = contextvars.ContextVar("hub_hospital", default=None)

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """The caller's id when it is short and plain (so it cannot forge log lines)."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return None


def current_request_id() -> str | None:
    """The id of the request (or task) being served, None outside one."""
    return _request_id.get()


def bind_request_id(value: str | None) -> contextvars.Token:
    """Set the current request id; give the token back to :func:`reset_request_id`."""
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def current_hospital() -> str | None:
    return _hospital.get()


def bind_hospital(org_code: str | None) -> contextvars.Token:
    """Tag the rest of this request (logs and metrics) with the calling hospital.

    The signed-request authentication calls this once it knows the caller.
    """
    return _hospital.set(org_code)


def reset_hospital(token: contextvars.Token) -> None:
    _hospital.reset(token)
