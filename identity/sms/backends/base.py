"""The interface every SMS backend implements (like Django's e-mail backends)."""

from __future__ import annotations

from identity.sms.message import SmsMessage, SmsReceipt


class BaseSmsBackend:
    """Send one message or raise an :class:`identity.sms.message.SmsError`.

    Backends are created per send (cheap; they read settings in
    ``__init__``) and must never log the phone number or the text in clear.
    """

    #: Short stable name recorded with each challenge ("file", "aliyun").
    name = "base"

    def __init__(self, **options) -> None:
        self.options = options

    def send(self, message: SmsMessage) -> SmsReceipt:  # pragma: no cover - interface
        raise NotImplementedError
