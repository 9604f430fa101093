"""Hub credentials: issued once, stored sealed, rotated with an overlap window."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hospitals.models import HubCredential
from hospitals.selectors import credentials_cache_clear, credentials_for_paasid
from hospitals.services import hub_credential_issue, hub_credential_revoke, hub_credential_rotate
from tests.fixtures.hospitals import SignedClient

pytestmark = pytest.mark.django_db
ME = "/api/v1/hospitals/me"


def _shift_clock(monkeypatch, delta):
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + delta)


def test_secrets_are_stored_sealed(hospital_a):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT paastoken, sm4_key FROM hospitals_hubcredential WHERE paasid = %s", ["hosp-a"]
        )
        token_blob, key_blob = cursor.fetchone()
    assert b"hosp-a-token" not in bytes(token_blob)
    assert b"0123456789abcdef" not in bytes(key_blob)
    cred = HubCredential.objects.get(paasid="hosp-a")
    assert cred.paastoken == "hosp-a-token"
    assert cred.paastoken_masked == "******en"


def test_issue_generates_distinct_secrets(hospital_b, admin_user):
    issued = hub_credential_issue(actor=admin_user, hospital=hospital_b)
    assert issued.paasid.startswith("455404483-")
    assert len(issued.sm4_key) == 32 and len(issued.paastoken) >= 24
    client = SignedClient(issued.paasid, issued.paastoken)
    assert client.get(ME).json()["data"]["orgCode"] == "455404483"


def test_rotation_keeps_old_pair_during_overlap_then_refuses_it(
    hospital_a, api_a, admin_user, monkeypatch
):
    issued = hub_credential_rotate(
        actor=admin_user, hospital=hospital_a, overlap=timedelta(hours=24)
    )
    new = SignedClient(issued.paasid, issued.paastoken)
    # Both pairs work inside the window; each maps to its own SM4 key.
    assert api_a.get(ME).status_code == 200
    assert new.get(ME).status_code == 200
    old_cred = HubCredential.objects.get(paasid="hosp-a")
    assert old_cred.valid_until == issued.previous_valid_until
    # The window ends: the old pair is refused at once, even from the cache.
    _shift_clock(monkeypatch, timedelta(hours=24, seconds=1))
    response = api_a.get(ME)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "CREDENTIAL_RETIRED"
    assert new.get(ME).status_code == 200


def test_request_auth_carries_the_matching_key(hospital_a, admin_user):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from hospitals.auth import XTifAuthentication
    from hub.gm.xtif import signed_headers

    issued = hub_credential_rotate(actor=admin_user, hospital=hospital_a)
    for paasid, token, key in [
        ("hosp-a", "hosp-a-token", "0123456789abcdeffedcba9876543210"),
        (issued.paasid, issued.paastoken, issued.sm4_key),
    ]:
        headers = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in signed_headers(paasid, token).items()
        }
        request = Request(APIRequestFactory().get(ME, **headers))
        hospital, cred = XTifAuthentication().authenticate(request)
        assert hospital.pk == hospital_a.pk
        assert cred.paasid == paasid and cred.sm4_key == key
        assert request._request.hub_hospital == hospital


def test_second_rotation_shortens_nothing_and_keeps_one_current(hospital_a, admin_user):
    first = hub_credential_rotate(actor=admin_user, hospital=hospital_a)
    second = hub_credential_rotate(actor=admin_user, hospital=hospital_a)
    current = HubCredential.objects.filter(hospital=hospital_a, valid_until__isnull=True)
    assert list(current.values_list("paasid", flat=True)) == [second.paasid]
    assert HubCredential.objects.get(paasid=first.paasid).valid_until is not None


def test_revoke_stops_a_pair_now(hospital_a, api_a, admin_user):
    cred = HubCredential.objects.get(paasid="hosp-a")
    hub_credential_revoke(actor=admin_user, credential=cred, note="leaked")
    assert api_a.get(ME).json()["errorCode"] == "CREDENTIAL_RETIRED"


def test_credentials_lookup_is_cached(hospital_a, django_assert_num_queries):
    credentials_cache_clear()
    with django_assert_num_queries(1):
        credentials_for_paasid("hosp-a")
    with django_assert_num_queries(0):
        assert credentials_for_paasid("hosp-a").hospital_id == hospital_a.pk


def test_signed_request_costs_at_most_one_query_for_auth(api_a):
    credentials_cache_clear()
    with CaptureQueriesContext(connection) as queries:
        assert api_a.get(ME).status_code == 200
    ours = [q["sql"] for q in queries.captured_queries if "hospitals_" in q["sql"]]
    assert len(ours) == 1, ours  # cold: credentials and hospital in one query
    with CaptureQueriesContext(connection) as queries:
        assert api_a.get(ME).status_code == 200
    assert not [q for q in queries.captured_queries if "hospitals_" in q["sql"]]


def test_cached_hospital_is_not_shared_with_views(api_a, hospital_a):
    from hospitals.selectors import credentials_for_paasid

    api_a.get(ME)
    first = credentials_for_paasid("hosp-a").hospital_copy()
    first.org_name = "changed by a view"
    assert credentials_for_paasid("hosp-a").hospital_copy().org_name == "测试机构名称"


def test_rotation_writes_an_operation_log_row_without_secrets(hospital_a, admin_user):
    from audit.models import OperationLog

    issued = hub_credential_rotate(actor=admin_user, hospital=hospital_a)
    row = OperationLog.objects.filter(action="hub_credential.rotate").get()
    text = f"{row.before} {row.after} {row.target_repr}"
    assert issued.paasid in text
    assert issued.paastoken not in text and issued.sm4_key not in text
    assert row.actor_repr == admin_user.get_username()
