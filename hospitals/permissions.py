"""Permissions for hospital API views."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from hospitals.errors import HospitalsCode
from hospitals.models import Hospital
from hub.errors import HubError


class IsLiveHospital(BasePermission):
    """Hospitals that may use the relay: live ones (seed §7.4) and those in
    the joint test with the province (the stages before ``live``, their
    traffic on the test target and counted apart; ``Hospital.may_relay``).

    Suspension is already refused by the authentication; this refuses the
    stages before ``live`` with ``HOSPITAL_NOT_LIVE`` (403) only when the city
    has no joint-test target (``PROVINCE_TEST_BASE_URL=off``).
    """

    def has_permission(self, request, view) -> bool:
        hospital = request.user
        if not isinstance(hospital, Hospital):
            return False
        if not hospital.may_relay:
            raise not_live_error(hospital)
        return True


class IsSignedHospital(BasePermission):
    """Any authenticated hospital, whatever its stage (``/api/v1/hospitals/me``)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Hospital)


def not_live_error(hospital: Hospital) -> HubError:
    """``HOSPITAL_NOT_LIVE`` (403) for a hospital that may not relay (every
    door that relays: the signed API and the viewer entry)."""
    return HubError(
        HospitalsCode.HOSPITAL_NOT_LIVE,
        _(
            "This hospital is not live yet (onboarding stage: %(stage)s); "
            "only live hospitals may use this interface."
        )
        % {"stage": hospital.get_stage_display()},
        403,
    )
