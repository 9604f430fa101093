"""Reads of usage figures, aggregated from the daily ``UsageCounter`` table.

Figures never come from the raw access log (a million rows a day): the
counters hold one row per hospital, system, day and kind, so a month across
300 hospitals is a few hundred thousand rows at most, grouped in SQL. Every
per-hospital figure sums over the hospital's systems (``system_id``, 0 = not
one system's); ``usage_by_system`` and ``usage_for_hospital_systems`` split them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Q, Sum
from django.utils import timezone

from audit.models import CallLog, UsageCounter
from audit.usage import SUMMARY_COLUMNS, is_test_kind, live_kind, summary_key

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


def usage_for_hospital(
    *, hospital_id: int, month: Month, system_ids: Iterable[int] | None = None
) -> dict:
    """The hospital's counts per day and kind, and the month's totals; its
    joint-test counts (``test.<kind>``, before go-live) apart under
    ``jointTest``, by their plain kind. Summed over its systems, or over
    ``system_ids`` only."""
    qs = UsageCounter.objects.filter(
        hospital_id=hospital_id, day__gte=month.first_day, day__lt=month.end_day
    )
    if system_ids is not None:
        qs = qs.filter(system_id__in=list(system_ids))
    rows = qs.order_by("day", "kind").values_list("day", "kind", "count")
    live: tuple[dict, dict] = ({}, {})
    test: tuple[dict, dict] = ({}, {})
    for day, kind, count in rows:
        days, totals = test if is_test_kind(kind) else live
        kind = live_kind(kind)
        per_day = days.setdefault(day, {})
        per_day[kind] = per_day.get(kind, 0) + count  # summed over the systems
        totals[kind] = totals.get(kind, 0) + count
    return {
        "month": str(month),
        "days": [{"date": d.isoformat(), "counts": c} for d, c in live[0].items()],
        "totals": live[1],
        "jointTest": {
            "days": [{"date": d.isoformat(), "counts": c} for d, c in test[0].items()],
            "totals": test[1],
        },
    }


def usage_for_hospital_systems(*, hospital_id: int, month: Month) -> list[dict]:
    """``usage_for_hospital`` per system of the hospital: ``{"appId", "name",
    "days", "totals", "jointTest"}`` for each system that has a hub appId or
    counts this month (in system order), then, when there are any, the counts
    not made by one of its systems (patient pages, tasks, rows from before
    systems; ``appId`` and ``name`` None). The entries add up to the
    hospital's figures."""
    from hospitals.models import IntegratedSystem

    counted = set(
        UsageCounter.objects.filter(
            hospital_id=hospital_id, day__gte=month.first_day, day__lt=month.end_day
        )
        .values_list("system_id", flat=True)
        .distinct()
    )
    systems = (
        IntegratedSystem.objects.filter(hospital_id=hospital_id)
        .filter(Q(app_id__isnull=False) | Q(pk__in=counted))
        .order_by("id")
        .values_list("pk", "app_id", "name")
    )
    out = []
    for pk, app_id, name in systems:
        ids = [pk] if pk in counted else []
        figures = usage_for_hospital(hospital_id=hospital_id, month=month, system_ids=ids)
        out.append({"appId": app_id, "name": name, **_without_month(figures)})
        counted.discard(pk)
    if counted:
        figures = usage_for_hospital(hospital_id=hospital_id, month=month, system_ids=counted)
        out.append({"appId": None, "name": None, **_without_month(figures)})
    return out


def _without_month(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k != "month"}


def _summarise(kind_counts) -> dict[str, int]:
    out = {key: 0 for key, _pattern, _label in SUMMARY_COLUMNS}
    for kind, count in kind_counts:
        key = summary_key(kind)
        if key is not None:
            out[key] += count
    return out


def _only(qs, hospital_ids: list[int] | None, system_id: int | None):
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=hospital_ids)
    if system_id is not None:
        qs = qs.filter(system_id=system_id)
    return qs


def usage_by_hospital(
    *, month: Month, hospital_ids: list[int] | None = None, system_id: int | None = None
) -> dict[int, dict[str, int]]:
    """{hospital_id: {summary column: n}} for one month, summed over the
    hospital's systems (or of one system: ``system_id``)."""
    qs = UsageCounter.objects.filter(day__gte=month.first_day, day__lt=month.end_day)
    qs = _only(qs, hospital_ids, system_id)
    per: dict[int, list] = {}
    for hospital_id, kind, count in (
        qs.values("hospital_id", "kind")
        .annotate(n=Sum("count"))
        .values_list("hospital_id", "kind", "n")
    ):
        per.setdefault(hospital_id, []).append((kind, count))
    return {hospital_id: _summarise(pairs) for hospital_id, pairs in per.items()}


def usage_by_kind_per_day(
    *, month: Month, hospital_ids: list[int] | None = None, system_id: int | None = None
) -> dict:
    """{day: {summary column: n}} for one month (the month's daily chart)."""
    qs = UsageCounter.objects.filter(day__gte=month.first_day, day__lt=month.end_day)
    qs = _only(qs, hospital_ids, system_id)
    per: dict[date, list] = {}
    for day, kind, count in (
        qs.values("day", "kind").annotate(n=Sum("count")).values_list("day", "kind", "n")
    ):
        per.setdefault(day, []).append((kind, count))
    return {day: _summarise(pairs) for day, pairs in sorted(per.items())}


def usage_monthly_series(
    *,
    last: Month,
    months: int = 12,
    hospital_ids: list[int] | None = None,
    system_id: int | None = None,
) -> list[tuple[str, dict[str, int]]]:
    """[(YYYY-MM, {summary column: n})] for ``months`` months ending at ``last``."""
    first = last.shift(-(months - 1))
    qs = UsageCounter.objects.filter(day__gte=first.first_day, day__lt=last.end_day)
    qs = _only(qs, hospital_ids, system_id)
    per: dict[str, list] = {str(first.shift(i)): [] for i in range(months)}
    for day, kind, count in (
        qs.values("day", "kind").annotate(n=Sum("count")).values_list("day", "kind", "n")
    ):
        per[f"{day.year:04d}-{day.month:02d}"].append((kind, count))
    return [(label, _summarise(pairs)) for label, pairs in per.items()]


def usage_by_system(
    *, month: Month, hospital_ids: list[int] | None = None
) -> dict[tuple[int, int], dict[str, int]]:
    """{(hospital_id, system_id): {summary column: n}} for one month; system
    0 = counts not made by one system (patient pages, tasks, older rows)."""
    qs = UsageCounter.objects.filter(day__gte=month.first_day, day__lt=month.end_day)
    qs = _only(qs, hospital_ids, None)
    per: dict[tuple[int, int], list] = {}
    for hospital_id, system_id, kind, count in (
        qs.values("hospital_id", "system_id", "kind")
        .annotate(n=Sum("count"))
        .values_list("hospital_id", "system_id", "kind", "n")
    ):
        per.setdefault((hospital_id, system_id), []).append((kind, count))
    return {key: _summarise(pairs) for key, pairs in per.items()}


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
