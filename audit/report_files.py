"""The monthly report's files: chart (PNG), workbook (XLSX) and CSV."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font

from audit.charts import usage_chart
from audit.report_data import ReportData
from audit.usage import SUMMARY_COLUMNS


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.1f}%"


def month_to_date_label(data: ReportData) -> str:
    """ "month to date, through YYYY-MM-DD" for a month not over; else empty."""
    if data.through is None:
        return ""
    return _("Month to date, through %(day)s") % {"day": data.through.isoformat()}


def render_chart(data: ReportData) -> bytes:
    """Top hospitals by views this month, and the city's last 12 months."""
    return usage_chart(month=str(data.month), rows=data.rows, series=data.series)


def hospital_table(data: ReportData) -> tuple[list[str], list[list]]:
    """Header and rows of the per-hospital table (the CSV and the Hospitals sheet)."""
    header = [_("organisation code"), _("hospital"), _("district"), _("level")]
    for key, _pattern, label in SUMMARY_COLUMNS:
        header.append(str(label))
        if key in ("granted", "views"):
            header.append(_("%(figure)s, change on last month") % {"figure": label})
    header.append(_("province availability"))
    header += [str(label) for _key, label in data.extra_columns]
    rows = []
    for row in data.rows:
        line = [row.org_code, row.org_name, row.district, row.level]
        for key, _pattern, _label in SUMMARY_COLUMNS:
            line.append(row.current[key])
            if key in ("granted", "views"):
                line.append(_pct(row.change(key)))
        line.append("" if row.availability is None else round(row.availability * 100, 3))
        line += [row.extra.get(key, 0) for key, _label in data.extra_columns]
        rows.append(line)
    return header, rows


def render_csv(data: ReportData) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header, rows = hospital_table(data)
    writer.writerow(header)
    writer.writerows(rows)
    # UTF-8 with a BOM: Excel then opens the Chinese names correctly.
    return buffer.getvalue().encode("utf-8-sig")


def _sheet(workbook: Workbook, title: str, header: list, rows: list) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"


def render_xlsx(data: ReportData, chart_png: bytes) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")[:31]
    summary.append([_("Hub usage report for %(month)s") % {"month": data.month}])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([month_to_date_label(data)])
    summary.append([_("figure"), _("this month"), _("last month"), _("change")])
    for key, _pattern, label in SUMMARY_COLUMNS:
        summary.append(
            [
                str(label),
                data.totals[key],
                data.previous_totals[key],
                _pct(data.total_change(key)),
            ]
        )
    summary.append([_("hospitals"), len(data.rows)])
    availability = data.availability
    summary.append([_("province calls"), availability["calls"]])
    summary.append([_("transient province failures"), availability["transient_failures"]])
    share = availability["availability"]
    summary.append([_("province availability"), "" if share is None else f"{share * 100:.3f}%"])
    for key, label in data.extra_columns:
        summary.append([str(label), data.extra_totals.get(key, 0)])
    summary.column_dimensions["A"].width = 34
    image = Image(io.BytesIO(chart_png))
    image.width, image.height = image.width * 0.6, image.height * 0.6
    summary.add_image(image, "F2")

    header, rows = hospital_table(data)
    _sheet(workbook, _("Hospitals"), header, rows)
    labels = [str(label) for _k, _p, label in SUMMARY_COLUMNS]
    _sheet(
        workbook,
        _("Daily"),
        [_("day"), *labels],
        [
            [day.isoformat(), *[f[k] for k, _p, _l in SUMMARY_COLUMNS]]
            for day, f in data.daily.items()
        ],
    )
    _sheet(
        workbook,
        _("Last 12 months"),
        [_("month"), *labels],
        [[m, *[f[k] for k, _p, _l in SUMMARY_COLUMNS]] for m, f in data.series],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
