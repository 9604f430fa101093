"""The province gateway answering 408 (Request Timeout) or 429 (Too Many
Requests) means "come back later": the relay keeps the grant pending and
retries it (call-log rows ``transient``, then ``ok``). A 400 is final: never
sent again. Over real HTTP against the simulator (``fail_next``)."""

from __future__ import annotations

from audit.models import CallLog
from relay.models import Authorization, SyncState
from relay.sync import due_for_sync
from relay.tasks import sync_authorization, sync_due_authorizations
from tests.fixtures.hospitals import DEMO_A
from tests.fixtures.relay import resident_id


def _due_now(pk: int) -> None:
    """Skip the backoff wait (the test asserts outcomes, not timings)."""
    Authorization.objects.filter(pk=pk).update(sync_next_at=None)


def _calls(auth_id: int) -> list[tuple]:
    return list(
        CallLog.objects.filter(authorization_id=auth_id)
        .order_by("id")
        .values_list("outcome", "attempt", "http_status")
    )


def test_province_408_then_429_are_retried_until_synced(relay, push_code):
    idcard = resident_id(531)
    auth_id = relay.a.start(idcard, "authcode").json()["data"]["authorizationId"]
    relay.sim.control(fail_next=[408, 429])

    answer = relay.a.verify(auth_id, code=push_code())
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["state"] == "granted"
    assert (data["provinceSynced"], data["syncState"]) == (False, "pending")
    assert "408" in data["syncReason"]

    _due_now(auth_id)
    assert sync_authorization.apply(args=[auth_id]).get() == "retry"  # the 429
    auth = Authorization.objects.get(pk=auth_id)
    assert (auth.sync_state, auth.sync_attempts) == (SyncState.PENDING, 2)
    assert auth.sync_next_at is not None and "429" in auth.sync_reason

    _due_now(auth_id)
    assert sync_authorization.apply(args=[auth_id]).get() == "synced"
    auth = Authorization.objects.get(pk=auth_id)
    assert (auth.sync_state, auth.sync_attempts) == (SyncState.SYNCED, 3)

    assert _calls(auth_id) == [("transient", 1, 408), ("transient", 2, 429), ("ok", 3, 200)]
    assert relay.sim.state.live_grant(DEMO_A["org_code"], idcard) is not None
    assert relay.a.view(idcard).status_code == 200


def test_province_400_is_final_and_never_sent_again(relay, push_code):
    idcard = resident_id(532)
    auth_id = relay.a.start(idcard, "authcode").json()["data"]["authorizationId"]
    relay.sim.control(fail_next=[400])

    data = relay.a.verify(auth_id, code=push_code()).json()["data"]
    assert data["state"] == "granted"
    assert (data["provinceSynced"], data["syncState"]) == (False, "failed")

    # Nothing is due, and the task asked directly does not send it again.
    _due_now(auth_id)
    assert auth_id not in due_for_sync()
    assert sync_due_authorizations.apply().get() == 0
    assert sync_authorization.apply(args=[auth_id]).get() == "skipped"

    assert _calls(auth_id) == [("refused", 1, 400)]
    assert Authorization.objects.get(pk=auth_id).sync_state == SyncState.FAILED
    assert relay.sim.state.counts["save.injected_4xx"] == 1
    assert "save.granted" not in relay.sim.state.counts
