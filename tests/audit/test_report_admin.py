"""Building a report from the back office, the way an officer does: the
button on the report list, the month form the page renders, the report page's
table. Its numbers, the workbook's cells and the counts re-derived from the
logs (``usage_recount``) are the same. The city summary (appendix 1 over the
city's hospitals) from the report page and from ``usage_report``."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from audit.models import MonthlyReport, OperationLog
from audit.recount import usage_recount
from audit.reports import CITY_SUMMARY_KEYS
from audit.selectors import Month
from audit.usage import SUMMARY_COLUMNS, summary_key
from hospitals.models import Hospital, IntegratedSystem
from hospitals.report import CITY_COLUMNS, CITY_TITLE
from tests.audit.html_tables import table_rows
from tests.fixtures.backoffice import operator_of, verified_client

pytestmark = pytest.mark.urls("tests.audit.urls")
LIST = "/admin/audit/monthlyreport/"


def _calls(api, n: int, kinds: str):
    for i in range(n):
        assert api.post_json(f"/api/v1/test-audit/{i}/note?usage={kinds}", {}).status_code == 200


@pytest.fixture
def traffic(api_a, api_a_emr, api_b, hospital_a, hospital_b):
    _calls(api_a, 3, "view,auth.sms.granted")
    _calls(api_a_emr, 2, "view,auth.authcode.failed")
    _calls(api_a, 1, "view.refused")
    _calls(api_b, 4, "view,auth.face.granted,auth.face.synced")
    Hospital.objects.filter(pk__in=[hospital_a.pk, hospital_b.pk]).update(stage="live")


def _href(html: str, attr: str) -> str:
    match = re.search(rf'<a href="([^"]+)"[^>]*{attr}', html) or re.search(
        rf'<a [^>]*{attr}[^>]*href="([^"]+)"', html
    )
    assert match, attr
    return match.group(1).replace("&amp;", "&")


def _recounted(month: Month) -> dict[int, dict[str, int]]:
    """The month's summary figures per hospital, from the logs themselves."""
    out: dict[int, dict[str, int]] = {}
    for (hospital_id, day, kind), n in usage_recount(since=month.first_day).items():
        key = summary_key(kind)
        if key is None or not (month.first_day <= day < month.end_day):
            continue
        figures = out.setdefault(
            hospital_id, dict.fromkeys((k for k, _p, _l in SUMMARY_COLUMNS), 0)
        )
        figures[key] += n
    return out


def test_build_this_months_report_from_the_admin(traffic, city_admin, hospital_a, hospital_b):
    client = verified_client(city_admin)
    month = Month.current()
    listing = client.get(LIST).content.decode()
    build_url = _href(listing, 'id="build-report-now"')
    assert "立即生成报表" in listing

    # The form the page renders: one month field, this month filled in.
    page = client.get(build_url).content.decode()
    form = re.search(r'<form method="post" id="build-report-form">(.*?)</form>', page, re.S).group(
        1
    )
    field = re.search(r'<input type="month" name="month" value="([^"]*)"', form)
    assert field and field.group(1) == str(month)
    answer = client.post(build_url, {"month": field.group(1)}, follow=True)
    assert answer.status_code == 200
    report = MonthlyReport.objects.get(month=str(month))
    assert answer.redirect_chain[-1][0].endswith(f"/admin/audit/monthlyreport/{report.pk}/change/")
    html = answer.content.decode()
    assert "报表已生成" in html
    assert "本月截至" in html  # month to date, marked as such
    assert OperationLog.objects.filter(action="report.build", target_id=str(report.pk)).exists()

    # The page's table: no raw JSON, a row per hospital, the summary columns.
    assert '"totals"' not in html
    rows = table_rows(html, "report-table")
    header = rows[0]
    labels = [str(label) for _k, _p, label in SUMMARY_COLUMNS]
    assert header[1] == "医疗机构" and header[2:] == labels, header
    page_rows = {row[0]: [int(v) for v in row[2:]] for row in rows[1:] if row[0].isdigit()}

    # The workbook's cells (its per-hospital sheet) ...
    download = client.get(_href(html, 'class="download-xlsx"'))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet = workbook["各医疗机构"]
    sheet_header = [c.value for c in sheet[1]]
    columns = [sheet_header.index(label) for label in labels]
    book_rows = {
        str(r[0]): [r[i] for i in columns]
        for r in sheet.iter_rows(min_row=2, values_only=True)
        if r[0]
    }
    assert "本月截至" in (workbook.worksheets[0]["A2"].value or "")

    # ... and the counts taken from the access log: all equal.
    recount = _recounted(month)
    keys = [k for k, _p, _l in SUMMARY_COLUMNS]
    for hospital in (hospital_a, hospital_b):
        from_logs = [recount[hospital.pk][k] for k in keys]
        assert page_rows[hospital.org_code] == from_logs == book_rows[hospital.org_code]
    a = dict(zip(keys, page_rows[hospital_a.org_code], strict=True))
    assert (a["granted"], a["views"], a["failed"], a["refused"]) == (3, 5, 2, 1)

    # The city summary downloads from the same page, with the same figures.
    summary = client.get(_href(html, 'class="download-city-summary"'))
    assert summary.status_code == 200
    assert CITY_TITLE in unquote(summary["Content-Disposition"])
    sheet = load_workbook(io.BytesIO(summary.content))["汇总表"]
    assert _city_figures(sheet)[hospital_a.org_name][:2] == [a["granted"], a["views"]]


def test_rebuilding_replaces_the_files_and_a_future_month_is_refused(traffic, city_admin):
    client = verified_client(city_admin)
    url = f"{LIST}build/"
    month = Month.current()
    client.post(url, {"month": str(month)})
    first = MonthlyReport.objects.get(month=str(month)).xlsx.name
    client.post(url, {"month": str(month)})
    report = MonthlyReport.objects.get(month=str(month))
    assert MonthlyReport.objects.count() == 1
    assert not report.xlsx.storage.exists(first) or report.xlsx.name == first
    future = client.post(url, {"month": str(month.shift(1))})
    assert future.status_code == 200 and "尚未开始的月份" in future.content.decode()
    bad = client.post(url, {"month": "2026-13"})
    assert bad.status_code == 200 and "YYYY-MM" in bad.content.decode()
    past = client.post(url, {"month": str(month.shift(-2))}, follow=True)
    assert "整月" in past.content.decode()


def test_operators_cannot_build(traffic, hospital_a):
    client = verified_client(operator_of(hospital_a, "op-a"))
    assert client.get(f"{LIST}build/").status_code in (302, 403)
    assert client.post(f"{LIST}build/", {"month": str(Month.current())}).status_code in (302, 403)
    assert not MonthlyReport.objects.exists()


def _city_figures(sheet) -> dict[str, list]:
    """{hospital name: its figure cells} from the summary sheet (row 3 = header)."""
    header = [c.value for c in sheet[3]]
    first = len(CITY_COLUMNS)
    out = {}
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if row[1] and row[0] != "合计":
            out[row[1]] = list(row[first : len(header)])
    return out


def test_city_summary_command_aggregates_the_city(traffic, tmp_path, hospital_a, hospital_b):
    IntegratedSystem.objects.filter(hospital=hospital_a).update(
        url="https://his.example", ip="10.0.0.1"
    )
    call_command("usage_report", "--city-summary", "--out", str(tmp_path))
    files = list(tmp_path.glob("*.xlsx"))
    assert len(files) == 1 and CITY_TITLE in files[0].name
    workbook = load_workbook(files[0])
    sheet = workbook["汇总表"]
    assert sheet["A1"].value == CITY_TITLE
    header = [c.value for c in sheet[3]]
    assert header[: len(CITY_COLUMNS)] == list(CITY_COLUMNS)
    chosen = {k: str(label) for k, _p, label in SUMMARY_COLUMNS}
    assert header[len(CITY_COLUMNS) :] == [chosen[k] for k in CITY_SUMMARY_KEYS]
    assert "授权" in header[len(CITY_COLUMNS)]  # in Chinese: the province reads it as is
    figures = _city_figures(sheet)
    assert figures[hospital_a.org_name] == [3, 5, 1, 2]
    assert figures[hospital_b.org_name] == [4, 4, 0, 0]
    # Hospital A's two systems: two rows, its own cells merged over them.
    systems = sorted(
        IntegratedSystem.objects.filter(hospital=hospital_a).values_list("name", flat=True)
    )
    rows_of_a = [
        row
        for row in sheet.iter_rows(min_row=4, values_only=True)
        if row[9] == "https://his.example"
    ]
    assert sorted(row[8] for row in rows_of_a) == systems and len(systems) == 2
    merged = [str(r) for r in sheet.merged_cells.ranges]
    assert any(r.startswith("B") and r.split(":")[0][1:] != r.split(":")[1][1:] for r in merged)
    total = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "合计")
    assert "2 家" in total[1] and list(total[len(CITY_COLUMNS) :]) == [7, 9, 1, 2]
    # Each hospital's own appendix form follows on a sheet of its own.
    assert hospital_a.org_code in workbook.sheetnames
    assert workbook[hospital_a.org_code]["B3"].value == hospital_a.org_name
