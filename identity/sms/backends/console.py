"""Writes each message to standard output, for a developer at a terminal.

It shows the text (the developer needs the code) but only the masked number;
it writes to a stream, not to the logging system, and is refused in
production by the ``identity.W001`` system check.
"""

from __future__ import annotations

import sys
import threading

from hub.protect import mask_phone
from identity.sms.backends.base import BaseSmsBackend
from identity.sms.message import SmsMessage, SmsReceipt


class ConsoleBackend(BaseSmsBackend):
    name = "console"
    _lock = threading.Lock()

    def __init__(self, *, stream=None, **options) -> None:
        super().__init__(**options)
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> SmsReceipt:
        with self._lock:
            self.stream.write(
                f"[SMS to {mask_phone(message.phone)} for {message.reference or '-'}] "
                f"{message.text}\n"
            )
            self.stream.flush()
        return SmsReceipt(backend=self.name)
