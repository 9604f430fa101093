"""Real-name registration's service and its provider adapters.

The Tencent Cloud FaceID ``ImageRecognition`` adapter runs over real HTTP
against the stub in tests/fixtures/identity.py (``faceid_stub``), which checks
the TC3-HMAC-SHA256 signature and answers in the documented shape; the fake
backend (the embedded default) compares with the local dlib model. Checked:
a match records the phone of record (source ``real_name``, evidence
``realname:<RequestId>``), a mismatch or an unknown person is refused and
counted, provider trouble is a clear refusal that is not counted, malformed
answers are refused, the daily caps hold, every attempt writes one
operation-log row with its outcome only, and no name, ID number or photo
reaches a log.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import subprocess
import sys
from base64 import b64decode
from pathlib import Path

import pytest
from django.core.cache import cache
from PIL import Image

from audit.models import OperationLog
from hub.protect import digest
from identity.errors import IdentityCode
from identity.face import FaceCode
from identity.models import PatientPhone, PhoneSource
from identity.realname.errors import RealNameError
from identity.realname.services import phone_failures, realname_register
from tests.fixtures.identity import FACEID_SECRET_KEY, FAKE_RESIDENT, FAKE_RESIDENT_B
from tests.fixtures.relay import resident_id

pytestmark = pytest.mark.django_db

PHONE = "13600136000"
OTHER_PHONE = "13600136001"
ACTOR = "patient:test"
ROOT = Path(__file__).resolve().parents[2]


def register(selfie: bytes, *, phone=PHONE, resident=FAKE_RESIDENT, **override):
    values = {
        "phone": phone,
        "name": resident["name"],
        "id_number": resident["id_number"],
        "card_type": "01",
        "selfie": selfie,
        "actor": ACTOR,
        **override,
    }
    return realname_register(**values)


def refusal(selfie: bytes, **kwargs) -> Exception:
    with pytest.raises((RealNameError, Exception)) as caught:
        register(selfie, **kwargs)
    return caught.value


def attempts(phone: str = PHONE) -> list[tuple[str, str]]:
    rows = OperationLog.objects.filter(
        target_type="phone", target_id=digest(phone, purpose="phone")
    ).order_by("id")
    return [(row.action, row.after["outcome"]) for row in rows]


# --- Tencent FaceID adapter against the stub ------------------------------------------


def test_a_match_records_the_phone_of_record_with_the_request_id(faceid_stub, selfie_files):
    registration = register(selfie_files["astronaut_mirror"])

    row = PatientPhone.objects.get(patient_digest=digest(FAKE_RESIDENT["id_number"]))
    assert row.phone == PHONE and row.source == PhoneSource.REAL_NAME
    assert len(faceid_stub.requests) == 1
    assert row.evidence.startswith("realname:") and len(row.evidence) > len("realname:") + 8
    assert registration.change == "taken"
    assert registration.masked_id == "4401**********0019"
    assert registration.request_id == row.evidence.removeprefix("realname:")
    assert attempts() == [("identity.realname.registered", "registered")]
    log = OperationLog.objects.get(action="identity.realname.registered")
    assert log.after == {"outcome": "registered", "backend": "tencent-faceid", "record": "taken"}
    assert log.actor_repr == ACTOR
    assert OperationLog.objects.filter(action="patient_phone.taken").count() == 1


def test_the_request_is_signed_and_carries_the_documented_fields(faceid_stub, selfie_files):
    register(selfie_files["astronaut_mirror"])
    (sent,) = faceid_stub.requests
    headers, params = sent["headers"], sent["params"]
    assert headers["X-TC-Action"] == "ImageRecognition"
    assert headers["X-TC-Version"] == "2018-03-01"
    assert "X-TC-Region" not in headers  # the API takes none
    assert headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKID")
    assert (
        "/faceid/tc3_request, SignedHeaders=content-type;host, Signature="
        in headers["Authorization"]
    )
    assert set(params) == {"IdCard", "Name", "ImageBase64"}
    assert params["IdCard"] == FAKE_RESIDENT["id_number"]
    assert params["Name"] == FAKE_RESIDENT["name"]
    assert "张演示".encode() in sent["body"]  # UTF-8, as the API asks


def test_a_wrong_signature_is_refused_by_the_stub_and_is_a_provider_failure(
    faceid_stub, selfie_files, settings
):
    settings.REALNAME_TENCENT_SECRET_KEY = FACEID_SECRET_KEY[:-1] + "x"
    error = refusal(selfie_files["astronaut_mirror"])
    assert error.code == IdentityCode.REALNAME_PROVIDER_FAILED
    assert error.http_status == 502 and error.transient is False
    assert not PatientPhone.objects.exists()
    assert attempts() == [("identity.realname.refused", "provider_failed")]
    assert phone_failures(digest(PHONE, purpose="phone")) == []


def test_the_v2_action_is_sent_when_configured(faceid_stub, selfie_files, settings):
    settings.REALNAME_TENCENT_ACTION = "ImageRecognitionV2"
    register(selfie_files["astronaut_mirror"])
    assert faceid_stub.requests[0]["headers"]["X-TC-Action"] == "ImageRecognitionV2"


def test_the_selfie_is_sent_as_a_small_jpeg_without_its_exif(faceid_stub, face_images):
    big = face_images["astronaut_large"]  # 1400 x 1400
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (23.0, 7.0, 30.0)}  # GPSInfo: latitude
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=92, exif=exif)
    assert b"PhoneMaker" in buffer.getvalue()

    register(buffer.getvalue())
    sent = b64decode(faceid_stub.requests[0]["params"]["ImageBase64"])
    assert sent.startswith(b"\xff\xd8\xff")
    assert b"PhoneMaker" not in sent and b"Exif" not in sent
    with Image.open(io.BytesIO(sent)) as image:
        assert max(image.size) == 1024
        assert not image.getexif()


def test_a_different_face_is_a_counted_mismatch(faceid_stub, selfie_files):
    error = refusal(selfie_files["grace"])
    assert error.code == IdentityCode.REALNAME_MISMATCH and error.http_status == 403
    assert "不一致" in error.message or "不符" in error.message
    assert not PatientPhone.objects.exists()
    assert attempts() == [("identity.realname.failed", "mismatch")]
    assert len(phone_failures(digest(PHONE, purpose="phone"))) == 1


@pytest.mark.parametrize(
    "override",
    [
        {"id_number": resident_id(777), "name": "张演示"},  # not in the records
        {"name": "王冒名"},  # a known number under another name
    ],
)
def test_an_unknown_person_is_a_counted_no_record(faceid_stub, selfie_files, override):
    error = refusal(selfie_files["astronaut_mirror"], **override)
    assert error.code == IdentityCode.REALNAME_NO_RECORD and error.http_status == 403
    assert attempts() == [("identity.realname.failed", "no_record")]


def test_success_below_the_hubs_own_threshold_is_a_mismatch(faceid_stub, selfie_files):
    faceid_stub.script.append({"answer": {"Result": "Success", "Description": "成功", "Sim": 75.5}})
    error = refusal(selfie_files["astronaut_mirror"])
    assert error.code == IdentityCode.REALNAME_MISMATCH
    assert attempts() == [("identity.realname.failed", "mismatch")]


def test_result_zero_is_accepted_as_success(faceid_stub, selfie_files):
    faceid_stub.script.append({"answer": {"Result": "0", "Description": "成功", "Sim": 91.2}})
    registration = register(selfie_files["astronaut_mirror"])
    assert registration.change == "taken"


def test_a_photo_of_a_photo_is_counted_as_not_live(faceid_stub, selfie_files):
    faceid_stub.script.append({"answer": {"Result": "FailedOperation.LifePhotoDetectFake"}})
    error = refusal(selfie_files["astronaut_mirror"])
    assert error.code == IdentityCode.REALNAME_NOT_LIVE
    assert attempts() == [("identity.realname.failed", "not_live")]


def test_a_selfie_without_a_face_is_refused_and_not_counted(faceid_stub, selfie_files):
    error = refusal(selfie_files["coffee"])
    assert error.code == FaceCode.FACE_NOT_FOUND and error.http_status == 400
    assert not error.message.startswith(("selfie", "livePhoto"))
    assert attempts() == [("identity.realname.refused", "photo_refused")]
    assert phone_failures(digest(PHONE, purpose="phone")) == []


@pytest.mark.parametrize(
    ("script", "code"),
    [
        ({"status": 500}, IdentityCode.REALNAME_PROVIDER_UNAVAILABLE),
        ({"status": 502}, IdentityCode.REALNAME_PROVIDER_UNAVAILABLE),
        ({"status": 503}, IdentityCode.REALNAME_PROVIDER_UNAVAILABLE),
        ({"status": 429}, IdentityCode.REALNAME_PROVIDER_UNAVAILABLE),
        ({"error": "InternalError"}, IdentityCode.REALNAME_PROVIDER_UNAVAILABLE),
        ({"error": "RequestLimitExceeded"}, IdentityCode.REALNAME_PROVIDER_UNAVAILABLE),
        (
            {"error": "FailedOperation.CompareSystemError"},
            IdentityCode.REALNAME_PROVIDER_UNAVAILABLE,
        ),
        (
            {"error": "FailedOperation.IdPhotoSystemNoanswer"},
            IdentityCode.REALNAME_PROVIDER_UNAVAILABLE,
        ),
        ({"status": 404}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"error": "UnauthorizedOperation.Arrears"}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"error": "UnauthorizedOperation.Nonactivated"}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"error": "InvalidParameterValue"}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"error": "FailedOperation.SomethingNew"}, IdentityCode.REALNAME_PROVIDER_FAILED),
    ],
)
def test_provider_trouble_is_a_clear_refusal_that_is_not_counted(
    faceid_stub, selfie_files, script, code
):
    faceid_stub.script.append(script)
    error = refusal(selfie_files["astronaut_mirror"])
    assert error.code == code
    transient = code == IdentityCode.REALNAME_PROVIDER_UNAVAILABLE
    assert error.transient is transient
    assert error.http_status == (503 if transient else 502)
    assert "不计入" in error.message  # "this attempt was not counted"
    outcome = "provider_unavailable" if transient else "provider_failed"
    assert attempts() == [("identity.realname.refused", outcome)]
    assert not PatientPhone.objects.exists()


@pytest.mark.parametrize(
    ("script", "code"),
    [
        # A 200 that is not the API's JSON (a proxy's page): transient.
        ({"raw": b"<html>maintenance</html>"}, IdentityCode.REALNAME_PROVIDER_UNAVAILABLE),
        ({"raw": b'{"Response": "busy"}'}, IdentityCode.REALNAME_PROVIDER_UNAVAILABLE),
        ({"raw": b'{"Result": "Success"}'}, IdentityCode.REALNAME_PROVIDER_UNAVAILABLE),
        # The API's JSON, but not what the documentation promises: permanent.
        ({"answer": {"Description": "成功", "Sim": 90}}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"answer": {"Result": 0, "Sim": 90}}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"answer": {"Result": "Success"}}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"answer": {"Result": "Success", "Sim": "high"}}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"answer": {"Result": "Success", "Sim": 180}}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"answer": {"Result": "Success", "Sim": True}}, IdentityCode.REALNAME_PROVIDER_FAILED),
        ({"answer": {"Result": "-9", "Sim": 90}}, IdentityCode.REALNAME_PROVIDER_FAILED),
    ],
)
def test_malformed_answers_never_register(faceid_stub, selfie_files, script, code):
    faceid_stub.script.append(script)
    error = refusal(selfie_files["astronaut_mirror"])
    assert error.code == code
    assert not PatientPhone.objects.exists()
    assert phone_failures(digest(PHONE, purpose="phone")) == []


def test_a_slow_provider_times_out_as_transient(faceid_stub, selfie_files, settings):
    settings.REALNAME_TENCENT_TIMEOUT = 0.3
    faceid_stub.script.append({"delay": 1.0})
    assert refusal(selfie_files["astronaut_mirror"]).code == (
        IdentityCode.REALNAME_PROVIDER_UNAVAILABLE
    )


def test_an_unreachable_provider_is_transient(faceid_stub, selfie_files, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.REALNAME_TENCENT_URL = f"http://127.0.0.1:{port}"
    assert refusal(selfie_files["astronaut_mirror"]).code == (
        IdentityCode.REALNAME_PROVIDER_UNAVAILABLE
    )


def test_missing_credentials_fail_without_calling_the_provider(faceid_stub, selfie_files, settings):
    settings.REALNAME_TENCENT_SECRET_ID = ""
    assert refusal(selfie_files["astronaut_mirror"]).code == IdentityCode.REALNAME_PROVIDER_FAILED
    assert faceid_stub.requests == []


# --- Counting and caps ----------------------------------------------------------------


def test_three_failures_a_day_then_refused_until_the_window_passes(
    faceid_stub, selfie_files, clock
):
    for _ in range(3):
        assert refusal(selfie_files["grace"]).code == IdentityCode.REALNAME_MISMATCH
        clock.advance(minutes=10)
    sent = len(faceid_stub.requests)

    error = refusal(selfie_files["astronaut_mirror"])
    assert error.code == IdentityCode.REALNAME_LIMIT and error.http_status == 429
    # The oldest failure leaves the window 24 h after it: 23 h 30 min from now.
    assert int(error.headers["Retry-After"]) == 24 * 3600 - 30 * 60
    assert len(faceid_stub.requests) == sent  # the provider was not asked
    assert attempts()[-1] == ("identity.realname.refused", "limited")

    # Another phone is not affected.
    register(selfie_files["astronaut_mirror"], phone=OTHER_PHONE)
    PatientPhone.objects.all().delete()

    clock.advance(hours=23, minutes=31)
    registration = register(selfie_files["astronaut_mirror"])
    assert registration.change == "taken"


def test_an_id_number_is_capped_across_phones(faceid_stub, selfie_files, settings):
    settings.REALNAME_ID_DAILY_FAILURES_MAX = 2
    for n in range(2):
        phone = f"1370000000{n}"
        assert refusal(selfie_files["grace"], phone=phone).code == IdentityCode.REALNAME_MISMATCH
    error = refusal(selfie_files["astronaut_mirror"], phone="13700000009")
    assert error.code == IdentityCode.REALNAME_LIMIT
    # Another person's number is not affected.
    register(selfie_files["grace"], phone="13700000009", resident=FAKE_RESIDENT_B)


def test_one_attempt_per_phone_at_a_time(faceid_stub, selfie_files):
    cache.add(f"realname-busy:{digest(PHONE, purpose='phone')}", 1, timeout=60)
    error = refusal(selfie_files["astronaut_mirror"])
    assert error.code == IdentityCode.REALNAME_BUSY and error.http_status == 409
    assert faceid_stub.requests == []
    assert attempts() == [("identity.realname.refused", "busy")]


def test_the_lock_is_released_after_a_failure(faceid_stub, selfie_files):
    refusal(selfie_files["grace"])
    assert cache.get(f"realname-busy:{digest(PHONE, purpose='phone')}") is None


# --- Input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"id_number": "440106198811080018"}, IdentityCode.REALNAME_ID_INVALID),  # check char
        ({"id_number": "44010619881108001"}, IdentityCode.REALNAME_ID_INVALID),
        ({"card_type": "03"}, IdentityCode.REALNAME_CARD_TYPE_UNSUPPORTED),
        ({"name": "张3"}, IdentityCode.REALNAME_NAME_INVALID),
        ({"name": "张"}, IdentityCode.REALNAME_NAME_INVALID),
        ({"name": "·阿依"}, IdentityCode.REALNAME_NAME_INVALID),
        ({"selfie": b"GIF89a not a photo"}, FaceCode.FACE_NOT_AN_IMAGE),
        ({"selfie": b""}, FaceCode.FACE_NOT_AN_IMAGE),
    ],
)
def test_bad_input_is_refused_before_the_provider(faceid_stub, selfie_files, override, code):
    selfie = override.pop("selfie", selfie_files["astronaut_mirror"])
    error = refusal(selfie, **override)
    assert error.code == code
    assert faceid_stub.requests == []
    assert attempts() == [("identity.realname.refused", "invalid_input")]


def test_an_oversized_selfie_is_refused_before_decoding(faceid_stub, selfie_files, settings):
    settings.FACE_MAX_IMAGE_BYTES = 1000
    assert refusal(selfie_files["astronaut_mirror"]).code == FaceCode.FACE_IMAGE_TOO_LARGE


def test_a_lower_case_x_and_a_minority_name_dot_are_normalised(faceid_stub, selfie_files):
    from identity.realname.services import clean_id_number, clean_name

    assert clean_id_number("44010619900307001x", "01") == "44010619900307001X"
    assert clean_name(" 买买提•艾力 ") == "买买提·艾力"


def test_an_invalid_phone_is_refused(faceid_stub, selfie_files):
    assert refusal(selfie_files["astronaut_mirror"], phone="12345").code == (
        IdentityCode.PHONE_INVALID
    )


# --- Logs -----------------------------------------------------------------------------


def test_no_name_id_number_photo_or_secret_in_any_log(faceid_stub, selfie_files, caplog, leak_scan):
    caplog.set_level(logging.DEBUG)
    register(selfie_files["astronaut_mirror"])
    PatientPhone.objects.all().delete()
    refusal(selfie_files["grace"])
    faceid_stub.script.append({"error": "AuthFailure.SignatureFailure"})
    refusal(selfie_files["astronaut_mirror"])

    logged = caplog.text
    assert "realname registered backend=tencent-faceid" in logged
    assert "AuthFailure.SignatureFailure" in logged
    for value in (FAKE_RESIDENT["name"], FACEID_SECRET_KEY):
        assert value not in logged
    photo = faceid_stub.requests[0]["params"]["ImageBase64"]
    assert photo[len(photo) // 2 :][:24] not in logged
    leak_scan([FAKE_RESIDENT["id_number"], PHONE])
    for row in OperationLog.objects.filter(action__startswith="identity.realname"):
        text = json.dumps(row.after, ensure_ascii=False)
        assert FAKE_RESIDENT["name"] not in text and "Sim" not in text and "score" not in text
        assert set(row.after) <= {"outcome", "backend", "record", "error"}


# --- The fake backend (the embedded default) -------------------------------------------


def test_fake_backend_matches_its_synthetic_resident(realname_fake, selfie_files):
    registration = register(selfie_files["astronaut_mirror"])
    row = registration.record
    assert row.source == PhoneSource.REAL_NAME
    assert row.evidence.startswith("realname:fake-")
    assert attempts() == [("identity.realname.registered", "registered")]


def test_fake_backend_refuses_another_face_and_unknown_people(realname_fake, selfie_files):
    assert refusal(selfie_files["grace"]).code == IdentityCode.REALNAME_MISMATCH
    assert refusal(selfie_files["astronaut_mirror"], name="张冒名").code == (
        IdentityCode.REALNAME_NO_RECORD
    )
    # Grace Hopper is the second resident: her own photo matches her record.
    registration = register(selfie_files["grace"], resident=FAKE_RESIDENT_B, phone=OTHER_PHONE)
    assert registration.masked_id == "4401**********0022"


def test_fake_backend_photo_problems_are_plain_face_refusals(realname_fake, selfie_files):
    error = refusal(selfie_files["coffee"])
    assert error.code == FaceCode.FACE_NOT_FOUND
    assert not error.message.startswith("livePhoto")
    assert attempts() == [("identity.realname.refused", "photo_refused")]


def test_a_new_number_replaces_an_older_phone_of_record(realname_fake, selfie_files):
    register(selfie_files["astronaut_mirror"])
    registration = register(selfie_files["astronaut_small"], phone=OTHER_PHONE)
    assert registration.change == "changed"
    assert PatientPhone.objects.get().phone == OTHER_PHONE


def test_the_disabled_backend_refuses_as_unavailable(settings, selfie_files):
    settings.REALNAME_BACKEND = "identity.realname.backends.disabled.DisabledBackend"
    error = refusal(selfie_files["astronaut_mirror"])
    assert error.code == IdentityCode.REALNAME_UNAVAILABLE and error.http_status == 503


# --- Settings ---------------------------------------------------------------------------


def _start_in_production(**env) -> subprocess.CompletedProcess:
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "REALNAME_"))}
    clean.update(
        {
            "HUB_ENV": "production",
            "SECRET_KEY": "x" * 50,
            "HUB_MASTER_KEY": "00112233445566778899aabbccddeeff",
            "HUB_DIGEST_KEY": "y" * 32,
            "DATABASE_URL": "postgres://u@127.0.0.1:1/x",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
            "PROVINCE_BASE_URL": "https://province.invalid",
            "PROVINCE_VIEWER_URL": "https://province.invalid/viewer",
            "DJANGO_SETTINGS_MODULE": "hub.settings",
            **env,
        }
    )
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import "
            "settings; print(settings.REALNAME_BACKEND)",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_the_fake_and_needs_tencent_keys():
    default = _start_in_production()
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip().endswith("DisabledBackend")

    fake = _start_in_production(REALNAME_BACKEND="identity.realname.backends.fake.FakeBackend")
    assert fake.returncode != 0 and "refused in production" in fake.stderr

    tencent = "identity.realname.backends.tencent.TencentFaceIdBackend"
    keyless = _start_in_production(REALNAME_BACKEND=tencent)
    assert keyless.returncode != 0 and "REALNAME_TENCENT_SECRET_ID" in keyless.stderr
    keyed = _start_in_production(
        REALNAME_BACKEND=tencent,
        REALNAME_TENCENT_SECRET_ID="AKIDx",
        REALNAME_TENCENT_SECRET_KEY="secret",
    )
    assert keyed.returncode == 0, keyed.stderr
