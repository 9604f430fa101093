"""The Aliyun SendSms adapter: the documented signature vector, and real HTTP
against a local stub that recomputes the signature and answers with the
provider's own codes."""

import json
import logging
import re
import socket

import pytest

from identity import services
from identity.errors import IdentityCode, IdentityError
from identity.models import CodeChallenge
from identity.sms import (
    SmsMessage,
    SmsPermanentError,
    SmsRateLimitedError,
    SmsRecipientInvalidError,
    SmsTransientError,
)
from identity.sms.aliyun_signing import percent_encode, signature, string_to_sign
from identity.sms.backends.aliyun import AliyunBackend
from tests.identity.aliyun_stub import AliyunStub

KEY_ID = "LTAI5tStubKeyId"
SECRET = "stub-secret-0123456789"
PHONE = "13800138000"
SIGN_NAME = "城市健康"
TEMPLATE = "SMS_465890001"

# The provider's worked example ("HTTP protocol and signature", Dysmsapi docs).
DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_documented_signature_example():
    assert string_to_sign("GET", DOC_PARAMS).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
        "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF"
    )
    assert string_to_sign("GET", DOC_PARAMS).endswith(
        "%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D"
        "%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
    )
    assert signature("testSecret", "GET", DOC_PARAMS) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [(" ", "%20"), ("*", "%2A"), ("~", "~"), ("+", "%2B"), ("/", "%2F"), ("a-_.Z9", "a-_.Z9")],
)
def test_percent_encoding_is_rfc3986(raw, encoded):
    assert percent_encode(raw) == encoded


@pytest.fixture
def stub():
    with AliyunStub({KEY_ID: SECRET}) as server:
        yield server


def backend_for(stub, **overrides) -> AliyunBackend:
    options = {
        "endpoint": stub.url,
        "access_key_id": KEY_ID,
        "access_key_secret": SECRET,
        "sign_name": SIGN_NAME,
        "template_code": TEMPLATE,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
    }
    options.update(overrides)
    return AliyunBackend(**options)


def message(phone: str = PHONE, code: str = "123456") -> SmsMessage:
    return SmsMessage(
        phone=phone, text="unused", params={"code": code}, reference="authorization:5"
    )


def test_send_is_accepted_by_the_stub(stub):
    receipt = backend_for(stub).send(message())
    assert receipt.backend == "aliyun"
    assert receipt.message_id.endswith("^0") and receipt.request_id
    sent = stub.received[-1]
    assert sent["Action"] == "SendSms" and sent["Version"] == "2017-05-25"
    assert sent["SignatureMethod"] == "HMAC-SHA1" and sent["SignatureVersion"] == "1.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", sent["Timestamp"])
    assert sent["PhoneNumbers"] == PHONE and sent["SignName"] == SIGN_NAME
    assert sent["TemplateCode"] == TEMPLATE
    assert json.loads(sent["TemplateParam"]) == {"code": "123456"}
    assert sent["OutId"] == "authorization:5" and sent["Format"] == "JSON"


def test_each_request_has_a_fresh_nonce(stub):
    backend = backend_for(stub)
    backend.send(message("13800138001"))
    backend.send(message("13800138002"))
    assert stub.received[0]["SignatureNonce"] != stub.received[1]["SignatureNonce"]


def test_wrong_secret_is_refused_as_signature_mismatch(stub, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SmsPermanentError) as info:
        backend_for(stub, access_key_secret="not-the-secret").send(message())
    assert info.value.provider_code == "SignatureDoesNotMatch"
    assert info.value.http_status == 400 and info.value.request_id
    assert not info.value.transient
    # The provider's message echoes the string to sign (phone included): never logged.
    assert "SignatureDoesNotMatch" in caplog.text
    assert PHONE not in caplog.text and "138****8000" in caplog.text


def test_unknown_access_key_is_permanent(stub):
    with pytest.raises(SmsPermanentError) as info:
        backend_for(stub, access_key_id="LTAIunknown").send(message())
    assert info.value.provider_code == "InvalidAccessKeyId.NotFound"


def test_rate_limit_code_is_its_own_class(stub):
    stub.mode = "rate_limit"
    with pytest.raises(SmsRateLimitedError) as info:
        backend_for(stub).send(message())
    assert info.value.provider_code == "isv.BUSINESS_LIMIT_CONTROL"
    assert info.value.retry_after == 60


def test_illegal_number_is_recipient_invalid(stub):
    with pytest.raises(SmsRecipientInvalidError) as info:
        backend_for(stub).send(message(phone="12345"))
    assert info.value.provider_code == "isv.MOBILE_NUMBER_ILLEGAL"


def test_no_balance_is_permanent(stub):
    stub.mode = "amount"
    with pytest.raises(SmsPermanentError) as info:
        backend_for(stub).send(message())
    assert info.value.provider_code == "isv.AMOUNT_NOT_ENOUGH"


def test_service_unavailable_is_transient(stub):
    stub.mode = "unavailable"
    with pytest.raises(SmsTransientError) as info:
        backend_for(stub).send(message())
    assert info.value.provider_code == "ServiceUnavailable" and info.value.http_status == 503


def test_timeout_is_transient(stub):
    stub.mode = "slow"
    with pytest.raises(SmsTransientError) as info:
        backend_for(stub, read_timeout=0.2).send(message())
    assert info.value.provider_code == "timeout"


def test_unreachable_provider_is_transient():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = AliyunBackend(
        endpoint=f"http://127.0.0.1:{port}",
        access_key_id=KEY_ID,
        access_key_secret=SECRET,
        sign_name=SIGN_NAME,
        template_code=TEMPLATE,
        connect_timeout=0.5,
    )
    with pytest.raises(SmsTransientError) as info:
        backend.send(message())
    assert info.value.provider_code == "connection"


# --- Through the code services -------------------------------------------------------


@pytest.fixture
def aliyun_settings(settings, stub):
    settings.SMS_BACKEND = "identity.sms.backends.aliyun.AliyunBackend"
    settings.SMS_ALIYUN_ENDPOINT = stub.url
    settings.SMS_ALIYUN_ACCESS_KEY_ID = KEY_ID
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = SECRET
    settings.SMS_ALIYUN_SIGN_NAME = SIGN_NAME
    settings.SMS_ALIYUN_TEMPLATE_CODE = TEMPLATE
    settings.SMS_READ_TIMEOUT = 0.3
    return stub


@pytest.mark.django_db
def test_code_sent_through_the_provider_verifies(aliyun_settings):
    challenge = services.sms_challenge_start(reference="authorization:8", phone=PHONE, actor=None)
    code = json.loads(aliyun_settings.received[-1]["TemplateParam"])["code"]
    assert challenge.backend == "aliyun" and challenge.provider_message_id
    services.challenge_verify(challenge=challenge, code=code, actor=None)
    assert challenge.state == "used"


@pytest.mark.django_db
def test_provider_flow_control_maps_to_sms_provider_rate_limited(aliyun_settings):
    # Two requests for one patient within a minute: the hub's cooldown is per
    # request, the provider's is per number, and the provider refuses.
    services.sms_challenge_start(reference="authorization:1", phone=PHONE, actor=None)
    with pytest.raises(IdentityError) as info:
        services.sms_challenge_start(reference="authorization:2", phone=PHONE, actor=None)
    assert info.value.code == IdentityCode.SMS_PROVIDER_RATE_LIMITED
    assert info.value.http_status == 429 and info.value.headers["Retry-After"] == "60"
    assert CodeChallenge.objects.count() == 1


@pytest.mark.django_db
def test_provider_timeout_stores_nothing(aliyun_settings):
    aliyun_settings.mode = "slow"
    with pytest.raises(IdentityError) as info:
        services.sms_challenge_start(reference="authorization:3", phone=PHONE, actor=None)
    assert info.value.code == IdentityCode.SMS_PROVIDER_FAILED
    assert info.value.http_status == 502 and info.value.transient
    assert not CodeChallenge.objects.exists()
