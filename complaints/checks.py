"""System checks for the complaints settings."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def complaints_settings(app_configs=None, **kwargs):
    errors = []
    http = settings.COMPLAINTS_HTTP_CONNECT_TIMEOUT + settings.COMPLAINTS_HTTP_READ_TIMEOUT
    if settings.COMPLAINTS_CLAIM_TIMEOUT <= http:
        errors.append(
            Error(
                "COMPLAINTS_CLAIM_TIMEOUT must exceed the HTTP connect + read timeouts, "
                "or a live delivery could be taken over and sent twice.",
                id="complaints.E001",
            )
        )
    if any(d <= 0 for d in settings.COMPLAINTS_RETRY_SCHEDULE):
        errors.append(
            Error("COMPLAINTS_RETRY_SCHEDULE must hold positive seconds.", id="complaints.E002")
        )
    try:
        from complaints.deadlines import calendar_from_settings

        calendar_from_settings()
    except ValueError:
        errors.append(
            Error(
                "COMPLAINTS_HOLIDAYS / COMPLAINTS_EXTRA_WORKDAYS must be ISO dates (YYYY-MM-DD).",
                id="complaints.E003",
            )
        )
    return errors
