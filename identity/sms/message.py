"""What an SMS backend is given, what it gives back, and how it fails.

Backends raise one of the :class:`SmsError` classes below; the code services
turn them into the hub's own refusals (``identity.errors``). The classes are
the failure taxonomy every provider adapter sorts its answers into:

* :class:`SmsTransientError`: network, timeout, 5xx, the provider's own
  system error. Trying again later may succeed.
* :class:`SmsRateLimitedError`: the provider throttled the number or the
  account (Aliyun ``isv.BUSINESS_LIMIT_CONTROL``). Retry after ``retry_after``.
* :class:`SmsRecipientInvalidError`: the provider says the number cannot
  receive messages. Never retried.
* :class:`SmsPermanentError`: bad credentials or signature, no balance,
  unapproved sign name or template. Never retried: an operator must act.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.http import OutsideError, PermanentError, TransientError
from hub.protect import mask_phone


@dataclass(frozen=True, repr=False)
class SmsMessage:
    """One verification SMS.

    ``text`` is the full message, already translated (for backends that send
    free text); ``params`` are the template variables (for providers that
    send an approved template, e.g. ``{"code": "123456"}``). ``reference``
    names what the code is for (``"authorization:42"``) and holds no personal
    data.
    """

    phone: str
    text: str
    params: dict[str, str] = field(default_factory=dict)
    reference: str = ""

    def __repr__(self) -> str:
        # Never show the number or the code, even in a traceback or a debug log.
        return f"<SmsMessage to {mask_phone(self.phone)} for {self.reference or '-'}>"


@dataclass(frozen=True)
class SmsReceipt:
    """What the backend learnt from the provider about an accepted message."""

    backend: str
    message_id: str = ""
    request_id: str = ""


class SmsError(OutsideError):
    """A message that was not accepted. ``provider_code`` is the provider's
    own code (``"isv.AMOUNT_NOT_ENOUGH"``) or a local one (``"timeout"``)."""

    transient = False

    def __init__(self, provider_code: str, *, request_id: str = "", http_status: int = 0):
        super().__init__(provider_code)
        self.provider_code = provider_code
        self.request_id = request_id
        self.http_status = http_status


class SmsTransientError(SmsError, TransientError):
    transient = True


class SmsRateLimitedError(SmsError, TransientError):
    transient = True

    def __init__(self, provider_code: str, *, retry_after: int = 60, **kwargs):
        super().__init__(provider_code, **kwargs)
        self.retry_after = retry_after


class SmsPermanentError(SmsError, PermanentError):
    transient = False


class SmsRecipientInvalidError(SmsPermanentError):
    pass
