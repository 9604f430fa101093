"""SMS delivery behind a backend setting, like Django's e-mail backends.

``settings.SMS_BACKEND`` is a dotted class path:

* ``identity.sms.backends.file.FileBackend``: one JSON line per message to
  ``SMS_FILE_PATH`` (the embedded default);
* ``identity.sms.backends.console.ConsoleBackend``: standard output;
* ``identity.sms.backends.locmem.LocmemBackend``: ``locmem.outbox``, for tests;
* ``identity.sms.backends.aliyun.AliyunBackend``: Aliyun ``SendSms``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from hub.ops.metrics import SMS_SENDS
from identity.sms.backends.base import BaseSmsBackend
from identity.sms.message import (
    SmsError,
    SmsMessage,
    SmsPermanentError,
    SmsRateLimitedError,
    SmsReceipt,
    SmsRecipientInvalidError,
    SmsTransientError,
)

__all__ = [
    "BaseSmsBackend",
    "SmsError",
    "SmsMessage",
    "SmsPermanentError",
    "SmsRateLimitedError",
    "SmsReceipt",
    "SmsRecipientInvalidError",
    "SmsTransientError",
    "code_message",
    "get_sms_backend",
    "send_sms",
]


# Challenges of the patient pages' sign-in (patients.services.LOGIN_PREFIX).
PATIENT_LOGIN_PREFIX = "patient-login:"


def get_sms_backend(path: str | None = None, **options) -> BaseSmsBackend:
    return import_string(path or settings.SMS_BACKEND)(**options)


def _send_outcome(exc: SmsError) -> str:
    if isinstance(exc, SmsRateLimitedError):
        return "rate_limited"
    if isinstance(exc, SmsRecipientInvalidError):
        return "recipient_invalid"
    return "transient_error" if exc.transient else "refused"


def send_sms(message: SmsMessage) -> SmsReceipt:
    """Send through the configured backend; raises an ``SmsError`` subclass.

    Every attempt counts in ``hub_sms_sends_total{backend, outcome}``.
    """
    backend = get_sms_backend()
    try:
        receipt = backend.send(message)
    except SmsError as exc:
        SMS_SENDS.labels(backend=backend.name, outcome=_send_outcome(exc)).inc()
        raise
    SMS_SENDS.labels(backend=backend.name, outcome="sent").inc()
    return receipt


def code_message(*, phone: str, code: str, minutes: int, reference: str) -> SmsMessage:
    """The verification SMS. Always in the hub's language (Simplified Chinese),
    whatever the language of the hospital request that triggered it."""
    with translation.override(settings.LANGUAGE_CODE):
        if reference.startswith(PATIENT_LOGIN_PREFIX):
            template = gettext(
                "Your sign-in code for the city health-record pages is %(code)s, valid for "
                "%(minutes)s minutes. Do not tell it to anyone, doctors included."
            )
        else:
            template = gettext(
                "Your verification code is %(code)s, valid for %(minutes)s minutes. "
                "A doctor is asking to view your health record: tell this code only "
                "to the doctor treating you."
            )
        text = template % {"code": code, "minutes": minutes}
    return SmsMessage(phone=phone, text=text, params={"code": code}, reference=reference)
