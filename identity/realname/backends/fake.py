"""A local stand-in for the real-name provider (the embedded default).

It plays the public-security database with a few **synthetic residents**
whose "ID card photos" are pictures shipped by installed packages (no
download, nothing personal): scikit-image's astronaut (Eileen Collins, NASA,
public domain) and matplotlib's Grace Hopper, the photographs the face tests
already use. A selfie is compared with the resident's photo by the hub's own
local face 1:1 (``identity.face.compare_faces``, dlib by default), so a
developer can walk the whole registration with ``make run``: sign in with any
number, enter one of the residents below and upload a photo of the same
person (see docs/realname.md).

| name | ID number (01) | photo |
| --- | --- | --- |
| 张演示 | 440106198811080019 | skimage ``astronaut`` (cropped to ID-card size) |
| 李演示 | 440104197612090022 | matplotlib ``grace_hopper.jpg`` |

Unknown ID numbers, or a known one with another name, answer "no record".
``HUB_ENV=production`` refuses this backend (hub/settings.py).
"""

from __future__ import annotations

import base64
import io
import logging
import uuid
from dataclasses import dataclass
from functools import lru_cache

from django.views.decorators.debug import sensitive_variables

from identity.face import FaceError, compare_faces
from identity.realname.base import Outcome, Verdict
from identity.realname.errors import RealNameProviderFailed, RealNameProviderUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyntheticResident:
    name: str
    id_number: str
    #: Which packaged picture plays the ID-card photo (see ``_reference_photo``).
    photo: str


RESIDENTS: dict[str, SyntheticResident] = {
    r.id_number: r
    for r in (
        SyntheticResident("张演示", "440106198811080019", "astronaut"),
        SyntheticResident("李演示", "440104197612090022", "grace_hopper"),
    )
}


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@lru_cache(maxsize=8)
def _reference_photo(which: str) -> bytes:
    """The resident's "ID card photo" as PNG/JPEG bytes, built once per process."""
    from PIL import Image

    if which == "astronaut":
        from skimage import data  # scikit-image: a dev extra (make run installs it)

        image = Image.fromarray(data.astronaut())
        # Head and shoulders at the size of the photo on an ID card's chip.
        return _png(image.crop((140, 30, 310, 240)).resize((102, 126), Image.Resampling.LANCZOS))
    if which == "grace_hopper":
        from matplotlib import cbook

        with cbook.get_sample_data("grace_hopper.jpg") as handle:
            return handle.read()
    raise ValueError(f"unknown reference photo {which!r}")


class FakeBackend:
    name = "fake"
    max_side = 256
    available = True

    @sensitive_variables()
    def verify(self, *, id_number: str, name: str, selfie) -> Verdict:
        request_id = f"fake-{uuid.uuid4().hex}"
        resident = RESIDENTS.get(id_number)
        if resident is None or resident.name != name:
            return Verdict(Outcome.NO_RECORD, request_id, self.name, provider_code="no_record")
        try:
            reference = _reference_photo(resident.photo)
        except ImportError as exc:
            logger.error(
                "realname fake: the package of photo %s is missing (%s)", resident.photo, exc
            )
            raise RealNameProviderUnavailable() from None
        try:
            result = compare_faces(
                base64.b64encode(reference).decode("ascii"),
                base64.b64encode(selfie.data).decode("ascii"),
            )
        except FaceError as error:
            if error.photo == "idPhoto":  # the fake's own picture: a bug, not the patient's
                logger.error("realname fake: reference photo refused (%s)", error.code)
                raise RealNameProviderFailed() from None
            raise
        return Verdict(
            Outcome.MATCH if result.match else Outcome.MISMATCH,
            request_id,
            self.name,
            provider_code=result.backend,
        )
