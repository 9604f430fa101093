"""``GET /``: where a visitor who types the hub's address lands: the way to the
patient pages, the integrators' documentation and (where this instance
serves it) the back office."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET


@require_GET
def landing(request):
    with translation.override(settings.LANGUAGE_CODE):
        return render(
            request, "hub/landing.html", {"admin_enabled": getattr(settings, "ADMIN_ENABLED", True)}
        )
