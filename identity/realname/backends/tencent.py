"""Tencent Cloud FaceID ``ImageRecognition`` (照片人脸核身 / 身份证人像核验):
the real-name provider adapter.

The provider compares one photo with the public-security ID photo of a
resident ID number and name. Request (API 3.0, service ``faceid``, version
``2018-03-01``; the action is ``REALNAME_TENCENT_ACTION``, default
``ImageRecognition``; ``ImageRecognitionV2``, the one Tencent offers to new
accounts, takes the same body and answers the same shape)::

    POST https://faceid.tencentcloudapi.com/
    Content-Type: application/json; charset=utf-8
    X-TC-Action: ImageRecognition     X-TC-Version: 2018-03-01
    X-TC-Timestamp: <unix seconds>    [X-TC-Region: <REALNAME_TENCENT_REGION>]
    Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<UTC date>/faceid/tc3_request,
                   SignedHeaders=content-type;host, Signature=<hex>

    {"IdCard": "<18 characters>", "Name": "<UTF-8>", "ImageBase64": "<JPEG base64>"}

Answer (HTTP 200 either way)::

    {"Response": {"Result": "Success", "Description": "成功", "Sim": 89.88, "RequestId": "..."}}
    {"Response": {"Result": "FailedOperation.CompareLowSimilarity", "Sim": 41.2, ...}}
    {"Response": {"Error": {"Code": "...", "Message": "..."}, "RequestId": "..."}}

``Result`` is ``Success`` (``"0"`` is accepted too) when the provider calls
it the same person; the hub also wants ``Sim`` (0..100) at least
``REALNAME_TENCENT_MIN_SIM``. Tencent documents 70 and 80 as the
false-accept rates 1/1,000 and 1/10,000 for ``ImageRecognition`` (70 is
1/10,000 for ``ImageRecognitionV2``). The business codes arrive either as the
``Result`` or as ``Error.Code``; this adapter sorts them the same way:

* about the person (a ``Verdict``, counted as a failed attempt):
  ``FailedOperation.CompareLowSimilarity`` / ``CompareFail`` -> mismatch;
  ``IdNoExistSystem``, ``IdNameMisMatch``, ``IdPhotoNoExist``,
  ``IdPhotoPoorQuality``, ``IdFormatError``, ``NameFormatError`` -> no record;
  ``LifePhotoDetectFake`` -> not live;
* about the selfie (the patient retakes it): ``LifePhotoDetectNoFaces`` ->
  ``FACE_NOT_FOUND``, ``LifePhotoDetectFaces`` -> ``FACE_MULTIPLE``,
  ``LifePhotoPoorQuality`` / ``LifePhotoSizeError`` -> ``REALNAME_PHOTO_REFUSED``;
* transient -> ``RealNameProviderUnavailable`` (503, not counted): network
  errors and timeouts, HTTP 5xx / 408 / 429, a 2xx body that is not the API's
  JSON, ``InternalError*``, ``RequestLimitExceeded*``,
  ``FailedOperation.RequestLimitExceeded``, ``CompareSystemError``,
  ``IdPhotoSystemNoanswer``, ``CompareLibServiceUnavailable``, ``UnKnown``;
* permanent -> ``RealNameProviderFailed`` (502, not counted, logged as an
  error for the operator): ``AuthFailure.*`` (keys, signature, clock),
  ``UnauthorizedOperation.*`` (service not opened, arrears),
  ``InvalidParameter*``, ``UnsupportedOperation``, ``LimitExceeded*``, any
  other HTTP 4xx, any unknown code, a ``Success`` without a usable ``Sim``,
  an answer without ``Result``, missing credentials.

The selfie is sent as a JPEG re-encoded from the decoded pixels (longest side
at most 1024 px): the provider's 3 MB base64 limit always holds, the EXIF
orientation is applied, and the phone's EXIF metadata (GPS position, device)
never leaves the hub. Nothing of the request (name, ID number, photo) nor the
secret key is logged: log lines carry the action, RequestId, code and time.

The TC3-HMAC-SHA256 signer is the face adapter's
(``identity.face.backends.tencent.authorization``), checked there against
Tencent's published example.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import math
import threading
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables
from PIL import Image

from hub.http import is_transient_status
from identity.face import FaceError, FaceMultiple, FaceNotFound
from identity.face.backends.tencent import signed_headers
from identity.realname.base import Outcome, Verdict
from identity.realname.errors import (
    RealNamePhotoRefused,
    RealNameProviderFailed,
    RealNameProviderUnavailable,
)

logger = logging.getLogger(__name__)

SERVICE = "faceid"
VERSION = "2018-03-01"
SUCCESS = frozenset({"Success", "0"})
#: Longest side of the JPEG sent to the provider.
SEND_MAX_SIDE = 1024
SEND_JPEG_QUALITY = 90

_OUTCOMES: dict[str, Outcome] = {
    "FailedOperation.CompareLowSimilarity": Outcome.MISMATCH,
    "FailedOperation.CompareFail": Outcome.MISMATCH,
    "FailedOperation.IdNoExistSystem": Outcome.NO_RECORD,
    "FailedOperation.IdNameMisMatch": Outcome.NO_RECORD,
    "FailedOperation.IdPhotoNoExist": Outcome.NO_RECORD,
    "FailedOperation.IdPhotoPoorQuality": Outcome.NO_RECORD,
    "FailedOperation.IdFormatError": Outcome.NO_RECORD,
    "FailedOperation.NameFormatError": Outcome.NO_RECORD,
    "FailedOperation.LifePhotoDetectFake": Outcome.NOT_LIVE,
}
_PHOTO_ERRORS: dict[str, type[FaceError] | type[RealNamePhotoRefused]] = {
    "FailedOperation.LifePhotoDetectNoFaces": FaceNotFound,
    "FailedOperation.LifePhotoDetectFaces": FaceMultiple,
    "FailedOperation.LifePhotoPoorQuality": RealNamePhotoRefused,
    "FailedOperation.LifePhotoSizeError": RealNamePhotoRefused,
}
_TRANSIENT_CODES = frozenset(
    {
        "FailedOperation.RequestLimitExceeded",
        "FailedOperation.CompareSystemError",
        "FailedOperation.IdPhotoSystemNoanswer",
        "FailedOperation.CompareLibServiceUnavailable",
        "FailedOperation.UnKnown",
    }
)
_TRANSIENT_PREFIXES = ("InternalError", "RequestLimitExceeded")


def selfie_jpeg(pixels) -> bytes:
    """The decoded selfie (RGB ``uint8``) as a JPEG without metadata."""
    image = Image.fromarray(pixels)
    if max(image.size) > SEND_MAX_SIDE:
        image.thumbnail((SEND_MAX_SIDE, SEND_MAX_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=SEND_JPEG_QUALITY)
    return buffer.getvalue()


class TencentFaceIdBackend:
    name = "tencent-faceid"
    max_side = SEND_MAX_SIDE
    available = True

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def action(self) -> str:
        return settings.REALNAME_TENCENT_ACTION

    @sensitive_variables()
    def verify(self, *, id_number: str, name: str, selfie) -> Verdict:
        body = {
            "IdCard": id_number,
            "Name": name,
            "ImageBase64": base64.b64encode(selfie_jpeg(selfie.pixels)).decode("ascii"),
        }
        answer = self._call(body)
        error = answer.get("Error")
        if error:
            code = str(error.get("Code", "") if isinstance(error, dict) else "")
            return self._coded(code, _request_id(answer))
        return self._verdict(answer)

    # --- The answer ------------------------------------------------------------------
    def _verdict(self, answer: dict) -> Verdict:
        request_id = _request_id(answer)
        result = answer.get("Result")
        if not isinstance(result, str) or not result:
            logger.error(
                "tencent %s: answer without a Result request_id=%s", self.action, request_id
            )
            raise RealNameProviderFailed()
        score = _sim(answer.get("Sim"))
        if result in SUCCESS:
            if score is None:
                logger.error(
                    "tencent %s: Success without a usable Sim request_id=%s",
                    self.action,
                    request_id,
                )
                raise RealNameProviderFailed()
            threshold = float(settings.REALNAME_TENCENT_MIN_SIM)
            outcome = Outcome.MATCH if score >= threshold else Outcome.MISMATCH
            logger.info(
                "tencent %s: %s sim=%.2f threshold=%.2f request_id=%s",
                self.action,
                outcome,
                score,
                threshold,
                request_id,
            )
            return Verdict(outcome, request_id, self.name, score=score, provider_code=result)
        return self._coded(result, request_id, score)

    def _coded(self, code: str, request_id: str, score: float | None = None) -> Verdict:
        """A business or error code: a verdict about the person, or a raise."""
        if code in _OUTCOMES:
            logger.info("tencent %s: %s request_id=%s", self.action, code, request_id)
            return Verdict(_OUTCOMES[code], request_id, self.name, score=score, provider_code=code)
        if code in _PHOTO_ERRORS:
            logger.info("tencent %s: %s request_id=%s", self.action, code, request_id)
            raise _PHOTO_ERRORS[code]()
        if code in _TRANSIENT_CODES or code.startswith(_TRANSIENT_PREFIXES):
            logger.warning("tencent %s: %s request_id=%s", self.action, code, request_id)
            raise RealNameProviderUnavailable()
        logger.error(
            "tencent %s: %s request_id=%s (needs an operator)", self.action, code[:100], request_id
        )
        raise RealNameProviderFailed()

    # --- The call ----------------------------------------------------------------------
    @sensitive_variables()
    def _call(self, params: dict) -> dict:
        secret_id = settings.REALNAME_TENCENT_SECRET_ID
        secret_key = settings.REALNAME_TENCENT_SECRET_KEY
        if not secret_id or not secret_key:
            logger.error("tencent %s: REALNAME_TENCENT_SECRET_ID/KEY are not set", self.action)
            raise RealNameProviderFailed()
        url = settings.REALNAME_TENCENT_URL.rstrip("/") + "/"
        host = urlsplit(url).netloc
        payload = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = signed_headers(
            secret_id=secret_id,
            secret_key=secret_key,
            service=SERVICE,
            host=host,
            action=self.action,
            version=VERSION,
            payload=payload,
            region=settings.REALNAME_TENCENT_REGION or "",
        )
        read_timeout = float(settings.REALNAME_TENCENT_TIMEOUT)
        started = time.monotonic()
        try:
            response = self._session().post(
                url, data=payload, headers=headers, timeout=(min(3.0, read_timeout), read_timeout)
            )
        except requests.RequestException as exc:
            logger.warning("tencent %s: %s", self.action, type(exc).__name__)
            raise RealNameProviderUnavailable() from None
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return self._answer(response, elapsed_ms)

    def _answer(self, response: requests.Response, elapsed_ms: int) -> dict:
        status = response.status_code
        if is_transient_status(status):
            logger.warning("tencent %s: HTTP %s in %d ms", self.action, status, elapsed_ms)
            raise RealNameProviderUnavailable()
        try:
            answer = response.json()["Response"]
            if not isinstance(answer, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            if status >= 400:
                logger.error("tencent %s: HTTP %s, not an API answer", self.action, status)
                raise RealNameProviderFailed() from None
            logger.warning("tencent %s: HTTP %s, not an API answer", self.action, status)
            raise RealNameProviderUnavailable() from None
        request_id = _request_id(answer)
        if answer.get("Error"):
            return answer
        if status != 200:
            logger.error("tencent %s: HTTP %s request_id=%s", self.action, status, request_id)
            raise RealNameProviderFailed()
        logger.info(
            "tencent %s: answered in %d ms request_id=%s", self.action, elapsed_ms, request_id
        )
        return answer

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session


def _request_id(answer: dict) -> str:
    return str(answer.get("RequestId") or "-")[:64]


def _sim(value) -> float | None:
    """``Sim`` as a float in 0..100, or None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        score = float(value)
    except ValueError:
        return None
    if not math.isfinite(score) or not 0.0 <= score <= 100.0:
        return None
    return score
