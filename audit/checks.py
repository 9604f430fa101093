"""System checks of the audit app (``manage.py check``)."""

from django.conf import settings
from django.core.checks import Error, register

from audit.retention import MINIMUM_RETENTION_DAYS, retention_problem


@register()
def check_retention(app_configs=None, **kwargs):
    problem = retention_problem(getattr(settings, "AUDIT_RETENTION_DAYS", 190))
    if problem is None:
        return []
    return [
        Error(
            problem,
            hint=f"Logs must be kept at least {MINIMUM_RETENTION_DAYS} days (six months).",
            id="audit.E001",
        )
    ]


@register()
def check_middleware(app_configs=None, **kwargs):
    path = "audit.middleware.AccessLogMiddleware"
    if path in settings.MIDDLEWARE:
        return []
    return [
        Error(f"{path} is missing from MIDDLEWARE: requests would go unlogged.", id="audit.E002")
    ]
