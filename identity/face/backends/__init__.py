"""Face backends: ``dlib_local`` (embedded default, no network) and
``tencent`` (Tencent Cloud IAI CompareFace). Chosen by ``FACE_BACKEND``."""
