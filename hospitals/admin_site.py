"""The back office: Django admin behind password + TOTP (django-otp) + lockout (django-axes).

``HubAdminSite`` is installed as ``django.contrib.admin.site`` (see
``hospitals.adminapp.HubAdminConfig``), so every app's ``@admin.register`` lands on
it. A session that logged in with a password only, without a verified OTP
device, is treated as not staff: the admin answers with its login page.

The login page asks for three things only: username, password and the code of
the user's authenticator app. django-otp's own form wants the device chosen
from a list it shows only after a first, failed submission; here the device is
picked on the server (:meth:`HubAdminAuthenticationForm._chosen_device`).

Failed logins (a wrong password, or a right password with a wrong code) are
counted by django-axes per username and client address; past the limit the
answer is :func:`lockout_response`, a Chinese page (docs/hospitals.md).
"""

from __future__ import annotations

import re

from axes.helpers import get_cool_off, get_failure_limit
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import Http404
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from hospitals.roles import HUB_APPS
from hub import dashboard

#: Third-party apps whose models the index shows together, after the hub's own.
SECURITY_APPS = ("otp_totp", "otp_static", "axes")
SECURITY_LABEL = "security"
SECURITY_TITLE = _("Two-factor authentication and login security")


class HubAdminAuthenticationForm(OTPAuthenticationFormMixin, AdminAuthenticationForm):
    """Username, password and the authenticator code: no device to choose.

    The device is the user's first confirmed TOTP device; a token that is not
    a TOTP code (not N digits) goes to the user's backup codes instead, when
    they have some. Only the device the token is meant for is tried, so a
    successful login never counts as a failure against another device (the
    reason django-otp asks for an explicit choice).
    """

    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows now, or a backup code."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "required": True,
            }
        ),
    )

    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": _("Enter the code your authenticator app shows."),
        "invalid_token": _(
            "The authenticator code is wrong or has expired. Enter the code the app shows now."
        ),
        "n_failed_attempts": _(
            "%(failure_count)d wrong codes in a row: code checks are paused for a moment. "
            "Try again shortly."
        ),
        "verification_not_allowed": _("Code checks are paused for a moment. Try again shortly."),
        "device_required": _(
            "No authenticator is set up for this account. Ask a city administrator to "
            "enrol one (python manage.py otp_enroll)."
        ),
    }

    def clean_otp_token(self) -> str:
        return re.sub(r"\s+", "", self.cleaned_data.get("otp_token") or "")

    def clean(self):
        self.cleaned_data = super().clean()  # password (axes checks the lockout here)
        user = self.get_user()
        try:
            self.clean_otp(user)
        except forms.ValidationError:
            # A wrong second factor is a failed login: axes counts it too.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=self.request,
            )
            raise
        return self.cleaned_data

    def _chosen_device(self, user):
        token = self.cleaned_data.get("otp_token") or ""
        totp = (
            TOTPDevice.objects.devices_for_user(user, confirmed=True)
            .select_for_update()
            .order_by("pk")
            .first()
        )
        if totp is not None and re.fullmatch(rf"\d{{{totp.digits}}}", token):
            return totp
        static = (
            StaticDevice.objects.devices_for_user(user, confirmed=True)
            .select_for_update()
            .order_by("pk")
            .first()
        )
        if static is not None and token:
            self.cleaned_data["otp_token"] = token.lower()  # backup codes are lower case
            return static
        return totp or static

    def _update_form(self, user):
        # django-otp fills the password back into the page after a wrong code
        # and lists the devices; neither is wanted here.
        return None


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers a locked-out login with (``AXES_LOCKOUT_CALLABLE``)."""
    from django.contrib import admin

    cool_off = get_cool_off(request)
    minutes = round(cool_off.total_seconds() / 60) if cool_off else 0
    context = {
        **admin.site.each_context(request),
        "title": _("Login temporarily locked"),
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": minutes,
    }
    response = render(
        request, "admin/hospitals/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    response["Cache-Control"] = "no-store"
    return response


class HubAdminSite(OTPAdminSite):
    site_header = _("City health-information sharing hub")
    site_title = _("Hub back office")
    index_title = _("Administration")
    login_form = HubAdminAuthenticationForm
    login_template = "admin/hospitals/login.html"
    index_template = "admin/hub_index.html"

    def __init__(self, name: str = "admin") -> None:
        # Keep the "admin" namespace so reverse("admin:...") works everywhere.
        super().__init__(name)

    def get_urls(self):
        own = [
            path(
                f"{SECURITY_LABEL}/",
                self.admin_view(self.security_index),
                name="security_index",
            )
        ]
        return own + super().get_urls()

    def index(self, request, extra_context=None):
        """The app list under the morning dashboard (``hub.dashboard``: each
        app's section, the ones this user may see)."""
        context = {"dashboard": dashboard.sections(request), **(extra_context or {})}
        return super().index(request, extra_context=context)

    def get_app_list(self, request, app_label=None):
        """The hub's apps first (in the order of the architecture), then the
        other apps (users and groups), then the two-factor and lockout models
        under one heading."""
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        rank = {label: n for n, label in enumerate(HUB_APPS)}
        hub = sorted(
            (app for app in app_list if app["app_label"] in rank),
            key=lambda app: rank[app["app_label"]],
        )
        security = self._security_group(app_list)
        others = [
            app
            for app in app_list
            if app["app_label"] not in rank and app["app_label"] not in SECURITY_APPS
        ]
        return hub + others + ([security] if security else [])

    def _security_group(self, app_list) -> dict | None:
        by_label = {app["app_label"]: app for app in app_list}
        models = [m for label in SECURITY_APPS for m in by_label.get(label, {}).get("models", [])]
        if not models:
            return None
        return {
            "name": SECURITY_TITLE,
            "app_label": SECURITY_LABEL,
            "app_url": reverse(f"{self.name}:security_index", current_app=self.name),
            "has_module_perms": True,
            "models": models,
        }

    def security_index(self, request, extra_context=None):
        """The index page of the security heading alone (its link on the index)."""
        group = self._security_group(super().get_app_list(request))
        if group is None:
            raise Http404
        request.current_app = self.name
        context = {
            **self.each_context(request),
            "title": group["name"],
            "subtitle": None,
            "app_list": [group],
            "app_label": SECURITY_LABEL,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/app_index.html", context)
