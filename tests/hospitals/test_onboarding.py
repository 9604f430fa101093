"""Onboarding stage moves: recorded, and refused with 409 when illegal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hospitals.models import Stage, StageChange
from hospitals.services import hospital_advance_stage
from hub.errors import HubError
from tests.factories import HospitalFactory

pytestmark = pytest.mark.django_db


def _video():
    return SimpleUploadedFile("joint-test.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")


def test_full_onboarding_path_is_recorded(admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hospital = HospitalFactory(stage=Stage.PARAMETERS_ISSUED)
    path = [
        Stage.INTEGRATING,
        Stage.TEST_SUBMITTED,
        Stage.TEST_CONFIRMED,
        Stage.LIVE,
        Stage.REPORT_SUBMITTED,
        Stage.RECEIPT_CONFIRMED,
    ]
    for stage in path:
        evidence = _video() if stage == Stage.TEST_SUBMITTED else None
        hospital_advance_stage(
            hospital=hospital,
            to_stage=stage,
            actor=admin_user,
            note=f"to {stage}",
            evidence=evidence,
        )
        assert hospital.stage == stage
    hospital.refresh_from_db()
    assert hospital.went_live_on is not None and hospital.may_relay
    changes = list(StageChange.objects.filter(hospital=hospital))
    assert [c.to_stage for c in changes] == path
    assert changes[0].from_stage == Stage.PARAMETERS_ISSUED
    assert all(c.actor == admin_user for c in changes)
    assert changes[1].evidence.name.endswith(".mp4")
    assert (tmp_path / changes[1].evidence.name).exists()


def test_skipping_stages_is_409(admin_user):
    hospital = HospitalFactory(stage=Stage.INTEGRATING)
    with pytest.raises(HubError) as exc:
        hospital_advance_stage(hospital=hospital, to_stage=Stage.LIVE, actor=admin_user)
    assert exc.value.http_status == 409
    assert exc.value.code == "STAGE_TRANSITION_NOT_ALLOWED"
    hospital.refresh_from_db()
    assert hospital.stage == Stage.INTEGRATING
    assert not StageChange.objects.filter(hospital=hospital).exists()


def test_joint_test_needs_evidence(admin_user):
    hospital = HospitalFactory(stage=Stage.INTEGRATING)
    with pytest.raises(HubError) as exc:
        hospital_advance_stage(hospital=hospital, to_stage=Stage.TEST_SUBMITTED, actor=admin_user)
    assert exc.value.code == "EVIDENCE_REQUIRED"


def test_rejected_evidence_goes_back_to_integrating(admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hospital = HospitalFactory(stage=Stage.INTEGRATING)
    hospital_advance_stage(
        hospital=hospital, to_stage=Stage.TEST_SUBMITTED, actor=admin_user, evidence=_video()
    )
    hospital_advance_stage(
        hospital=hospital, to_stage=Stage.INTEGRATING, actor=admin_user, note="video unreadable"
    )
    assert hospital.stage == Stage.INTEGRATING


def test_live_and_joint_test_stages_may_relay(settings):
    live = {Stage.LIVE, Stage.REPORT_SUBMITTED, Stage.RECEIPT_CONFIRMED}
    for stage in Stage.values:
        hospital = HospitalFactory.build(stage=stage)
        assert hospital.may_relay  # before go-live: the joint test, on the test target
        assert hospital.province_target == ("live" if stage in live else "test")
        assert not HospitalFactory.build(stage=stage, status="suspended").may_relay
    settings.PROVINCE_TEST_BASE_URL = ""  # no joint-test target: only live stages
    for stage in Stage.values:
        assert HospitalFactory.build(stage=stage).may_relay == (stage in live)
