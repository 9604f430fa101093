"""SMS backends (file, console, locmem), the message, failure mapping, checks."""

import io
import json
import logging

import pytest
from django.core import checks

from hub.errors import exception_handler
from identity import services
from identity.errors import IdentityCode, IdentityError
from identity.models import CodeChallenge
from identity.sms import (
    SmsMessage,
    SmsPermanentError,
    SmsRateLimitedError,
    SmsRecipientInvalidError,
    SmsTransientError,
    code_message,
    get_sms_backend,
)
from identity.sms.backends.base import BaseSmsBackend
from identity.sms.backends.console import ConsoleBackend
from identity.sms.backends.file import FileBackend
from identity.sms.checks import check_push_backend, check_sms_backend

PHONE = "13800138000"


class DownBackend(BaseSmsBackend):
    name = "down"

    def send(self, message):
        raise SmsTransientError("timeout")


class RefusingBackend(BaseSmsBackend):
    """Raises the error class named by ``settings.SMS_TEST_FAILURE``."""

    name = "refusing"

    def send(self, message):
        from django.conf import settings

        raise settings.SMS_TEST_FAILURE


def test_file_backend_writes_one_json_line_per_message(tmp_path, settings):
    settings.SMS_FILE_PATH = str(tmp_path / "deep" / "sms.jsonl")
    backend = get_sms_backend("identity.sms.backends.file.FileBackend")
    assert isinstance(backend, FileBackend)
    for code in ("111111", "222222"):
        receipt = backend.send(code_message(phone=PHONE, code=code, minutes=5, reference="r:1"))
        assert receipt.backend == "file"
    lines = (tmp_path / "deep" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["phone"] == PHONE
    assert first["params"] == {"code": "111111"}
    assert first["reference"] == "r:1"
    assert "您的验证码为111111" in first["text"]  # UTF-8, not \u escapes
    assert "sent_at" in first
    assert json.loads(lines[1])["params"]["code"] == "222222"


@pytest.mark.django_db
def test_file_backend_is_the_embedded_default_for_services(tmp_path, settings):
    settings.SMS_BACKEND = "identity.sms.backends.file.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    challenge = services.sms_challenge_start(reference="authorization:1", phone=PHONE, actor=None)
    line = json.loads((tmp_path / "sms.jsonl").read_text(encoding="utf-8"))
    services.challenge_verify(challenge=challenge, code=line["params"]["code"], actor=None)
    assert challenge.state == "used"
    assert CodeChallenge.objects.get(pk=challenge.pk).backend == "file"


def test_console_backend_masks_the_number():
    stream = io.StringIO()
    ConsoleBackend(stream=stream).send(
        code_message(phone=PHONE, code="123456", minutes=5, reference="authorization:7")
    )
    out = stream.getvalue()
    assert "138****8000" in out and PHONE not in out
    assert "123456" in out and "authorization:7" in out


def test_locmem_backend_keeps_messages(sms_outbox):
    get_sms_backend().send(SmsMessage(phone=PHONE, text="x", params={"code": "1"}))
    assert len(sms_outbox) == 1 and sms_outbox[0].phone == PHONE


def test_message_repr_hides_number_and_code():
    message = code_message(phone=PHONE, code="654321", minutes=5, reference="authorization:3")
    assert repr(message) == "<SmsMessage to 138****8000 for authorization:3>"
    assert "654321" not in repr(message) and PHONE not in str(message)


def test_message_is_chinese_even_for_an_english_request():
    from django.utils import translation

    with translation.override("en"):
        message = code_message(phone=PHONE, code="123456", minutes=5, reference="r")
    assert message.text.startswith("您的验证码为123456，5分钟内有效。")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("failure", "code", "status"),
    [
        (SmsRateLimitedError("isv.BUSINESS_LIMIT_CONTROL"), "SMS_PROVIDER_RATE_LIMITED", 429),
        (SmsRecipientInvalidError("isv.MOBILE_NUMBER_ILLEGAL"), "PHONE_INVALID", 400),
        (SmsPermanentError("isv.AMOUNT_NOT_ENOUGH"), "SMS_PROVIDER_FAILED", 502),
        (SmsTransientError("timeout"), "SMS_PROVIDER_FAILED", 502),
    ],
)
def test_provider_failures_become_hub_errors_and_store_nothing(settings, failure, code, status):
    settings.SMS_BACKEND = "tests.identity.test_sms_backends.RefusingBackend"
    settings.SMS_TEST_FAILURE = failure
    with pytest.raises(IdentityError) as info:
        services.sms_challenge_start(reference="authorization:1", phone=PHONE, actor=None)
    assert info.value.code == code
    assert info.value.http_status == status
    assert not CodeChallenge.objects.exists()


@pytest.mark.django_db
def test_transient_and_permanent_failures_read_differently(settings):
    settings.SMS_BACKEND = "tests.identity.test_sms_backends.RefusingBackend"
    settings.SMS_TEST_FAILURE = SmsTransientError("timeout")
    with pytest.raises(IdentityError) as transient:
        services.sms_challenge_start(reference="authorization:1", phone=PHONE, actor=None)
    settings.SMS_TEST_FAILURE = SmsPermanentError("SignatureDoesNotMatch")
    with pytest.raises(IdentityError) as permanent:
        services.sms_challenge_start(reference="authorization:1", phone=PHONE, actor=None)
    assert transient.value.transient and not permanent.value.transient
    assert transient.value.message == "短信发送失败，请稍后重试。"
    assert "运维" in permanent.value.message


@pytest.mark.django_db
def test_refusal_renders_in_province_shape_with_retry_after(clock):
    services.sms_challenge_start(reference="authorization:1", phone=PHONE, actor=None)
    clock.advance(seconds=20)
    with pytest.raises(IdentityError) as info:
        services.sms_challenge_start(reference="authorization:1", phone=PHONE, actor=None)
    response = exception_handler(info.value, {})
    assert response.status_code == 429
    assert response["Retry-After"] == "40"
    assert response.data == {
        "returnCode": "0",
        "returnDesc": "40秒后才能重新发送验证码。",
        "errorCode": IdentityCode.SMS_COOLDOWN,
    }


@pytest.mark.django_db
def test_logs_never_hold_number_or_code(caplog, sms_outbox):
    caplog.set_level(logging.DEBUG)
    challenge = services.sms_challenge_start(reference="authorization:1", phone=PHONE, actor=None)
    code = sms_outbox[-1].params["code"]
    with pytest.raises(IdentityError):
        services.challenge_verify(
            challenge=challenge, code=f"{(int(code) + 1) % 10**6:06d}", actor=None
        )
    services.challenge_verify(challenge=challenge, code=code, actor=None)
    assert caplog.records
    assert PHONE not in caplog.text and code not in caplog.text
    assert "138****8000" in caplog.text


def test_production_check_warns_about_development_backends(settings):
    settings.PRODUCTION = True
    settings.SMS_BACKEND = "identity.sms.backends.file.FileBackend"
    assert [m.id for m in check_sms_backend()] == ["identity.W001"]
    settings.AUTHCODE_PUSH_BACKEND = "identity.push.backends.console.ConsolePushBackend"
    assert [m.id for m in check_push_backend()] == ["identity.W002"]


def test_aliyun_backend_without_credentials_is_a_configuration_error(settings):
    settings.SMS_BACKEND = "identity.sms.backends.aliyun.AliyunBackend"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ""
    messages = check_sms_backend()
    assert [m.id for m in messages] == ["identity.E001"]
    assert messages[0].level == checks.ERROR
    assert "SMS_ALIYUN_ACCESS_KEY_ID" in messages[0].msg


def test_default_settings_pass_the_checks(settings):
    settings.PRODUCTION = False
    settings.SMS_BACKEND = "identity.sms.backends.file.FileBackend"
    assert check_sms_backend() == [] and check_push_backend() == []
