"""What a view tells the access log about the request it is answering.

``note(request, staff_no=..., patient_digest=..., authorization_id=...,
usage=[...])`` (and ``hospital=``, ``system_id=`` for a caller the signed-request
authentication did not identify) attaches details to the current request; the
``AccessLogMiddleware`` writes them with the access-log row and counts the
``usage`` kinds (constants in ``audit.usage``). Works with a DRF ``Request``
or a Django ``HttpRequest`` (stored on the underlying ``HttpRequest``). Calls
accumulate: ``usage`` kinds are added, other fields are overwritten.

The request id that rows carry comes from the request context
(``hub.context``), the same one log lines use.
"""

from __future__ import annotations

import re

from audit.usage import validate_kinds

_DIGEST_RE = re.compile(r"[0-9a-f]{64}")
_FIELDS = frozenset(
    {"staff_no", "patient_digest", "authorization_id", "hospital", "system_id", "usage"}
)
_ATTR = "_audit_note"


def _underlying(request):
    return getattr(request, "_request", request)


def note(request, **fields) -> None:
    """Attach access-log details to ``request`` (see the module docstring).

    ``patient_digest`` must be ``hub.protect.digest(...)`` output (64 hex
    characters): anything else is refused so a raw ID can never slip in.
    """
    unknown = set(fields) - _FIELDS
    if unknown:
        raise TypeError(f"audit.context.note: unknown fields {sorted(unknown)}")
    digest = fields.get("patient_digest")
    if digest and not _DIGEST_RE.fullmatch(digest):
        raise ValueError("patient_digest must be a hub.protect.digest() value")
    target = _underlying(request)
    current = getattr(target, _ATTR, None)
    if current is None:
        current = {"usage": []}
        setattr(target, _ATTR, current)
    kinds = validate_kinds(fields.pop("usage", None) or ())
    current["usage"] = sorted(set(current["usage"]) | set(kinds))
    current.update({k: v for k, v in fields.items() if v is not None})


def noted(request) -> dict:
    """The details noted on ``request`` so far (empty dict when none)."""
    return getattr(_underlying(request), _ATTR, None) or {}
