"""Face verification 1:1: is the person at the kiosk the person on the ID card?

The relay calls one function::

    from identity.face import compare_faces, FaceMismatch

    result = compare_faces(id_photo_b64, live_photo_b64)
    audit_details = result.audit_details()   # outcome, distance, backend: nothing else
    if not result.match:
        ...count the failed attempt, then raise FaceMismatch()

``compare_faces`` validates both photos (``identity.face.images``), then asks
the backend named by ``settings.FACE_BACKEND`` (default: the local dlib
model). Unusable photos raise a :class:`FaceError` subclass with its own
``errorCode``; a mismatch is *returned*, because counting attempts is the
caller's business. Photos stay in memory: nothing is written, nothing logged.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.utils.module_loading import import_string
from django.views.decorators.debug import sensitive_variables

from identity.face.base import FaceBackend, FaceResult
from identity.face.errors import (
    FaceCode,
    FaceError,
    FaceImageTooLarge,
    FaceImageTooSmall,
    FaceImageUndecodable,
    FaceMismatch,
    FaceMultiple,
    FaceNotAnImage,
    FaceNotBase64,
    FaceNotFound,
    FaceProviderFailed,
    FaceProviderUnavailable,
)
from identity.face.images import decode_photo

__all__ = [
    "FaceBackend",
    "FaceCode",
    "FaceError",
    "FaceImageTooLarge",
    "FaceImageTooSmall",
    "FaceImageUndecodable",
    "FaceMismatch",
    "FaceMultiple",
    "FaceNotAnImage",
    "FaceNotBase64",
    "FaceNotFound",
    "FaceProviderFailed",
    "FaceProviderUnavailable",
    "FaceResult",
    "compare_faces",
    "get_backend",
]

logger = logging.getLogger(__name__)

_backends: dict[str, FaceBackend] = {}
_backends_lock = threading.Lock()


def get_backend(path: str | None = None) -> FaceBackend:
    """The shared backend instance for ``path`` (default ``settings.FACE_BACKEND``).

    Created on first use, once per process even when several threads ask at
    the same moment (the dlib models take about a second to load).
    """
    path = path or settings.FACE_BACKEND
    backend = _backends.get(path)
    if backend is None:
        with _backends_lock:
            backend = _backends.get(path)
            if backend is None:
                backend = import_string(path)()
                _backends[path] = backend
    return backend


# Django's error reports (DEBUG pages, admin e-mails) show the local
# variables of every frame under this one as "********": they hold photos.
@sensitive_variables()
def compare_faces(id_photo_b64: str, live_photo_b64: str) -> FaceResult:
    """Compare the ID card's chip photo with the live photo, one to one."""
    backend = get_backend()
    try:
        id_photo = decode_photo(id_photo_b64, field="idPhoto", max_side=backend.max_side)
        live_photo = decode_photo(live_photo_b64, field="livePhoto", max_side=backend.max_side)
        result = backend.compare(id_photo, live_photo)
    except FaceError as error:
        logger.info(
            "face check refused: backend=%s code=%s photo=%s",
            backend.name,
            error.code,
            error.photo or "-",
        )
        raise
    logger.info(
        "face check done: backend=%s match=%s distance=%s score=%s threshold=%s",
        result.backend,
        result.match,
        "-" if result.distance is None else f"{result.distance:.4f}",
        "-" if result.score is None else f"{result.score:.2f}",
        result.threshold,
    )
    return result
