"""Base classes for the hub's hospital-facing API views.

Subclass ``HospitalAPIView`` for every interface a hospital calls: it
authenticates the x-tif signature, requires a live, active hospital and
applies the per-hospital throttle. ``request.user`` is the ``Hospital``;
``request.auth.sm4_key`` is the key its SM4 fields are encrypted with.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.views import APIView

from hospitals.auth import XTifAuthentication
from hospitals.permissions import IsLiveHospital, IsSignedHospital
from hospitals.throttles import HospitalRateThrottle


class JSONFirstNegotiation(DefaultContentNegotiation):
    """What DRF's negotiation picks for the common ``Accept`` values (absent,
    ``*/*``, ``application/json``) without parsing the header, given that the
    first renderer is JSON; anything else (a ``format`` parameter, another
    media type) goes through DRF's full negotiation."""

    _PLAIN = frozenset({"*/*", "application/json"})

    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            format_suffix is None
            and renderers
            and renderers[0].media_type == "application/json"
            and request.META.get("HTTP_ACCEPT", "*/*").strip() in self._PLAIN
            and not request.query_params
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


class HospitalAPIView(APIView):
    content_negotiation_class = JSONFirstNegotiation
    authentication_classes = [XTifAuthentication]
    permission_classes = [IsLiveHospital]
    throttle_classes = [HospitalRateThrottle]


class SignedHospitalAPIView(HospitalAPIView):
    """Signed, active hospitals at any onboarding stage (the integrator's checks)."""

    permission_classes = [IsSignedHospital]
