"""The patient's session: its own cookie, short-lived, apart from the admin's.

The Django session (``sessionid``) belongs to the back office. The patient
pages keep their own session store entry (the same ``SESSION_ENGINE``) under
the cookie ``hub_patient``, scoped to ``/me/``, HttpOnly, SameSite=Lax and
Secure in production. It holds the *digest* of the signed-in phone number
(never the number), when the patient signed in and when they were last seen:

* idle for ``PATIENT_SESSION_IDLE_SECONDS`` (15 minutes) -> signed out;
* signed in for ``PATIENT_SESSION_MAX_SECONDS`` (2 hours) -> signed out.

Before the code is checked, the same store keeps the sign-in attempt: its
challenge reference and the masked phone number to show on the code page.
Signing in gives the session a new key (no fixation).
"""

from __future__ import annotations

from functools import wraps
from importlib import import_module

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

COOKIE_NAME = "hub_patient"
COOKIE_PATH = "/me/"

_PHONE = "patient_phone_digest"
_SINCE = "patient_since"
_SEEN = "patient_seen"
_LOGIN = "patient_login"


def idle_seconds() -> int:
    return int(getattr(settings, "PATIENT_SESSION_IDLE_SECONDS", 15 * 60))


def max_seconds() -> int:
    return int(getattr(settings, "PATIENT_SESSION_MAX_SECONDS", 2 * 60 * 60))


def _now() -> float:
    # timezone.now (not time.time) so that tests can move the clock.
    return timezone.now().timestamp()


class PatientSession:
    """The patient's half of the session, loaded from the ``hub_patient`` cookie."""

    def __init__(self, request):
        engine = import_module(settings.SESSION_ENGINE)
        key = request.COOKIES.get(COOKIE_NAME) or None
        self.store = engine.SessionStore(session_key=key)
        self.had_cookie = key is not None
        self.expired = False
        self._check_expiry()

    # --- Signed-in state ------------------------------------------------------------
    def _check_expiry(self) -> None:
        if not self.store.get(_PHONE):
            return
        now = _now()
        seen = float(self.store.get(_SEEN, 0))
        since = float(self.store.get(_SINCE, 0))
        if now - seen >= idle_seconds() or now - since >= max_seconds():
            self.store.flush()
            self.expired = True

    @property
    def phone_digest(self) -> str:
        return self.store.get(_PHONE, "")

    @property
    def signed_in(self) -> bool:
        return bool(self.phone_digest)

    @property
    def actor(self) -> str:
        """Who acts in the operation log: ``patient:<phone digest>``."""
        return f"patient:{self.phone_digest}"

    def touch(self) -> None:
        if self.signed_in:
            self.store[_SEEN] = _now()

    def sign_in(self, phone_digest: str) -> None:
        self.store.pop(_LOGIN, None)
        self.store.cycle_key()
        now = _now()
        self.store[_PHONE] = phone_digest
        self.store[_SINCE] = now
        self.store[_SEEN] = now

    def sign_out(self) -> None:
        self.store.flush()

    # --- Sign-in attempt (before the code) ------------------------------------------
    @property
    def login(self) -> dict | None:
        return self.store.get(_LOGIN)

    def login_start(self, *, reference: str, phone_digest: str, masked_phone: str) -> None:
        self.store[_LOGIN] = {
            "reference": reference,
            "phone_digest": phone_digest,
            "masked": masked_phone,
            "started": _now(),
        }

    def login_clear(self) -> None:
        self.store.pop(_LOGIN, None)

    # --- Cookie ------------------------------------------------------------------------
    def save_to(self, response) -> None:
        """Persist the store and set (or delete) the cookie on ``response``."""
        if not self.store.is_empty():
            self.store.set_expiry(idle_seconds())
            self.store.save()
            response.set_cookie(
                COOKIE_NAME,
                self.store.session_key,
                max_age=idle_seconds(),
                path=COOKIE_PATH,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        elif self.had_cookie:
            response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")


def patient_page(*, signed_in: bool = True):
    """View decorator: load the patient session as ``request.patient``; with
    ``signed_in`` a visitor without a live session goes to the sign-in page
    (``?expired=1`` when their session just ran out). The session is saved and
    its cookie refreshed on the way out (a sliding idle timeout)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            session = PatientSession(request)
            request.patient = session
            if signed_in and not session.signed_in:
                target = reverse("patients:login")
                if session.expired:
                    target += "?expired=1"
                response = redirect(target)
            else:
                session.touch()
                # The pages are in Simplified Chinese whatever the browser asks for.
                with translation.override(settings.LANGUAGE_CODE):
                    response = view(request, *args, **kwargs)
            session.save_to(response)
            return response

        return wrapper

    return decorate
