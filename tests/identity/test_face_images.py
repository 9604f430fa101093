"""Decoding and validation of kiosk photos (no face model involved)."""

import base64
import io
import struct
import zlib

import numpy as np
import pytest
from django.test import override_settings
from django.utils import translation
from PIL import Image

from hub.errors import HubError
from identity.face import FaceCode, FaceError, FaceMismatch, FaceNotFound
from identity.face.images import decode_photo, max_base64_length


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _image_bytes(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _refusal(value, **kwargs) -> FaceError:
    with pytest.raises(FaceError) as caught:
        decode_photo(value, field="livePhoto", **kwargs)
    return caught.value


@pytest.fixture
def small_png() -> bytes:
    return _image_bytes(Image.new("RGB", (120, 90), (10, 120, 200)))


@pytest.mark.parametrize("value", ["not base64 at all!", "YWJj*ZGVm", "A", None, 42, "", "   "])
def test_text_that_is_not_base64_is_refused(value):
    error = _refusal(value)
    assert error.code == FaceCode.FACE_NOT_BASE64
    assert error.http_status == 400
    assert error.message.startswith("livePhoto: ")


def test_data_url_prefix_line_breaks_and_urlsafe_alphabet_are_accepted(small_png):
    plain = _b64(small_png)
    for value in (
        "data:image/png;base64," + plain,
        "DATA:image/jpeg;base64," + plain,  # the declared type is not trusted: bytes decide
        base64.encodebytes(small_png).decode("ascii"),  # MIME line breaks
        base64.urlsafe_b64encode(small_png).decode("ascii").rstrip("="),
    ):
        photo = decode_photo(value, field="idPhoto")
        assert (photo.format, photo.width, photo.height) == ("PNG", 120, 90)


def test_a_data_url_of_something_else_is_refused(small_png):
    error = _refusal("data:text/plain;base64," + _b64(small_png))
    assert error.code == FaceCode.FACE_NOT_BASE64


@pytest.mark.parametrize(
    "raw",
    [b"hello, I am a text file", b"GIF89a" + bytes(40), b"%PDF-1.4\n" + bytes(40)],
    ids=["text", "gif", "pdf"],
)
def test_bytes_that_are_not_jpeg_or_png_are_refused(raw):
    assert _refusal(_b64(raw)).code == FaceCode.FACE_NOT_AN_IMAGE


def test_truncated_jpeg_is_undecodable(face_images):
    jpeg = _image_bytes(face_images["astronaut"], "JPEG", quality=90)
    error = _refusal(_b64(jpeg[: len(jpeg) // 2]))
    assert error.code == FaceCode.FACE_IMAGE_UNDECODABLE
    assert error.http_status == 400


def test_png_with_a_corrupt_chunk_is_undecodable(small_png):
    broken = bytearray(small_png)
    idat = broken.find(b"IDAT")
    broken[idat + 10 : idat + 20] = bytes(10)  # the chunk's CRC no longer matches
    assert _refusal(_b64(bytes(broken))).code == FaceCode.FACE_IMAGE_UNDECODABLE


def test_png_header_alone_is_undecodable(small_png):
    assert _refusal(_b64(small_png[:40])).code == FaceCode.FACE_IMAGE_UNDECODABLE


@override_settings(FACE_MAX_IMAGE_BYTES=1000)
def test_photo_over_the_byte_limit_is_413(face_photos):
    error = _refusal(face_photos["astronaut_small"])
    assert error.code == FaceCode.FACE_IMAGE_TOO_LARGE
    assert error.http_status == 413
    assert "1000" in error.message


@override_settings(FACE_MAX_IMAGE_BYTES=1000)
def test_base64_length_is_checked_before_decoding():
    # Not even base64, but too long: refused for its size, never decoded.
    error = _refusal("!" * (max_base64_length(1000) + 200))
    assert error.code == FaceCode.FACE_IMAGE_TOO_LARGE


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_decompression_bomb_is_refused_before_decoding():
    # A few hundred bytes announcing 100,000 x 100,000 pixels.
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(300_001)))
        + _png_chunk(b"IEND", b"")
    )
    error = _refusal(_b64(bomb))
    assert error.code == FaceCode.FACE_IMAGE_TOO_LARGE
    assert error.http_status == 413


@override_settings(FACE_MAX_IMAGE_PIXELS=100_000)
def test_too_many_pixels_is_refused(face_photos):
    assert _refusal(face_photos["astronaut"]).code == FaceCode.FACE_IMAGE_TOO_LARGE


def test_too_small_image_is_refused():
    tiny = _image_bytes(Image.new("RGB", (50, 200), (1, 2, 3)))
    error = _refusal(_b64(tiny))
    assert error.code == FaceCode.FACE_IMAGE_TOO_SMALL
    assert "64" in error.message


def test_exif_orientation_is_applied():
    # Stored 200 wide x 100 high, tagged "rotate 90 degrees clockwise".
    image = Image.new("RGB", (200, 100), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 100, 100))  # white left half
    exif = Image.Exif()
    exif[0x0112] = 6
    photo = decode_photo(_b64(_image_bytes(image, "JPEG", exif=exif.tobytes())), field="idPhoto")
    assert (photo.width, photo.height) == (100, 200)
    assert photo.pixels.shape == (200, 100, 3)
    # Rotated clockwise, the white left half is now on top.
    assert photo.pixels[:100].mean() > 200 > 50 > photo.pixels[100:].mean()


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "LA"])
def test_any_png_mode_becomes_rgb_uint8(mode):
    photo = decode_photo(_b64(_image_bytes(Image.new(mode, (100, 80)))), field="idPhoto")
    assert photo.pixels.shape == (80, 100, 3)
    assert photo.pixels.dtype == np.uint8


def test_large_photos_are_scaled_down_to_the_backend_size(face_photos):
    photo = decode_photo(face_photos["astronaut_large"], field="livePhoto", max_side=800)
    assert (photo.width, photo.height) == (1400, 1400)
    assert photo.pixels.shape == (800, 800, 3)


def test_photo_repr_carries_no_image_data(face_photos):
    photo = decode_photo(face_photos["astronaut_small"], field="livePhoto")
    assert repr(photo) == "<Photo livePhoto JPEG 300x300>"


def test_refusals_are_hub_errors_in_the_province_shape():
    error = FaceNotFound(photo="idPhoto")
    assert isinstance(error, HubError)
    assert error.body() == {
        "returnCode": "0",
        "returnDesc": error.message,
        "errorCode": "FACE_NOT_FOUND",
    }
    assert (FaceMismatch().code, FaceMismatch().http_status) == ("FACE_MISMATCH", 403)


def test_refusal_messages_are_translated_to_chinese():
    with translation.override("zh-hans"):
        message = FaceNotFound(photo="idPhoto").message
    assert message.startswith("idPhoto: ")
    assert "人脸" in message
    with translation.override("en"):
        assert FaceNotFound().message == "No face was found in the photo."


class ExplodingBackend:
    """A backend with a bug: its exception reaches Django's error report."""

    name = "exploding"
    max_side = None

    def compare(self, id_photo, live_photo):
        raise ValueError("backend bug")


def test_error_reports_hide_the_photos(settings, face_photos):
    import sys

    from django.views.debug import ExceptionReporter

    from identity.face import compare_faces

    settings.FACE_BACKEND = f"{__name__}.ExplodingBackend"
    photo = face_photos["astronaut_small"]
    try:
        compare_faces(photo, photo)
    except ValueError:
        frames = ExceptionReporter(None, *sys.exc_info()).get_traceback_frames()
    names = [frame["function"] for frame in frames]
    below = frames[names.index("sensitive_variables_wrapper") :]
    assert [frame["function"] for frame in below][-1] == "compare"
    hidden = [value for frame in below for _name, value in frame["vars"]]
    assert hidden
    assert set(hidden) == {"********************"}
