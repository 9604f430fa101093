"""Real-name registration pages (/me/register/...) through Django's test
client, submitting the forms the pages render: the phone proven by the
sign-in code, then name, ID number and an uploaded selfie checked by the fake
backend (the embedded default) or the Tencent FaceID adapter against its stub.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hub.protect import digest
from identity.models import CodeChallenge, PatientPhone, PhoneSource
from tests.fixtures.identity import FAKE_RESIDENT
from tests.fixtures.relay import record_phone, resident_id
from tests.patients.patient_helpers import sign_in

pytestmark = pytest.mark.django_db

PHONE = "13800138123"
MASKED_ID = "4401**********0019"


def selfie(data: bytes, name: str = "selfie.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def form_data(photo: bytes | None, **override) -> dict:
    data = {
        "name": FAKE_RESIDENT["name"],
        "card_type": "01",
        "id_number": FAKE_RESIDENT["id_number"],
        "consent": "on",
        **override,
    }
    if photo is not None:
        data["selfie"] = selfie(photo)
    return data


def text(response) -> str:
    return response.content.decode()


def errors(response) -> str:
    return " ".join(re.findall(r'role="alert">(.*?)</', text(response), re.S))


def test_the_sign_in_pages_offer_registration(client, sms_outbox):
    html = text(client.get("/me/login/"))
    assert 'href="/me/register/"' in html and "实名登记" in html
    client.post("/me/login/", {"phone": PHONE})
    html = text(client.get("/me/login/code/"))
    assert 'href="/me/register/code/"' in html and "实名登记" in html


def test_a_phone_without_a_record_registers_end_to_end(
    client, sms_outbox, realname_fake, selfie_files
):
    # Signed out: the first step asks for the phone and texts a code to it.
    page = client.get("/me/register/")
    assert page.status_code == 200 and 'name="phone"' in text(page)
    answer = client.post("/me/register/", {"phone": PHONE})
    assert answer.status_code == 302 and answer["Location"] == "/me/register/code/"
    assert sms_outbox[-1].phone == PHONE
    page = client.get("/me/register/code/")
    assert "138****8123" in text(page)
    answer = client.post("/me/register/code/", {"code": sms_outbox[-1].params["code"]})
    assert answer.status_code == 302 and answer["Location"] == "/me/register/"

    # Signed in, no record: the real-name form, a camera capture field.
    html = text(client.get("/me/register/"))
    assert "本手机号尚未关联档案" in html
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input type="file" name="selfie"[^>]*capture="user"', html)
    assert 'accept="image/jpeg,image/png"' in html
    assert 'name="consent"' in html and "/static/patients/register.js" in html

    answer = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    assert answer.status_code == 302 and answer["Location"] == "/me/register/done/", errors(answer)
    done = text(client.get("/me/register/done/"))
    assert "实名登记成功" in done and MASKED_ID in done
    assert FAKE_RESIDENT["id_number"] not in done

    record = PatientPhone.objects.get(phone_digest=digest(PHONE, purpose="phone"))
    assert record.source == PhoneSource.REAL_NAME and record.evidence.startswith("realname:fake-")
    home = text(client.get("/me/"))
    assert MASKED_ID in home and "本手机号关联的档案" in home
    # The "registered" page is shown once.
    assert client.get("/me/register/done/")["Location"] == "/me/"


def test_a_phone_signed_in_on_the_login_page_is_offered_the_form(client, sms_outbox, realname_fake):
    sign_in(client, sms_outbox, PHONE)
    html = text(client.get("/me/register/"))
    assert "本手机号尚未关联档案" in html and 'name="id_number"' in html


def test_the_sign_in_code_can_be_used_on_the_registration_page(client, sms_outbox, realname_fake):
    client.post("/me/login/", {"phone": PHONE})
    answer = client.post("/me/register/code/", {"code": sms_outbox[-1].params["code"]})
    assert answer["Location"] == "/me/register/"
    assert 'name="id_number"' in text(client.get("/me/register/"))


def test_wrong_codes_lock_the_attempt_as_on_the_sign_in_page(client, sms_outbox, realname_fake):
    client.post("/me/register/", {"phone": PHONE})
    for _ in range(4):
        page = client.post("/me/register/code/", {"code": "000000"})
        assert page.status_code == 200 and "验证码错误" in errors(page)
    answer = client.post("/me/register/code/", {"code": "000000"})
    assert answer["Location"] == "/me/register/"
    assert 'name="phone"' in text(client.get("/me/register/"))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"id_number": "440106198811080018"}, "身份证号码不是有效的"),
        ({"name": "Zhang3"}, "请按身份证上的姓名填写"),
        ({"consent": ""}, "请先同意本次核验"),
        ({"card_type": "03"}, "选择一个有效的选项"),
    ],
)
def test_form_errors_are_shown_in_chinese_and_nothing_is_sent(
    client, sms_outbox, faceid_stub, selfie_files, override, message
):
    sign_in(client, sms_outbox, PHONE)
    page = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"], **override))
    assert page.status_code == 200
    assert message in errors(page)
    assert faceid_stub.requests == []
    assert not PatientPhone.objects.exists()


def test_a_missing_photo_asks_for_the_camera(client, sms_outbox, realname_fake):
    sign_in(client, sms_outbox, PHONE)
    page = client.post("/me/register/", form_data(None))
    assert "请用相机拍摄本人正脸照片" in errors(page)


def test_a_file_that_is_not_a_photo_is_refused(client, sms_outbox, realname_fake):
    sign_in(client, sms_outbox, PHONE)
    page = client.post("/me/register/", form_data(b"%PDF-1.4 not a photo"))
    assert page.status_code == 200 and "JPEG" in errors(page)


def test_mismatches_are_refused_then_the_phone_is_capped(
    client, sms_outbox, realname_fake, selfie_files
):
    sign_in(client, sms_outbox, PHONE)
    for _ in range(3):
        page = client.post("/me/register/", form_data(selfie_files["grace"]))
        assert "照片与权威库中的身份证照片不一致" in errors(page)
    page = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    assert "失败次数过多" in errors(page)
    assert not PatientPhone.objects.exists()


def test_an_unknown_person_is_refused(client, sms_outbox, realname_fake, selfie_files):
    sign_in(client, sms_outbox, PHONE)
    page = client.post(
        "/me/register/",
        form_data(selfie_files["astronaut_mirror"], id_number=resident_id(404)),
    )
    assert "姓名与身份证号码未能通过公安权威库核验" in errors(page)


def test_the_tencent_adapter_registers_through_the_page(
    client, sms_outbox, faceid_stub, selfie_files
):
    sign_in(client, sms_outbox, PHONE)
    answer = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    assert answer["Location"] == "/me/register/done/", errors(answer)
    (sent,) = faceid_stub.requests
    record = PatientPhone.objects.get()
    assert record.evidence == "realname:" + record.evidence.split(":", 1)[1]
    assert sent["params"]["IdCard"] == FAKE_RESIDENT["id_number"]


def test_provider_trouble_is_shown_and_not_counted(client, sms_outbox, faceid_stub, selfie_files):
    sign_in(client, sms_outbox, PHONE)
    for _ in range(4):
        faceid_stub.script.append({"status": 503})
        page = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
        assert "实名核验服务暂时不可用" in errors(page)
    answer = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    assert answer["Location"] == "/me/register/done/", errors(answer)


def test_an_oversized_upload_is_refused(client, sms_outbox, realname_fake, selfie_files, settings):
    sign_in(client, sms_outbox, PHONE)
    settings.FACE_MAX_IMAGE_BYTES = 20_000
    assert len(selfie_files["astronaut_mirror"]) > 20_000
    page = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    assert page.status_code == 200 and "图片过大" in errors(page)


def test_the_selfie_never_goes_to_a_temporary_file(
    client, sms_outbox, realname_fake, selfie_files, settings, monkeypatch
):
    # Django spools uploads over FILE_UPLOAD_MAX_MEMORY_SIZE to a file on disk.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024

    def refuse(*args, **kwargs):
        raise AssertionError("the selfie was written to a temporary file")

    monkeypatch.setattr("django.core.files.uploadedfile.TemporaryUploadedFile.__init__", refuse)
    sign_in(client, sms_outbox, PHONE)
    answer = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    assert answer["Location"] == "/me/register/done/", errors(answer)


def test_a_session_without_a_proven_phone_cannot_register(
    client, sms_outbox, realname_fake, selfie_files
):
    sign_in(client, sms_outbox, PHONE)
    CodeChallenge.objects.all().delete()
    page = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    assert "请重新用短信验证码登录" in errors(page)
    assert not PatientPhone.objects.exists()


def test_a_phone_with_records_lists_them_and_may_register_a_family_member(
    client, sms_outbox, realname_fake, selfie_files
):
    record_phone(resident_id(11), PHONE)
    sign_in(client, sms_outbox, PHONE)
    html = text(client.get("/me/register/"))
    assert "本手机号关联的档案" in html and "4401**********" + resident_id(11)[-4:] in html
    answer = client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    assert answer["Location"] == "/me/register/done/"
    assert PatientPhone.objects.filter(phone_digest=digest(PHONE, purpose="phone")).count() == 2


def test_the_form_is_hidden_when_no_provider_is_configured(client, sms_outbox, settings):
    settings.REALNAME_BACKEND = "identity.realname.backends.disabled.DisabledBackend"
    sign_in(client, sms_outbox, PHONE)
    html = text(client.get("/me/register/"))
    assert "本平台暂未开通实名登记" in html and 'name="selfie"' not in html


def test_csrf_is_enforced_on_the_upload(sms_outbox, realname_fake, selfie_files):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/me/login/")
    token = browser.cookies["csrftoken"].value
    browser.post("/me/login/", {"phone": PHONE, "csrfmiddlewaretoken": token})
    browser.post(
        "/me/login/code/",
        {"code": sms_outbox[-1].params["code"], "csrfmiddlewaretoken": token},
    )
    refused = browser.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    assert refused.status_code == 403
    assert not PatientPhone.objects.exists()
    answer = browser.post(
        "/me/register/",
        {**form_data(selfie_files["astronaut_mirror"]), "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 302 and answer["Location"] == "/me/register/done/"


def test_pages_keep_the_strict_headers_and_have_no_inline_script(client, sms_outbox, realname_fake):
    for path in ("/me/register/", "/me/register/code/"):
        response = client.get(path)
        assert "script-src 'self'" in response["Content-Security-Policy"]
    sign_in(client, sms_outbox, PHONE)
    response = client.get("/me/register/")
    assert response["Cache-Control"] == "no-store"
    html = text(response)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html and "onchange=" not in html


def test_the_done_page_needs_a_session(client):
    assert client.get("/me/register/done/")["Location"].startswith("/me/login/")


def test_every_attempt_through_the_page_writes_one_log_row(
    client, sms_outbox, realname_fake, selfie_files, leak_scan, caplog
):
    from audit.models import OperationLog

    sign_in(client, sms_outbox, PHONE)
    client.post("/me/register/", form_data(selfie_files["grace"]))
    client.post("/me/register/", form_data(selfie_files["astronaut_mirror"]))
    rows = OperationLog.objects.filter(action__startswith="identity.realname").order_by("id")
    assert [(r.action, r.after["outcome"]) for r in rows] == [
        ("identity.realname.failed", "mismatch"),
        ("identity.realname.registered", "registered"),
    ]
    leak_scan([FAKE_RESIDENT["id_number"], PHONE])
    # The name is too short for the scanner: look for it directly.
    assert FAKE_RESIDENT["name"] not in caplog.text
    for row in OperationLog.objects.all():
        assert FAKE_RESIDENT["name"] not in f"{row.target_repr} {row.before} {row.after}"
