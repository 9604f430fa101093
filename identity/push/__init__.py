"""Optional delivery of an authorization code beside the patient's pages.

Same pattern as SMS: ``settings.AUTHCODE_PUSH_BACKEND`` is a dotted class path:

* ``identity.push.backends.none.NoPushBackend``: nothing is pushed (default;
  the patient reads the code on the hub's pages);
* ``identity.push.backends.console.ConsolePushBackend``: standard output;
* ``identity.push.backends.locmem.LocmemPushBackend``: ``locmem.outbox``, for tests;
* ``identity.push.backends.wechat.WeChatPushBackend``: a template message to
  the patient's bound WeChat (docs/wechat.md).

A push is best effort: the code is shown to the patient anyway, so a failing
push is logged and never fails the issue.

A backend that reaches some patients only (WeChat) needs to know whose code
it is: ``PushMessage.patient_digest``. The code's ``reference`` names what it
protects (``"authorization:42"``) and this app never imports the app that
owns it, so that app registers a resolver for its kind of reference
(:func:`patient_resolver_register`, the relay does it for
``authorization``), and :func:`patient_of` asks it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True, repr=False)
class PushMessage:
    reference: str
    code: str
    expires_at: datetime
    #: The patient's ID digest (``hub.protect.digest(id, "id")``), "" when unknown.
    patient_digest: str = ""

    def __repr__(self) -> str:
        return f"<PushMessage for {self.reference}>"


class BasePushBackend:
    name = "base"
    #: Whether a pushed code reaches the patient: an authorization-code request
    #: for a patient with no phone of record is refused unless it does.
    #: A backend that reaches some patients only overrides :meth:`reaches`.
    reaches_patient = False

    def __init__(self, **options) -> None:
        self.options = options

    def reaches(self, patient_digest: str) -> bool:
        """Whether a code pushed for this patient reaches them."""
        return self.reaches_patient

    def push(self, message: PushMessage) -> bool | None:  # pragma: no cover - interface
        """Send (or queue) the code; ``False`` when it reached nobody."""
        raise NotImplementedError


def get_push_backend(path: str | None = None, **options) -> BasePushBackend:
    return import_string(path or settings.AUTHCODE_PUSH_BACKEND)(**options)


# --- Whose code is it: resolvers registered by the apps that own the references ----------

logger = logging.getLogger(__name__)
_resolvers: dict[str, Callable[[str], str | None]] = {}


def patient_resolver_register(kind: str, resolve: Callable[[str], str | None]) -> None:
    """``resolve(key)`` answers the patient digest of reference ``"<kind>:<key>"``."""
    _resolvers[kind] = resolve


def patient_of(reference: str) -> str:
    """The patient digest of a code's reference, "" when nobody can tell."""
    kind, sep, key = reference.partition(":")
    resolve = _resolvers.get(kind) if sep else None
    if resolve is None:
        return ""
    try:
        return resolve(key) or ""
    except Exception:  # a push is best effort: an unknown patient is not pushed to
        logger.warning("no patient for ref=%s", reference, exc_info=True)
        return ""
