"""How the patient pages name an authorization's method and state (worded
for the patient, not the hospital: "in effect" rather than "granted")."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from relay.models import Authorization, Method, State


def method_label(method: str) -> str:
    return {
        Method.APPOINTMENT: _("Online appointment"),
        Method.SMS: _("SMS code"),
        Method.AUTHCODE: _("Authorization code"),
        Method.FACE: _("Face check"),
    }.get(method, method)


def state_label(auth: Authorization, now=None) -> str:
    now = now or timezone.now()
    if auth.state == State.GRANTED and auth.valid_until and auth.valid_until <= now:
        return _("Expired")
    return {
        State.PENDING: _("Waiting for your answer"),
        State.GRANTED: _("In effect"),
        State.REVOKED: _("Revoked"),
        State.EXPIRED: _("Expired"),
        State.REFUSED: _("Refused by you"),
        State.LOCKED: _("Locked after wrong codes"),
    }.get(auth.state, auth.state)


def labelled(rows, now=None) -> list[Authorization]:
    """The rows, each with ``method_label``, ``state_label`` and ``revocable``."""
    now = now or timezone.now()
    out = []
    for auth in rows:
        auth.method_label = method_label(auth.method)
        auth.state_label = state_label(auth, now)
        auth.revocable = bool(
            auth.state == State.GRANTED and auth.valid_until and auth.valid_until > now
        )
        out.append(auth)
    return out
