"""Reads of usage figures, aggregated from the daily ``UsageCounter`` table.

Figures never come from the raw access log (a million rows a day): the
counters hold one row per hospital, day and kind, so a month across 300
hospitals is a few hundred thousand rows at most, grouped in SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Q, Sum
from django.utils import timezone

from audit.models import CallLog, UsageCounter
from audit.usage import SUMMARY_COLUMNS, summary_key

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM`` -> Month; ValueError for anything else."""
        match = _MONTH_RE.fullmatch((text or "").strip())
        if not match:
            raise ValueError("month must be YYYY-MM")
        year, month = int(match.group(1)), int(match.group(2))
        if not (1 <= month <= 12 and 2000 <= year <= 2999):
            raise ValueError("month must be YYYY-MM")
        return cls(year, month)

    @classmethod
    def current(cls) -> Month:
        today = timezone.localdate()
        return cls(today.year, today.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def end_day(self) -> date:
        """The first day of the next month (exclusive end)."""
        return self.shift(1).first_day

    def bounds(self) -> tuple[datetime, datetime]:
        """Aware [start, end) in the display zone (Asia/Shanghai)."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.first_day, time.min, tzinfo=zone),
            datetime.combine(self.end_day, time.min, tzinfo=zone),
        )


def usage_for_hospital(*, hospital_id: int, month: Month) -> dict:
    """The hospital's counts per day and kind, and the month's totals."""
    rows = (
        UsageCounter.objects.filter(
            hospital_id=hospital_id, day__gte=month.first_day, day__lt=month.end_day
        )
        .order_by("day", "kind")
        .values_list("day", "kind", "count")
    )
    days: dict[date, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for day, kind, count in rows:
        days.setdefault(day, {})[kind] = count
        totals[kind] = totals.get(kind, 0) + count
    return {
        "month": str(month),
        "days": [{"date": d.isoformat(), "counts": c} for d, c in days.items()],
        "totals": totals,
    }


def _summarise(kind_counts) -> dict[str, int]:
    out = {key: 0 for key, _pattern, _label in SUMMARY_COLUMNS}
    for kind, count in kind_counts:
        key = summary_key(kind)
        if key is not None:
            out[key] += count
    return out


def usage_by_hospital(
    *, month: Month, hospital_ids: list[int] | None = None
) -> dict[int, dict[str, int]]:
    """{hospital_id: {summary column: n}} for one month."""
    qs = UsageCounter.objects.filter(day__gte=month.first_day, day__lt=month.end_day)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=hospital_ids)
    per: dict[int, list] = {}
    for hospital_id, kind, count in (
        qs.values("hospital_id", "kind")
        .annotate(n=Sum("count"))
        .values_list("hospital_id", "kind", "n")
    ):
        per.setdefault(hospital_id, []).append((kind, count))
    return {hospital_id: _summarise(pairs) for hospital_id, pairs in per.items()}


def usage_by_kind_per_day(*, month: Month, hospital_ids: list[int] | None = None) -> dict:
    """{day: {summary column: n}} for one month (the month's daily chart)."""
    qs = UsageCounter.objects.filter(day__gte=month.first_day, day__lt=month.end_day)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=hospital_ids)
    per: dict[date, list] = {}
    for day, kind, count in (
        qs.values("day", "kind").annotate(n=Sum("count")).values_list("day", "kind", "n")
    ):
        per.setdefault(day, []).append((kind, count))
    return {day: _summarise(pairs) for day, pairs in sorted(per.items())}


def usage_monthly_series(
    *, last: Month, months: int = 12, hospital_ids: list[int] | None = None
) -> list[tuple[str, dict[str, int]]]:
    """[(YYYY-MM, {summary column: n})] for ``months`` months ending at ``last``."""
    first = last.shift(-(months - 1))
    qs = UsageCounter.objects.filter(day__gte=first.first_day, day__lt=last.end_day)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=hospital_ids)
    per: dict[str, list] = {str(first.shift(i)): [] for i in range(months)}
    for day, kind, count in (
        qs.values("day", "kind").annotate(n=Sum("count")).values_list("day", "kind", "n")
    ):
        per[f"{day.year:04d}-{day.month:02d}"].append((kind, count))
    return [(label, _summarise(pairs)) for label, pairs in per.items()]


def province_availability(*, month: Month, hospital_ids: list[int] | None = None) -> dict:
    """Province calls in the month: total, transient failures, and the share
    of calls that did not fail transiently (None when there were no calls)."""
    start, end = month.bounds()
    qs = CallLog.objects.filter(created_at__gte=start, created_at__lt=end)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=hospital_ids)
    figures = qs.aggregate(
        calls=Count("id"), transient=Count("id", filter=Q(outcome=CallLog.Outcome.TRANSIENT))
    )
    calls, transient = figures["calls"], figures["transient"]
    return {
        "calls": calls,
        "transient_failures": transient,
        "availability": None if not calls else round((calls - transient) / calls, 6),
    }


def availability_by_hospital(*, month: Month) -> dict[int, float | None]:
    start, end = month.bounds()
    rows = (
        CallLog.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(hospital_id=None)
        .values("hospital_id")
        .annotate(
            calls=Count("id"),
            transient=Count("id", filter=Q(outcome=CallLog.Outcome.TRANSIENT)),
        )
        .values_list("hospital_id", "calls", "transient")
    )
    return {h: round((c - t) / c, 6) if c else None for h, c, t in rows}
