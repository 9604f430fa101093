"""Province sync over real HTTP: the province down or hanging during a grant,
permanent refusals shown to the hospital, the retry task, the claim."""

from __future__ import annotations

from audit.models import CallLog, UsageCounter
from audit.usage import PROVINCE_FAILURE
from relay.models import Authorization, State, SyncState
from relay.sync import RETRY, SKIPPED, SYNCED, authorization_sync
from relay.tasks import sync_authorization, sync_due_authorizations
from tests.fixtures.hospitals import DEMO_A
from tests.fixtures.relay import resident_id


def _due_now(pk: int) -> None:
    """Skip the backoff wait (tests assert outcomes, not timings)."""
    Authorization.objects.filter(pk=pk).update(sync_next_at=None)


def test_province_down_during_grant_is_synced_later_by_the_retry_task(relay, sms_code):
    idcard = resident_id(11)
    auth_id = relay.a.start(idcard, "sms", phone="13700001111").json()["data"]["authorizationId"]
    relay.sim.control(fail_rate=1.0)  # every call to the province: HTTP 503

    answer = relay.a.verify(auth_id, code=sms_code())
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["state"] == "granted"
    assert data["provinceSynced"] is False and data["syncState"] == "pending"
    assert "503" in data["syncReason"]
    # Views wait for the province.
    waiting = relay.a.view(idcard)
    assert waiting.status_code == 409 and waiting.json()["errorCode"] == "CONSENT_NOT_SYNCED"

    # Still down: the task tries again and keeps the grant pending.
    _due_now(auth_id)
    sync_authorization.apply(args=[auth_id])
    auth = Authorization.objects.get(pk=auth_id)
    assert (auth.state, auth.sync_state, auth.sync_attempts) == ("granted", "pending", 2)
    assert auth.sync_next_at is not None

    # Back up: the sweeper queues it and it is synced.
    relay.sim.control(fail_rate=0.0)
    _due_now(auth_id)
    assert sync_due_authorizations.apply().get() == 1
    auth = Authorization.objects.get(pk=auth_id)
    assert auth.sync_state == SyncState.SYNCED and auth.sync_attempts == 3
    assert relay.a.detail(auth_id).json()["data"]["provinceSynced"] is True
    assert relay.a.view(idcard).status_code == 200
    # One call-log row per attempt, classified.
    outcomes = list(
        CallLog.objects.filter(authorization_id=auth_id)
        .order_by("id")
        .values_list("outcome", "attempt")
    )
    assert outcomes == [("transient", 1), ("transient", 2), ("ok", 3)]
    # The call log's rows carry what the province answered.
    first = CallLog.objects.filter(authorization_id=auth_id).order_by("id").first()
    assert (first.interface, first.http_status, first.return_code) == ("codeAuthRec/save", 503, "")
    assert first.latency_ms >= 0
    # Each failed attempt counted for the hospital, as many as the call log says.
    assert UsageCounter.objects.get(org_code=DEMO_A["org_code"], kind=PROVINCE_FAILURE).count == 2


def test_province_hanging_is_a_timeout_and_retried(relay, push_code):
    idcard = resident_id(12)
    auth_id = relay.a.start(idcard, "authcode").json()["data"]["authorizationId"]
    relay.sim.control(hang_seconds=5)  # longer than the 1 s read timeout
    data = relay.a.verify(auth_id, code=push_code()).json()["data"]
    assert data["state"] == "granted" and data["syncState"] == "pending"
    assert "timeout" in data["syncReason"]
    relay.sim.control(reset=True)
    _due_now(auth_id)
    assert authorization_sync(authorization_id=auth_id, actor="test").kind == SYNCED


def test_compatible_endpoint_reports_province_down_and_keeps_the_grant(relay):
    idcard = resident_id(13)
    relay.sim.control(fail_rate=1.0)
    answer = relay.a.compat(idcard)
    assert answer.status_code == 502
    assert answer.json()["errorCode"] == "PROVINCE_UNAVAILABLE"
    assert answer.json()["returnCode"] == "0"
    auth = Authorization.objects.get()
    assert (auth.state, auth.sync_state) == (State.GRANTED, SyncState.PENDING)

    relay.sim.control(fail_rate=0.0, hang_seconds=5)
    slow = relay.a.compat(idcard)
    assert slow.status_code == 504 and slow.json()["errorCode"] == "PROVINCE_TIMEOUT"
    relay.sim.control(reset=True)
    relay.sim.register_org(relay.b.org_code, relay.b.org_name)
    for pk in Authorization.objects.values_list("pk", flat=True):
        _due_now(pk)
    sync_due_authorizations.apply()
    assert set(Authorization.objects.values_list("sync_state", flat=True)) == {"synced"}


def test_province_refusal_is_relayed_verbatim_and_shown_on_the_authorization(relay, sms_code):
    # An org the province does not know: the province refuses (returnCode "0").
    relay.sim.control(reset=True)  # forgets org B's registration
    idcard = resident_id(14)
    answer = relay.b.compat(idcard)
    assert answer.status_code == 200
    body = answer.json()
    assert body["returnCode"] == "0" and "未登记" in body["returnDesc"]
    assert set(body) == {"returnCode", "returnDesc"}  # exactly the province's answer
    auth = Authorization.objects.get()
    assert auth.sync_state == SyncState.FAILED
    detail = relay.b.detail(auth.pk).json()["data"]
    assert detail["syncState"] == "failed" and detail["syncReason"] == body["returnDesc"]
    refused = relay.b.view(idcard)
    assert refused.status_code == 409
    assert refused.json()["errorCode"] == "CONSENT_NOT_SYNCED"
    assert body["returnDesc"] in refused.json()["returnDesc"]
    # A permanent failure is never retried.
    _due_now(auth.pk)
    assert authorization_sync(authorization_id=auth.pk, actor="test").kind == SKIPPED


def test_two_senders_never_send_the_same_row(relay, push_code):
    idcard = resident_id(15)
    auth_id = relay.a.start(idcard, "authcode").json()["data"]["authorizationId"]
    relay.sim.control(fail_rate=1.0)
    relay.a.verify(auth_id, code=push_code())
    relay.sim.control(fail_rate=0.0)
    _due_now(auth_id)
    # A worker holds the claim (its lease has not run out): a second sender backs off.
    from relay.sync import _claim

    token = _claim(auth_id, force=False)
    assert token is not None
    saves_before = relay.sim.state.snapshot()["counts"].get("save.granted", 0)
    assert authorization_sync(authorization_id=auth_id, actor="test", force=True).kind == SKIPPED
    assert relay.sim.state.snapshot()["counts"].get("save.granted", 0) == saves_before


def test_revoke_during_a_pending_grant_sends_the_revocation(relay, push_code):
    idcard = resident_id(16)
    auth_id = relay.a.start(idcard, "authcode").json()["data"]["authorizationId"]
    relay.sim.control(fail_rate=1.0)
    relay.a.verify(auth_id, code=push_code())
    revoked = relay.a.revoke(auth_id).json()["data"]
    assert revoked["state"] == "revoked" and revoked["syncState"] == "pending"
    relay.sim.control(fail_rate=0.0)
    _due_now(auth_id)
    outcome = authorization_sync(authorization_id=auth_id, actor="test")
    assert outcome.kind == SYNCED
    assert relay.sim.state.last_save["body"]["codeAuthRec"]["status"] == "0"
    assert relay.sim.state.snapshot()["live"] == 0


def test_not_due_is_skipped_and_due_is_retried(relay, push_code):
    auth_id = relay.a.start(resident_id(17), "authcode").json()["data"]["authorizationId"]
    relay.sim.control(fail_rate=1.0)
    relay.a.verify(auth_id, code=push_code())
    assert authorization_sync(authorization_id=auth_id, actor="test").kind == SKIPPED
    _due_now(auth_id)
    assert authorization_sync(authorization_id=auth_id, actor="test").kind == RETRY
