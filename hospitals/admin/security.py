"""The two-factor and lockout models in the back office (django-otp, django-axes).

- Chinese names for their apps and models: the index groups them under one
  heading after the hub's own apps (``hospitals.admin_site.HubAdminSite``).
- Failed login attempts (axes' ``AccessAttempt``): a city administrator
  unlocks a username/address by the "Unlock" action (or by deleting the row);
  each unlock writes an operation-log row. The lockout itself is logged by
  ``hospitals.signals``.
"""

from __future__ import annotations

from axes import admin as axes_admin
from axes.conf import settings as axes_settings
from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub import oplog

_APP_NAMES = {
    "otp_totp": _("Authenticator apps (TOTP)"),
    "otp_static": _("Backup codes"),
    "axes": _("Login attempts and lockouts"),
}
# django-axes ships no Chinese catalogue: the strings of its fields and admin
# are translated in this app's (listed here so makemessages keeps them). Its
# model names are set below instead: "access log" is also the audit app's
# msgid, with another meaning.
_AXES_STRINGS = (
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Access lock out"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
)
_MODEL_NAMES = {
    TOTPDevice: (_("TOTP device"), _("TOTP devices")),
    StaticDevice: (_("backup code set"), _("backup code sets")),
    StaticToken: (_("backup code"), _("backup codes")),
    AccessAttempt: (_("failed login attempt"), _("failed login attempts")),
    AccessLog: (_("successful login"), _("successful logins")),
    AccessFailureLog: (_("failed login entry"), _("failed login entries")),
}


def _name_the_security_models() -> None:
    """django-otp names its apps and models in plain English strings (no
    translation hook), axes with msgids another app translates otherwise:
    give them names of this app's catalogue. Migrations read the
    models' original Meta, so this changes no migration state."""
    for label, name in _APP_NAMES.items():
        apps.get_app_config(label).verbose_name = name
    for model, (singular, plural) in _MODEL_NAMES.items():
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural


_name_the_security_models()


def account_of(username: str | None):
    """The user account a username names, or a ``login:<name>`` label when
    there is none (attempts may name any username)."""
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username or ""}).first()
    return user if user is not None else f"login:{username or ''}"


def attempt_snapshot(attempt: AccessAttempt) -> dict:
    return {
        "username": attempt.username,
        "ip_address": attempt.ip_address,
        "failures": attempt.failures_since_start,
        "failure_limit": axes_settings.AXES_FAILURE_LIMIT,
    }


def attempts_unlock(*, attempts, actor) -> int:
    """Forget these failed-attempt rows (the lockout ends at once), one
    operation-log row each, in one transaction."""
    count = 0
    with transaction.atomic():
        for attempt in attempts:
            oplog.record(
                actor=actor,
                action="admin_login.unlock",
                target=account_of(attempt.username),
                before=attempt_snapshot(attempt),
            )
            attempt.delete()
            count += 1
    return count


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """axes' own list (status, "Locked out" filter), plus an unlock that is logged."""

    actions = ["unlock"]

    @admin.display(description=_("status"))
    def status(self, obj: AccessAttempt):
        cool_off = get_cool_off()
        if cool_off and obj.attempt_time <= timezone.now() - cool_off:
            return _("Lock over")
        remaining = axes_settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        if remaining > 0:
            return ngettext("%(n)d attempt left", "%(n)d attempts left", remaining) % {
                "n": remaining
            }
        if cool_off:
            until = timezone.localtime(obj.attempt_time + cool_off)
            return _("Locked until %(time)s") % {"time": until.strftime("%Y-%m-%d %H:%M")}
        return _("Locked Out")

    @admin.action(
        description=_("Unlock the selected (forget their failed logins)"), permissions=["delete"]
    )
    def unlock(self, request, queryset):
        count = attempts_unlock(attempts=list(queryset), actor=request.user)
        self.message_user(
            request,
            ngettext("Unlocked %(n)d login.", "Unlocked %(n)d logins.", count) % {"n": count},
            messages.SUCCESS,
        )

    def delete_model(self, request, obj):
        attempts_unlock(attempts=[obj], actor=request.user)

    def delete_queryset(self, request, queryset):
        attempts_unlock(attempts=list(queryset), actor=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "unlock" is the logged way
        return actions


if not axes_settings.AXES_ENABLE_ACCESS_FAILURE_LOG and admin.site.is_registered(AccessFailureLog):
    admin.site.unregister(AccessFailureLog)  # always empty when not kept
