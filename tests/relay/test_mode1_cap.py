"""Mode 1 (the hospital's system asserts the patient agreed) is capped per
hospital per day; past the cap the city refuses or holds for review."""

from __future__ import annotations

from hospitals.models import Hospital
from relay.models import Authorization, State, SyncState
from tests.fixtures.backoffice import staff_user, verified_client
from tests.fixtures.relay import resident_id


def _cap_a(relay, cap: int) -> None:
    Hospital.objects.filter(org_code=relay.a.org_code).update(mode1_daily_cap=cap)


def test_past_the_cap_mode1_is_refused(relay):
    _cap_a(relay, 2)
    for n in (601, 602):
        assert relay.a.compat(resident_id(n)).json()["returnCode"] == "1"
    third = relay.a.compat(resident_id(603))
    assert third.status_code == 429
    assert third.json()["errorCode"] == "MODE1_DAILY_CAP_REACHED"
    assert Authorization.objects.filter(hospital__org_code=relay.a.org_code).count() == 2
    assert relay.a.view(resident_id(603)).json()["errorCode"] == "NO_CONSENT"
    # Revocations are never capped, and another hospital has its own count.
    assert relay.a.compat(resident_id(601), status="0").json()["returnCode"] == "1"
    assert relay.b.compat(resident_id(603)).json()["returnCode"] == "1"


def test_past_the_cap_the_city_may_hold_for_review(relay, settings):
    settings.MODE1_OVER_CAP = "review"
    _cap_a(relay, 1)
    assert relay.a.compat(resident_id(611)).json()["returnCode"] == "1"
    held = relay.a.compat(resident_id(612))
    assert held.status_code == 202
    assert held.json()["errorCode"] == "MODE1_HELD_FOR_REVIEW"
    auth = Authorization.objects.get(held_for_review=True)
    assert auth.state == State.PENDING and auth.sync_state == SyncState.NONE
    assert relay.a.view(resident_id(612)).json()["errorCode"] == "NO_CONSENT"

    admin = staff_user("city-officer", "City administrator")
    changelist = "/admin/relay/authorization/"
    page = verified_client(admin).get(changelist + "?held_for_review__exact=1")
    assert f"/admin/relay/authorization/{auth.pk}/change/" in page.content.decode()
    verified_client(admin).post(
        changelist, {"action": "approve_held", "_selected_action": [auth.pk]}
    )
    auth.refresh_from_db()
    assert auth.state == State.GRANTED and not auth.held_for_review
    assert auth.sync_state == SyncState.SYNCED
    assert relay.a.view(resident_id(612)).status_code == 200


def test_a_held_consent_can_be_refused(relay, settings):
    settings.MODE1_OVER_CAP = "review"
    _cap_a(relay, 0)
    assert relay.a.compat(resident_id(621)).status_code == 202
    auth = Authorization.objects.get()
    admin = staff_user("city-officer", "City administrator")
    verified_client(admin).post(
        "/admin/relay/authorization/", {"action": "refuse_held", "_selected_action": [auth.pk]}
    )
    auth.refresh_from_db()
    assert auth.state == State.REFUSED
