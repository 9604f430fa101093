"""Refusals of the code challenges (SMS code, authorization code) and of SMS
delivery, each with its own stable ``errorCode``.

Every refusal is a :class:`hub.errors.HubError`, so a view that lets one
propagate answers in the province's failure shape with a translated
(Simplified Chinese by default) ``returnDesc``. Clients act on the code only.

Status choices, per the hospital-facing contract:

* 400 bad input: ``PHONE_INVALID``, ``CODE_FORMAT``, and ``CODE_WRONG`` (the
  input was well formed but is not the code; the message says how many tries
  are left);
* 409 state conflict: ``CODE_ALREADY_USED``, ``CODE_SUPERSEDED``;
* 410 gone: ``CODE_EXPIRED`` (request a new code);
* 423 locked: ``CODE_LOCKED`` (five wrong codes; the caller marks its request
  locked);
* 429 throttled, always with ``Retry-After``: ``SMS_COOLDOWN``,
  ``CODE_COOLDOWN``, ``SMS_PHONE_HOURLY_LIMIT``, ``SMS_PHONE_DAILY_LIMIT``,
  ``SMS_PROVIDER_RATE_LIMITED``, ``CODE_THROTTLED``;
* 502: ``SMS_PROVIDER_FAILED`` (the provider refused or could not be reached;
  ``transient`` tells whether trying again later may help).
"""

from __future__ import annotations

import math
from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hub.errors import HubError


class IdentityCode(StrEnum):
    PHONE_INVALID = "PHONE_INVALID"
    CODE_FORMAT = "CODE_FORMAT"
    CODE_WRONG = "CODE_WRONG"
    CODE_EXPIRED = "CODE_EXPIRED"
    CODE_LOCKED = "CODE_LOCKED"
    CODE_ALREADY_USED = "CODE_ALREADY_USED"
    CODE_SUPERSEDED = "CODE_SUPERSEDED"
    CODE_THROTTLED = "CODE_THROTTLED"
    CODE_COOLDOWN = "CODE_COOLDOWN"
    SMS_COOLDOWN = "SMS_COOLDOWN"
    SMS_PHONE_HOURLY_LIMIT = "SMS_PHONE_HOURLY_LIMIT"
    SMS_PHONE_DAILY_LIMIT = "SMS_PHONE_DAILY_LIMIT"
    SMS_PROVIDER_FAILED = "SMS_PROVIDER_FAILED"
    SMS_PROVIDER_RATE_LIMITED = "SMS_PROVIDER_RATE_LIMITED"
    # Real-name registration (identity/realname, docs/realname.md).
    REALNAME_UNAVAILABLE = "REALNAME_UNAVAILABLE"
    REALNAME_PHONE_NOT_PROVEN = "REALNAME_PHONE_NOT_PROVEN"
    REALNAME_CARD_TYPE_UNSUPPORTED = "REALNAME_CARD_TYPE_UNSUPPORTED"
    REALNAME_ID_INVALID = "REALNAME_ID_INVALID"
    REALNAME_NAME_INVALID = "REALNAME_NAME_INVALID"
    REALNAME_PHOTO_REFUSED = "REALNAME_PHOTO_REFUSED"
    REALNAME_NO_RECORD = "REALNAME_NO_RECORD"
    REALNAME_MISMATCH = "REALNAME_MISMATCH"
    REALNAME_NOT_LIVE = "REALNAME_NOT_LIVE"
    REALNAME_BUSY = "REALNAME_BUSY"
    REALNAME_LIMIT = "REALNAME_LIMIT"
    REALNAME_PROVIDER_UNAVAILABLE = "REALNAME_PROVIDER_UNAVAILABLE"
    REALNAME_PROVIDER_FAILED = "REALNAME_PROVIDER_FAILED"


class IdentityError(HubError):
    """Base of the code refusals. Subclasses fix code, status and message."""

    error_code: IdentityCode
    status: int = 400
    default_message = _("The verification failed.")

    def __init__(self, message: str | None = None, *, headers: dict | None = None) -> None:
        text = str(message if message is not None else self.default_message)
        super().__init__(self.error_code, text, self.status, headers=headers)


class PhoneInvalid(IdentityError):
    error_code = IdentityCode.PHONE_INVALID
    default_message = _("The phone number must be an 11-digit mainland mobile number.")


class CodeFormatInvalid(IdentityError):
    error_code = IdentityCode.CODE_FORMAT
    default_message = _("The code must be 6 digits.")


class CodeWrong(IdentityError):
    error_code = IdentityCode.CODE_WRONG

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining
        super().__init__(
            ngettext(
                "The code is wrong; %(remaining)s attempt left.",
                "The code is wrong; %(remaining)s attempts left.",
                remaining,
            )
            % {"remaining": remaining}
        )


class CodeExpired(IdentityError):
    error_code = IdentityCode.CODE_EXPIRED
    status = 410
    default_message = _("The code has expired; request a new one.")


class CodeLocked(IdentityError):
    error_code = IdentityCode.CODE_LOCKED
    status = 423
    default_message = _("Too many wrong codes; this request is locked.")


class CodeAlreadyUsed(IdentityError):
    error_code = IdentityCode.CODE_ALREADY_USED
    status = 409
    default_message = _("The code has already been used.")


class CodeSuperseded(IdentityError):
    error_code = IdentityCode.CODE_SUPERSEDED
    status = 409
    default_message = _("A newer code has been issued; use the latest code.")


class _Throttled(IdentityError):
    """A 429 that tells the client when to come back."""

    status = 429
    template = _("Too many requests; retry in %(seconds)s seconds.")

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        self.retry_after = seconds
        super().__init__(
            self.template % {"seconds": seconds}, headers={"Retry-After": str(seconds)}
        )


class CodeThrottled(_Throttled):
    error_code = IdentityCode.CODE_THROTTLED
    template = _("Wait %(seconds)s seconds before trying another code.")


class CodeCooldown(_Throttled):
    error_code = IdentityCode.CODE_COOLDOWN
    template = _("A new code can be issued in %(seconds)s seconds.")


class SmsCooldown(_Throttled):
    error_code = IdentityCode.SMS_COOLDOWN
    template = _("A new code can be sent in %(seconds)s seconds.")


class SmsPhoneHourlyLimit(_Throttled):
    error_code = IdentityCode.SMS_PHONE_HOURLY_LIMIT
    template = _(
        "This phone number has received too many codes in the last hour; "
        "retry in %(seconds)s seconds."
    )


class SmsPhoneDailyLimit(_Throttled):
    error_code = IdentityCode.SMS_PHONE_DAILY_LIMIT
    template = _(
        "This phone number has received too many codes in the last 24 hours; "
        "retry in %(seconds)s seconds."
    )


class SmsProviderRateLimited(_Throttled):
    error_code = IdentityCode.SMS_PROVIDER_RATE_LIMITED
    template = _("The SMS provider is limiting messages; retry in %(seconds)s seconds.")


class SmsProviderFailed(IdentityError):
    error_code = IdentityCode.SMS_PROVIDER_FAILED
    status = 502

    def __init__(self, *, transient: bool) -> None:
        self.transient = transient
        super().__init__(
            _("The SMS could not be sent; try again shortly.")
            if transient
            else _("The SMS service refused the message; contact the hub's operators.")
        )
