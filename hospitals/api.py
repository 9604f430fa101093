"""Base classes for the hub's hospital-facing API views.

Subclass ``HospitalAPIView`` for every interface a hospital calls: it
authenticates the x-tif signature, requires a live, active hospital and
applies the per-hospital throttle. ``request.user`` is the ``Hospital``;
``request.auth.sm4_key`` is the key its SM4 fields are encrypted with.
"""

from __future__ import annotations

from rest_framework.views import APIView

from hospitals.auth import XTifAuthentication
from hospitals.permissions import IsLiveHospital, IsSignedHospital
from hospitals.throttles import HospitalRateThrottle


class HospitalAPIView(APIView):
    authentication_classes = [XTifAuthentication]
    permission_classes = [IsLiveHospital]
    throttle_classes = [HospitalRateThrottle]


class SignedHospitalAPIView(HospitalAPIView):
    """Signed, active hospitals at any onboarding stage (the integrator's checks)."""

    permission_classes = [IsSignedHospital]
