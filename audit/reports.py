"""The monthly usage report: figures, files, storage and e-mail.

``report_build(month=...)`` aggregates the month from the daily usage
counters (never from the raw access log), adds the previous month for the
month-on-month change, the province's availability from the call log and any
registered extra figures (complaints: ``audit.figures``), renders the chart,
the XLSX workbook and the CSV (``audit.report_files``) and stores them in a
``MonthlyReport``. ``report_send`` e-mails them to the active users of the
city administrators' group (``AUDIT_REPORT_GROUP``, default
``hospitals.roles.CITY_ADMIN``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import figures as extra_figures
from audit.models import MonthlyReport
from audit.selectors import (
    Month,
    availability_by_hospital,
    province_availability,
    usage_by_hospital,
    usage_by_kind_per_day,
    usage_monthly_series,
)
from audit.usage import SUMMARY_COLUMNS

logger = logging.getLogger(__name__)

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
    )


def report_filename(month, suffix: str) -> str:
    """The name a report file is downloaded and attached under."""
    return f"usage-{month}.{suffix}"


def _replace_file(field_file, name: str, content: bytes) -> None:
    if field_file:
        field_file.delete(save=False)
    field_file.save(name, ContentFile(content), save=False)


def report_build(*, month: Month | str, progress: Progress | None = None) -> MonthlyReport:
    """Build and store the report of ``month`` (rebuilding replaces the files)."""
    from audit import report_files

    month = Month.parse(month) if isinstance(month, str) else month
    step = progress or (lambda _label: None)
    with translation.override(settings.LANGUAGE_CODE):
        data = report_data(month=month, progress=step)
        chart = report_files.render_chart(data)
        step("chart")
        workbook = report_files.render_xlsx(data, chart)
        step("workbook")
        csv_bytes = report_files.render_csv(data)
        step("csv")
    report, _created = MonthlyReport.objects.get_or_create(month=str(month))
    _replace_file(report.xlsx, report_filename(month, "xlsx"), workbook)
    _replace_file(report.csv, report_filename(month, "csv"), csv_bytes)
    _replace_file(report.chart, report_filename(month, "png"), chart)
    report.built_at = timezone.now()
    report.summary = {
        "hospitals": len(data.rows),
        "totals": data.totals,
        "previous_totals": data.previous_totals,
        "availability": data.availability,
        "extra_totals": data.extra_totals,
    }
    report.save()
    step("stored")
    return report


def report_recipients() -> list[str]:
    from hospitals.roles import CITY_ADMIN

    group = getattr(settings, "AUDIT_REPORT_GROUP", "") or CITY_ADMIN
    users = get_user_model().objects.filter(groups__name=group, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def report_send(*, report: MonthlyReport) -> list[str]:
    """E-mail the workbook and CSV to the city administrators."""
    recipients = report_recipients()
    if not recipients:
        logger.warning("monthly report %s: nobody in the city-admin group to e-mail", report.month)
        return []
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Hub usage report for %(month)s") % {"month": report.month}
        totals = report.summary.get("totals", {})
        body = _(
            "The usage report of the city health-information sharing hub for %(month)s is "
            "attached (workbook and CSV).\n\nAuthorizations granted: %(granted)s\n"
            "Views: %(views)s\nHospitals: %(hospitals)s\n"
        ) % {
            "month": report.month,
            "granted": totals.get("granted", 0),
            "views": totals.get("views", 0),
            "hospitals": report.summary.get("hospitals", 0),
        }
    message = EmailMessage(subject, body, to=recipients)
    for field_file, suffix, mimetype in (
        (report.xlsx, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (report.csv, "csv", "text/csv"),
    ):
        with field_file.open("rb") as handle:
            message.attach(report_filename(report.month, suffix), handle.read(), mimetype)
    message.send()
    report.emailed_to = recipients
    report.save(update_fields=["emailed_to"])
    return recipients


def report_build_and_send(*, month: Month | str) -> MonthlyReport:
    report = report_build(month=month)
    report_send(report=report)
    return report


def previous_month() -> str:
    return str(Month.current().shift(-1))
