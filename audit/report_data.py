"""A month's report figures: one row per hospital, the totals, the previous
month, the province's availability, the extra figures (``audit.figures``)
and the series the chart draws. Read by ``audit.reports`` (which stores and
sends them) and ``audit.report_files`` (which renders them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from audit import figures as extra_figures
from audit.selectors import (
    Month,
    availability_by_hospital,
    province_availability,
    usage_by_hospital,
    usage_by_kind_per_day,
    usage_monthly_series,
)
from audit.usage import SUMMARY_COLUMNS

Progress = Callable[[str], None]


@dataclass
class ReportRow:
    hospital_id: int
    org_code: str
    org_name: str
    district: str
    level: str
    current: dict[str, int]
    previous: dict[str, int]
    availability: float | None = None
    extra: dict[str, int] = field(default_factory=dict)

    def change(self, key: str) -> float | None:
        """Month-on-month change as a fraction; None when last month was 0."""
        before = self.previous.get(key, 0)
        if not before:
            return None
        return (self.current.get(key, 0) - before) / before

    @property
    def views_change(self) -> str | None:
        change = self.change("views")
        return None if change is None else f"{change * 100:+.1f}%"


@dataclass
class ReportData:
    month: Month
    rows: list[ReportRow]
    totals: dict[str, int]
    previous_totals: dict[str, int]
    availability: dict
    extra_columns: list[tuple[str, object]]
    extra_totals: dict[str, int]
    series: list[tuple[str, dict[str, int]]]
    daily: dict
    # The last day counted when the month is not over (month to date).
    through: date | None = None

    def total_change(self, key: str) -> float | None:
        before = self.previous_totals.get(key, 0)
        return None if not before else (self.totals.get(key, 0) - before) / before


def _zero() -> dict[str, int]:
    return {key: 0 for key, _p, _l in SUMMARY_COLUMNS}


def _hospitals() -> dict[int, tuple[str, str, str, str]]:
    from hospitals.models import Hospital

    levels = dict(Hospital._meta.get_field("level").choices)
    return {
        pk: (code, name, district, str(levels.get(level, level)))
        for pk, code, name, district, level in Hospital.objects.values_list(
            "pk", "org_code", "org_name", "district", "level"
        )
    }


def month_to_date(month: Month) -> date | None:
    """Today when ``month`` is the current month (the report is partial), else None."""
    today = timezone.localdate()
    return today if (month.year, month.month) == (today.year, today.month) else None


def report_data(*, month: Month, progress: Progress | None = None) -> ReportData:
    step = progress or (lambda _label: None)
    current = usage_by_hospital(month=month)
    previous = usage_by_hospital(month=month.shift(-1))
    step("usage")
    availability = province_availability(month=month)
    per_hospital_availability = availability_by_hospital(month=month)
    step("availability")
    start, end = month.bounds()
    extra_columns, extra = extra_figures.collect(start, end)
    step("extra figures")
    registry = _hospitals()
    rows = []
    for hospital_id in sorted(set(registry) | set(current) | set(previous)):
        code, name, district, level = registry.get(hospital_id, ("", f"#{hospital_id}", "", ""))
        rows.append(
            ReportRow(
                hospital_id=hospital_id,
                org_code=code,
                org_name=name,
                district=district,
                level=level,
                current=current.get(hospital_id) or _zero(),
                previous=previous.get(hospital_id) or _zero(),
                availability=per_hospital_availability.get(hospital_id),
                extra=extra.get(hospital_id, {}),
            )
        )
    rows.sort(key=lambda r: (-r.current["views"], -r.current["granted"], r.org_code))
    totals, previous_totals = _zero(), _zero()
    for row in rows:
        for key in totals:
            totals[key] += row.current[key]
            previous_totals[key] += row.previous[key]
    # A provider's city-wide row (key None) is the total where it gave one (a
    # median does not add up); otherwise the hospitals' figures are summed.
    city = extra.get(None, {})
    extra_totals = {
        key: city[key] if key in city else sum(r.extra.get(key, 0) for r in rows)
        for key, _label in extra_columns
    }
    series = usage_monthly_series(last=month, months=12)
    daily = usage_by_kind_per_day(month=month)
    step("series")
    return ReportData(
        month=month,
        rows=rows,
        totals=totals,
        previous_totals=previous_totals,
        availability=availability,
        extra_columns=extra_columns,
        extra_totals=extra_totals,
        series=series,
        daily=daily,
        through=month_to_date(month),
    )
