"""The officer's morning in a real browser (Chromium through Playwright, on a
live server): log in as the README's first administrator, read the
dashboard above the app list, build this month's report through the form
the page renders, and read the same figure on the report page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from audit.services import access_log_write
from audit.usage import SUMMARY_COLUMNS
from tests.e2e.conftest import BROWSER
from tests.e2e.test_admin_browser import PASSWORD, _log_in, newcomer  # noqa: F401

pytestmark = BROWSER


@pytest.fixture
def morning_traffic(transactional_db, hospital_a, hospital_b):
    """Calls of yesterday and this morning, written as the access-log
    middleware writes them (one access row and its counters)."""
    now = timezone.now()
    calls = [(hospital_a, ["view", "auth.sms.granted"])] * 3 + [(hospital_a, ["view"])] * 2
    calls += [(hospital_b, ["view.refused"])]
    for hospital, kinds in calls:
        access_log_write(
            created_at=now,
            hospital=hospital,
            endpoint="/api/v1/views",
            method="POST",
            http_status=200,
            latency_ms=3.0,
            usage=kinds,
        )
    return {"views_a": 5, "granted_a": 3}


def test_the_officer_reads_the_dashboard_and_builds_this_months_report(
    newcomer,  # noqa: F811
    morning_traffic,
    live_server,
    desktop_page,
    settings,
    hospital_a,
):
    page = desktop_page
    page.goto(live_server.url + "/admin/")
    page.wait_for_url(re.compile(r".*/admin/login/"))
    _log_in(page, PASSWORD, newcomer.code())
    page.wait_for_url(live_server.url + "/admin/")

    # The dashboard, above the app list.
    dashboard = page.locator("#hub-dashboard")
    assert dashboard.is_visible()
    box, apps = dashboard.bounding_box(), page.locator("#content-main").bounding_box()
    assert box["y"] < apps["y"]
    for title in ("调用量：今日与本月", "省平台同步积压", "投诉", "安全告警"):
        assert dashboard.get_by_role("heading", name=title).count() == 1, title
    row = page.locator("#dash-usage tbody tr", has_text=hospital_a.org_name)
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    # today: granted, views, refused, failed; then the month's
    assert cells[:2] == [str(morning_traffic["granted_a"]), str(morning_traffic["views_a"])]
    assert cells[4:6] == cells[:2]
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(settings.VAR_DIR) / "admin-dashboard.png"), full_page=True)

    # "Build the report now", through the form the page renders.
    dashboard.get_by_role("link", name="立即生成报表").click()
    month = page.get_by_label("月份")
    assert month.input_value() == timezone.localdate().strftime("%Y-%m")
    page.get_by_role("button", name="立即生成报表").click()
    page.wait_for_url(re.compile(r".*/admin/audit/monthlyreport/\d+/change/$"))
    assert "报表已生成" in page.locator(".messagelist").inner_text()
    assert "本月截至" in page.locator("#content").inner_text()

    # The report page: a table, the same figure.
    table = page.locator("#report-table")
    header = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    views = header.index(next(str(label) for k, _p, label in SUMMARY_COLUMNS if k == "views"))
    line = table.locator(f'tr[data-org-code="{hospital_a.org_code}"] td').all_inner_texts()
    assert line[views].strip() == str(morning_traffic["views_a"])
    assert table.locator("a").count() == 0 and page.locator("a.download-xlsx").count() == 1
    page.screenshot(path=str(Path(settings.VAR_DIR) / "admin-report.png"), full_page=True)
    assert not page.problems, page.problems
