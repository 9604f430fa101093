"""Dispatch with a REAL Celery worker on Redis (not eager).

Each test starts ``celery -A hub worker`` subprocesses on Redis db 11 against
the test database, submits through the signed API in this process (whose
Celery app points at the same broker), and watches a local callback server.
"""

import pytest

from complaints.models import Complaint, ComplaintFollowUp, DispatchOutbox
from complaints.tasks import check_deadlines
from hospitals.models import Hospital
from hub.gm import sm4_decrypt_ecb_hex
from tests.fixtures.complaints import (
    FEED,
    PATIENT_ID,
    WORKER_BROKER_URL,
    intake_body,
    point_broker,
    wait_until,
)
from tests.fixtures.hospitals import DEMO_A

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
URL = "/api/v1/complaints"


def _tokens():
    return {DEMO_A["paasid"]: DEMO_A["paastoken"], FEED["paasid"]: FEED["paastoken"]}


def _with_callback(hospital, server):
    Hospital.objects.filter(pk=hospital.pk).update(callback_url=server.url)


def _submit(api_feed, **overrides) -> Complaint:
    response = api_feed.post_json(URL, intake_body(FEED["sm4_key"], **overrides))
    assert response.status_code in (200, 201), response.content
    return Complaint.objects.get(public_id=response.json()["data"]["id"])


def _state(complaint) -> str:
    complaint.refresh_from_db()
    return complaint.state


def test_complaint_delivered_with_a_valid_signature_and_a_duplicate_feed_item_is_one(
    celery_worker, callback_server, hospital_a, api_feed
):
    server = callback_server(_tokens())
    _with_callback(hospital_a, server)
    celery_worker()
    complaint = _submit(api_feed, externalRef="GD-0042")
    again = _submit(api_feed, externalRef="GD-0042")  # the feed sends the same item twice
    assert again.pk == complaint.pk and Complaint.objects.count() == 1
    assert wait_until(lambda: _state(complaint) == "dispatched")
    [request] = server.requests
    assert request["signature_ok"] and request["paasid"] == DEMO_A["paasid"]
    row = DispatchOutbox.objects.get(complaint=complaint)
    assert request["key"] == str(row.key)
    body = request["body"]
    assert body["id"] == str(complaint.public_id) and body["state"] == "routed"
    assert sm4_decrypt_ecb_hex(DEMO_A["sm4_key"], body["patientIdcard"]) == PATIENT_ID
    assert (row.state, row.attempts) == ("delivered", 1)


def test_callback_down_is_retried_then_escalated(
    celery_worker, callback_server, hospital_a, api_feed, settings
):
    server = callback_server(_tokens(), status=503)
    _with_callback(hospital_a, server)
    celery_worker()
    complaint = _submit(api_feed)
    assert wait_until(lambda: _state(complaint) == "escalated")
    attempts = 1 + len(settings.COMPLAINTS_RETRY_SCHEDULE)
    assert len(server.requests) == attempts
    assert len({r["key"] for r in server.requests}) == 1  # one message, retried
    row = DispatchOutbox.objects.get(complaint=complaint)
    assert (row.state, row.attempts, row.last_error) == ("failed", attempts, "http_503")
    assert complaint.escalation_reason == "delivery_failed"


def test_worker_killed_mid_delivery_delivers_once_after_restart(
    celery_worker, callback_server, hospital_a, api_feed
):
    server = callback_server(_tokens(), hold_first=True)
    _with_callback(hospital_a, server)
    first = celery_worker()
    complaint = _submit(api_feed)
    assert server.first_seen.wait(20)  # the worker is inside the POST
    first.kill()
    server.release.set()  # answers into a dead socket
    assert DispatchOutbox.objects.get(complaint=complaint).state == "sending"
    celery_worker()  # the unacknowledged message comes back to the new worker
    assert wait_until(lambda: _state(complaint) == "dispatched", timeout=30)
    assert len(server.requests) == 2
    assert len(server.effective) == 1  # one effective delivery: same Idempotency-Key
    row = DispatchOutbox.objects.get(complaint=complaint)
    assert (row.state, row.attempts) == ("delivered", 2)
    assert ComplaintFollowUp.objects.filter(complaint=complaint, to_state="dispatched").count() == 1


def test_broker_down_at_submit_is_delivered_by_the_sweeper(
    celery_worker, callback_server, hospital_a, api_feed
):
    server = callback_server(_tokens())
    _with_callback(hospital_a, server)
    celery_worker(beat=True)
    point_broker("redis://127.0.0.1:1/11")  # nothing listens on port 1
    complaint = _submit(api_feed)  # answered even though nothing was enqueued
    assert DispatchOutbox.objects.get(complaint=complaint).state == "pending"
    point_broker(WORKER_BROKER_URL)
    assert wait_until(lambda: _state(complaint) == "dispatched", timeout=30)
    assert len(server.effective) == 1


def test_other_hospital_cannot_see_or_act_and_resolution_reaches_the_feed(
    celery_worker, callback_server, hospital_a, api_a, api_b, api_feed
):
    server = callback_server(_tokens())
    celery_worker()
    complaint = _submit(api_feed, callbackUrl=server.url, externalRef="GD-7")
    cid = complaint.public_id
    assert api_b.get(f"{URL}/{cid}").status_code == 404
    assert api_b.post_json(f"{URL}/{cid}/resolve", {"resolution": "x"}).status_code == 404
    assert api_b.get(URL).json()["data"]["total"] == 0
    assert api_a.post_json(f"{URL}/{cid}/resolve", {"resolution": "已更正"}).status_code == 200
    assert server.wait_for(1), list(
        DispatchOutbox.objects.values_list("id", "channel", "state", "attempts", "last_error")
    )
    [request] = server.requests
    assert request["signature_ok"] and request["paasid"] == FEED["paasid"]
    assert request["body"]["externalRef"] == "GD-7"
    assert request["body"]["resolution"] == "已更正"


def test_overdue_complaint_is_escalated_and_the_city_told(
    celery_worker, hospital_a, api_feed, settings
):
    from datetime import timedelta

    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    group, _ = Group.objects.get_or_create(name=settings.COMPLAINTS_CITY_GROUP)
    User.objects.create_user("city", email="city@example.gov.cn").groups.add(group)
    worker = celery_worker()
    complaint = _submit(api_feed)
    Complaint.objects.filter(pk=complaint.pk).update(
        acknowledge_due_at=timezone.now() - timedelta(minutes=1)
    )
    check_deadlines.delay()
    assert wait_until(lambda: _state(complaint) == "escalated")
    assert complaint.escalation_reason == "acknowledge_overdue" and complaint.ack_breached
    mail_dir = celery_worker.tmp_path / "mail"
    assert wait_until(lambda: mail_dir.exists() and any(mail_dir.iterdir()))
    text = "".join(p.read_text() for p in mail_dir.iterdir())
    assert "city@example.gov.cn" in text and str(complaint.public_id) in text
    assert worker.proc.poll() is None
