"""Helpers of the alerts tests (tests/alerts): settings, evaluation, clocks."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

SECURITY = "security@example.gov.cn"


@pytest.fixture(autouse=True)
def alert_settings(settings):
    """The defaults of docs/alerts.md, an e-mail contact; tests lower a rule's
    minimum where they need to."""
    settings.ALERT_EMAIL_TO = [SECURITY]
    settings.ALERT_BASELINE_DAYS = 14
    settings.ALERT_BASELINE_MULTIPLIER = 3.0
    settings.ALERT_PHONE_MAX_PATIENTS = 3
    settings.ALERT_STAFF_MIN_PATIENTS = 40
    settings.ALERT_MODE1_MIN_GRANTS = 50
    settings.ALERT_FAILURES_MIN = 30
    settings.ALERT_NIGHT_START_HOUR = 0
    settings.ALERT_NIGHT_END_HOUR = 6
    settings.ALERT_NIGHT_MIN_PATIENTS = 20
    return settings


def evaluate(now=None):
    from alerts.services import alerts_evaluate

    return alerts_evaluate(now=now)


def raised(rule: str):
    from alerts.models import Alert

    return list(Alert.objects.filter(rule=rule).order_by("id"))


def alerts_counted(rule: str) -> float:
    return REGISTRY.get_sample_value("hub_alerts_total", {"rule": rule}) or 0.0


def local_midnight(now=None) -> datetime:
    tz = timezone.get_default_timezone()
    day = timezone.localdate(now or timezone.now(), tz)
    return datetime.combine(day, time.min, tzinfo=tz)


def days_ago(days: int, hour: int = 10) -> datetime:
    """``hour`` o'clock (local) ``days`` days before today."""
    return local_midnight() - timedelta(days=days) + timedelta(hours=hour)
