"""The embedded face backend: dlib with the models of ``face-recognition-models``.

Pipeline per photo (pixels already decoded, upright, at most ``max_side``):

1. HOG frontal face detector (``dlib.get_frontal_face_detector``). If it finds
   nothing, the picture is upsampled once and searched again, so the small
   photo read from an ID card's chip (102x126 px) still yields its face.
2. Exactly one face: the strongest detection is the face; another detection
   counts as a second face when it is confident (score >= ``SECOND_FACE_MIN_SCORE``)
   and does not overlap the first. Faint HOG hits on clothing or background
   (scores ~0.0-0.2 on the test photos) are noise, not people.
3. 68-point shape predictor, then the ResNet ``face_recognition_model_v1``
   128-d embedding (``num_jitters=1``: no jittering).
4. Euclidean distance of the two embeddings; a match when it is at most
   ``FACE_DISTANCE_THRESHOLD`` (0.6, dlib's published operating point).

The models load once per process (about a second); the instance is shared by
threads. dlib's network keeps per-call state, so inference is serialised with
a lock; processes (gunicorn workers) run in parallel.
"""

from __future__ import annotations

import threading

import numpy as np
from django.conf import settings

from identity.face.base import FaceResult
from identity.face.errors import FaceError, FaceMultiple, FaceNotFound
from identity.face.images import Photo

SECOND_FACE_MIN_SCORE = 0.5
# Two detections overlapping this much (of the smaller box) are one face.
SAME_FACE_OVERLAP = 0.3


class DlibBackend:
    name = "dlib"
    # Detection cost grows with the pixel count; faces at a kiosk are large,
    # so 800 px on the longest side keeps them well above the detector's
    # 80 px window while keeping a comparison in the tens of milliseconds.
    max_side = 800

    def __init__(self) -> None:
        import dlib
        import face_recognition_models as models

        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(models.pose_predictor_model_location())
        self._encoder = dlib.face_recognition_model_v1(models.face_recognition_model_location())
        self._lock = threading.Lock()

    def compare(self, id_photo: Photo, live_photo: Photo) -> FaceResult:
        threshold = float(settings.FACE_DISTANCE_THRESHOLD)
        first = self.embed(id_photo)
        second = self.embed(live_photo)
        distance = float(np.linalg.norm(first - second))
        return FaceResult(
            match=distance <= threshold, distance=distance, backend=self.name, threshold=threshold
        )

    def embed(self, photo: Photo) -> np.ndarray:
        """The 128-d embedding of the one face in ``photo``."""
        with self._lock:
            try:
                face = self.find_face(photo.pixels, field=photo.field)
                return self.describe(photo.pixels, face)
            except FaceError:
                raise
            except Exception as exc:
                # dlib's argument errors print the whole pixel array: keep the
                # original out of every traceback and log line.
                raise RuntimeError(f"dlib failed on {photo!r}: {type(exc).__name__}") from None

    def find_face(self, pixels: np.ndarray, *, field: str):
        """The single face's rectangle, or FACE_NOT_FOUND / FACE_MULTIPLE."""
        faces = self._detect(pixels, upsample=0)
        if not faces:
            faces = self._detect(pixels, upsample=1)
        if not faces:
            raise FaceNotFound(photo=field)
        _best_score, best = faces[0]
        for score, other in faces[1:]:
            if score >= SECOND_FACE_MIN_SCORE and _overlap(best, other) < SAME_FACE_OVERLAP:
                raise FaceMultiple(photo=field)
        return best

    def describe(self, pixels: np.ndarray, face) -> np.ndarray:
        shape = self._predictor(pixels, face)
        return np.array(self._encoder.compute_face_descriptor(pixels, shape, 1))

    def _detect(self, pixels: np.ndarray, *, upsample: int) -> list:
        rects, scores, _kinds = self._detector.run(pixels, upsample, 0.0)
        return sorted(zip(scores, rects, strict=True), key=lambda pair: -pair[0])


def _overlap(a, b) -> float:
    """Intersection area over the smaller box's area."""
    inter = a.intersect(b)
    if inter.is_empty():
        return 0.0
    return inter.area() / max(1, min(a.area(), b.area()))
