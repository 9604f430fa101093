"""Working-day deadlines and the hold that pauses them (pure functions)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints.deadlines import WorkCalendar, deadlines_from, shift_for_hold

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(tz=SH)


def at(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


# 2025-03-07 is a Friday.
def test_two_working_days_from_friday_afternoon_end_on_tuesday():
    assert CAL.add_working_days(at(2025, 3, 7, 15), 2) == at(2025, 3, 11, 15)


def test_clock_started_on_saturday_begins_on_monday():
    assert CAL.add_working_days(at(2025, 3, 8, 10), 2) == at(2025, 3, 12, 0)


def test_ten_working_days_skip_two_weekends():
    assert CAL.add_working_days(at(2025, 3, 3, 9), 10) == at(2025, 3, 17, 9)


def test_holidays_are_skipped_and_makeup_workdays_count():
    # Golden Week 2025: 1-5 May off, Sunday 27 April and Saturday 10 May worked.
    cal = WorkCalendar(
        tz=SH,
        holidays=frozenset(date(2025, 5, d) for d in range(1, 6)),
        extra_workdays=frozenset({date(2025, 4, 27), date(2025, 5, 10)}),
    )
    # Wednesday 30 April 12:00 + 2 working days: rest of 30 Apr, then 6 and 7 May.
    assert cal.add_working_days(at(2025, 4, 30, 12), 2) == at(2025, 5, 7, 12)
    # Saturday 26 April 09:00: the clock starts on the make-up Sunday.
    assert cal.add_working_days(at(2025, 4, 26, 9), 1) == at(2025, 4, 28, 0)
    assert cal.is_working_day(date(2025, 5, 10))
    assert not cal.is_working_day(date(2025, 5, 2))


def test_working_time_between_ignores_weekends():
    assert CAL.working_time_between(at(2025, 3, 7, 12), at(2025, 3, 10, 12)) == timedelta(hours=24)
    assert CAL.working_time_between(at(2025, 3, 10), at(2025, 3, 7)) == timedelta(0)


def test_hold_over_a_weekend_costs_only_its_working_time():
    due = at(2025, 3, 11, 15)
    # Held Friday 18:00 -> Monday 06:00: 6 h Friday + 6 h Monday of working time.
    assert shift_for_hold(due, at(2025, 3, 7, 18), at(2025, 3, 10, 6), CAL) == at(2025, 3, 12, 3)


def test_utc_input_is_counted_in_the_city_time_zone():
    # Friday 23:30 in Shanghai is Friday 15:30 UTC; one working hour lands on Monday.
    start = datetime(2025, 3, 7, 15, 30, tzinfo=ZoneInfo("UTC"))
    assert CAL.add_working_time(start, timedelta(hours=1)) == at(2025, 3, 10, 0, 30)


def test_deadlines_follow_settings(settings):
    settings.COMPLAINTS_ACK_WORKING_DAYS = 2
    settings.COMPLAINTS_RESOLVE_WORKING_DAYS = 10
    settings.COMPLAINTS_HOLIDAYS = ["2025-03-10"]
    settings.COMPLAINTS_EXTRA_WORKDAYS = []
    d = deadlines_from(at(2025, 3, 7, 15))
    assert d.acknowledge_by == at(2025, 3, 12, 15)
    assert d.resolve_by == at(2025, 3, 24, 15)


def test_a_calendar_without_working_days_is_refused():
    cal = WorkCalendar(
        tz=SH, holidays=frozenset(date(2025, 1, 1) + timedelta(days=i) for i in range(4000))
    )
    with pytest.raises(ValueError):
        cal.add_working_days(at(2025, 1, 1), 1)
