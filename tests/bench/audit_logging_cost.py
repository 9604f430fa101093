"""What the access log and the usage counters add to a relayed view: the same
request through the full middleware stack with ``AccessLogMiddleware`` on and
off, interleaved, in one process (used by ``bench_audit``)."""

from __future__ import annotations

import json
import statistics
import time


def _live_consent_param(hospital) -> str:
    """A granted, synced consent of demo hospital A and the SM4 ``param`` of a
    view of that patient: the relay's hot path, answered without the province."""
    from datetime import timedelta

    from django.utils import timezone

    from hospitals.models import ProvinceAccount
    from hub.gm import sm4_encrypt_ecb_hex
    from hub.protect import digest
    from relay.models import Authorization, Method, State, SyncState
    from tests.fixtures.hospitals import DEMO_A
    from tests.fixtures.relay import resident_id, view_param

    idcard = resident_id(7)
    if not ProvinceAccount.objects.filter(is_city_default=True).exists():
        ProvinceAccount.objects.create(
            name="city",
            paasid="demo-paasid",
            paastoken="demo-paastoken",
            sm4_key="33edd0637a6cbd8e7d057fbc0944d621",
            app_id="ff8080818ab5cf57018b3bb2a4af0004",
            call_sys_code="zhspt",
            is_city_default=True,
        )
    now = timezone.now()
    Authorization.objects.create(
        hospital=hospital,
        method=Method.APPOINTMENT,
        state=State.GRANTED,
        sync_state=SyncState.SYNCED,
        patient_idcard=idcard,
        patient_digest=digest(idcard, purpose="id"),
        patient_name="张三",
        granted_at=now,
        valid_until=now + timedelta(days=30),
        synced_at=now,
    )
    plain = view_param(org_code=DEMO_A["org_code"], idcard=idcard)
    return json.dumps({"param": sm4_encrypt_ecb_hex(DEMO_A["sm4_key"], plain)})


def middleware_cost(rounds: int = 8, per_round: int = 150) -> tuple[float, float]:
    """Median time of a relayed view (``POST /api/v1/views`` for a live
    consent) through the full stack with the access log and usage counters on
    and off (interleaved rounds, same process)."""
    from django.conf import settings
    from django.test import override_settings

    from tests.fixtures.hospitals import DEMO_A, SignedClient, make_demo_hospital

    body = _live_consent_param(make_demo_hospital(DEMO_A))
    path = "/api/v1/views"
    with_log = list(settings.MIDDLEWARE)
    without = [m for m in with_log if m != "audit.middleware.AccessLogMiddleware"]
    samples: dict[bool, list[float]] = {True: [], False: []}
    for n in range(rounds):
        for on in (True, False) if n % 2 == 0 else (False, True):
            with override_settings(
                MIDDLEWARE=with_log if on else without,
                HOSPITAL_THROTTLE_DEFAULT_RATE="off",
            ):
                signed = SignedClient(DEMO_A["paasid"], DEMO_A["paastoken"])
                signed.post_json(path, body)  # warm up this handler
                for _ in range(per_round):
                    headers = signed.headers()  # signing is not what we measure
                    started = time.perf_counter()
                    response = signed.client.post(
                        path, data=body, content_type="application/json", headers=headers
                    )
                    samples[on].append(time.perf_counter() - started)
                    assert response.status_code == 200, response.content
    return statistics.median(samples[True]), statistics.median(samples[False])
