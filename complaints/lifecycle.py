"""The complaint lifecycle: its states and, in ONE table, the allowed moves.

The main line is ``received -> routed -> dispatched -> acknowledged ->
resolved -> closed``; a breached deadline or a failed delivery moves an open
complaint to ``escalated`` (the city's attention); a resolved or closed one
can be ``reopened``; ``routed -> routed`` is a reassignment.

Every service that changes ``Complaint.state`` asks :func:`check_transition`
first, so a move that is not in :data:`TRANSITIONS` is refused with
``TRANSITION_NOT_ALLOWED`` (HTTP 409) wherever it comes from (API, admin,
task). Being *on hold* is not a state: it is a flag that pauses the deadline
clock of an open complaint (see ``complaints.deadlines``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.errors import ComplaintsCode
from hub.errors import HubError


class State(models.TextChoices):
    RECEIVED = "received", gettext_lazy("Received")
    ROUTED = "routed", gettext_lazy("Routed")
    DISPATCHED = "dispatched", gettext_lazy("Dispatched")
    ACKNOWLEDGED = "acknowledged", gettext_lazy("Acknowledged")
    RESOLVED = "resolved", gettext_lazy("Resolved")
    CLOSED = "closed", gettext_lazy("Closed")
    REOPENED = "reopened", gettext_lazy("Reopened")
    ESCALATED = "escalated", gettext_lazy("Escalated")


S = State

#: from-state -> the states it may move to. The only place this is decided.
TRANSITIONS: dict[str, frozenset[str]] = {
    # Routing decides a hospital or the city's triage queue at once.
    S.RECEIVED: frozenset({S.ROUTED}),
    # routed -> routed is a reassignment (triage, or the city moving it).
    # A pulling hospital (no callback URL) acknowledges or resolves from here;
    # the city may close a triage item that is not a data problem.
    S.ROUTED: frozenset(
        {S.ROUTED, S.DISPATCHED, S.ACKNOWLEDGED, S.RESOLVED, S.ESCALATED, S.CLOSED}
    ),
    S.DISPATCHED: frozenset({S.ROUTED, S.ACKNOWLEDGED, S.RESOLVED, S.ESCALATED}),
    S.ACKNOWLEDGED: frozenset({S.ROUTED, S.RESOLVED, S.ESCALATED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ROUTED, S.DISPATCHED, S.ACKNOWLEDGED, S.RESOLVED, S.ESCALATED}),
    # The city takes an escalated complaint over: reassigns or closes it; the
    # hospital may still acknowledge or resolve it late.
    S.ESCALATED: frozenset({S.ROUTED, S.ACKNOWLEDGED, S.RESOLVED, S.CLOSED}),
}

#: States whose deadline clock runs (and that can be put on hold).
OPEN_STATES = frozenset({S.ROUTED, S.DISPATCHED, S.ACKNOWLEDGED, S.REOPENED, S.ESCALATED})
#: Open and not yet acknowledged: the acknowledgement deadline applies.
AWAITING_ACK_STATES = frozenset({S.ROUTED, S.DISPATCHED, S.REOPENED})
#: Open and under the resolution deadline (escalated ones already are escalated).
AWAITING_RESOLUTION_STATES = frozenset({S.ROUTED, S.DISPATCHED, S.ACKNOWLEDGED, S.REOPENED})


def allowed(old: str, new: str) -> bool:
    return new in TRANSITIONS.get(old, frozenset())


def check_transition(old: str, new: str) -> None:
    """Raise ``TRANSITION_NOT_ALLOWED`` (409) unless ``old -> new`` is in the table."""
    if not allowed(old, new):
        raise HubError(
            ComplaintsCode.TRANSITION_NOT_ALLOWED,
            _("A complaint in state %(old)s cannot move to %(new)s.")
            % {"old": State(old).label, "new": State(new).label},
            409,
        )
