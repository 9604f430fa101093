"""Fixtures of the API-schema tests (tests/api).

- ``api_world``: the demo data a generated call can succeed against: the city's
  province account (the simulator's demo account), demo hospitals A and B, a
  live synced authorization of the documented demo patient at A (so the
  ``/api/v1/views`` example succeeds), a granted and a pending authorization of
  two other patients and a complaint routed to A (so generated path
  parameters sometimes name a real object).
- ``api_schema``: the schema loaded from the running app (``/api/schema/``
  through its WSGI handler), ready for schemathesis.
- ``sign_a``: ``sign_a()`` -> fresh x-tif headers of demo hospital A.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from hub.gm.xtif import signed_headers
from tests.fixtures.complaints import intake_body
from tests.fixtures.hospitals import DEMO_A, DEMO_B, make_demo_hospital
from tests.fixtures.relay import record_phone, resident_id

DEMO_PATIENT_ID = "44010619900307001X"  # the one of the schema's examples


@dataclass
class ApiWorld:
    live_id: int
    granted_id: int
    pending_id: int
    complaint_id: str


def _signed_a() -> dict[str, str]:
    headers = signed_headers(DEMO_A["paasid"], DEMO_A["paastoken"])
    headers.pop("Content-Type")
    return headers


@pytest.fixture
def sign_a():
    return _signed_a


@pytest.fixture
def api_world(transactional_db, province_sim, settings) -> ApiWorld:
    from django.test import Client

    from hospitals.models import ProvinceAccount
    from relay import services
    from relay.models import SyncState

    account = province_sim.account
    ProvinceAccount.objects.create(
        name="city",
        paasid=account.paasid,
        paastoken=account.paastoken,
        sm4_key=account.sm4_key,
        app_id=account.app_id,
        call_sys_code=account.call_sys_code,
        is_city_default=True,
    )
    hospital_a = make_demo_hospital(DEMO_A)
    make_demo_hospital(DEMO_B)
    province_sim.register_org(DEMO_B["org_code"], DEMO_B["org_name"])
    settings.PROVINCE_CONNECT_TIMEOUT = 1.0
    settings.PROVINCE_READ_TIMEOUT = 1.0
    # Results must not depend on how fast the examples run.
    settings.HOSPITAL_THROTTLE_DEFAULT_RATE = "off"

    def grant(id_number: str) -> int:
        auth, _outcome = services.authorization_grant_appointment(
            hospital=hospital_a,
            id_number=id_number,
            patient_name="张三",
            auth_days=30,
            actor=hospital_a,
        )
        auth.refresh_from_db()
        assert auth.sync_state == SyncState.SYNCED, auth.sync_reason
        return auth.pk

    # The schema's examples use the demo resident with this phone of record.
    record_phone(DEMO_PATIENT_ID, "13800138000")
    record_phone(resident_id(3), "13900139000")
    live_id = grant(DEMO_PATIENT_ID)
    granted_id = grant(resident_id(2))
    pending = services.authorization_start(
        hospital=hospital_a,
        method="sms",
        id_number=resident_id(3),
        card_type="01",
        patient_name="李四",
        staff_no="doc001",
        phone="13900139000",
        actor=hospital_a,
    )
    answer = Client().post(
        "/api/v1/complaints",
        data=json.dumps(intake_body(DEMO_A["sm4_key"])),
        content_type="application/json",
        headers=_signed_a(),
    )
    assert answer.status_code == 201, answer.content
    return ApiWorld(live_id, granted_id, pending.pk, answer.json()["data"]["id"])


@pytest.fixture
def api_schema(api_world):
    import schemathesis
    from hypothesis import strategies as st

    from hub.wsgi import application

    # The x-tif headers are added, freshly signed, at call time: negative cases
    # then go to the bodies and parameters instead of the signature.
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)
    known = {
        "id": [str(api_world.granted_id), str(api_world.pending_id)],
        "public_id": [api_world.complaint_id],
    }

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # Now and then a real object instead of a generated id (404 otherwise).
        choices = [path_parameters]
        for name, values in known.items():
            if name in (path_parameters or {}):
                choices += [{**path_parameters, name: value} for value in values]
        return st.sampled_from(choices)

    return schema
