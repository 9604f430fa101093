"""The one-tap revoke link of a consent notice (``relay.notices``): opens
without signing in, because the signed token names exactly one live consent
of the patient the message went to, and nothing else.

GET shows what the consent is and one button; only the POST revokes (mail
scanners and link previews fetch links, they do not submit forms).
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from audit.context import note
from hub.errors import HubError
from patients import services
from patients.session import patient_page
from relay.notices import authorization_for_token

ACTOR = "patient:revoke-link"


@require_http_methods(["GET", "POST"])
@patient_page(signed_in=False)
def revoke_link(request, token: str):
    auth = authorization_for_token(token)
    if auth is None:
        return render(request, "patients/revoke_link.html", {"gone": True}, status=404)
    note(request, authorization_id=auth.pk, patient_digest=auth.patient_digest)
    context = {"auth": auth}
    if request.method == "POST":
        try:
            services.patient_authorization_revoke(authorization=auth, actor=ACTOR)
        except HubError as exc:
            context["error"] = exc.message
        else:
            context["revoked"] = True
    return render(request, "patients/revoke_link.html", context)
