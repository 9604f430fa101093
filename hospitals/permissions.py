"""Permissions for hospital API views."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from hospitals.errors import HospitalsCode
from hospitals.models import Hospital
from hub.errors import HubError


class IsLiveHospital(BasePermission):
    """Seed §7.4: only hospitals that went live (and are active) are served.

    Suspension is already refused by the authentication; this refuses the
    stages before ``live`` with ``HOSPITAL_NOT_LIVE`` (403).
    """

    def has_permission(self, request, view) -> bool:
        hospital = request.user
        if not isinstance(hospital, Hospital):
            return False
        if not hospital.may_relay:
            raise HubError(
                HospitalsCode.HOSPITAL_NOT_LIVE,
                _(
                    "This hospital is not live yet (onboarding stage: %(stage)s); "
                    "only live hospitals may use this interface."
                )
                % {"stage": hospital.get_stage_display()},
                403,
            )
        return True


class IsSignedHospital(BasePermission):
    """Any authenticated hospital, whatever its stage (``/api/v1/hospitals/me``)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Hospital)
