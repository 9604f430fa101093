"""What every alert rule shares (``alerts.rules``): the finding a rule
returns, the rules' settings, the day and night windows in local time, the
once-a-day cache of baselines, and the access-log routes and operation-log
actions the rules read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from hospitals.models import Hospital

#: Access-log routes where a staff number asks for a patient.
START_ROUTE = "/api/v1/authorizations"
VIEW_ROUTE = "/api/v1/views"
#: The viewer entry (a doctor's browser opening a record: GET or POST).
ENTRY_ROUTE = "/viewer"


def view_requests() -> Q:
    """Access-log rows of a request to view a record, by either door."""
    return Q(endpoint=VIEW_ROUTE, method="POST") | Q(endpoint=ENTRY_ROUTE)


#: Operation-log actions of one failed verification (a wrong code, a face mismatch).
CODE_FAILURE_ACTIONS = ("identity.code.failed", "identity.code.locked")
FACE_FAILURE_ACTION = "authorization.face_failed"
#: The fifth face mismatch locks the request: "authorization.locked" with the
#: face check's details (a code lock is already counted as identity.code.locked).
FACE_LOCK_ACTION = "authorization.locked"
PHONE_WINDOW = timedelta(hours=24)
BASELINE_CACHE_SECONDS = 26 * 3600


@dataclass(frozen=True)
class Finding:
    """One condition a rule found. ``subject`` and ``details`` carry no
    personal data: masks, digests, org codes, staff numbers and counts."""

    rule: str
    severity: str
    day: date
    scope: str
    subject: str
    details: dict = field(default_factory=dict)
    hospital_id: int | None = None
    # Blocking rules: the phone to block at once.
    block_phone_digest: str = ""
    block_phone_masked: str = ""

    @property
    def dedup_key(self) -> str:
        return f"{self.rule}:{self.day.isoformat()}:{self.scope}"[:200]


# --- Settings and windows -------------------------------------------------------------


def setting(name: str, default):
    return getattr(settings, name, default)


def baseline_days() -> int:
    return max(int(setting("ALERT_BASELINE_DAYS", 14)), 1)


def threshold(minimum: int, baseline: float) -> float:
    """Above this is far above usual: the baseline times the multiplier, and
    never below the rule's minimum absolute count."""
    return max(float(minimum), float(setting("ALERT_BASELINE_MULTIPLIER", 3.0)) * baseline)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight, as aware datetimes."""
    tz = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def night_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The night window (``ALERT_NIGHT_START_HOUR`` to ``ALERT_NIGHT_END_HOUR``,
    local; it may span midnight) that is running at ``now`` or ended last."""
    start_hour = int(setting("ALERT_NIGHT_START_HOUR", 0))
    hours = (int(setting("ALERT_NIGHT_END_HOUR", 6)) - start_hour) % 24 or 24
    local = timezone.localtime(now, timezone.get_default_timezone())
    start = local.replace(hour=start_hour, minute=0, second=0, microsecond=0)
    if start > local:
        start -= timedelta(days=1)
    return start, start + timedelta(hours=hours)


def cached(key: str, compute: Callable[[], dict]) -> dict:
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, BASELINE_CACHE_SECONDS)
    return value


def baseline_key(rule: str, start: datetime) -> str:
    multiplier = setting("ALERT_BASELINE_MULTIPLIER", 3.0)
    return f"alerts:baseline:{rule}:{start.isoformat()}:{baseline_days()}:{multiplier}"


def org_codes_of(hospital_ids) -> dict[int, str]:
    return dict(Hospital.objects.filter(pk__in=set(hospital_ids)).values_list("pk", "org_code"))
