"""Appends one JSON line per message to ``settings.SMS_FILE_PATH``.

The embedded default: ``make run`` needs no provider, and a developer (or an
end-to-end test running the hub in another process) reads the code from the
file. The file holds the number and the code in clear, which is why the
``identity.W001`` system check refuses this backend in production.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from identity.sms.backends.base import BaseSmsBackend
from identity.sms.message import SmsMessage, SmsReceipt


class FileBackend(BaseSmsBackend):
    name = "file"
    # One line per write: a lock keeps threads of one process from interleaving.
    _lock = threading.Lock()

    def __init__(self, *, path: str | os.PathLike | None = None, **options) -> None:
        super().__init__(**options)
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> SmsReceipt:
        line = json.dumps(
            {
                "sent_at": timezone.now().isoformat(),
                "phone": message.phone,
                "reference": message.reference,
                "params": message.params,
                "text": message.text,
            },
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            # O_APPEND keeps whole lines even with several processes writing.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
            finally:
                os.close(fd)
        return SmsReceipt(backend=self.name)
