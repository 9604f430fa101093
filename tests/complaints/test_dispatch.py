"""One outbox row at a time, in-process: claims, outcomes, the sweeper's pick."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from complaints import dispatch, services
from complaints.models import Complaint, DispatchOutbox, HospitalComplaintContact
from hospitals.models import Hospital
from tests.complaints.test_services import _input
from tests.fixtures.complaints import PATIENT_ID
from tests.fixtures.hospitals import DEMO_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(hospital_a, callback_server, settings):
    settings.COMPLAINTS_RETRY_SCHEDULE = [60, 300]
    server = callback_server({DEMO_A["paasid"]: DEMO_A["paastoken"]})
    Hospital.objects.filter(pk=hospital_a.pk).update(callback_url=server.url)
    complaint, _ = services.complaint_submit(actor=None, source="admin", data=_input())
    row = DispatchOutbox.objects.get(complaint=complaint, channel="hospital_callback")
    return complaint, row, server


def test_delivered_once_then_nothing_to_do(routed):
    complaint, row, server = routed
    assert dispatch.run(row.pk).outcome == "delivered"
    assert dispatch.run(row.pk).outcome == "done"
    complaint.refresh_from_db()
    assert complaint.state == "dispatched"
    assert len(server.requests) == 1 and server.requests[0]["signature_ok"]


def test_transient_failure_waits_for_the_schedule(routed):
    _complaint, row, server = routed
    server.status = 502
    result = dispatch.run(row.pk)
    assert (result.outcome, result.retry_in) == ("retry", 60)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "http_502")
    assert dispatch.run(row.pk).outcome == "not_due"  # an early duplicate does nothing


def test_permanent_refusal_escalates_at_once(routed):
    complaint, row, server = routed
    server.status = 400
    assert dispatch.run(row.pk).outcome == "failed"
    complaint.refresh_from_db()
    assert (complaint.state, complaint.escalation_reason) == ("escalated", "delivery_failed")
    assert len(server.requests) == 1


def test_stale_claim_is_taken_over_and_fresh_claim_is_left_alone(routed, settings):
    _complaint, row, server = routed
    DispatchOutbox.objects.filter(pk=row.pk).update(state="sending", claimed_at=timezone.now())
    busy = dispatch.run(row.pk)
    assert busy.outcome == "busy" and 0 < busy.retry_in <= settings.COMPLAINTS_CLAIM_TIMEOUT + 1
    assert dispatch.due_for_sweep() == []
    stale = timezone.now() - timedelta(seconds=settings.COMPLAINTS_CLAIM_TIMEOUT + 1)
    DispatchOutbox.objects.filter(pk=row.pk).update(claimed_at=stale)
    assert dispatch.due_for_sweep() == [row.pk]
    assert dispatch.run(row.pk).outcome == "delivered"
    assert len(server.requests) == 1


def test_sweeper_picks_rows_never_enqueued(routed, settings):
    _complaint, row, _server = routed
    assert dispatch.due_for_sweep() == []  # just written: the on-commit enqueue has it
    DispatchOutbox.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=settings.COMPLAINTS_SWEEP_AFTER + 1)
    )
    assert dispatch.due_for_sweep() == [row.pk]


def test_hospital_without_credential_is_a_permanent_failure(routed, hospital_a):
    complaint, row, _server = routed
    hospital_a.credentials.update(valid_until=timezone.now())
    assert dispatch.run(row.pk).outcome == "failed"
    row.refresh_from_db()
    assert row.last_error == "no_hub_credential"


def test_email_contact_gets_no_id_number(hospital_a):
    HospitalComplaintContact.objects.create(hospital=hospital_a, email="his@example.cn")
    complaint, _ = services.complaint_submit(actor=None, source="admin", data=_input())
    row = DispatchOutbox.objects.get(complaint=complaint, channel="hospital_email")
    assert dispatch.run(row.pk).outcome == "delivered"
    [message] = mail.outbox
    assert message.to == ["his@example.cn"]
    assert PATIENT_ID not in message.body and "4401" in message.body
    assert str(complaint.public_id) in message.body


def test_hospital_that_raised_it_hears_the_result(
    api_a, hospital_b, callback_server, django_capture_on_commit_callbacks
):
    from tests.fixtures.complaints import intake_body
    from tests.fixtures.hospitals import DEMO_B

    server = callback_server({DEMO_A["paasid"]: DEMO_A["paastoken"]})
    Hospital.objects.filter(org_code=DEMO_A["org_code"]).update(callback_url=server.url)
    body = intake_body(DEMO_A["sm4_key"], orgCode=DEMO_B["org_code"], externalRef="HIS-9")
    cid = api_a.post_json("/api/v1/complaints", body).json()["data"]["id"]
    complaint = services.complaint_acknowledge(
        actor=hospital_b, complaint=Complaint.objects.get(public_id=cid)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_resolve(actor=hospital_b, complaint=complaint, resolution="已更正")
    [request] = server.requests
    assert request["signature_ok"] and request["paasid"] == DEMO_A["paasid"]
    assert request["body"]["event"] == "complaint.resolved"
    assert request["body"]["externalRef"] == "HIS-9"
    assert request["body"]["resolution"] == "已更正"
