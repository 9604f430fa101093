"""Keeps sent messages in ``outbox`` (like ``django.core.mail.outbox``), for tests."""

from __future__ import annotations

import threading

from identity.sms.backends.base import BaseSmsBackend
from identity.sms.message import SmsMessage, SmsReceipt

#: Every message sent through this backend, oldest first. Tests clear it.
outbox: list[SmsMessage] = []
_lock = threading.Lock()


class LocmemBackend(BaseSmsBackend):
    name = "locmem"

    def send(self, message: SmsMessage) -> SmsReceipt:
        with _lock:
            outbox.append(message)
            number = len(outbox)
        return SmsReceipt(backend=self.name, message_id=f"locmem-{number}")
