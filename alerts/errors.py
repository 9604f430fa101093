"""Stable error codes of the alerts app (the back office shows their text)."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from hub.errors import HubError


class AlertCode(StrEnum):
    ALERT_CLOSED = "ALERT_CLOSED"
    ALERT_NOT_OPEN = "ALERT_NOT_OPEN"
    NOTE_EMPTY = "NOTE_EMPTY"
    NO_ACTIVE_BLOCK = "NO_ACTIVE_BLOCK"


_MESSAGES = {
    AlertCode.ALERT_CLOSED: _("This alert is closed."),
    AlertCode.ALERT_NOT_OPEN: _("Only an open alert can be acknowledged."),
    AlertCode.NOTE_EMPTY: _("Write the note first."),
    AlertCode.NO_ACTIVE_BLOCK: _("This alert blocks no phone any more."),
}


#: The text of ``hub.phone_blocks.PhoneBlocked`` (423 ``PHONE_BLOCKED``), repeated
#: here so that this app's catalogue translates it: the refusal is only ever
#: raised when this app is installed (tests/alerts check the two stay equal).
PHONE_BLOCKED_TEXT = gettext_noop(
    "The patient's phone is blocked by the city after it received codes for "
    "too many different patients; use face verification, or contact the city."
)


def alert_error(code: AlertCode) -> HubError:
    return HubError(code, str(_MESSAGES[code]), 409)
