"""Decode and validate the photos a kiosk sends, in memory only.

A photo arrives as base64 text (optionally behind a ``data:image/...;base64,``
prefix) and leaves as a :class:`Photo`: the decoded file bytes (for a provider
that wants the original) and an RGB ``uint8`` array with the EXIF orientation
applied, at most ``max_side`` pixels on its longest side.

Checks, cheapest first, each with its own refusal:

1. text: a non-empty string of base64 (standard or URL-safe alphabet, padding
   optional, line breaks ignored) -> ``FACE_NOT_BASE64``;
2. length of the base64 text against ``FACE_MAX_IMAGE_BYTES`` *before*
   decoding, then the decoded length -> ``FACE_IMAGE_TOO_LARGE``;
3. magic bytes: JPEG or PNG only -> ``FACE_NOT_AN_IMAGE``;
4. header: dimensions against ``FACE_MIN_IMAGE_SIDE`` (``FACE_IMAGE_TOO_SMALL``)
   and ``FACE_MAX_IMAGE_PIXELS`` (decompression bombs, ``FACE_IMAGE_TOO_LARGE``)
   before any pixel is decoded;
5. Pillow ``verify()`` then a full ``load()`` -> ``FACE_IMAGE_UNDECODABLE``
   for damaged or truncated files.

Nothing here writes a file or logs image content; ``Photo.__repr__`` shows
only format and size so a stray log line or traceback cannot carry a photo.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from identity.face.errors import (
    FaceError,
    FaceImageTooLarge,
    FaceImageTooSmall,
    FaceImageUndecodable,
    FaceNotAnImage,
    FaceNotBase64,
)

_DATA_URL = re.compile(r"data:image/[a-z0-9.+-]+;base64,", re.IGNORECASE | re.ASCII)
_WHITESPACE = re.compile(r"\s+")
_URLSAFE = str.maketrans("-_", "+/")
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# EXIF orientations that turn the picture by 90 degrees (width and height swap).
_QUARTER_TURNS = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True, repr=False)
class Photo:
    """One validated photo, held in memory for the duration of a comparison."""

    field: str
    data: bytes
    format: str
    width: int
    height: int
    pixels: np.ndarray

    def __repr__(self) -> str:
        return f"<Photo {self.field} {self.format} {self.width}x{self.height}>"


def max_base64_length(max_bytes: int) -> int:
    """Length of the base64 text of a ``max_bytes`` file (with padding)."""
    return 4 * ((max_bytes + 2) // 3)


def decode_photo(value: object, *, field: str, max_side: int | None = None) -> Photo:
    """Base64 text -> validated :class:`Photo`, or a :class:`FaceError`."""
    data = decode_base64(value, field=field)
    return load_image(data, field=field, max_side=max_side)


def decode_base64(value: object, *, field: str) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise FaceNotBase64(photo=field)
    text = value.strip()
    prefix = _DATA_URL.match(text)
    if prefix:
        text = text[prefix.end() :]
    elif text[:5].lower() == "data:":
        raise FaceNotBase64(photo=field)

    max_bytes = settings.FACE_MAX_IMAGE_BYTES
    limit = max_base64_length(max_bytes)
    # Refuse an over-long text before copying or decoding it; the allowance
    # covers MIME-style line breaks (CRLF every 76 characters).
    if len(text) > limit + limit // 38 + 2:
        raise _too_many_bytes(field, max_bytes)
    if _WHITESPACE.search(text):
        text = _WHITESPACE.sub("", text)
    if len(text) > limit:
        raise _too_many_bytes(field, max_bytes)
    text = text.translate(_URLSAFE)
    missing = -len(text) % 4
    if missing == 3:
        raise FaceNotBase64(photo=field)
    try:
        data = base64.b64decode(text + "=" * missing, validate=True)
    except (binascii.Error, ValueError):
        # ``from None``: the decoder's message is dropped so that no fragment
        # of the photo can travel in a chained traceback.
        raise FaceNotBase64(photo=field) from None
    if not data:
        raise FaceNotBase64(photo=field)
    if len(data) > max_bytes:
        raise _too_many_bytes(field, max_bytes)
    return data


def load_image(data: bytes, *, field: str, max_side: int | None = None) -> Photo:
    """Validate the decoded file and turn it into RGB pixels."""
    if data.startswith(_JPEG_MAGIC):
        fmt = "JPEG"
    elif data.startswith(_PNG_MAGIC):
        fmt = "PNG"
    else:
        raise FaceNotAnImage(photo=field)
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
            width, height = probe.size
            _check_dimensions(width, height, field=field)
            probe.verify()
        pixels, quarter_turn = _decode_pixels(data, fmt, max_side)
    except FaceError:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(field) from None
    except MemoryError:
        raise _too_many_pixels(field) from None
    except Exception:
        # Pillow signals damaged input with many types (OSError, SyntaxError,
        # ValueError, struct.error...); all mean the same to the kiosk.
        raise FaceImageUndecodable(photo=field) from None
    if quarter_turn:
        width, height = height, width
    return Photo(field=field, data=data, format=fmt, width=width, height=height, pixels=pixels)


def _decode_pixels(data: bytes, fmt: str, max_side: int | None) -> tuple[np.ndarray, bool]:
    """(upright RGB pixels, whether the EXIF orientation turned the picture)."""
    with Image.open(io.BytesIO(data), formats=[fmt]) as image:
        quarter_turn = image.getexif().get(_EXIF_ORIENTATION) in _QUARTER_TURNS
        if max_side and fmt == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the picture is
            # much larger than needed: the biggest saving of the whole check.
            image.draft("RGB", (max_side, max_side))
        image.load()
        upright = ImageOps.exif_transpose(image)
    if upright.mode != "RGB":
        upright = upright.convert("RGB")
    if max_side and max(upright.size) > max_side:
        upright.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return np.array(upright, dtype=np.uint8), quarter_turn


def _check_dimensions(width: int, height: int, *, field: str) -> None:
    min_side = settings.FACE_MIN_IMAGE_SIDE
    if width * height > settings.FACE_MAX_IMAGE_PIXELS:
        raise _too_many_pixels(field)
    if min(width, height) < min_side:
        raise FaceImageTooSmall(
            _("The image is smaller than %(side)d pixels on a side.") % {"side": min_side},
            photo=field,
        )


def _too_many_bytes(field: str, max_bytes: int) -> FaceImageTooLarge:
    return FaceImageTooLarge(
        _("The image is larger than %(limit)d bytes.") % {"limit": max_bytes}, photo=field
    )


def _too_many_pixels(field: str) -> FaceImageTooLarge:
    return FaceImageTooLarge(
        _("The image has more than %(limit)d pixels.") % {"limit": settings.FACE_MAX_IMAGE_PIXELS},
        photo=field,
    )
