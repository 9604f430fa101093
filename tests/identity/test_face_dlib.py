"""Face 1:1 with the embedded dlib model, on real photographs."""

import logging
import threading
import time

import pytest
from django.test import override_settings

from identity.face import FaceCode, FaceError, compare_faces, get_backend


@pytest.fixture(autouse=True)
def _model(face_backend):
    """Every test here shares the one model loaded for the session."""


def test_astronaut_matches_a_rescaled_copy_of_herself(face_photos):
    result = compare_faces(face_photos["astronaut"], face_photos["astronaut_small"])
    assert result.match is True
    assert result.backend == "dlib"
    assert result.threshold == 0.6
    assert 0 <= result.distance < 0.4


def test_astronaut_matches_a_mirrored_copy_of_herself(face_photos):
    result = compare_faces(face_photos["astronaut"], face_photos["astronaut_mirror"])
    assert result.match is True
    assert result.distance < 0.4


def test_id_card_chip_sized_photo_matches_a_large_live_photo(face_photos):
    # 102x126 px like a chip photo (needs the upsampled search) against a
    # 1400 px picture (scaled down before detection).
    result = compare_faces(face_photos["astronaut_chip"], face_photos["astronaut_large"])
    assert result.match is True


def test_astronaut_against_grace_hopper_is_a_mismatch(face_photos):
    result = compare_faces(face_photos["astronaut"], face_photos["grace"])
    assert result.match is False
    assert result.distance > 0.6
    assert result.audit_details() == {
        "outcome": "mismatch",
        "backend": "dlib",
        "threshold": 0.6,
        "distance": round(result.distance, 4),
    }


@override_settings(FACE_DISTANCE_THRESHOLD=0.1)
def test_a_city_can_tighten_the_threshold(face_photos):
    result = compare_faces(face_photos["astronaut"], face_photos["astronaut_mirror"])
    assert result.match is False
    assert result.threshold == 0.1


@pytest.mark.parametrize("picture", ["coffee", "blank"])
def test_picture_without_a_face_is_refused(face_photos, picture):
    with pytest.raises(FaceError) as caught:
        compare_faces(face_photos["astronaut"], face_photos[picture])
    assert caught.value.code == FaceCode.FACE_NOT_FOUND
    assert caught.value.photo == "livePhoto"
    assert caught.value.http_status == 400


def test_two_faces_side_by_side_are_refused(face_photos):
    with pytest.raises(FaceError) as caught:
        compare_faces(face_photos["two_faces"], face_photos["astronaut"])
    assert caught.value.code == FaceCode.FACE_MULTIPLE
    assert caught.value.photo == "idPhoto"


def test_a_bad_photo_is_refused_before_any_comparison(face_photos):
    with pytest.raises(FaceError) as caught:
        compare_faces("definitely not base64!", face_photos["astronaut"])
    assert caught.value.code == FaceCode.FACE_NOT_BASE64
    assert caught.value.photo == "idPhoto"


def test_photos_never_reach_the_logs(face_photos, caplog):
    caplog.set_level(logging.DEBUG)
    compare_faces(face_photos["astronaut"], face_photos["astronaut_mirror"])
    with pytest.raises(FaceError):
        compare_faces(face_photos["astronaut"], face_photos["coffee"])
    logged = caplog.text
    assert "backend=dlib match=True" in logged
    assert "code=FACE_NOT_FOUND photo=livePhoto" in logged
    for name in ("astronaut", "astronaut_mirror", "coffee"):
        photo = face_photos[name]
        middle = len(photo) // 2
        assert photo[middle : middle + 24] not in logged
        assert photo[:24] not in logged


def test_concurrent_comparisons_agree(face_photos):
    expected = compare_faces(face_photos["astronaut"], face_photos["astronaut_mirror"])
    results = []

    def work():
        results.append(compare_faces(face_photos["astronaut"], face_photos["astronaut_mirror"]))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.distance for r in results] == [expected.distance] * 3


class SlowBackend:
    """Counts instantiations; slow to build, like the real model."""

    created = 0
    name = "slow"
    max_side = None

    def __init__(self):
        type(self).created += 1
        time.sleep(0.05)


def test_backend_is_built_once_when_many_threads_ask_at_once():
    path = f"{__name__}.SlowBackend"
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_backend(path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert SlowBackend.created == 1
    assert len({id(backend) for backend in seen}) == 1


def test_an_internal_dlib_failure_carries_no_pixels(face_backend, face_photos):
    import dataclasses

    import numpy as np

    from identity.face.images import decode_photo

    photo = decode_photo(face_photos["astronaut"], field="idPhoto")
    # Pixels of a type dlib refuses (its argument errors can list the array).
    broken = dataclasses.replace(photo, pixels=photo.pixels.astype(np.float32))
    with pytest.raises(RuntimeError) as caught:
        face_backend.embed(broken)
    assert str(caught.value).startswith("dlib failed on <Photo idPhoto PNG 512x512>: ")
    assert len(str(caught.value)) < 80
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True
