"""Which records a signed-in phone sees: only those a trusted path bound to
it. THE REFUSAL: a phone never sees another person's requests or codes,
whatever ID number is typed wherever."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import OperationLog
from hub.protect import digest
from identity.models import CodeChallenge
from patients.models import BindingSource, PatientBinding
from relay.models import Authorization, State
from tests.fixtures.relay import resident_id
from tests.patients.patient_helpers import (
    ATTACKER_PHONE,
    PATIENT_PHONE,
    bind_by_sms,
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


def test_a_verified_sms_authorization_binds_the_phone(api, client, sms_outbox):
    auth_id = bind_by_sms(api, sms_outbox, VICTIM_ID, PATIENT_PHONE)
    sign_in(client, sms_outbox, PATIENT_PHONE)
    binding = PatientBinding.objects.get()
    assert binding.phone_digest == digest(PATIENT_PHONE, purpose="phone")
    assert binding.patient_digest == digest(VICTIM_ID, purpose="id")
    assert binding.source == BindingSource.SMS_AUTHORIZATION
    assert binding.evidence == f"authorization:{auth_id}"
    bound = OperationLog.objects.get(action="patients.bound")
    assert bound.actor_type == "patient" and bound.actor_id == binding.phone_digest
    html = client.get("/me/").content.decode()
    assert "4401**********" + VICTIM_ID[-4:] in html
    assert VICTIM_ID not in html
    assert "测试机构名称" in html  # the live authorization


def test_an_unverified_sms_request_binds_nothing(api, client, sms_outbox):
    start(api, VICTIM_ID, "sms", phone=PATIENT_PHONE)  # code never entered
    sign_in(client, sms_outbox, PATIENT_PHONE)
    assert not PatientBinding.objects.exists()
    assert "此手机号尚未关联任何档案" in client.get("/me/").content.decode()


def test_a_binding_made_after_sign_in_shows_on_the_next_visit(api, client, sms_outbox):
    sign_in(client, sms_outbox, PATIENT_PHONE)
    assert not PatientBinding.objects.exists()
    bind_by_sms(api, sms_outbox, VICTIM_ID, PATIENT_PHONE)
    assert VICTIM_ID[-4:] in client.get("/me/").content.decode()


def test_an_old_binding_stops_counting(api, client, sms_outbox, settings):
    """Carriers recycle numbers: a binding not confirmed within
    PATIENT_BINDING_MAX_AGE_DAYS no longer opens anything."""
    bind_by_sms(api, sms_outbox, VICTIM_ID, PATIENT_PHONE)
    pending = start(api, VICTIM_ID, "authcode")
    sign_in(client, sms_outbox, PATIENT_PHONE)
    assert client.get(f"/me/requests/{pending}/").status_code == 200
    settings.PATIENT_BINDING_MAX_AGE_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    PatientBinding.objects.update(confirmed_at=old)
    Authorization.objects.filter(method="sms").update(granted_at=old)
    assert client.get(f"/me/requests/{pending}/").status_code == 404


def test_a_phone_never_sees_another_persons_requests_or_codes(api, client, sms_outbox):
    # The victim: bound to their own phone, with a hospital's request waiting.
    bind_by_sms(api, sms_outbox, VICTIM_ID, PATIENT_PHONE)
    sign_in(client, sms_outbox, PATIENT_PHONE)
    victim_request = start(api, VICTIM_ID, "authcode")
    victim_live = Authorization.objects.get(patient_digest=digest(VICTIM_ID), state="granted")
    assert view(api, VICTIM_ID).status_code == 200
    # The attacker: their own phone and ID, properly bound...
    bind_by_sms(api, sms_outbox, ATTACKER_ID, ATTACKER_PHONE)
    # ...and the victim's ID number typed next to the attacker's phone (an SMS
    # request the doctor never verified: the code went to the attacker).
    start(api, VICTIM_ID, "sms", phone=ATTACKER_PHONE)
    codes_before = CodeChallenge.objects.filter(reference=f"authorization:{victim_request}").count()

    attacker = Client()
    attacker.post("/me/login/", {"phone": ATTACKER_PHONE, "idcard": VICTIM_ID})
    attacker.post("/me/login/code/", {"code": sms_outbox[-1].params["code"], "idcard": VICTIM_ID})
    assert attacker.get("/me/").status_code == 200
    victim_digest = digest(VICTIM_ID, purpose="id")
    assert not PatientBinding.objects.filter(
        phone_digest=digest(ATTACKER_PHONE, purpose="phone"), patient_digest=victim_digest
    ).exists()

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
    victim_binding = PatientBinding.objects.get(patient_digest=victim_digest)
    report = attacker.post(
        "/me/report/",
        {
            "patient": victim_binding.pk,
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


def test_a_passed_face_check_at_a_kiosk_binds_the_phone_given_there(
    api, client, sms_outbox, face_photos
):
    auth_id = start(api, VICTIM_ID, "face", phone=PATIENT_PHONE)
    answer = _face_verify(api, auth_id, face_photos["astronaut_chip"], face_photos["astronaut"])
    assert answer.status_code == 200, answer.content
    sign_in(client, sms_outbox, PATIENT_PHONE)
    binding = PatientBinding.objects.get()
    assert binding.source == BindingSource.FACE_KIOSK
    assert binding.patient_digest == digest(VICTIM_ID, purpose="id")
    assert binding.evidence == f"authorization:{auth_id}"
    assert VICTIM_ID[-4:] in client.get("/me/").content.decode()


def test_a_failed_face_check_binds_nothing(api, client, sms_outbox, face_photos):
    """Someone else's face at the kiosk with the victim's ID card and the
    attacker's phone: refused, and the attacker's phone opens nothing."""
    auth_id = start(api, VICTIM_ID, "face", phone=ATTACKER_PHONE)
    answer = _face_verify(api, auth_id, face_photos["astronaut_chip"], face_photos["grace"])
    assert answer.status_code == 403
    sign_in(client, sms_outbox, ATTACKER_PHONE)
    assert not PatientBinding.objects.exists()
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
