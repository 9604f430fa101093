"""Validators for registry fields: the unified social credit code (GB 32100),
IP allowlists (CIDRs) and per-hospital throttle rates."""

from __future__ import annotations

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 31 characters, the letters I, O, Z, S, V left out.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i is 3**i mod 31.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

THROTTLE_RATE_RE = re.compile(
    r"^(?P<num>\d{1,9})/(?P<period>s|sec|second|m|min|minute|h|hour|d|day)$"
)
THROTTLE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
THROTTLE_OFF = "off"


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code for its first 17."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(value: str) -> bool:
    value = (value or "").strip().upper()
    if not _USCC_RE.match(value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def validate_uscc(value: str) -> None:
    if not uscc_is_valid(value):
        raise ValidationError(
            _("Not a valid unified social credit code (18 characters, GB 32100 checksum)."),
            code="bad_uscc",
        )


def parse_cidrs(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """CIDRs (or bare addresses) separated by commas, spaces or new lines."""
    networks = []
    for item in re.split(r"[\s,;]+", text or ""):
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return networks


def validate_cidrs(value: str) -> None:
    try:
        parse_cidrs(value)
    except ValueError as exc:
        raise ValidationError(
            _("Not a list of IP addresses or CIDRs: %(reason)s"),
            code="bad_cidr",
            params={"reason": str(exc)},
        ) from exc


def parse_throttle_rate(rate: str) -> tuple[int, int] | None:
    """``"600/min"`` -> ``(600, 60)``; ``"off"`` -> ``None``."""
    rate = (rate or "").strip().lower()
    if rate == THROTTLE_OFF:
        return None
    match = THROTTLE_RATE_RE.match(rate)
    if not match:
        raise ValueError(f"bad throttle rate {rate!r}")
    return int(match["num"]), THROTTLE_PERIODS[match["period"][0]]


def validate_throttle_rate(value: str) -> None:
    if not value:
        return
    try:
        parse_throttle_rate(value)
    except ValueError as exc:
        raise ValidationError(
            _('A rate like "600/min", "20/s", "10000/hour" or "off".'), code="bad_rate"
        ) from exc
