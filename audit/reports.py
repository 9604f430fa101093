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

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import MonthlyReport
from audit.report_data import Progress, report_data
from audit.selectors import Month
from audit.usage import SUMMARY_COLUMNS

logger = logging.getLogger(__name__)


def report_filename(month, suffix: str) -> str:
    """The name a report file is downloaded and attached under."""
    return f"usage-{month}.{suffix}"


def _replace_file(field_file, name: str, content: bytes) -> None:
    if field_file:
        field_file.delete(save=False)
    field_file.save(name, ContentFile(content), save=False)


def report_build(
    *, month: Month | str, progress: Progress | None = None, actor=None
) -> MonthlyReport:
    """Build and store the report of ``month`` (rebuilding replaces the files).

    ``actor``: who asked (an officer from the admin); the build is then in
    the operation log. The monthly task and the command pass none.
    """
    # openpyxl and matplotlib load when a report is built, not with every process.
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
        # Month to date: the last day counted (None once the month is over).
        "through": data.through.isoformat() if data.through else None,
        # The per-hospital table of the report page (as in the workbook).
        "rows": [
            {
                "hospital_id": row.hospital_id,
                "org_code": row.org_code,
                "org_name": row.org_name,
                "current": row.current,
            }
            for row in data.rows
        ],
    }
    report.save()
    if actor is not None:
        from audit.services import operation_log_record

        operation_log_record(
            actor=actor,
            action="report.build",
            target=report,
            after={"month": report.month, "through": report.summary["through"]},
        )
    step("stored")
    return report


#: The usage columns of the city summary (appendix 1 aggregated), in order.
CITY_SUMMARY_KEYS = ("granted", "views", "refused", "failed")


def _city_summary_columns() -> list[tuple[str, str]]:
    labels = {key: str(label) for key, _pattern, label in SUMMARY_COLUMNS}
    return [(key, labels[key]) for key in CITY_SUMMARY_KEYS if key in labels]


def city_summary_build(*, month: Month | str | None = None) -> bytes:
    """The city summary (seed appendix 1 over the city's live hospitals) with
    ``month``'s usage figures from the counters (default: the current month)."""
    from audit.selectors import usage_by_hospital
    from hospitals.report import city_summary_hospitals, city_summary_xlsx

    month = Month.parse(month) if isinstance(month, str) else (month or Month.current())
    with translation.override(settings.LANGUAGE_CODE):
        return city_summary_xlsx(
            city_summary_hospitals(),
            month=str(month),
            figures=usage_by_hospital(month=month),
            figure_columns=_city_summary_columns(),
        )


def city_summary_for_report(report: MonthlyReport) -> bytes:
    """The city summary with the figures stored in ``report`` (the same
    numbers as its table and workbook)."""
    from hospitals.report import city_summary_hospitals, city_summary_xlsx

    figures = {
        row["hospital_id"]: row.get("current", {})
        for row in (report.summary or {}).get("rows") or []
    }
    month = report.month
    if (report.summary or {}).get("through"):
        month = f"{month}（截至 {report.summary['through']}）"
    with translation.override(settings.LANGUAGE_CODE):
        return city_summary_xlsx(
            city_summary_hospitals(),
            month=month,
            figures=figures,
            figure_columns=_city_summary_columns(),
        )


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
