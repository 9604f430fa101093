"""Which records a signed-in phone sees: only those whose phone of record it
is. A phone a hospital sends never opens anything. THE REFUSAL: a phone never
sees another person's requests or codes, whatever ID number is typed where."""

from __future__ import annotations

import pytest
from django.test import Client

from hub.protect import digest
from identity.models import CodeChallenge, PatientPhone, PhoneSource
from identity.phones import phone_of_record
from relay.models import Authorization, State
from tests.fixtures.relay import record_phone, resident_id
from tests.patients.patient_helpers import (
    ATTACKER_PHONE,
    PATIENT_PHONE,
    grant_by_sms,
    province_account,
    sign_in,
    start,
    view,
)

VICTIM_ID = resident_id(101)
ATTACKER_ID = resident_id(202)


@pytest.fixture
def api(transactional_db, province_sim, api_a):
    province_account(province_sim)
    return api_a


def test_the_phone_of_record_signs_in_for_its_patient(api, client, sms_outbox):
    grant_by_sms(api, sms_outbox, VICTIM_ID, PATIENT_PHONE)
    sign_in(client, sms_outbox, PATIENT_PHONE)
    html = client.get("/me/").content.decode()
    assert "4401**********" + VICTIM_ID[-4:] in html
    assert VICTIM_ID not in html
    assert "测试机构名称" in html  # the live authorization


def test_a_phone_with_no_record_sees_nothing(api, client, sms_outbox):
    sign_in(client, sms_outbox, PATIENT_PHONE)
    assert "此手机号尚未关联任何档案" in client.get("/me/").content.decode()


def test_a_phone_recorded_after_sign_in_shows_on_the_next_visit(api, client, sms_outbox):
    sign_in(client, sms_outbox, PATIENT_PHONE)
    record_phone(VICTIM_ID, PATIENT_PHONE)
    assert VICTIM_ID[-4:] in client.get("/me/").content.decode()


def test_a_changed_phone_of_record_closes_the_old_phone(api, client, sms_outbox):
    """Carriers recycle numbers: when the registry gives the patient a new
    number, the old one opens nothing any more."""
    record_phone(VICTIM_ID, PATIENT_PHONE)
    pending = start(api, VICTIM_ID, "authcode")
    sign_in(client, sms_outbox, PATIENT_PHONE)
    assert client.get(f"/me/requests/{pending}/").status_code == 200
    record_phone(VICTIM_ID, "13600001234")
    assert client.get(f"/me/requests/{pending}/").status_code == 404


def test_an_sms_authorization_never_binds_the_hospitals_phone(api, client, sms_outbox):
    """Attack 1: a hospital starts an SMS authorization for a patient with a
    phone its staff holds. The code goes to the patient's phone of record,
    the answer says so (masked), and the staff phone opens nothing."""
    record_phone(VICTIM_ID, PATIENT_PHONE)
    answer = api.post_json(
        "/api/v1/authorizations",
        _start_body(api, VICTIM_ID, ATTACKER_PHONE),
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()["data"]
    assert data["phoneCheck"] == "differs"
    assert data["codeSentTo"] == "137****1111"
    assert sms_outbox[-1].phone == PATIENT_PHONE
    attacker = sign_in(Client(), sms_outbox, ATTACKER_PHONE)
    assert VICTIM_ID[-4:] not in attacker.get("/me/").content.decode()
    assert not PatientPhone.objects.filter(
        phone_digest=digest(ATTACKER_PHONE, purpose="phone")
    ).exists()


def _start_body(api, idcard: str, phone: str) -> dict:
    from tests.patients.patient_helpers import enc

    return {
        "patientIdcard": enc(idcard, api.sm4_key),
        "cardType": "01",
        "patientName": "张三",
        "method": "sms",
        "phone": enc(phone, api.sm4_key),
        "staffNo": "doc001",
    }


def test_a_phone_never_sees_another_persons_requests_or_codes(api, client, sms_outbox):
    # The victim: their own phone of record, with a hospital's request waiting.
    grant_by_sms(api, sms_outbox, VICTIM_ID, PATIENT_PHONE)
    sign_in(client, sms_outbox, PATIENT_PHONE)
    victim_request = start(api, VICTIM_ID, "authcode")
    victim_live = Authorization.objects.get(patient_digest=digest(VICTIM_ID), state="granted")
    assert view(api, VICTIM_ID).status_code == 200
    # The attacker: their own phone and ID, properly recorded...
    grant_by_sms(api, sms_outbox, ATTACKER_ID, ATTACKER_PHONE)
    # ...and the victim's ID number typed next to the attacker's phone (the
    # code goes to the victim's phone of record, never to the attacker).
    start(api, VICTIM_ID, "sms", phone=ATTACKER_PHONE)
    assert sms_outbox[-1].phone == PATIENT_PHONE
    codes_before = CodeChallenge.objects.filter(reference=f"authorization:{victim_request}").count()

    attacker = Client()
    attacker.post("/me/login/", {"phone": ATTACKER_PHONE, "idcard": VICTIM_ID})
    attacker.post("/me/login/code/", {"code": sms_outbox[-1].params["code"], "idcard": VICTIM_ID})
    assert attacker.get("/me/").status_code == 200
    victim_digest = digest(VICTIM_ID, purpose="id")
    assert phone_of_record(patient_digest=victim_digest).phone == PATIENT_PHONE

    # Nothing of the victim on any page, whatever is added to the URL.
    for path in ("/me/", "/me/requests/", "/me/authorizations/", "/me/views/", "/me/report/"):
        for query in ("", f"?idcard={VICTIM_ID}", f"?patient={victim_digest}"):
            html = attacker.get(path + query).content.decode()
            assert "**********" + VICTIM_ID[-4:] not in html, path + query
            assert VICTIM_ID not in html
            assert f"/me/requests/{victim_request}/" not in html
    # The victim's request cannot be read, agreed to or refused by number.
    assert attacker.get(f"/me/requests/{victim_request}/").status_code == 404
    agree = {"decision": "agree", "read_notice": "on", "idcard": VICTIM_ID}
    assert attacker.post(f"/me/requests/{victim_request}/", agree).status_code == 404
    refuse = {"decision": "refuse"}
    assert attacker.post(f"/me/requests/{victim_request}/", refuse).status_code == 404
    assert (
        CodeChallenge.objects.filter(reference=f"authorization:{victim_request}").count()
        == codes_before
    )
    assert Authorization.objects.get(pk=victim_request).state == State.PENDING
    # Nor can the victim's authorization be revoked.
    revoke_url = f"/me/authorizations/{victim_live.pk}/revoke/"
    assert attacker.get(revoke_url).status_code == 404
    assert attacker.post(revoke_url).status_code == 404
    assert Authorization.objects.get(pk=victim_live.pk).state == State.GRANTED
    # Nor can a problem be reported on the victim's record.
    victim_record = PatientPhone.objects.get(patient_digest=victim_digest)
    report = attacker.post(
        "/me/report/",
        {
            "patient": victim_record.pk,
            "category": "visit",
            "hospital": victim_live.hospital_id,
            "record_date": "2024-01-02",
            "description": "x",
            "idcard": VICTIM_ID,
        },
    )
    assert report.status_code == 200  # the form refuses the choice
    from complaints.models import Complaint

    assert not Complaint.objects.filter(patient_digest=victim_digest).exists()
    # The attacker's own record is there, so the pages do work for them.
    assert ATTACKER_ID[-4:] in attacker.get("/me/").content.decode()


def _face_verify(api, auth_id: int, id_photo: str, live_photo: str):
    return api.post_json(
        f"/api/v1/authorizations/{auth_id}/verify", {"idPhoto": id_photo, "livePhoto": live_photo}
    )


def test_a_passed_face_check_at_a_kiosk_records_the_phone_given_there(
    api, client, sms_outbox, face_photos
):
    auth_id = start(api, VICTIM_ID, "face", phone=PATIENT_PHONE)
    answer = _face_verify(api, auth_id, face_photos["astronaut_chip"], face_photos["astronaut"])
    assert answer.status_code == 200, answer.content
    sign_in(client, sms_outbox, PATIENT_PHONE)
    record = PatientPhone.objects.get()
    assert record.source == PhoneSource.FACE_KIOSK
    assert record.patient_digest == digest(VICTIM_ID, purpose="id")
    assert record.evidence == f"authorization:{auth_id}"
    assert VICTIM_ID[-4:] in client.get("/me/").content.decode()


def test_a_kiosk_never_replaces_a_phone_of_record(api, face_photos):
    record_phone(VICTIM_ID, PATIENT_PHONE)
    auth_id = start(api, VICTIM_ID, "face", phone=ATTACKER_PHONE)
    answer = _face_verify(api, auth_id, face_photos["astronaut_chip"], face_photos["astronaut"])
    assert answer.status_code == 200, answer.content
    assert phone_of_record(patient_digest=digest(VICTIM_ID)).phone == PATIENT_PHONE


def test_a_failed_face_check_binds_nothing(api, client, sms_outbox, face_photos):
    """Someone else's face at the kiosk with the victim's ID card and the
    attacker's phone: refused, and the attacker's phone opens nothing."""
    auth_id = start(api, VICTIM_ID, "face", phone=ATTACKER_PHONE)
    answer = _face_verify(api, auth_id, face_photos["astronaut_chip"], face_photos["grace"])
    assert answer.status_code == 403
    sign_in(client, sms_outbox, ATTACKER_PHONE)
    assert not PatientPhone.objects.exists()
    assert VICTIM_ID[-4:] not in client.get("/me/").content.decode()


def test_a_face_request_with_a_bad_phone_is_refused(api):
    from tests.patients.patient_helpers import enc

    body = {
        "patientIdcard": enc(VICTIM_ID, api.sm4_key),
        "cardType": "01",
        "patientName": "张三",
        "method": "face",
        "phone": enc("12345", api.sm4_key),
        "staffNo": "doc001",
    }
    answer = api.post_json("/api/v1/authorizations", body)
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "PHONE_INVALID"
