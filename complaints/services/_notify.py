"""E-mail to the city's complaint supervisors (escalations, failed deliveries)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

logger = logging.getLogger("complaints")


def city_recipients() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=settings.COMPLAINTS_CITY_GROUP)
        .exclude(email="")
    )
    addresses = {u.email for u in users} | set(settings.COMPLAINTS_CITY_EMAILS)
    return sorted(addresses)


def notify_city(subject: str, body: str) -> None:
    """E-mail the city's complaint supervisors; a mail failure is logged, not raised."""
    recipients = city_recipients()
    if not recipients:
        logger.warning("no city recipient for complaint notice: %s", subject)
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as exc:
        logger.error("city complaint notice not sent (%s): %s", type(exc).__name__, subject)
