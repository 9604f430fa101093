"""The complaint back office: queue order, isolation, actions, entry, masks."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, FeedCredential
from tests.complaints.test_services import _input
from tests.fixtures.complaints import PATIENT_ID

pytestmark = pytest.mark.django_db
LIST = "/admin/complaints/complaint/"


def _form_data(client, url) -> dict:
    """The hidden inputs a browser would post back (inline management forms)."""
    html = client.get(url).content.decode()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def _make(org_code):
    return services.complaint_submit(actor=None, source="admin", data=_input(org_code=org_code))[0]


def test_queue_puts_overdue_first_and_masks_the_id(complaints_admin_client, hospital_a):
    fresh, late = _make(hospital_a.org_code), _make(hospital_a.org_code)
    Complaint.objects.filter(pk=late.pk).update(
        acknowledge_due_at=timezone.now() - timedelta(hours=1)
    )
    page = complaints_admin_client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(str(late.public_id)[:8]) < html.index(str(fresh.public_id)[:8])
    detail = complaints_admin_client.get(f"{LIST}{late.pk}/change/").content.decode()
    assert PATIENT_ID not in detail and "4401**********1231" in detail
    overdue_only = complaints_admin_client.get(LIST, {"queue": "overdue"}).content.decode()
    assert str(late.public_id)[:8] in overdue_only and str(fresh.public_id)[:8] not in overdue_only


def test_operator_sees_only_own_hospital(complaints_operator_a_client, hospital_a, hospital_b):
    mine, theirs = _make(hospital_a.org_code), _make(hospital_b.org_code)
    html = complaints_operator_a_client.get(LIST).content.decode()
    assert str(mine.public_id)[:8] in html and str(theirs.public_id)[:8] not in html
    assert complaints_operator_a_client.get(f"{LIST}{theirs.pk}/change/").status_code in (302, 404)
    # No city-only actions for an operator.
    assert 'value="reassign"' not in html and 'value="acknowledge"' in html


def test_bulk_hold_and_acknowledge(complaints_admin_client, hospital_a):
    one, two = _make(hospital_a.org_code), _make(hospital_a.org_code)
    for action in ("hold", "acknowledge"):
        response = complaints_admin_client.post(
            LIST, {"action": action, "_selected_action": [one.pk, two.pk]}
        )
        assert response.status_code == 302
    held = Complaint.objects.filter(state="acknowledged", on_hold_since__isnull=False)
    assert held.count() == 2


def test_reassign_action_and_change_page_comment(complaints_admin_client, hospital_a, hospital_b):
    complaint = _make(hospital_a.org_code)
    page = complaints_admin_client.post(
        LIST, {"action": "reassign", "_selected_action": [complaint.pk]}
    )
    assert page.status_code == 200 and b'name="hospital"' in page.content
    done = complaints_admin_client.post(
        LIST,
        {
            "action": "reassign",
            "apply": "1",
            "_selected_action": [complaint.pk],
            "hospital": hospital_b.pk,
            "note": "data came from B",
        },
    )
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert complaint.hospital == hospital_b
    url = f"{LIST}{complaint.pk}/change/"
    data = _form_data(complaints_admin_client, url)
    data.update({"add_comment": "called the patient", "_save": "1"})
    response = complaints_admin_client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert complaint.follow_ups.filter(kind="comment", note="called the patient").exists()
    # The history is on the change page: the reassignment and the comment.
    history = complaints_admin_client.get(url).content.decode()
    assert "data came from B" in history and "called the patient" in history


def test_city_enters_a_complaint_by_hand(complaints_admin_client, hospital_a):
    response = complaints_admin_client.post(
        f"{LIST}add/",
        {
            "org_code": hospital_a.org_code,
            "entry_patient_idcard": PATIENT_ID,
            "patient_name": "张三",
            "category": "blood",
            "record_date": "2025-01-02",
            "description": "献血记录缺失",
            "reporter_name": "张三",
            "entry_reporter_phone": "13800138000",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    complaint = Complaint.objects.get()
    assert (complaint.source, complaint.hospital, complaint.state) == (
        "admin",
        hospital_a,
        "routed",
    )
    assert complaint.submitted_by_user.username == "complaints-city"


def test_feed_credential_is_issued_with_secrets_shown_once(complaints_admin_client):
    response = complaints_admin_client.post(
        "/admin/complaints/feedcredential/add/",
        {"name": "Province", "paasid": "prov-feed-2", "is_enabled": "on"},
        follow=True,
    )
    assert response.status_code == 200
    feed = FeedCredential.objects.get(paasid="prov-feed-2")
    assert feed.paastoken in response.content.decode()
    again = complaints_admin_client.get(f"/admin/complaints/feedcredential/{feed.pk}/change/")
    assert feed.paastoken not in again.content.decode()
