"""Pushes nothing: the patient reads the code on the hub's pages."""

from identity.push import BasePushBackend, PushMessage


class NoPushBackend(BasePushBackend):
    name = "none"

    def push(self, message: PushMessage) -> None:
        return None
