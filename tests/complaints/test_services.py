"""Services behind the API: hold, reassign, escalation, auto-close, figures."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from complaints import services
from complaints.figures import complaint_figures
from complaints.intake import ComplaintInput
from complaints.models import Complaint, DispatchOutbox, HospitalComplaintContact
from hub.errors import HubError
from tests.fixtures.complaints import PATIENT_ID

pytestmark = pytest.mark.django_db


def _input(org_code="455404482", **overrides) -> ComplaintInput:
    values = {
        "org_code": org_code,
        "patient_idcard": PATIENT_ID,
        "patient_name": "张三",
        "category": "visit",
        "record_date": timezone.localdate() - timedelta(days=3),
        "description": "门诊记录重复。",
        "reporter_phone": "13800138000",
    }
    values.update(overrides)
    return ComplaintInput(**values)


@pytest.fixture
def complaint(hospital_a):
    complaint, created = services.complaint_submit(actor=None, source="admin", data=_input())
    assert created
    return complaint


def test_patient_source_is_found_by_its_digest(hospital_a):
    from complaints.selectors import complaints_of_patient
    from hub.protect import digest

    made, _ = services.complaint_submit(
        actor="patient:abc", source="patient", data=_input(patient_idcard=PATIENT_ID.lower())
    )
    assert list(complaints_of_patient(digest(PATIENT_ID, purpose="id"))) == [made]
    assert made.source == "patient" and made.state == "routed"


def test_hold_pauses_the_clock_and_release_moves_the_deadlines(complaint):
    before = (complaint.acknowledge_due_at, complaint.resolve_due_at)
    held = services.complaint_hold(actor=None, complaint=complaint, note="waiting for patient")
    assert held.on_hold_since is not None
    with pytest.raises(HubError) as info:
        services.complaint_hold(actor=None, complaint=complaint)
    assert info.value.code == "HOLD_STATE_CONFLICT"
    # Pretend the hold began three days ago.
    Complaint.objects.filter(pk=complaint.pk).update(
        on_hold_since=timezone.now() - timedelta(days=3)
    )
    released = services.complaint_release(actor=None, complaint=complaint)
    assert released.on_hold_since is None
    assert released.paused_seconds >= 3 * 86400 - 5
    assert released.acknowledge_due_at > before[0] and released.resolve_due_at > before[1]
    kinds = list(released.follow_ups.values_list("kind", flat=True))
    assert kinds[-2:] == ["hold", "release"]


def test_overdue_escalation_skips_held_and_mails_the_city(
    complaint, hospital_a, settings, django_capture_on_commit_callbacks
):
    settings.COMPLAINTS_CITY_EMAILS = ["supervisor@example.gov.cn"]
    other, _ = services.complaint_submit(actor=None, source="admin", data=_input())
    past = timezone.now() - timedelta(minutes=5)
    Complaint.objects.update(acknowledge_due_at=past)
    services.complaint_hold(actor=None, complaint=other)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.complaints_escalate_overdue() == 1
    complaint.refresh_from_db()
    other.refresh_from_db()
    assert (complaint.state, complaint.ack_breached) == ("escalated", True)
    assert other.state == "routed"
    assert mail.outbox[0].to == ["supervisor@example.gov.cn"]
    assert str(complaint.public_id) in mail.outbox[0].body
    # Already escalated: nothing more to do.
    assert services.complaints_escalate_overdue() == 0


def test_reassign_moves_to_another_hospital_and_cancels_old_deliveries(
    complaint, hospital_a, hospital_b
):
    DispatchOutbox.objects.create(
        complaint=complaint, channel="hospital_email", hospital=hospital_a
    )
    HospitalComplaintContact.objects.create(hospital=hospital_b, email="b@example.cn")
    moved = services.complaint_reassign(actor=None, complaint=complaint, hospital=hospital_b)
    assert (moved.state, moved.hospital) == ("routed", hospital_b)
    states = dict(DispatchOutbox.objects.values_list("hospital__org_code", "state"))
    assert states == {hospital_a.org_code: "cancelled", hospital_b.org_code: "pending"}
    to_triage = services.complaint_reassign(actor=None, complaint=complaint, hospital=None)
    assert (to_triage.hospital, to_triage.triage_reason) == (None, "manual")


def test_reassign_to_a_suspended_hospital_is_refused(complaint, hospital_b):
    hospital_b.status = "suspended"
    hospital_b.save()
    with pytest.raises(HubError) as info:
        services.complaint_reassign(actor=None, complaint=complaint, hospital=hospital_b)
    assert info.value.code == "HOSPITAL_NOT_ROUTABLE"


def test_reopen_gives_new_deadlines_and_auto_close_closes_old_resolutions(complaint, settings):
    services.complaint_resolve(actor=None, complaint=complaint, resolution="fixed")
    reopened = services.complaint_reopen(actor=None, complaint=complaint, note="still wrong")
    assert reopened.state == "reopened" and reopened.resolved_at is None
    services.complaint_resolve(actor=None, complaint=complaint, resolution="fixed again")
    settings.COMPLAINTS_AUTO_CLOSE_DAYS = 7
    assert services.complaints_auto_close() == 0
    Complaint.objects.update(resolved_at=timezone.now() - timedelta(days=8))
    assert services.complaints_auto_close() == 1
    complaint.refresh_from_db()
    assert complaint.state == "closed"


def test_illegal_move_from_a_service_is_409(complaint):
    services.complaint_resolve(actor=None, complaint=complaint, resolution="done")
    with pytest.raises(HubError) as info:
        services.complaint_escalate(actor=None, complaint=complaint, reason="manual")
    assert (info.value.http_status, info.value.extra) == (409, {"state": "resolved"})


def test_figures_per_hospital(hospital_a, hospital_b):
    now = timezone.now()
    made = [
        services.complaint_submit(actor=None, source="admin", data=_input())[0] for _ in range(3)
    ]
    services.complaint_submit(actor=None, source="admin", data=_input(org_code=hospital_b.org_code))
    services.complaint_resolve(actor=None, complaint=made[0], resolution="ok")
    Complaint.objects.filter(pk=made[0].pk).update(
        resolved_at=made[0].received_at + timedelta(hours=4)
    )
    services.complaint_resolve(actor=None, complaint=made[1], resolution="late")
    Complaint.objects.filter(pk=made[1].pk).update(
        resolve_breached=True, resolved_at=made[1].received_at + timedelta(hours=300)
    )
    Complaint.objects.filter(pk=made[2].pk).update(acknowledge_due_at=now - timedelta(hours=1))
    figures = complaint_figures(now - timedelta(days=1), now + timedelta(days=1))
    assert figures[hospital_a.pk] == {
        "received": 3,
        "on_time": 1,
        "overdue": 2,
        "median_hours": 152.0,
    }
    assert figures[hospital_b.pk] == {"received": 1, "on_time": 0, "overdue": 0}
    # The city-wide row the report's totals use: counts summed, one median over all.
    assert figures[None] == {"received": 4, "on_time": 1, "overdue": 2, "median_hours": 152.0}


def test_figures_are_registered_with_the_monthly_report():
    from django.apps import apps

    from audit.figures import providers, unregister_figures_provider

    unregister_figures_provider("complaints")  # another test may have replaced ours
    apps.get_app_config("complaints").ready()
    [entry] = [p for p in providers() if p.name == "complaints"]
    assert entry.provider is complaint_figures
    assert set(entry.labels) == {"received", "on_time", "overdue", "median_hours"}
