"""Blocked phones, for the apps that sit below ``alerts`` in the layering.

The relay sends SMS codes, but the blocks are decided by the ``alerts`` app
(a phone that received codes for too many different patients in a day is
blocked at once; an officer lifts the block in the back office), and
``alerts`` comes after the relay in the dependency order. So ``alerts``
connects its checker here when Django starts (``AlertsConfig.ready``) and the
relay asks this module before a code goes to a phone. Without a checker
nothing is blocked (the alerts app is not installed).

Phones are named by their lookup digest (``hub.protect.digest(phone,
purpose="phone")``), never in clear.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from hub.errors import HubError
from hub.protect import digest

#: The ``errorCode`` of a refused SMS request (HTTP 423).
PHONE_BLOCKED = "PHONE_BLOCKED"

_checker: Callable[[str], bool] | None = None


class PhoneBlocked(HubError):
    """The code would go to a phone the city has blocked."""

    def __init__(self) -> None:
        super().__init__(
            PHONE_BLOCKED,
            str(
                _(
                    "The patient's phone is blocked by the city after it received codes for "
                    "too many different patients; use face verification, or contact the city."
                )
            ),
            423,
        )


def connect(checker: Callable[[str], bool] | None) -> None:
    """Install the function that tells whether a phone digest is blocked
    (``alerts`` does); ``None`` disconnects it."""
    global _checker
    _checker = checker


def is_blocked(phone_digest: str) -> bool:
    """True when ``phone_digest`` is blocked; False without a checker."""
    if not phone_digest or _checker is None:
        return False
    return bool(_checker(phone_digest))


def refuse_if_blocked(phone: str | None) -> None:
    """Raise :class:`PhoneBlocked` when an SMS code to ``phone`` (plain digits,
    as the relay holds it) would go to a blocked phone; nothing for an empty
    phone."""
    if phone and is_blocked(digest(phone, purpose="phone")):
        raise PhoneBlocked()
