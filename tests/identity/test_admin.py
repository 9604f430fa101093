"""Code challenges in the back office: read-only, the phone masked, no code."""

import re

import pytest

from identity.services import sms_challenge_start
from tests.fixtures.backoffice import verified_client

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def test_challenges_show_the_phone_masked_and_never_the_code(city_admin, sms_outbox):
    challenge = sms_challenge_start(reference="authorization:1", phone=PHONE, actor="test")
    code = sms_outbox[-1].params["code"]
    client = verified_client(city_admin)
    for url in (
        "/admin/identity/codechallenge/",
        f"/admin/identity/codechallenge/{challenge.pk}/change/",
    ):
        page = client.get(url).content.decode()
        assert "138****5678" in page
        assert PHONE not in page
        # The code as a standalone token (not a piece of some longer token).
        assert not re.search(rf"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])", page)
    assert client.get("/admin/identity/codechallenge/add/").status_code == 403
