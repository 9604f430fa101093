"""Refusals of the patient pages, each with its own stable code. The pages
show the (translated) message; the code is what tests and logs rely on."""

from __future__ import annotations

import math
from enum import StrEnum

from django.utils.translation import gettext as _

from hub.errors import HubError


class PatientCode(StrEnum):
    LOGIN_THROTTLED = "PATIENT_LOGIN_THROTTLED"
    LOGIN_NOT_STARTED = "PATIENT_LOGIN_NOT_STARTED"
    NO_RECORD = "PATIENT_NO_RECORD"


def login_throttled(retry_after: float) -> HubError:
    seconds = max(1, math.ceil(retry_after))
    return HubError(
        PatientCode.LOGIN_THROTTLED,
        _("Too many sign-in attempts from this network; retry in %(seconds)s seconds.")
        % {"seconds": seconds},
        429,
        headers={"Retry-After": str(seconds)},
    )


def login_not_started() -> HubError:
    return HubError(
        PatientCode.LOGIN_NOT_STARTED,
        _("Enter your phone number first; the code is sent to it."),
        400,
    )


def no_record() -> HubError:
    return HubError(
        PatientCode.NO_RECORD,
        _("No record of yours was found for this report."),
        400,
    )
