"""Writes each pushed code to standard output, for a developer (refused in
production by the ``identity.W002`` system check)."""

import sys
import threading

from identity.push import BasePushBackend, PushMessage


class ConsolePushBackend(BasePushBackend):
    name = "console"
    reaches_patient = True  # a stand-in for a real channel: whoever reads it is the patient
    _lock = threading.Lock()

    def __init__(self, *, stream=None, **options) -> None:
        super().__init__(**options)
        self.stream = stream or sys.stdout

    def push(self, message: PushMessage) -> None:
        with self._lock:
            self.stream.write(
                f"[authorization code for {message.reference}] {message.code} "
                f"(valid until {message.expires_at.isoformat()})\n"
            )
            self.stream.flush()
