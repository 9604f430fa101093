"""Refusals of real-name registration, each with its own stable ``errorCode``
(declared in :class:`identity.errors.IdentityCode`).

Status choices, as elsewhere in the hub:

* 400 bad input: ``REALNAME_CARD_TYPE_UNSUPPORTED``, ``REALNAME_ID_INVALID``,
  ``REALNAME_NAME_INVALID``, ``REALNAME_PHOTO_REFUSED`` (the provider could
  not use the selfie: take it again);
* 403 the check was made and failed: ``REALNAME_NO_RECORD`` (the name and ID
  number are not a pair the public-security records know, or they hold no
  usable photo), ``REALNAME_MISMATCH`` (the selfie is not the person on
  record), ``REALNAME_NOT_LIVE`` (the provider says the picture is a photo of
  a photo or a screen), ``REALNAME_PHONE_NOT_PROVEN`` (no SMS code proved
  the phone);
* 409 ``REALNAME_BUSY``: another attempt for this phone is still running;
* 429 ``REALNAME_LIMIT`` with ``Retry-After``: too many failed attempts for
  this phone (or this ID number) in 24 hours;
* 502 ``REALNAME_PROVIDER_FAILED``: the provider refused the hub itself
  (credentials, account, an answer the adapter does not understand): an
  operator must act;
* 503 ``REALNAME_PROVIDER_UNAVAILABLE`` (transient: network, timeout, 5xx,
  429, a garbled answer; try again later) and ``REALNAME_UNAVAILABLE`` (the
  city has not configured a provider).
"""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _

from identity.errors import IdentityCode, IdentityError


class RealNameError(IdentityError):
    """Base of the real-name refusals."""

    default_message = _("The real-name check failed.")
    #: True when the same attempt may succeed later (provider trouble).
    transient: bool = False


class RealNameUnavailable(RealNameError):
    error_code = IdentityCode.REALNAME_UNAVAILABLE
    status = 503
    default_message = _("Real-name registration is not available on this platform yet.")


class RealNamePhoneNotProven(RealNameError):
    error_code = IdentityCode.REALNAME_PHONE_NOT_PROVEN
    status = 403
    default_message = _(
        "Sign in again with an SMS code: the phone number must be proven before registering."
    )


class RealNameCardTypeUnsupported(RealNameError):
    error_code = IdentityCode.REALNAME_CARD_TYPE_UNSUPPORTED
    default_message = _("Only the resident identity card can be verified online.")


class RealNameIdInvalid(RealNameError):
    error_code = IdentityCode.REALNAME_ID_INVALID
    default_message = _("The ID number is not a valid 18-character resident ID number.")


class RealNameNameInvalid(RealNameError):
    error_code = IdentityCode.REALNAME_NAME_INVALID
    default_message = _("Enter your name exactly as it is printed on your identity card.")


class RealNamePhotoRefused(RealNameError):
    error_code = IdentityCode.REALNAME_PHOTO_REFUSED
    default_message = _(
        "The photo could not be used. Take a new one facing the camera, in good light, "
        "with nothing covering your face."
    )


class RealNameNoRecord(RealNameError):
    error_code = IdentityCode.REALNAME_NO_RECORD
    status = 403
    default_message = _(
        "The name and ID number could not be verified against the public-security "
        "records. Check them and try again."
    )


class RealNameMismatch(RealNameError):
    error_code = IdentityCode.REALNAME_MISMATCH
    status = 403
    default_message = _(
        "The photo does not match the identity card photo on record. Take a new photo "
        "of yourself and try again."
    )


class RealNameNotLive(RealNameError):
    error_code = IdentityCode.REALNAME_NOT_LIVE
    status = 403
    default_message = _(
        "The photo looks like a picture of a photo or a screen. Take a live photo of "
        "yourself with the camera."
    )


class RealNameBusy(RealNameError):
    error_code = IdentityCode.REALNAME_BUSY
    status = 409
    default_message = _("Another check for this phone number is still running; wait a moment.")


class RealNameLimit(RealNameError):
    error_code = IdentityCode.REALNAME_LIMIT
    status = 429

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        self.retry_after = seconds
        hours = max(1, math.ceil(seconds / 3600))
        super().__init__(
            _(
                "Too many failed real-name checks for this phone number or ID number; "
                "try again in about %(hours)s hours, or ask at a hospital's service desk."
            )
            % {"hours": hours},
            headers={"Retry-After": str(seconds)},
        )


class RealNameProviderUnavailable(RealNameError):
    error_code = IdentityCode.REALNAME_PROVIDER_UNAVAILABLE
    status = 503
    transient = True
    default_message = _(
        "The real-name verification service is temporarily unavailable; try again in a "
        "few minutes. This attempt was not counted."
    )


class RealNameProviderFailed(RealNameError):
    error_code = IdentityCode.REALNAME_PROVIDER_FAILED
    status = 502
    default_message = _(
        "The real-name verification service refused the request; try again later. "
        "This attempt was not counted."
    )
