"""The joint test with the province (issue 14): a hospital not yet live calls
the hub; its consents and views go to the test target (a second province
simulator here, so live and test are told apart by their own state), its
usage is counted apart (``test.*``), and once live its test consents never
serve a live view."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.core.files.base import ContentFile

from audit.models import CallLog, UsageCounter
from hospitals.models import Hospital, Stage
from hospitals.services.onboarding import hospital_advance_stage
from relay.models import Authorization
from tests.fixtures.province import running_simulator
from tests.fixtures.relay import resident_id

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def _test_target_server():
    yield from running_simulator()


@pytest.fixture
def test_target(_test_target_server, settings):
    """A second province simulator as ``PROVINCE_TEST_BASE_URL``."""
    sim = _test_target_server
    sim.state.reset()
    settings.PROVINCE_TEST_BASE_URL = sim.url
    settings.PROVINCE_TEST_VIEWER_URL = sim.viewer_url
    yield sim
    sim.state.reset()


def _live_grants(sim, org_code: str) -> list[dict]:
    return [g for g in sim.state.snapshot()["grants"] if g["live"] and g["org_code"] == org_code]


def _counts(hospital: Hospital) -> dict[str, int]:
    out: dict[str, int] = {}
    for kind, count in UsageCounter.objects.filter(hospital=hospital).values_list("kind", "count"):
        out[kind] = out.get(kind, 0) + count
    return out


def _set_stage(hospital: Hospital, stage: str) -> None:
    Hospital.objects.filter(pk=hospital.pk).update(stage=stage)
    Hospital.objects.get(pk=hospital.pk).save()  # clears the credential cache (signal)


def _grant(relay, push_code, idcard: str) -> int:
    started = relay.a.start(idcard, "authcode")
    assert started.status_code == 200, started.text
    auth_id = started.json()["data"]["authorizationId"]
    verified = relay.a.verify(auth_id, code=push_code())
    assert verified.status_code == 200, verified.text
    assert verified.json()["data"]["provinceSynced"] is True
    return auth_id


def test_a_test_stage_hospital_reaches_the_test_target_and_never_the_live_counts(
    relay, test_target, push_code
):
    hospital = Hospital.objects.get(org_code=relay.a.org_code)
    _set_stage(hospital, Stage.INTEGRATING)
    assert relay.a.get("/api/v1/hospitals/me").json()["data"]["mayRelay"] is True
    idcard = resident_id(41)

    auth_id = _grant(relay, push_code, idcard)

    assert Authorization.objects.get(pk=auth_id).province_target == "test"
    # The consent is at the test target, not at the live province.
    assert len(_live_grants(test_target, relay.a.org_code)) == 1
    assert _live_grants(relay.sim, relay.a.org_code) == []

    answer = relay.a.view(idcard)
    assert answer.status_code == 200, answer.text
    url = answer.json()["data"]["viewerUrl"]
    assert url.startswith(test_target.viewer_url + "?param=")
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "健康档案" in page.text

    counts = _counts(hospital)
    assert [k for k in counts if not k.startswith("test.")] == []
    assert counts["test.auth.authcode.started"] == 1
    assert counts["test.auth.authcode.granted"] == 1
    assert counts["test.view"] == 1
    # The usage API: the live figures are empty, the joint test apart.
    usage = relay.a.get("/api/v1/usage").json()["data"]
    assert usage["totals"] == {} and usage["days"] == []
    assert usage["jointTest"]["totals"]["view"] == 1
    assert usage["jointTest"]["totals"]["auth.authcode.granted"] == 1


def test_a_failed_call_to_the_test_target_counts_apart(relay, test_target, push_code):
    hospital = Hospital.objects.get(org_code=relay.a.org_code)
    _set_stage(hospital, Stage.TEST_SUBMITTED)
    test_target.control(fail_next=[503])
    started = relay.a.start(resident_id(42), "authcode")
    verified = relay.a.verify(started.json()["data"]["authorizationId"], code=push_code())
    assert verified.status_code == 200, verified.text
    assert verified.json()["data"]["provinceSynced"] is False
    assert CallLog.objects.filter(hospital_id=hospital.pk, http_status=503).count() == 1
    counts = _counts(hospital)
    assert counts.get("test.province.failure") == 1
    assert "province.failure" not in counts


def test_after_going_live_the_test_consent_does_not_serve_a_live_view(
    relay, test_target, push_code, admin_user
):
    hospital = Hospital.objects.get(org_code=relay.a.org_code)
    _set_stage(hospital, Stage.INTEGRATING)
    idcard = resident_id(43)
    test_auth = _grant(relay, push_code, idcard)
    assert relay.a.view(idcard).status_code == 200

    hospital.refresh_from_db()
    recording = ContentFile(b"video", name="joint-test.mp4")
    for stage in (Stage.TEST_SUBMITTED, Stage.TEST_CONFIRMED, Stage.LIVE):
        hospital_advance_stage(
            hospital=hospital, to_stage=stage, actor=admin_user, evidence=recording
        )

    refused = relay.a.view(idcard)
    assert refused.status_code == 403, refused.text
    assert refused.json()["errorCode"] == "NO_CONSENT"
    # A new consent now goes to the live province, and serves.
    live_auth = _grant(relay, push_code, idcard)
    assert Authorization.objects.get(pk=live_auth).province_target == "live"
    assert len(_live_grants(relay.sim, relay.a.org_code)) == 1
    answer = relay.a.view(idcard)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["authorizationId"] == live_auth != test_auth
    assert answer.json()["data"]["viewerUrl"].startswith(relay.sim.viewer_url + "?param=")
    counts = _counts(hospital)
    assert counts["view"] == 1 and counts["test.view"] == 1


def test_no_test_target_refuses_the_stages_before_live(relay, settings):
    settings.PROVINCE_TEST_BASE_URL = ""
    hospital = Hospital.objects.get(org_code=relay.a.org_code)
    _set_stage(hospital, Stage.INTEGRATING)
    answer = relay.a.start(resident_id(44), "authcode")
    assert answer.status_code == 403
    assert answer.json()["errorCode"] == "HOSPITAL_NOT_LIVE"
    assert relay.a.get("/api/v1/hospitals/me").status_code == 200


def _production_targets(**extra) -> subprocess.CompletedProcess:
    """Start the settings with HUB_ENV=production; print both targets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "DATABASE_"))}
    env.pop("PROVINCE_TEST_BASE_URL", None)
    env.pop("PROVINCE_TEST_VIEWER_URL", None)
    env.update(
        HUB_ENV="production",
        DJANGO_SETTINGS_MODULE="hub.settings",
        SECRET_KEY="x" * 50,
        HUB_MASTER_KEY="00112233445566778899aabbccddeeff",
        HUB_DIGEST_KEY="y" * 32,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hub",
        REDIS_URL="redis://127.0.0.1:6379/1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/2",
        PROVINCE_BASE_URL="https://yyzc.gdgov.cn",
        PROVINCE_VIEWER_URL="https://viewer.example.gov.cn/gdehr/viewer",
        **extra,
    )
    code = (
        "from django.conf import settings as s; "
        "print(repr((s.PROVINCE_TEST_BASE_URL, s.PROVINCE_TEST_VIEWER_URL)))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_has_no_test_target_unless_configured_with_its_viewer():
    unset = _production_targets()
    assert unset.returncode == 0, unset.stderr
    assert unset.stdout.strip() == "('', '')"
    half = _production_targets(PROVINCE_TEST_BASE_URL="https://test.yyzc.example")
    assert half.returncode != 0 and "PROVINCE_TEST_VIEWER_URL" in half.stderr
    full = _production_targets(
        PROVINCE_TEST_BASE_URL="https://test.yyzc.example/",
        PROVINCE_TEST_VIEWER_URL="https://test-viewer.example/gdehr/viewer",
    )
    assert full.returncode == 0, full.stderr
    assert full.stdout.strip() == (
        "('https://test.yyzc.example', 'https://test-viewer.example/gdehr/viewer')"
    )
