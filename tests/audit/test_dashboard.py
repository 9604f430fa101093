"""The admin index's morning dashboard: usage today and this month per
hospital (systems summed, joint-test traffic apart), the province sync
backlog, overdue complaints, open alerts, charts; few queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import Alert, AlertState, Severity
from audit.models import UsageCounter
from audit.services import call_log_record
from complaints import services as complaint_services
from complaints.models import Complaint
from hospitals.models import Hospital
from hub.protect import digest
from relay.models import Authorization, SyncState
from tests.audit.html_tables import section_html, table_rows
from tests.complaints.test_services import _input
from tests.fixtures.backoffice import operator_of, verified_client

pytestmark = pytest.mark.urls("tests.audit.urls")


def _calls(api, n: int, kinds: str):
    for i in range(n):
        assert api.post_json(f"/api/v1/test-audit/{i}/note?usage={kinds}", {}).status_code == 200


def _usage_table(html: str) -> dict[str, list[int]]:
    rows = table_rows(section_html(html, "dash-usage"))
    header = rows[1]
    assert header[0] == "医疗机构", header
    return {row[0]: [int(v) for v in row[1:]] for row in rows[2:]}


@pytest.fixture
def traffic(api_a, api_a_emr, api_b, hospital_a, hospital_b):
    _calls(api_a, 3, "view,auth.sms.granted")
    _calls(api_a_emr, 2, "view")  # hospital A's second system: summed with the first
    _calls(api_a, 1, "view.refused")
    _calls(api_a, 2, "auth.sms.failed")
    _calls(api_b, 4, "view,auth.face.granted")
    today = timezone.localdate()
    earlier = today.replace(day=1)
    if earlier != today:  # earlier this month: counted in the month, not today
        UsageCounter.objects.create(
            hospital_id=hospital_b.pk,
            org_code=hospital_b.org_code,
            day=earlier,
            kind="view",
            count=5,
        )
    # Joint-test traffic of a hospital: never in the live figures.
    UsageCounter.objects.create(
        hospital_id=hospital_b.pk,
        org_code=hospital_b.org_code,
        day=today,
        kind="test.view",
        count=7,
    )
    return {"earlier": 5 if earlier != today else 0}


def test_usage_today_and_this_month_per_hospital(traffic, city_admin, hospital_a, hospital_b):
    html = verified_client(city_admin).get("/admin/").content.decode()
    table = _usage_table(html)
    # columns: today (granted, views, refused, failed, joint test), then the month's
    a, b = table[hospital_a.org_name], table[hospital_b.org_name]
    assert a == [3, 5, 1, 2, 0, 3, 5, 1, 2, 0]
    assert b == [4, 4, 0, 0, 7, 4, 4 + traffic["earlier"], 0, 0, 7]
    total = table["全市合计"]
    assert total == [x + y for x, y in zip(a, b, strict=True)]
    # The busiest first; the charts are drawn on the page (no script).
    usage = section_html(html, "dash-usage")
    assert usage.index(hospital_b.org_name) < usage.index(hospital_a.org_name)
    assert 'class="bar s0"' in usage and "<svg" in usage and "<script" not in usage
    assert "调用量：今日与本月" in html and "立即生成报表" in html


def test_sync_backlog_complaints_and_alerts(db, city_admin, hospital_a, hospital_b):
    now = timezone.now()
    for state, hours in ((SyncState.PENDING, 3), (SyncState.PENDING, 1), (SyncState.FAILED, 30)):
        Authorization.objects.create(
            hospital=hospital_a,
            method="sms",
            state="granted",
            patient_idcard="44010619900307001X",
            patient_digest=digest("44010619900307001X"),
            patient_name="张三",
            granted_at=now - timedelta(hours=hours),
            sync_state=state,
        )
    for outcome in (None, 500, 200):  # a timeout, a 5xx, a success
        call_log_record(
            interface="codeAuthRec/save",
            http_status=outcome,
            return_code="1" if outcome == 200 else None,
            return_desc="",
            latency_ms=5.0,
            attempt=1,
            hospital=hospital_a,
        )
    late = complaint_services.complaint_submit(
        actor=None, source="admin", data=_input(org_code=hospital_a.org_code)
    )[0]
    complaint_services.complaint_submit(
        actor=None, source="admin", data=_input(org_code=hospital_b.org_code)
    )
    Complaint.objects.filter(pk=late.pk).update(resolve_due_at=now - timedelta(hours=1))
    for n, severity in enumerate((Severity.HIGH, Severity.HIGH, Severity.LOW)):
        Alert.objects.create(
            rule="night_bulk_views",
            severity=severity,
            subject="x",
            day=now.date(),
            dedup_key=f"k{n}",
            hospital=hospital_a,
        )
    Alert.objects.create(
        rule="night_bulk_views",
        severity=Severity.HIGH,
        subject="x",
        day=now.date(),
        dedup_key="closed",
        state=AlertState.CLOSED,
    )

    client = verified_client(city_admin)
    html = client.get("/admin/").content.decode()

    sync = section_html(html, "dash-sync")
    assert _figure(sync, "待同步") == "2" and _figure(sync, "同步失败") == "1"
    assert _figure(sync, "最久未同步") == "30 小时"
    assert _figure(sync, "近 24 小时省平台调用失败") == "2"
    failed_link = re.search(r'href="([^"]*sync_state__exact=failed)"', sync).group(1)
    listing = client.get(failed_link.replace("&amp;", "&")).content.decode()
    assert listing.count('class="action-select"') == 1

    complaints = section_html(html, "dash-complaints")
    assert _figure(complaints, "超期投诉") == "1" and _figure(complaints, "未办结投诉") == "2"
    overdue = re.search(r'href="([^"]*queue=overdue)"', complaints).group(1)
    assert str(late.public_id)[:8] in client.get(overdue).content.decode()

    alerts = section_html(html, "dash-alerts")
    assert _figure(alerts, "未处理告警") == "3" and "高 2，中 0，低 1" in alerts


def _figure(section: str, label: str) -> str:
    match = re.search(
        r'<span class="value">(?:<a href="[^"]*">)?([^<]*)(?:</a>)?</span>\s*<span class="label">'
        + re.escape(label)
        + "</span>",
        section,
    )
    assert match, f"no figure {label!r} in {section}"
    return match.group(1).strip()


def _index_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_hospitals(traffic, city_admin):
    client = verified_client(city_admin)
    before = _index_queries(client)
    day = timezone.localdate()
    for n in range(20):
        hospital = Hospital.objects.create(
            org_code=f"9000{n:05d}", org_name=f"第{n}社区卫生服务中心"
        )
        for kind in ("view", "auth.sms.granted", "view.refused"):
            UsageCounter.objects.create(
                hospital_id=hospital.pk, org_code=hospital.org_code, day=day, kind=kind, count=n + 1
            )
    after = _index_queries(client)
    assert after == before, (before, after)
    assert len(_usage_table(client.get("/admin/").content.decode())) == 2 + 20 + 1


def test_an_operator_sees_only_their_hospital(traffic, hospital_a, hospital_b):
    client = verified_client(operator_of(hospital_a, "op-a"))
    html = client.get("/admin/").content.decode()
    assert list(_usage_table(html)) == [hospital_a.org_name]
    assert hospital_b.org_name not in html
    assert "立即生成报表" not in html
