"""A hospital that pulls learns of a patient's revocation on their own pages:
``GET /api/v1/authorizations?changedSince=``."""

from __future__ import annotations

import time
from datetime import datetime
from urllib.parse import quote

from django.utils import timezone

from patients.services import patient_authorization_revoke
from relay.models import Authorization
from tests.fixtures.relay import resident_id


def test_changed_since_lists_what_changed_oldest_first(relay):
    for n in (701, 702, 703):
        assert relay.a.compat(resident_id(n)).json()["returnCode"] == "1"
    time.sleep(0.01)
    since = timezone.localtime().isoformat()
    time.sleep(0.01)
    revoked = Authorization.objects.order_by("pk")[1]
    patient_authorization_revoke(authorization=revoked, actor="patient:test")
    answer = relay.a.get(f"/api/v1/authorizations?changedSince={quote(since)}")
    assert answer.status_code == 200, answer.text
    items = answer.json()["data"]["items"]
    assert [i["authorizationId"] for i in items] == [revoked.pk]
    assert items[0]["state"] == "revoked"
    assert datetime.fromisoformat(items[0]["updatedAt"]) > datetime.fromisoformat(since)
    # Another hospital's feed stays empty.
    other = relay.b.get(f"/api/v1/authorizations?changedSince={quote(since)}").json()
    assert other["data"]["items"] == []


def test_a_bad_changed_since_is_a_filter_error(relay):
    answer = relay.a.get("/api/v1/authorizations?changedSince=yesterday")
    assert answer.status_code == 400 and answer.json()["errorCode"] == "FILTER_INVALID"
