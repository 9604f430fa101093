"""Authentication of the province's complaint feed.

The feed signs like a hospital (x-tif headers, spec §2.1) with its own
hub-issued ``FeedCredential``. This class answers only for a paasid that is a
feed's; any other paasid falls through (``None``) to the hospitals'
``XTifAuthentication``, listed after it on the complaint views. On success
``request.user`` and ``request.auth`` are the ``FeedCredential`` (its
``sm4_key`` decrypts the ID and phone numbers the feed sends).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication

from complaints.errors import ComplaintsCode
from complaints.models import FeedCredential
from hospitals.auth import signature_refusal
from hospitals.clientip import client_ip
from hospitals.nonces import nonce_store
from hub.errors import HubError
from hub.gm import xtif

logger = logging.getLogger("complaints.auth")


class FeedAuthentication(BaseAuthentication):
    def authenticate_header(self, request) -> str:
        return 'x-tif realm="hub"'

    def authenticate(self, request):
        meta = request.META
        paasid = meta.get("HTTP_X_TIF_PAASID", "").strip()
        if not paasid or len(paasid) > 128:
            return None
        feed = FeedCredential.objects.filter(paasid=paasid).first()
        if feed is None:
            return None
        if not feed.is_enabled:
            raise self._refuse(
                request,
                ComplaintsCode.FEED_CREDENTIAL_DISABLED,
                _("This feed credential is disabled."),
                "disabled",
                paasid,
            )
        try:
            xtif.verify(
                paasid=paasid,
                timestamp=meta.get("HTTP_X_TIF_TIMESTAMP", "").strip(),
                nonce=meta.get("HTTP_X_TIF_NONCE", "").strip(),
                signature=meta.get("HTTP_X_TIF_SIGNATURE", "").strip(),
                paastokens=[feed.paastoken],
                nonce_store=nonce_store(),
                max_skew=int(getattr(settings, "XTIF_MAX_SKEW_SECONDS", xtif.MAX_SKEW_SECONDS)),
            )
        except xtif.SignatureError as exc:
            code, message = signature_refusal(exc)
            raise self._refuse(request, code, message, exc.reason, paasid) from None
        return feed, feed

    @staticmethod
    def _refuse(request, code, message, reason, paasid) -> HubError:
        logger.warning(
            "feed request refused: code=%s reason=%s paasid=%s ip=%s",
            code,
            reason,
            paasid[:64],
            client_ip(request),
        )
        return HubError(code, message, 401)
