"""System checks of the relay (``manage.py check``; registered by ``RelayConfig.ready``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register()
def notice_links_have_an_address(app_configs=None, **kwargs):
    if str(getattr(settings, "PATIENT_PAGES_BASE_URL", "")).startswith(("http://", "https://")):
        return []
    return [
        Warning(
            "PATIENT_PAGES_BASE_URL is not an absolute http(s) address: the one-tap revoke "
            "links of consent notices would not open from a patient's phone.",
            hint="Set it to the public address of the patient pages (see .env.example).",
            id="relay.W001",
        )
    ]
