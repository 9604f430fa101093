"""Deadlines counted in working days, and the hold that pauses them.

Working time is every second of a working day in the city's time zone
(``TIME_ZONE``, Asia/Shanghai): Monday to Friday, minus the dates in
``COMPLAINTS_HOLIDAYS``, plus the weekend dates in ``COMPLAINTS_EXTRA_WORKDAYS``
(the make-up working days of China's public-holiday calendar). "Acknowledge
within 2 working days" of a complaint routed on Friday 15:00 is therefore
Tuesday 15:00, and of one routed on Saturday 10:00 is Wednesday 00:00 (the
clock starts on Monday).

A hold pauses the clock: when it is released both deadlines move later by
the *working* time the hold lasted, so a hold over a weekend costs nothing
extra. The functions here are pure (no database); ``calendar_from_settings``
reads the settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

DAY = timedelta(days=1)
# Ten years of consecutive non-working days would be a configuration error;
# stop instead of looping forever.
_MAX_DAYS = 3660


@dataclass(frozen=True)
class WorkCalendar:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def _midnight_after(self, moment: datetime) -> datetime:
        day = moment.astimezone(self.tz).date() + DAY
        return datetime.combine(day, time.min, tzinfo=self.tz)

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when ``amount`` of working time has passed since ``start``."""
        remaining = amount
        current = start.astimezone(self.tz)
        if remaining <= timedelta(0):
            return current
        for _ in range(_MAX_DAYS):
            midnight = self._midnight_after(current)
            if self.is_working_day(current.date()):
                available = midnight - current
                if remaining <= available:
                    return current + remaining
                remaining -= available
            current = midnight
        raise ValueError("no working days in the calendar")

    def add_working_days(self, start: datetime, days: float) -> datetime:
        return self.add_working_time(start, timedelta(days=days))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in ``[start, end)``; zero when ``end <= start``."""
        total = timedelta(0)
        current = start.astimezone(self.tz)
        end = end.astimezone(self.tz)
        for _ in range(_MAX_DAYS * 10):
            if current >= end:
                return total
            midnight = self._midnight_after(current)
            if self.is_working_day(current.date()):
                total += min(midnight, end) - current
            current = midnight
        raise ValueError("interval too long")


def _dates(values: Iterable) -> frozenset[date]:
    out = set()
    for value in values or ():
        out.add(value if isinstance(value, date) else date.fromisoformat(str(value).strip()))
    return frozenset(out)


def calendar_from_settings() -> WorkCalendar:
    return WorkCalendar(
        tz=ZoneInfo(settings.TIME_ZONE),
        holidays=_dates(getattr(settings, "COMPLAINTS_HOLIDAYS", ())),
        extra_workdays=_dates(getattr(settings, "COMPLAINTS_EXTRA_WORKDAYS", ())),
    )


@dataclass(frozen=True)
class Deadlines:
    acknowledge_by: datetime
    resolve_by: datetime


def deadlines_from(start: datetime, calendar: WorkCalendar | None = None) -> Deadlines:
    """Both deadlines of a complaint whose clock starts at ``start``."""
    calendar = calendar or calendar_from_settings()
    return Deadlines(
        acknowledge_by=calendar.add_working_days(start, settings.COMPLAINTS_ACK_WORKING_DAYS),
        resolve_by=calendar.add_working_days(start, settings.COMPLAINTS_RESOLVE_WORKING_DAYS),
    )


def shift_for_hold(
    due: datetime,
    hold_start: datetime,
    hold_end: datetime,
    calendar: WorkCalendar | None = None,
) -> datetime:
    """``due`` moved later by the working time a hold from start to end took."""
    calendar = calendar or calendar_from_settings()
    return calendar.add_working_time(due, calendar.working_time_between(hold_start, hold_end))
