"""Optional delivery of an authorization code beside the patient's pages.

Same pattern as SMS: ``settings.AUTHCODE_PUSH_BACKEND`` is a dotted class path:

* ``identity.push.backends.none.NoPushBackend``: nothing is pushed (default;
  the patient reads the code on the hub's pages);
* ``identity.push.backends.console.ConsolePushBackend``: standard output;
* ``identity.push.backends.locmem.LocmemPushBackend``: ``locmem.outbox``, for tests.

A push is best effort: the code is shown to the patient anyway, so a failing
push is logged and never fails the issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True, repr=False)
class PushMessage:
    reference: str
    code: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"<PushMessage for {self.reference}>"


class BasePushBackend:
    name = "base"
    #: Whether a pushed code reaches the patient: an authorization-code request
    #: for a patient with no phone of record is refused unless it does.
    reaches_patient = False

    def __init__(self, **options) -> None:
        self.options = options

    def push(self, message: PushMessage) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def get_push_backend(path: str | None = None, **options) -> BasePushBackend:
    return import_string(path or settings.AUTHCODE_PUSH_BACKEND)(**options)
