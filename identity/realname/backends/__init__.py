"""Real-name backends, chosen by ``settings.REALNAME_BACKEND`` (a dotted path).

* ``identity.realname.backends.tencent.TencentFaceIdBackend``: Tencent Cloud
  FaceID ``ImageRecognition`` (身份证人像核验), the production adapter;
* ``identity.realname.backends.fake.FakeBackend``: synthetic residents and
  their photos, compared with the local face 1:1 (the embedded default);
* ``identity.realname.backends.disabled.DisabledBackend``: no provider
  configured (the production default): registration is refused as
  unavailable.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

_backends: dict = {}
_lock = threading.Lock()


def get_backend(path: str | None = None):
    """The shared backend instance for ``path`` (default ``settings.REALNAME_BACKEND``)."""
    path = path or settings.REALNAME_BACKEND
    backend = _backends.get(path)
    if backend is None:
        with _lock:
            backend = _backends.get(path)
            if backend is None:
                backend = import_string(path)()
                _backends[path] = backend
    return backend
