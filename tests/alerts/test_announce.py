"""Each new alert is counted (Prometheus) and e-mailed to the city's security
contact; the rules run from Celery beat through a thin task."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from alerts.errors import PHONE_BLOCKED_TEXT
from alerts.models import Alert, Rule, Severity
from alerts.services import alert_raise
from alerts.windows import Finding
from hub import phone_blocks
from tests.alerts.conftest import SECURITY, alerts_counted
from tests.fixtures.relay import resident_id

pytestmark = pytest.mark.django_db


def _finding(scope: str = "1", rule: str = Rule.FAILED_VERIFICATIONS_SPIKE) -> Finding:
    return Finding(
        rule=rule,
        severity=Severity.MEDIUM,
        day=date.today(),
        scope=scope,
        subject="455404482",
        details={"failed_verifications": 42, "daily_average": 3.5, "threshold": 30.0},
    )


def test_a_new_alert_is_counted_and_emailed_once_committed(
    django_capture_on_commit_callbacks, mailoutbox
):
    counted = alerts_counted(Rule.FAILED_VERIFICATIONS_SPIKE)
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_raise(finding=_finding(), actor="task:alerts.evaluate")
    assert alerts_counted(Rule.FAILED_VERIFICATIONS_SPIKE) == counted + 1
    [mail] = mailoutbox
    assert mail.to == [SECURITY]
    assert mail.subject == "【健康信息平台安全告警】验证失败远超平常：455404482"
    body = mail.body
    assert "规则：验证失败远超平常" in body and "严重程度：中" in body
    assert "  验证失败次数: 42\n" in body and "  日均: 3.5\n" in body
    assert "处理建议：可能有人在猜测患者的验证码" in body
    assert f"/admin/alerts/alert/{alert.pk}/change/" in body


def test_the_same_condition_is_neither_counted_nor_emailed_twice(
    django_capture_on_commit_callbacks, mailoutbox
):
    counted = alerts_counted(Rule.FAILED_VERIFICATIONS_SPIKE)
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_raise(finding=_finding(), actor="task:alerts.evaluate") is not None
        assert alert_raise(finding=_finding(), actor="task:alerts.evaluate") is None
    assert Alert.objects.count() == 1 and len(mailoutbox) == 1
    assert alerts_counted(Rule.FAILED_VERIFICATIONS_SPIKE) == counted + 1


def test_without_a_security_contact_no_mail_is_sent(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.ALERT_EMAIL_TO = []
    counted = alerts_counted(Rule.NIGHT_BULK_VIEWS)
    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(finding=_finding(rule=Rule.NIGHT_BULK_VIEWS), actor="task:alerts.evaluate")
    assert mailoutbox == []
    assert alerts_counted(Rule.NIGHT_BULK_VIEWS) == counted + 1


def test_a_mail_failure_keeps_the_alert(monkeypatch, django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("alerts.services.send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(finding=_finding(), actor="task:alerts.evaluate")
    assert Alert.objects.count() == 1


def test_every_rule_has_a_series_from_the_start(client):
    text = client.get("/metrics").content.decode()
    assert "# TYPE hub_alerts_total counter" in text
    for rule in Rule.values:
        assert f'hub_alerts_total{{rule="{rule}"}}' in text


def test_the_beat_task_runs_the_rules(relay, settings):
    from alerts.tasks import evaluate_alerts
    from hub.celery import _merge_beat_schedules, app

    settings.ALERT_MODE1_MIN_GRANTS = 1
    relay.a.compat(resident_id(971))
    relay.a.compat(resident_id(972))
    assert evaluate_alerts.delay().get() == 1
    assert Alert.objects.get().rule == Rule.MODE1_GRANTS_SPIKE
    _merge_beat_schedules(app)
    entry = app.conf.beat_schedule["alerts.evaluate"]
    assert entry["task"] == "alerts.evaluate" and entry["schedule"] == 120.0


def test_the_port_refusal_is_this_apps_text_in_chinese():
    with translation.override("en"):
        assert phone_blocks.PhoneBlocked().message == PHONE_BLOCKED_TEXT
    with translation.override("zh-hans"):
        assert phone_blocks.PhoneBlocked().message.startswith("该患者的手机号")
