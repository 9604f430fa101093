"""The monthly report: numbers match the calls made, files, e-mail, admin."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from audit.figures import providers, register_figures_provider, unregister_figures_provider
from audit.models import MonthlyReport
from audit.report_data import report_data
from audit.reports import report_build, report_send
from audit.selectors import Month
from audit.services import call_log_record
from tests.fixtures.backoffice import verified_client

pytestmark = pytest.mark.urls("tests.audit.urls")


def _calls(api, n: int, kinds: str):
    for i in range(n):
        assert api.post_json(f"/api/v1/test-audit/{i}/note?usage={kinds}", {}).status_code == 200


@pytest.fixture
def month_of_calls(api_a, api_b, hospital_a, hospital_b):
    _calls(api_a, 4, "view,auth.sms.granted")
    _calls(api_a, 2, "view.refused")
    _calls(api_b, 3, "view,auth.face.granted,auth.face.synced")
    for outcome in (200, 200, 200, None):  # one timeout out of four calls
        call_log_record(
            interface="codeAuthRec/save",
            http_status=outcome,
            return_code="1" if outcome else None,
            return_desc="",
            latency_ms=5.0,
            attempt=1,
            hospital=hospital_a,
        )
    real = next((p for p in providers() if p.name == "complaints"), None)
    register_figures_provider(
        "complaints",
        lambda start, end: {
            hospital_b.pk: {"received": 2, "resolved": 1, "median_hours": 5},
            hospital_a.pk: {"received": 1, "resolved": 1, "median_hours": 9},
            None: {"median_hours": 6},
        },
        labels={
            "received": "complaints received",
            "resolved": "complaints resolved",
            "median_hours": "median hours",
        },
    )
    yield Month.current()
    unregister_figures_provider("complaints")
    if real is not None:  # put the app's own provider back for later tests
        register_figures_provider(real.name, real.provider, labels=real.labels)


def test_report_numbers_match_the_calls(month_of_calls, hospital_a, hospital_b):
    data = report_data(month=month_of_calls)

    by_code = {row.org_code: row for row in data.rows}
    a, b = by_code[hospital_a.org_code], by_code[hospital_b.org_code]
    assert (a.current["views"], a.current["granted"], a.current["refused"]) == (4, 4, 2)
    assert (b.current["views"], b.current["granted"], b.current["synced"]) == (3, 3, 3)
    assert data.totals["views"] == 7 and data.totals["granted"] == 7
    assert data.availability == {"calls": 4, "transient_failures": 1, "availability": 0.75}
    assert a.availability == 0.75
    assert b.extra == {
        "complaints.received": 2,
        "complaints.resolved": 1,
        "complaints.median_hours": 5,
    }
    # Counts add up; a median comes from the provider's city-wide row.
    assert data.extra_totals == {
        "complaints.received": 3,
        "complaints.resolved": 2,
        "complaints.median_hours": 6,
    }
    assert data.rows[0].org_code == hospital_a.org_code  # busiest first


def test_month_on_month_change(hospital_a, db):
    from audit.services import usage_increment

    month = Month.current()
    last = month.shift(-1).first_day
    usage_increment(hospital_id=hospital_a.pk, org_code="x", day=last, kinds=["view"], by=4)
    usage_increment(
        hospital_id=hospital_a.pk, org_code="x", day=month.first_day, kinds=["view"], by=5
    )

    row = next(r for r in report_data(month=month).rows if r.hospital_id == hospital_a.pk)

    assert row.change("views") == pytest.approx(0.25)
    assert row.views_change == "+25.0%"


def test_report_files_stored_and_emailed(month_of_calls, city_admin, hospital_a):
    report = report_build(month=month_of_calls)

    workbook = load_workbook(io.BytesIO(report.xlsx.read()))
    assert len(workbook.worksheets) == 4
    assert workbook.worksheets[0]._images  # the chart is in the summary sheet
    sheet = workbook.worksheets[1]
    header = [c.value for c in sheet[1]]
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values[hospital_a.org_code][header.index("浏览次数")] == 4
    rows = list(csv.reader(io.StringIO(report.csv.read().decode("utf-8-sig"))))
    assert rows[0] == header
    assert report.chart.read()[:8] == b"\x89PNG\r\n\x1a\n"

    assert report_send(report=report) == ["city-admin@example.gov.cn"]
    assert len(mail.outbox) == 1
    assert {name for name, _c, _t in mail.outbox[0].attachments} == {
        f"usage-{month_of_calls}.xlsx",
        f"usage-{month_of_calls}.csv",
    }
    assert str(month_of_calls) in mail.outbox[0].subject


def test_usage_report_command_writes_the_files(month_of_calls, tmp_path, capsys):
    out = tmp_path / "out"
    call_command("usage_report", "--month", str(month_of_calls), "--out", str(out))

    assert {p.name for p in out.iterdir()} == {
        f"usage-{month_of_calls}.xlsx",
        f"usage-{month_of_calls}.csv",
        f"usage-{month_of_calls}.png",
    }
    assert MonthlyReport.objects.filter(month=str(month_of_calls)).exists()


def test_monthly_task_builds_last_month_and_mails(city_admin, db):
    from audit.tasks import monthly_report_task

    month = monthly_report_task()

    assert month == str(Month.current().shift(-1))
    assert MonthlyReport.objects.get(month=month).emailed_to == ["city-admin@example.gov.cn"]
    assert len(mail.outbox) == 1


def test_admin_lists_and_downloads_reports(month_of_calls, city_admin):
    report = report_build(month=month_of_calls)
    client = verified_client(city_admin)

    listing = client.get("/admin/audit/monthlyreport/")
    download = client.get(f"/admin/audit/monthlyreport/{report.pk}/download/xlsx/")

    assert listing.status_code == 200
    assert str(month_of_calls).encode() in listing.content
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_usage_page_city_staff_see_every_hospital(month_of_calls, city_admin, hospital_b):
    client = verified_client(city_admin)

    page = client.get("/admin/audit/usagecounter/", {"month": str(month_of_calls)})

    assert page.status_code == 200
    assert page.context["operator"] is False
    assert {r.org_code for r in page.context["rows"]} >= {"455404482", "455404483"}
    assert b"usage-chart" in page.content


def test_operators_see_only_their_hospital(month_of_calls, operator_a, hospital_a):
    client = verified_client(operator_a)

    page = client.get("/admin/audit/usagecounter/", {"district": "", "level": ""})
    logs = client.get("/admin/audit/accesslog/")
    counters = client.get("/admin/audit/usagecounter/raw/")
    reports = client.get("/admin/audit/monthlyreport/")

    assert page.status_code == 200
    assert [r.org_code for r in page.context["rows"]] == [hospital_a.org_code]
    assert (
        page.context["totals"][
            page.context["columns"].index(
                next(c for c in page.context["columns"] if c[0] == "views")
            )
        ]
        == 4
    )
    assert logs.status_code == 200
    assert {row.hospital_id for row in logs.context["cl"].result_list} == {hospital_a.pk}
    assert {row.hospital_id for row in counters.context["cl"].result_list} == {hospital_a.pk}
    assert reports.status_code == 403  # city-wide reports are for city staff


def test_filters_by_district(month_of_calls, city_admin, hospital_a, hospital_b):
    hospital_b.district = "越秀区"
    hospital_b.save(update_fields=["district"])
    client = verified_client(city_admin)

    page = client.get("/admin/audit/usagecounter/", {"district": "越秀区"})

    assert [r.org_code for r in page.context["rows"]] == [hospital_b.org_code]


def test_old_months_are_in_the_series(hospital_a, db):
    from audit.services import usage_increment

    month = Month.current()
    old = timezone.localdate().replace(day=1) - timedelta(days=200)
    usage_increment(hospital_id=hospital_a.pk, org_code="x", day=old, kinds=["view"], by=9)

    data = report_data(month=month)

    assert dict(data.series)[f"{old:%Y-%m}"]["views"] == 9


def test_charts_render_chinese_names_with_a_cjk_font(recwarn, db):
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from audit.charts import usage_chart
    from audit.fonts import cjk_font_family
    from audit.report_data import ReportRow

    family = cjk_font_family()
    assert family is not None
    path = font_manager.findfont(font_manager.FontProperties(family=family))
    assert FT2Font(path).get_char_index(ord("院")) != 0

    row = ReportRow(1, "1", "广州市第一人民医院", "", "", {"views": 3, "granted": 2}, {})
    png = usage_chart(month="2026-10", rows=[row], series=[("2026-10", {"views": 3, "granted": 2})])

    assert png[:4] == b"\x89PNG"
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


def test_a_cjk_font_installed_after_matplotlib_cached_its_list_is_found(monkeypatch):
    """matplotlib never refreshes its per-user font cache: a font installed
    later (apt in `make test`, after something imported matplotlib) is found
    in the system's font directories."""
    from matplotlib import font_manager

    from audit import fonts

    cached = [
        entry
        for entry in font_manager.fontManager.ttflist
        if not any(hint in entry.fname.lower() for hint in ("cjk", "hei", "han", "wqy", "droid"))
    ]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", cached)
    fonts.cjk_font_family.cache_clear()
    try:
        assert fonts._pick(font_manager, "") is None  # the stale list has none
        family = fonts.cjk_font_family()
    finally:
        fonts.cjk_font_family.cache_clear()

    assert family is not None
    assert any(entry.name == family for entry in font_manager.fontManager.ttflist)


def test_access_log_admin_filters_and_finds_a_patient(month_of_calls, city_admin, hospital_b):
    hospital_b.district = "越秀区"
    hospital_b.save(update_fields=["district"])
    client = verified_client(city_admin)

    by_district = client.get("/admin/audit/accesslog/", {"district": "越秀区"})
    by_patient = client.get("/admin/audit/accesslog/", {"q": "440106199003071231"})
    other_patient = client.get("/admin/audit/accesslog/", {"q": "11010519491231002X"})

    assert {r.hospital_id for r in by_district.context["cl"].result_list} == {hospital_b.pk}
    assert len(by_patient.context["cl"].result_list) == 9  # every noted call in the fixture
    assert len(other_patient.context["cl"].result_list) == 0
    assert client.get("/admin/audit/accesslog/add/").status_code == 403
