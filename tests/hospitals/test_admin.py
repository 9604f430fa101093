"""The back office: two-factor login, roles, operator isolation, masks, hosts."""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from hospitals.admin_scope import scope_queryset
from hospitals.models import Hospital, HubCredential, IntegratedSystem, Stage
from tests.fixtures.backoffice import verified_client

pytestmark = pytest.mark.django_db


def test_admin_refuses_a_session_without_a_verified_otp_device(city_admin):
    client = Client()
    client.force_login(city_admin)  # password step only
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    # Even a superuser without a device gets no further.
    city_admin.is_superuser = True
    city_admin.save()
    assert client.get("/admin/hospitals/hospital/").status_code == 302


def test_login_form_asks_for_the_otp_token():
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert b"otp_token" in response.content


def test_password_alone_does_not_log_in(city_admin):
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "city-admin", "password": "pw-123456789", "otp_token": "000000"},
    )
    assert response.status_code == 200  # the form again, with an error
    assert client.get("/admin/").status_code == 302


def test_totp_login_works(city_admin):
    """A person's first try: GET the page, fill what it shows, post it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.hospitals.test_admin_login import code_of, login_form, visible

    device = TOTPDevice.objects.create(user=city_admin, name="phone", confirmed=True)
    client = Client(enforce_csrf_checks=True)
    action, fields = login_form(client, "/admin/login/?next=/admin/")
    # Every field the page renders: the hidden ones as they are, the visible
    # ones filled the way a person would.
    assert visible(fields) == ["username", "password", "otp_token"]
    data = {f["name"]: f.get("value", "") for f in fields if f["type"] == "hidden"}
    data.update(username="city-admin", password="pw-123456789", otp_token=code_of(device))
    response = client.post(action, data)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_verified_city_admin_sees_every_hospital(city_admin, hospital_a, hospital_b):
    client = verified_client(city_admin)
    response = client.get("/admin/hospitals/hospital/")
    assert response.status_code == 200
    assert b"455404482" in response.content and b"455404483" in response.content


def test_operator_sees_only_their_hospital(operator_a, hospital_a, hospital_b):
    client = verified_client(operator_a)
    response = client.get("/admin/hospitals/hospital/")
    assert response.status_code == 200
    assert b"455404482" in response.content
    assert b"455404483" not in response.content
    # B's page is out of reach, by URL too.
    other = client.get(f"/admin/hospitals/hospital/{hospital_b.pk}/change/")
    assert other.status_code == 302 and "/admin/" in other["Location"]
    assert client.get(f"/admin/hospitals/hospital/{hospital_b.pk}/report.xlsx").status_code == 404
    # Credentials and province accounts are not theirs to see.
    assert client.get("/admin/hospitals/hubcredential/").status_code == 403
    assert client.get("/admin/hospitals/provinceaccount/").status_code == 403
    assert client.get(f"/admin/hospitals/hospital/{hospital_a.pk}/credentials/").status_code == 403


def test_operator_cannot_change_their_hospital(operator_a, hospital_a):
    client = verified_client(operator_a)
    url = f"/admin/hospitals/hospital/{hospital_a.pk}/change/"
    assert client.get(url).status_code == 200
    client.post(url, {"org_name": "hijacked"})
    hospital_a.refresh_from_db()
    assert hospital_a.org_name == "测试机构名称"


def test_scope_queryset_for_other_apps(operator_a, hospital_a, hospital_b, rf):
    IntegratedSystem.objects.create(hospital=hospital_a, name="HIS-A")
    IntegratedSystem.objects.create(hospital=hospital_b, name="HIS-B")
    request = rf.get("/admin/")
    request.user = operator_a
    names = scope_queryset(request, IntegratedSystem.objects.all()).values_list("name", flat=True)
    assert sorted(names) == ["HIS", "HIS-A"]  # the demo fixture's system, and this one
    assert list(scope_queryset(request, Hospital.objects.all(), "pk")) == [hospital_a]


def test_auditor_is_read_only(city_auditor, hospital_a):
    client = verified_client(city_auditor)
    assert client.get("/admin/hospitals/hospital/").status_code == 200
    assert client.get("/admin/hospitals/hospital/add/").status_code == 403
    assert client.get(f"/admin/hospitals/hospital/{hospital_a.pk}/stage/").status_code == 403
    # Logs, usage, reports, consents, complaints: readable, not changeable.
    for page in (
        "/admin/audit/accesslog/",
        "/admin/audit/calllog/",
        "/admin/audit/operationlog/",
        "/admin/audit/monthlyreport/",
        "/admin/relay/authorization/",
        "/admin/complaints/complaint/",
    ):
        assert client.get(page).status_code == 200, page
    assert client.get("/admin/complaints/complaint/add/").status_code == 403
    # Credentials are the city administrators' alone.
    assert client.get("/admin/hospitals/hubcredential/").status_code == 403
    assert client.get("/admin/hospitals/provinceaccount/").status_code == 403


def test_phone_and_secrets_are_masked(city_admin, hospital_a):
    hospital_a.contact_phone = "13912345678"
    hospital_a.save()
    client = verified_client(city_admin)
    page = client.get(f"/admin/hospitals/hospital/{hospital_a.pk}/change/").content.decode()
    assert "139****5678" in page and "13912345678" not in page
    listing = client.get("/admin/hospitals/hubcredential/").content.decode()
    assert "hosp-a" in listing and "hosp-a-token" not in listing
    assert "0123456789abcdeffedcba9876543210" not in listing


def test_rotation_page_shows_new_secrets_once(city_admin, hospital_a):
    client = verified_client(city_admin)
    url = f"/admin/hospitals/hospital/{hospital_a.pk}/credentials/"
    response = client.post(url)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    token = re.search(r'id="issued-paastoken">([^<]+)<', page).group(1)
    paasid = re.search(r'id="issued-paasid">([^<]+)<', page).group(1)
    assert HubCredential.objects.get(paasid=paasid).paastoken == token
    assert token not in client.get(url).content.decode()


def test_stage_form_moves_and_refuses(city_admin, hospital_a):
    hospital_a.stage = Stage.TEST_CONFIRMED
    hospital_a.save()
    client = verified_client(city_admin)
    url = f"/admin/hospitals/hospital/{hospital_a.pk}/stage/"
    response = client.post(url, {"to_stage": Stage.LIVE, "note": "ok"})
    assert response.status_code == 302
    hospital_a.refresh_from_db()
    assert hospital_a.stage == Stage.LIVE
    response = client.post(url, {"to_stage": Stage.INTEGRATING})
    assert response.status_code == 200  # not an allowed choice from live
    hospital_a.refresh_from_db()
    assert hospital_a.stage == Stage.LIVE


def test_add_hospital_through_admin_validates_uscc(city_admin):
    client = verified_client(city_admin)
    data = {
        "org_code": "123456789",
        "org_name": "新医院",
        "uscc": "91350100M000100Y44",
        "level": "primary",
        "systems-TOTAL_FORMS": "0",
        "systems-INITIAL_FORMS": "0",
        "stage_changes-TOTAL_FORMS": "0",
        "stage_changes-INITIAL_FORMS": "0",
    }
    response = client.post("/admin/hospitals/hospital/add/", data)
    assert (
        response.status_code == 200 and not Hospital.objects.filter(org_code="123456789").exists()
    )
    data["uscc"] = "91350100M000100Y43"
    data["new_contact_phone"] = "13800001111"
    response = client.post("/admin/hospitals/hospital/add/", data)
    assert response.status_code == 302, response.content[:2000]
    created = Hospital.objects.get(org_code="123456789")
    assert created.contact_phone == "13800001111"
    assert created.stage == Stage.PARAMETERS_ISSUED


@override_settings(ADMIN_HOSTS=["admin.hub.test"])
def test_admin_only_on_admin_hosts(city_admin):
    client = verified_client(city_admin)
    assert client.get("/admin/", HTTP_HOST="api.hub.test").status_code == 404
    assert client.get("/admin/login/", HTTP_HOST="api.hub.test").status_code == 404
    assert client.get("/admin/", HTTP_HOST="admin.hub.test").status_code == 200
    assert client.get("/admin/", HTTP_HOST="admin.hub.test:8443").status_code == 200


def test_admin_index_reverses(city_admin):
    assert reverse("admin:index") == "/admin/"
