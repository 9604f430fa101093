"""Aliyun (Alibaba Cloud) Short Message Service: ``SendSms`` of Dysmsapi
``2017-05-25``, signed with the RPC signature version 1.0 (HMAC-SHA1, see
``identity.sms.aliyun_signing``).

One POST per message to ``SMS_ALIYUN_ENDPOINT`` with a form body holding the
common parameters (``AccessKeyId``, ``Action=SendSms``, ``Format=JSON``,
``RegionId``, ``SignatureMethod=HMAC-SHA1``, ``SignatureVersion=1.0``, a fresh
``SignatureNonce``, ``Timestamp`` as ISO 8601 UTC ``YYYY-MM-DDThh:mm:ssZ``,
``Version=2017-05-25``) and the operation's (``PhoneNumbers``, ``SignName``,
``TemplateCode``, ``TemplateParam`` = JSON ``{"code": "123456"}``, ``OutId``).
The text itself is the approved template kept at the provider; only the code
travels, as the template variable ``code``.

Answer: JSON ``{"Code": "OK", "Message": "OK", "BizId": ..., "RequestId": ...}``
on success; otherwise ``Code`` names the failure. Business refusals come with
HTTP 200, gateway refusals (signature, credentials, throttling) with 4xx.

Timeouts: ``SMS_CONNECT_TIMEOUT`` (default 3 s) and ``SMS_READ_TIMEOUT``
(default 5 s). Failure classes:

* transient (:class:`SmsTransientError`): connection error, timeout, any HTTP
  5xx, a 429 without a code, ``isp.SYSTEM_ERROR``,
  ``ServiceUnavailable``, ``InternalError``, ``SignatureNonceUsed``;
* rate limited (:class:`SmsRateLimitedError`): ``isv.BUSINESS_LIMIT_CONTROL``
  (the provider's per-number limits: 1/minute, 5/hour, 10/day by default) and
  the gateway's ``Throttling*`` codes;
* recipient invalid (:class:`SmsRecipientInvalidError`):
  ``isv.MOBILE_NUMBER_ILLEGAL``;
* permanent (:class:`SmsPermanentError`): everything else, notably
  ``SignatureDoesNotMatch``, ``InvalidAccessKeyId.NotFound``,
  ``InvalidTimeStamp.Expired``, ``isv.AMOUNT_NOT_ENOUGH``,
  ``isv.OUT_OF_SERVICE``, ``isv.SMS_SIGNATURE_ILLEGAL``,
  ``isv.SMS_TEMPLATE_ILLEGAL``, ``isv.TEMPLATE_MISSING_PARAMETERS``,
  ``isv.DAY_LIMIT_CONTROL`` (the account's own daily cap), ``isp.RAM_PERMISSION_DENY``.

Nothing is retried here: a verification SMS that timed out may still arrive,
so a blind retry could deliver two different codes. The caller decides (the
patient can ask for a resend). Logs carry the provider's ``Code`` and
``RequestId`` and the masked number, never the provider's ``Message``: for a
signature error it echoes the whole string-to-sign, phone number included.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

import requests
from django.conf import settings

from hub.http import is_transient_status
from hub.protect import mask_phone
from identity.sms.aliyun_signing import signed_body
from identity.sms.backends.base import BaseSmsBackend
from identity.sms.message import (
    SmsMessage,
    SmsPermanentError,
    SmsRateLimitedError,
    SmsReceipt,
    SmsRecipientInvalidError,
    SmsTransientError,
)

logger = logging.getLogger(__name__)

ACTION = "SendSms"
API_VERSION = "2017-05-25"
REGION_ID = "cn-hangzhou"
METHOD = "POST"

RATE_LIMIT_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL"})
RECIPIENT_CODES = frozenset({"isv.MOBILE_NUMBER_ILLEGAL"})
TRANSIENT_CODES = frozenset(
    {"isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError", "SignatureNonceUsed"}
)
#: How long to wait after the provider's per-number flow control (its
#: smallest window is one minute).
RATE_LIMIT_RETRY_AFTER = 60


class AliyunBackend(BaseSmsBackend):
    name = "aliyun"

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        sign_name: str | None = None,
        template_code: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        **options,
    ) -> None:
        super().__init__(**options)
        self.endpoint = (endpoint or settings.SMS_ALIYUN_ENDPOINT).rstrip("/")
        self.access_key_id = access_key_id or settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.access_key_secret = access_key_secret or settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.sign_name = sign_name or settings.SMS_ALIYUN_SIGN_NAME
        self.template_code = template_code or settings.SMS_ALIYUN_TEMPLATE_CODE
        self.timeout = (
            connect_timeout if connect_timeout is not None else settings.SMS_CONNECT_TIMEOUT,
            read_timeout if read_timeout is not None else settings.SMS_READ_TIMEOUT,
        )

    def params(
        self, message: SmsMessage, *, nonce: str | None = None, timestamp: str | None = None
    ) -> dict[str, str]:
        """Every parameter of the request except ``Signature``."""
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": ACTION,
            "Format": "JSON",
            "RegionId": REGION_ID,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": message.phone,
            "SignName": self.sign_name,
            "TemplateCode": self.template_code,
            # The provider wants every variable as a JSON string value.
            "TemplateParam": json.dumps(
                {k: str(v) for k, v in message.params.items()},
                ensure_ascii=False,
                separators=(",", ":"),
            ),
        }
        if message.reference:
            params["OutId"] = message.reference[:256]
        return params

    def send(self, message: SmsMessage) -> SmsReceipt:
        body = signed_body(self.access_key_secret, METHOD, self.params(message))
        masked = mask_phone(message.phone)
        try:
            response = requests.post(
                self.endpoint + "/",
                data=body.encode("utf-8"),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                    "Accept": "application/json",
                },
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            logger.warning("aliyun SendSms timed out to=%s ref=%s", masked, message.reference)
            raise SmsTransientError("timeout") from None
        except requests.RequestException as exc:
            logger.warning(
                "aliyun SendSms unreachable to=%s ref=%s: %s",
                masked,
                message.reference,
                type(exc).__name__,
            )
            raise SmsTransientError("connection") from None
        return self._interpret(response, masked, message.reference)

    def _interpret(self, response: requests.Response, masked: str, reference: str) -> SmsReceipt:
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            data = {}
        code = str(data.get("Code") or "")
        request_id = str(data.get("RequestId") or "")
        if status == 200 and code == "OK":
            logger.info(
                "aliyun SendSms accepted to=%s ref=%s request_id=%s", masked, reference, request_id
            )
            return SmsReceipt(
                backend=self.name, message_id=str(data.get("BizId") or ""), request_id=request_id
            )
        logger.warning(
            "aliyun SendSms refused to=%s ref=%s http=%s code=%s request_id=%s",
            masked,
            reference,
            status,
            code or "-",
            request_id or "-",
        )
        kwargs = {"request_id": request_id, "http_status": status}
        if code in RATE_LIMIT_CODES or code.startswith("Throttling"):
            raise SmsRateLimitedError(code, retry_after=RATE_LIMIT_RETRY_AFTER, **kwargs)
        if code in RECIPIENT_CODES:
            raise SmsRecipientInvalidError(code, **kwargs)
        # A status without a provider code follows the hub's one rule (hub.http).
        if code in TRANSIENT_CODES or status >= 500 or (not code and is_transient_status(status)):
            raise SmsTransientError(code or f"http_{status}", **kwargs)
        raise SmsPermanentError(code or f"http_{status}", **kwargs)
