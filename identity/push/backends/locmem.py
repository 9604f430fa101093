"""Keeps pushed codes in ``outbox``, for tests."""

import threading

from identity.push import BasePushBackend, PushMessage

outbox: list[PushMessage] = []
_lock = threading.Lock()


class LocmemPushBackend(BasePushBackend):
    name = "locmem"
    reaches_patient = True  # a stand-in for a real channel: whoever reads it is the patient

    def push(self, message: PushMessage) -> None:
        with _lock:
            outbox.append(message)
