"""Tencent Cloud IAI ``CompareFace``: a certified provider for the 1:1 check.

Why this API: FaceID ``ImageRecognitionV2`` compares *one* photo with the
public-security database by ID number and name; the kiosk has two photos (the
ID card's chip photo and a live one), which is what IAI ``CompareFace``
compares. (A city that wants the public-security check adds another adapter
with the same ``compare`` method.)

Request (API 3.0, version ``2020-03-03``)::

    POST https://iai.tencentcloudapi.com/
    Content-Type: application/json; charset=utf-8
    X-TC-Action: CompareFace        X-TC-Version: 2020-03-03
    X-TC-Timestamp: <unix seconds>  X-TC-Region: <FACE_PROVIDER_REGION>
    Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<UTC date>/iai/tc3_request,
                   SignedHeaders=content-type;host, Signature=<hex>

    {"ImageA": "<base64>", "ImageB": "<base64>", "FaceModelVersion": "3.0"}

Answer: ``{"Response": {"Score": 0..100, "FaceModelVersion": "3.0",
"RequestId": "..."}}`` or ``{"Response": {"Error": {"Code": "...", "Message":
"..."}, "RequestId": "..."}}`` (HTTP 200 either way). With model 3.0 a score
of 40 / 50 / 60 corresponds to false-accept rates of 1e-3 / 1e-4 / 1e-5;
``FACE_PROVIDER_SCORE_THRESHOLD`` (default 50) is the score needed to match.
The provider compares the *largest* face of each picture, so this backend
cannot refuse a second face the way the local one does.

Failure classes (conventions: one module per outside system):

* transient -> ``FaceProviderUnavailable`` (503, retry later with backoff, the
  patient's attempt is not counted): connection errors and timeouts, HTTP 5xx
  and 429, a 2xx body that is not the API's JSON, and the codes ``InternalError*``,
  ``RequestLimitExceeded*``, ``FailedOperation.RequestLimitExceeded``,
  ``FailedOperation.RequestTimeout``, ``FailedOperation.ServerError``,
  ``FailedOperation.UnKnowError``.
* permanent, the photo's fault -> the local refusal with the same meaning:
  ``InvalidParameterValue.NoFaceInPhoto``, ``FailedOperation.ImageFacedetectFailed``,
  ``FailedOperation.FaceQualityNotQualified`` -> ``FACE_NOT_FOUND``;
  ``FailedOperation.ImageDecodeFailed``, ``InvalidParameterValue.ImageEmpty``
  -> ``FACE_IMAGE_UNDECODABLE``; ``FailedOperation.ImageSizeExceed``,
  ``FailedOperation.ImageResolutionExceed`` -> ``FACE_IMAGE_TOO_LARGE``;
  ``FailedOperation.ImageResolutionTooSmall``, ``FailedOperation.FaceSizeTooSmall``
  -> ``FACE_IMAGE_TOO_SMALL``.
* permanent, configuration -> ``FaceProviderFailed`` (502, never retried,
  logged as an error for the operator): ``AuthFailure.*`` (wrong keys, bad
  signature, clock skew), ``UnauthorizedOperation.*``, ``ResourceUnavailable.*``
  and ``ResourcesSoldOut.*`` (service not opened, account in arrears),
  ``LimitExceeded*`` (quota), ``InvalidParameter*``, ``MissingParameter*``,
  ``UnsupportedOperation*``, ``InvalidAction``, any other HTTP 4xx (with or
  without the API's JSON), any unknown code, missing credentials.

Photos go to the provider only in the request body; nothing of them (nor the
secret key) is logged: log lines carry the action, RequestId, error code and
elapsed time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from django.conf import settings

from hub.http import is_transient_status
from identity.face.base import FaceResult
from identity.face.errors import (
    FaceError,
    FaceImageTooLarge,
    FaceImageTooSmall,
    FaceImageUndecodable,
    FaceNotFound,
    FaceProviderFailed,
    FaceProviderUnavailable,
)
from identity.face.images import Photo

logger = logging.getLogger(__name__)

SERVICE = "iai"
ACTION = "CompareFace"
VERSION = "2020-03-03"
FACE_MODEL_VERSION = "3.0"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"

_PHOTO_ERRORS: dict[str, type[FaceError]] = {
    "InvalidParameterValue.NoFaceInPhoto": FaceNotFound,
    "FailedOperation.ImageFacedetectFailed": FaceNotFound,
    "FailedOperation.FaceQualityNotQualified": FaceNotFound,
    "FailedOperation.ImageDecodeFailed": FaceImageUndecodable,
    "InvalidParameterValue.ImageEmpty": FaceImageUndecodable,
    "InvalidParameterValue.ImageEmptyError": FaceImageUndecodable,
    "FailedOperation.ImageSizeExceed": FaceImageTooLarge,
    "FailedOperation.ImageResolutionExceed": FaceImageTooLarge,
    "FailedOperation.ImageResolutionTooSmall": FaceImageTooSmall,
    "FailedOperation.FaceSizeTooSmall": FaceImageTooSmall,
}
_TRANSIENT_CODES = {
    "FailedOperation.RequestLimitExceeded",
    "FailedOperation.RequestTimeout",
    "FailedOperation.ServerError",
    "FailedOperation.UnKnowError",
}
_TRANSIENT_PREFIXES = ("InternalError", "RequestLimitExceeded")


def tc3_signature(
    *,
    secret_key: str,
    service: str,
    timestamp: int,
    canonical_request: str,
) -> str:
    """The hex TC3-HMAC-SHA256 signature of a canonical request.

    StringToSign = algorithm, timestamp, "<date>/<service>/tc3_request" and
    SHA-256(canonical request), joined by newlines; the key is derived by
    HMAC-SHA256 chaining "TC3"+SecretKey -> UTC date -> service -> "tc3_request".
    """
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"
    key = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    key = _hmac(key, service)
    key = _hmac(key, "tc3_request")
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def canonical_request(
    *, method: str, uri: str, query: str, headers: dict[str, str], payload: bytes
) -> tuple[str, str]:
    """(canonical request, signed header list) for ``headers`` (name -> value).

    Header names and values are lower-cased and trimmed, sorted by name.
    """
    items = sorted((name.lower().strip(), value.strip().lower()) for name, value in headers.items())
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in items)
    signed = ";".join(name for name, _value in items)
    hashed_payload = hashlib.sha256(payload).hexdigest()
    request = f"{method}\n{uri}\n{query}\n{canonical_headers}\n{signed}\n{hashed_payload}"
    return request, signed


def authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    timestamp: int,
    payload: bytes,
    content_type: str = CONTENT_TYPE,
) -> str:
    """The ``Authorization`` header of a POST to ``/`` signing content-type and host."""
    request, signed = canonical_request(
        method="POST",
        uri="/",
        query="",
        headers={"content-type": content_type, "host": host},
        payload=payload,
    )
    signature = tc3_signature(
        secret_key=secret_key, service=service, timestamp=timestamp, canonical_request=request
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    return (
        f"{ALGORITHM} Credential={secret_id}/{date}/{service}/tc3_request, "
        f"SignedHeaders={signed}, Signature={signature}"
    )


def signed_headers(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    action: str,
    version: str,
    payload: bytes,
    region: str = "",
) -> dict[str, str]:
    """The headers of a signed TC3 POST of ``payload`` (JSON) to ``host``, now
    (shared by every Tencent Cloud adapter: face compare, real-name check)."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Timestamp": str(timestamp),
        "Authorization": authorization(
            secret_id=secret_id,
            secret_key=secret_key,
            service=service,
            host=host,
            timestamp=timestamp,
            payload=payload,
        ),
    }
    if region:
        headers["X-TC-Region"] = region
    return headers


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


class TencentBackend:
    name = "tencent-iai"
    # The provider decodes the original file itself; local pixels are only a
    # validation by-product, so keep them small.
    max_side = 256

    def __init__(self) -> None:
        self._local = threading.local()

    def compare(self, id_photo: Photo, live_photo: Photo) -> FaceResult:
        threshold = float(settings.FACE_PROVIDER_SCORE_THRESHOLD)
        answer = self._call(
            {
                "ImageA": base64.b64encode(id_photo.data).decode("ascii"),
                "ImageB": base64.b64encode(live_photo.data).decode("ascii"),
                "FaceModelVersion": FACE_MODEL_VERSION,
            }
        )
        try:
            score = float(answer["Score"])
        except (KeyError, TypeError, ValueError):
            logger.error("tencent %s: answer without a Score", ACTION)
            raise FaceProviderFailed() from None
        return FaceResult(
            match=score >= threshold,
            distance=None,
            backend=self.name,
            threshold=threshold,
            score=score,
        )

    def _call(self, params: dict) -> dict:
        secret_id = settings.FACE_PROVIDER_SECRET_ID
        secret_key = settings.FACE_PROVIDER_SECRET_KEY
        if not secret_id or not secret_key:
            logger.error("tencent %s: FACE_PROVIDER_SECRET_ID/KEY are not set", ACTION)
            raise FaceProviderFailed()
        url = settings.FACE_PROVIDER_URL.rstrip("/") + "/"
        host = urlsplit(url).netloc
        payload = json.dumps(params, separators=(",", ":")).encode("utf-8")
        headers = signed_headers(
            secret_id=secret_id,
            secret_key=secret_key,
            service=SERVICE,
            host=host,
            action=ACTION,
            version=VERSION,
            payload=payload,
            region=settings.FACE_PROVIDER_REGION or "",
        )
        read_timeout = float(settings.FACE_PROVIDER_TIMEOUT)
        started = time.monotonic()
        try:
            response = self._session().post(
                url, data=payload, headers=headers, timeout=(min(3.0, read_timeout), read_timeout)
            )
        except requests.RequestException as exc:
            logger.warning("tencent %s: %s", ACTION, type(exc).__name__)
            raise FaceProviderUnavailable() from None
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return self._answer(response, elapsed_ms)

    def _answer(self, response: requests.Response, elapsed_ms: int) -> dict:
        status = response.status_code
        if is_transient_status(status):
            logger.warning("tencent %s: HTTP %s in %d ms", ACTION, status, elapsed_ms)
            raise FaceProviderUnavailable()
        try:
            answer = response.json()["Response"]
            if not isinstance(answer, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            if status >= 400:
                # A 4xx page that is not the API's: wrong URL or a proxy refusing us.
                logger.error("tencent %s: HTTP %s, not an API answer", ACTION, status)
                raise FaceProviderFailed() from None
            logger.warning("tencent %s: HTTP %s, not an API answer", ACTION, status)
            raise FaceProviderUnavailable() from None
        request_id = str(answer.get("RequestId", "-"))[:64]
        error = answer.get("Error")
        if status != 200 and not error:
            logger.error("tencent %s: HTTP %s request_id=%s", ACTION, status, request_id)
            raise FaceProviderFailed()
        if error:
            code = str(error.get("Code", "") if isinstance(error, dict) else "")[:100]
            raise self._error(code, request_id, elapsed_ms)
        logger.info("tencent %s: ok request_id=%s in %d ms", ACTION, request_id, elapsed_ms)
        return answer

    @staticmethod
    def _error(code: str, request_id: str, elapsed_ms: int) -> FaceError:
        if code in _PHOTO_ERRORS:
            logger.info("tencent %s: %s request_id=%s", ACTION, code, request_id)
            return _PHOTO_ERRORS[code]()
        if code in _TRANSIENT_CODES or code.startswith(_TRANSIENT_PREFIXES):
            logger.warning(
                "tencent %s: %s request_id=%s in %d ms", ACTION, code, request_id, elapsed_ms
            )
            return FaceProviderUnavailable()
        logger.error("tencent %s: %s request_id=%s (needs an operator)", ACTION, code, request_id)
        return FaceProviderFailed()

    def _session(self) -> requests.Session:
        # One keep-alive session per thread: the TLS handshake to the provider
        # costs more than the comparison's own network time.
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session
