"""The per-hospital "where consent is taken" override, set in the back office
the way a city administrator does it (the change page's own form), and
obeyed by the viewer entry's decision."""

from __future__ import annotations

from audit.models import OperationLog
from hospitals.models import Hospital
from relay.view_consent import consent_at_for
from tests.fixtures.backoffice import verified_client
from tests.hospitals.test_systems_admin import _forms


def test_the_city_admin_sets_a_hospitals_consent_at_province(city_admin, hospital_a, settings):
    settings.CONSENT_AT = "hub"
    client = verified_client(city_admin)
    url = f"/admin/hospitals/hospital/{hospital_a.pk}/change/"
    page = client.get(url)
    html = page.content.decode()
    assert "省平台调阅页面（省平台授权方式二、三）" in html  # the choice, in Chinese
    main = next(f for f in _forms(page) if "consent_at" in f["fields"])
    assert main["fields"]["consent_at"] == ""  # the city's setting
    assert consent_at_for(hospital_a) == "hub"

    response = client.post(url, {**main["fields"], "consent_at": "province", "_save": "Save"})
    assert response.status_code == 302, response.context and response.context["errors"]

    hospital = Hospital.objects.get(pk=hospital_a.pk)
    assert hospital.consent_at == "province" and consent_at_for(hospital) == "province"
    row = OperationLog.objects.filter(action="hospital.update").latest("id")
    assert row.after["consent_at"] == "province"
