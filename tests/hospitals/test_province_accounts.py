"""Province accounts: sealed, write-only, the city default and per-hospital overrides."""

import pytest

from hospitals.selectors import province_account_for
from hospitals.services import (
    hospital_set_province_account,
    province_account_rotate,
    province_account_save,
)
from hub.errors import HubError
from hub.province.client import ProvinceAccount as ClientAccount
from tests.factories import ProvinceAccountFactory
from tests.fixtures.backoffice import verified_client

pytestmark = pytest.mark.django_db

DEMO = {
    "name": "city",
    "paasid": "demo-paasid",
    "paastoken": "demo-paastoken",
    "sm4_key": "33edd0637a6cbd8e7d057fbc0944d621",
    "app_id": "ff8080818ab5cf57018b3bb2a4af0004",
    "call_sys_code": "zhspt",
}


def test_city_default_and_override(hospital_a, hospital_b, admin_user):
    province_account_save(actor=admin_user, is_city_default=True, **DEMO)
    account = province_account_for(hospital_a)
    assert isinstance(account, ClientAccount)
    assert (account.paasid, account.paastoken, account.sm4_key) == (
        "demo-paasid",
        "demo-paastoken",
        "33edd0637a6cbd8e7d057fbc0944d621",
    )
    own = ProvinceAccountFactory(paasid="b-own")
    hospital_set_province_account(actor=admin_user, hospital=hospital_b, account=own)
    hospital_b.refresh_from_db()
    assert province_account_for(hospital_b).paasid == "b-own"
    assert province_account_for(hospital_a).paasid == "demo-paasid"


def test_only_one_city_default(admin_user):
    first = province_account_save(actor=admin_user, is_city_default=True, **DEMO)
    second = province_account_save(
        actor=admin_user, is_city_default=True, **{**DEMO, "paasid": "other"}
    )
    first.refresh_from_db()
    assert not first.is_city_default and second.is_city_default


def test_no_account_is_503(hospital_a):
    with pytest.raises(HubError) as exc:
        province_account_for(hospital_a)
    assert exc.value.http_status == 503 and exc.value.code == "NO_PROVINCE_ACCOUNT"


def test_bad_key_refused(admin_user):
    with pytest.raises(HubError) as exc:
        province_account_save(actor=admin_user, **{**DEMO, "sm4_key": "xyz"})
    assert exc.value.code == "INVALID_PROVINCE_ACCOUNT"


def test_rotation_takes_effect_at_once(hospital_a, admin_user):
    account = province_account_save(actor=admin_user, is_city_default=True, **DEMO)
    province_account_for(hospital_a)  # cached
    province_account_rotate(actor=admin_user, account=account, paastoken="new-token")
    assert province_account_for(hospital_a).paastoken == "new-token"


def test_admin_never_shows_the_secrets(city_admin, admin_user):
    account = province_account_save(actor=admin_user, is_city_default=True, **DEMO)
    client = verified_client(city_admin)
    page = client.get(f"/admin/hospitals/provinceaccount/{account.pk}/change/").content.decode()
    assert "demo-paastoken" not in page and "33edd0637a6cbd8e7d057fbc0944d621" not in page
    assert "******en" in page
    # Entering a new token through the write-only field rotates it.
    response = client.post(
        f"/admin/hospitals/provinceaccount/{account.pk}/change/",
        {
            "name": "city",
            "paasid": "demo-paasid",
            "app_id": DEMO["app_id"],
            "call_sys_code": "zhspt",
            "is_city_default": "on",
            "new_paastoken": "rotated-token",
            "new_sm4_key": "",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.paastoken == "rotated-token"
    assert account.sm4_key == DEMO["sm4_key"]
