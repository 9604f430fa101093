"""Django's page-only middleware, skipped on the signed hospital API.

Sessions, the signed-in user, its OTP device, flash messages and the CSRF
check serve the admin and the patient pages. The hospital API
(``/api/v1/...`` and the province-compatible ``/ebus/...``) is DRF views
authenticated by the x-tif signature (``hospitals.auth``), CSRF-exempt, that
never read a session, ``request.user`` of the Django request, or messages.
Building that state anyway (a session store, a cookie signer, lazy user
objects, a message storage, the CSRF cookie lookup) was ~6 % of a view's CPU
(``docs/performance.md``). Each class here is Django's own, passing API
requests straight on; every other path gets the full behaviour.
``/api/schema/`` and ``/api/docs/`` are pages and keep it.

Settings: these classes replace Django's in ``MIDDLEWARE``; they subclass
them, so the admin's system checks still find them.
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware as _Auth
from django.contrib.messages.middleware import MessageMiddleware as _Messages
from django.contrib.sessions.middleware import SessionMiddleware as _Sessions
from django.middleware.csrf import CsrfViewMiddleware as _Csrf
from django_otp.middleware import OTPMiddleware as _OTP

#: Paths served only to signed hospital calls.
SIGNED_API_PREFIXES = ("/api/v1/", "/ebus/")


def _pages_only(base: type) -> type:
    def __call__(self, request):
        if request.path_info.startswith(SIGNED_API_PREFIXES):
            return self.get_response(request)
        return base.__call__(self, request)

    return type(base.__name__, (base,), {"__call__": __call__, "__module__": __name__})


SessionMiddleware = _pages_only(_Sessions)
CsrfViewMiddleware = _pages_only(_Csrf)
AuthenticationMiddleware = _pages_only(_Auth)
OTPMiddleware = _pages_only(_OTP)
MessageMiddleware = _pages_only(_Messages)
