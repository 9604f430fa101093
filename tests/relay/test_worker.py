"""A real Celery worker on Redis retries a grant the province refused while
down, with backoff, until the province takes it (no eager mode, no manual
task call)."""

from __future__ import annotations

import pytest

from audit.models import CallLog
from relay.models import Authorization, SyncState
from tests.fixtures.complaints import wait_until
from tests.fixtures.relay import resident_id


@pytest.mark.worker
def test_real_worker_retries_the_sync_until_the_province_is_back(
    relay, celery_worker, push_code, settings
):
    # Short backoff here (the request thread queues the first retry) and in the worker.
    settings.AUTHORIZATION_SYNC_RETRY_BASE_SECONDS = 0.3
    settings.AUTHORIZATION_SYNC_RETRY_MAX_SECONDS = 1.0
    celery_worker(
        AUTHORIZATION_SYNC_RETRY_BASE_SECONDS="0.3",
        AUTHORIZATION_SYNC_RETRY_MAX_SECONDS="1",
        PROVINCE_BASE_URL=relay.sim.url,
        PROVINCE_CONNECT_TIMEOUT="1",
        PROVINCE_READ_TIMEOUT="1",
    )
    relay.sim.control(fail_rate=1.0)
    idcard = resident_id(95)
    auth_id = relay.a.start(idcard, "authcode").json()["data"]["authorizationId"]
    verified = relay.a.verify(auth_id, code=push_code())
    data = verified.json()["data"]
    assert data["state"] == "granted" and data["syncState"] == "pending"
    request_id = verified.headers["X-Request-ID"]

    # The worker keeps trying while the province is down...
    assert wait_until(lambda: Authorization.objects.get(pk=auth_id).sync_attempts >= 3, 20)
    assert Authorization.objects.get(pk=auth_id).sync_state == SyncState.PENDING
    # ...and delivers once it is back.
    relay.sim.control(fail_rate=0.0)
    assert wait_until(
        lambda: Authorization.objects.get(pk=auth_id).sync_state == SyncState.SYNCED, 20
    )
    outcomes = list(
        CallLog.objects.filter(authorization_id=auth_id)
        .order_by("id")
        .values_list("outcome", flat=True)
    )
    assert outcomes[-1] == "ok" and set(outcomes[:-1]) == {"transient"}
    # Rows the worker wrote on its retries carry the id of the request that
    # queued them, as the worker's log lines do.
    worker_rows = CallLog.objects.filter(authorization_id=auth_id)
    assert set(worker_rows.values_list("request_id", flat=True)) == {request_id}
    assert relay.a.view(idcard).status_code == 200
