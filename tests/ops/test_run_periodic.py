"""The embedded default's stand-in for Celery beat."""

import pytest
from django.core.management import CommandError, call_command

from relay.models import Authorization, Method, State


@pytest.mark.django_db
def test_runs_every_periodic_task_once(hospital_a, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CELERY_BROKER_URL = ""
    from django.utils import timezone

    past = timezone.now() - timezone.timedelta(days=1)
    consent = Authorization.objects.create(
        hospital=hospital_a,
        method=Method.SMS,
        state=State.GRANTED,
        patient_idcard="440106199003071231",
        patient_digest="e" * 64,
        granted_at=past - timezone.timedelta(days=30),
        valid_until=past,
    )
    call_command("run_periodic", "--once")
    consent.refresh_from_db()
    assert consent.state == State.EXPIRED  # the expiry sweep ran


def test_refuses_when_a_broker_is_configured(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    with pytest.raises(CommandError, match="celery -A hub beat"):
        call_command("run_periodic", "--once")
