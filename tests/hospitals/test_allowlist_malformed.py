"""A malformed IP allowlist fails closed: every signed request of that
hospital, from any address, is refused with ``IP_NOT_ALLOWED``.

The validators refuse such a list on save, so the tests write it straight to
the database (``QuerySet.update`` runs no validator), as a hand-edited row or
a restored dump would, and forget the in-process credential cache the way any
other process would after ``HUB_CREDENTIAL_CACHE_SECONDS``.
"""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from hospitals.models import Hospital
from hospitals.selectors import credentials_cache_clear

ME = "/api/v1/hospitals/me"
pytestmark = pytest.mark.django_db

MALFORMED = [
    "10.0.0.300/33",
    "127.0.0.1\n10.0.0.300/33",  # a good entry naming the caller does not save a bad list
    "10.0.0.0/8, not-an-address",
    "::1/129",
]
ADDRESSES = ["127.0.0.1", "10.1.2.3", "192.168.1.5", "8.8.8.8", "::1", "2001:db8::7"]


def _store_raw(hospital, allowlist: str) -> None:
    Hospital.objects.filter(pk=hospital.pk).update(ip_allowlist=allowlist)
    credentials_cache_clear()


def _refused(response) -> None:
    assert response.status_code == 403, (
        f"expected 403 IP_NOT_ALLOWED, got {response.status_code}: {response.content[:80]!r}"
    )
    body = response.json()
    assert (body["returnCode"], body["errorCode"]) == ("0", "IP_NOT_ALLOWED")


@pytest.mark.parametrize("allowlist", MALFORMED)
def test_a_malformed_allowlist_refuses_every_address(hospital_a, api_a, allowlist, caplog):
    # Control: before the bad list the caller is let in.
    assert api_a.get(ME).status_code == 200
    _store_raw(hospital_a, allowlist)

    with caplog.at_level(logging.ERROR, logger="hospitals.auth"):
        for address in ADDRESSES:
            _refused(api_a.get(ME, REMOTE_ADDR=address))
        # Relay endpoints as well as the registry one, and POSTs as well as GETs.
        _refused(api_a.post_json("/api/v1/views", {"param": "00"}, REMOTE_ADDR="10.1.2.3"))
        # Through a trusted proxy, whatever address it forwards.
        with override_settings(TRUSTED_PROXIES=["127.0.0.1/32"]):
            for forwarded in ("10.1.2.3", "127.0.0.1"):
                _refused(api_a.get(ME, HTTP_X_FORWARDED_FOR=forwarded))
    assert "malformed ip_allowlist" in caplog.text


def test_only_the_hospital_with_the_malformed_list_is_refused(hospital_a, hospital_b, api_a, api_b):
    _store_raw(hospital_a, "10.0.0.300/33")
    _refused(api_a.get(ME))
    assert api_b.get(ME).status_code == 200


def test_repairing_the_list_lets_the_listed_addresses_in_again(hospital_a, api_a):
    _store_raw(hospital_a, "10.0.0.300/33")
    _refused(api_a.get(ME, REMOTE_ADDR="10.1.2.3"))
    _store_raw(hospital_a, "10.0.0.0/8")
    assert api_a.get(ME, REMOTE_ADDR="10.1.2.3").status_code == 200
    _refused(api_a.get(ME, REMOTE_ADDR="192.168.1.5"))
