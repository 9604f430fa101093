"""The relay's rules without a live server: the transition table, ID check
digits, the param parser, backoff, face not installed, expiry batches."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.errors import HubError
from hub.protect import digest
from relay.models import TRANSITIONS, Authorization, State, transition_allowed
from relay.sync import backoff_seconds
from relay.validation import (
    parse_param,
    resident_id_check_char,
    validate_id_number,
)
from tests.fixtures.relay import resident_id, view_param


def test_transition_table_is_the_only_source_of_legal_moves():
    assert set(TRANSITIONS) == {
        ("pending", "granted"),
        ("pending", "locked"),
        ("pending", "refused"),
        ("pending", "revoked"),
        ("pending", "expired"),
        ("granted", "revoked"),
        ("granted", "expired"),
    }
    for final in ("revoked", "expired", "refused", "locked"):
        for target in State.values:
            assert not transition_allowed(final, target)
    assert not transition_allowed("granted", "pending")
    assert not transition_allowed("granted", "granted")


def test_resident_id_check_character_spec_vectors():
    assert resident_id_check_char("11010519491231002") == "X"
    assert resident_id_check_char("44010619900307123") == "1"
    assert validate_id_number("11010519491231002x", "01") == "11010519491231002X"
    with pytest.raises(HubError) as bad:
        validate_id_number("110105194912310021", "01")
    assert bad.value.code == "ID_CHECK_DIGIT_INVALID"
    with pytest.raises(HubError) as short:
        validate_id_number("1101051949", "01")
    assert short.value.code == "ID_NUMBER_INVALID"
    # Other documents: opaque text (the seed's sample ID is not a valid resident ID).
    assert validate_id_number(" 64212419560933091T ", "99") == "64212419560933091T"


def test_param_accepts_raw_and_percent_encoded_values():
    idcard = resident_id(90)
    raw = view_param(org_code="455404482", idcard=idcard, staff_name="李 医生")
    encoded = view_param(org_code="455404482", idcard=idcard, staff_name="%E6%9D%8E%26%E5%8C%BB")
    assert parse_param(raw)["staffName"] == "李 医生"
    assert parse_param(encoded)["staffName"] == "李&医"
    assert parse_param(raw)["idcard"] == idcard


def test_backoff_doubles_and_is_capped(settings):
    settings.AUTHORIZATION_SYNC_RETRY_BASE_SECONDS = 10
    settings.AUTHORIZATION_SYNC_RETRY_MAX_SECONDS = 100
    first, second, third = (backoff_seconds(n) for n in (1, 2, 3))
    assert 9 <= first <= 11 and 18 <= second <= 22 and 36 <= third <= 44
    assert backoff_seconds(30) <= 110


def test_face_method_answers_not_available_when_face_checks_are_missing(api_a, monkeypatch):
    monkeypatch.setitem(sys.modules, "identity.face", None)  # import fails
    body = {
        "patientIdcard": "",
        "cardType": "01",
        "patientName": "张三",
        "method": "face",
        "staffNo": "doc001",
    }
    from hub.gm import sm4_encrypt_ecb_hex

    body["patientIdcard"] = sm4_encrypt_ecb_hex(api_a.sm4_key, resident_id(91))
    answer = api_a.post_json("/api/v1/authorizations", body)
    assert answer.status_code == 503
    assert answer.json()["errorCode"] == "FACE_NOT_AVAILABLE"
    assert Authorization.objects.count() == 0


def _row(hospital, **fields) -> Authorization:
    values = {
        "hospital": hospital,
        "method": "appointment",
        "patient_idcard": "E1234567",
        "patient_digest": digest("E1234567"),
        "patient_name": "张三",
    }
    values.update(fields)
    return Authorization.objects.create(**values)


def test_expire_due_marks_old_grants_and_stale_requests_only(hospital_a):
    from relay.services import authorization_expire_due

    now = timezone.now()
    old = _row(hospital_a, state="granted", granted_at=now, valid_until=now - timedelta(seconds=1))
    live = _row(hospital_a, state="granted", granted_at=now, valid_until=now + timedelta(days=1))
    stale = _row(hospital_a, state="pending", method="sms")
    Authorization.objects.filter(pk=stale.pk).update(created_at=now - timedelta(hours=25))
    fresh = _row(hospital_a, state="pending", method="sms")
    assert authorization_expire_due(actor="test", batch=1) == 2
    states = dict(Authorization.objects.values_list("pk", "state"))
    assert states == {
        old.pk: "expired",
        live.pk: "granted",
        stale.pk: "expired",
        fresh.pk: "pending",
    }
    assert authorization_expire_due(actor="test") == 0


def test_sealed_columns_hold_no_plaintext(hospital_a):
    from django.db import connection

    idcard = resident_id(92)
    auth = _row(
        hospital_a, patient_idcard=idcard, patient_digest=digest(idcard), phone="13800138000"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT patient_idcard, patient_name, phone FROM relay_authorization WHERE id = %s",
            [auth.pk],
        )
        blobs = [bytes(v) for v in cursor.fetchone()]
    for blob in blobs:
        assert idcard.encode() not in blob and b"13800138000" not in blob
        assert "张三".encode() not in blob
    reloaded = Authorization.objects.get(pk=auth.pk)
    assert reloaded.patient_idcard == idcard and reloaded.phone == "13800138000"
