"""The consent records in the back office: scoped, masked, revocable by the city."""

import pytest

from relay.models import Authorization, Method, State
from tests.fixtures.backoffice import verified_client

pytestmark = pytest.mark.django_db

ID_A = "44010619900307123" + "1"


def _consent(hospital, **fields) -> Authorization:
    values = {
        "hospital": hospital,
        "method": Method.SMS,
        "state": State.PENDING,
        "patient_idcard": ID_A,
        "patient_digest": "d" * 64,
        "patient_name": "张三",
        "phone": "13800138000",
        "staff_no": "doc-1",
    }
    values.update(fields)
    return Authorization.objects.create(**values)


@pytest.fixture
def roles(db):
    from hospitals.roles import roles_sync

    roles_sync()


def test_operator_sees_only_their_hospitals_consents(roles, operator_a, hospital_a, hospital_b):
    mine = _consent(hospital_a)
    theirs = _consent(hospital_b, staff_no="doc-b")
    client = verified_client(operator_a)
    page = client.get("/admin/relay/authorization/")
    assert page.status_code == 200
    assert f"/admin/relay/authorization/{mine.pk}/change/".encode() in page.content
    assert f"/admin/relay/authorization/{theirs.pk}/change/".encode() not in page.content
    assert client.get(f"/admin/relay/authorization/{theirs.pk}/change/").status_code == 302


def test_patient_data_is_masked(roles, city_admin, hospital_a):
    consent = _consent(hospital_a)
    client = verified_client(city_admin)
    page = client.get(f"/admin/relay/authorization/{consent.pk}/change/").content.decode()
    assert ID_A not in page and "13800138000" not in page and "张三" not in page
    assert "4401**********1231" in page and "138****8000" in page


def test_city_admin_revokes_and_operator_cannot(roles, city_admin, operator_a, hospital_a):
    consent = _consent(hospital_a)
    body = {"action": "revoke_selected", "_selected_action": [consent.pk]}
    verified_client(operator_a).post("/admin/relay/authorization/", body)
    consent.refresh_from_db()
    assert consent.state == State.PENDING
    verified_client(city_admin).post("/admin/relay/authorization/", body)
    consent.refresh_from_db()
    assert consent.state == State.REVOKED
