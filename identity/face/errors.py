"""The face check's refusals, each with its own stable ``errorCode``.

Every refusal is a :class:`hub.errors.HubError`, so a view that lets it
propagate answers in the province's failure shape. The message names the
photo at fault (``idPhoto: ...`` / ``livePhoto: ...``) when one is, and is
translated (Simplified Chinese by default). Clients act on the code only.

Status choices:

* bad input (not base64, not an image, too small, no face, several faces): 400;
* too large (bytes or pixels): 413, like any over-sized payload;
* ``FACE_MISMATCH``: 403. Both photos were valid and the hub understood them;
  it refuses to accept the patient's consent. The caller counts it as a
  failed attempt (five lock the request, as with codes); the failures above
  are the kiosk's or the camera's and are not counted.
* ``FACE_PROVIDER_UNAVAILABLE``: 503, a transient failure of an outside
  provider (network, timeout, 5xx, throttling): retry later, no attempt counted.
* ``FACE_PROVIDER_FAILED``: 502, a permanent provider failure (credentials,
  account, a request the provider calls invalid): an operator must act;
  retrying does not help.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from hub.errors import HubError


class FaceCode(StrEnum):
    FACE_NOT_BASE64 = "FACE_NOT_BASE64"
    FACE_NOT_AN_IMAGE = "FACE_NOT_AN_IMAGE"
    FACE_IMAGE_UNDECODABLE = "FACE_IMAGE_UNDECODABLE"
    FACE_IMAGE_TOO_LARGE = "FACE_IMAGE_TOO_LARGE"
    FACE_IMAGE_TOO_SMALL = "FACE_IMAGE_TOO_SMALL"
    FACE_NOT_FOUND = "FACE_NOT_FOUND"
    FACE_MULTIPLE = "FACE_MULTIPLE"
    FACE_MISMATCH = "FACE_MISMATCH"
    FACE_PROVIDER_UNAVAILABLE = "FACE_PROVIDER_UNAVAILABLE"
    FACE_PROVIDER_FAILED = "FACE_PROVIDER_FAILED"


class FaceError(HubError):
    """Base of the face refusals. Subclasses fix code, status and message."""

    error_code: FaceCode
    status: int = 400
    default_message = _("The face check failed.")
    #: True when retrying the same photos later may succeed (provider trouble).
    transient: bool = False

    def __init__(self, message: str | None = None, *, photo: str | None = None) -> None:
        text = str(message if message is not None else self.default_message)
        if photo:
            text = f"{photo}: {text}"
        super().__init__(self.error_code, text, self.status)
        self.photo = photo


class FaceNotBase64(FaceError):
    error_code = FaceCode.FACE_NOT_BASE64
    default_message = _("The photo is not valid base64.")


class FaceNotAnImage(FaceError):
    error_code = FaceCode.FACE_NOT_AN_IMAGE
    default_message = _("The photo is not a JPEG or PNG image.")


class FaceImageUndecodable(FaceError):
    error_code = FaceCode.FACE_IMAGE_UNDECODABLE
    default_message = _("The image is damaged or truncated and cannot be decoded.")


class FaceImageTooLarge(FaceError):
    error_code = FaceCode.FACE_IMAGE_TOO_LARGE
    status = 413
    default_message = _("The image is too large.")


class FaceImageTooSmall(FaceError):
    error_code = FaceCode.FACE_IMAGE_TOO_SMALL
    default_message = _("The image is too small to compare faces.")


class FaceNotFound(FaceError):
    error_code = FaceCode.FACE_NOT_FOUND
    default_message = _("No face was found in the photo.")


class FaceMultiple(FaceError):
    error_code = FaceCode.FACE_MULTIPLE
    default_message = _("More than one face was found in the photo; exactly one is needed.")


class FaceMismatch(FaceError):
    """Raised by the caller (it counts the attempt), never by compare_faces."""

    error_code = FaceCode.FACE_MISMATCH
    status = 403
    default_message = _("The live photo does not match the ID card photo.")


class FaceProviderUnavailable(FaceError):
    error_code = FaceCode.FACE_PROVIDER_UNAVAILABLE
    status = 503
    transient = True
    default_message = _("The face comparison service is temporarily unavailable; retry later.")


class FaceProviderFailed(FaceError):
    error_code = FaceCode.FACE_PROVIDER_FAILED
    status = 502
    default_message = _(
        "The face comparison service refused the request; contact the hub operator."
    )
