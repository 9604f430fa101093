"""The Tencent Cloud IAI CompareFace adapter against a local stub of its API.

The stub (a threaded ``http.server`` on an ephemeral port) checks the
TC3-HMAC-SHA256 signature exactly as documented, recomputing it from the
request it received, and answers in the provider's shape: ``{"Response":
{"Score": ...}}`` or ``{"Response": {"Error": {"Code", "Message"}}}``. For the
comparison itself it runs the local dlib model on the two images and turns
the distance into a 0..100 score (a stand-in; the real scale is Tencent's).
"""

import base64
import hashlib
import hmac
import importlib.util
import json
import logging
import socket
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from identity.face import FaceCode, FaceError, FaceNotFound, compare_faces
from identity.face.backends import tencent
from identity.face.images import load_image

SECRET_ID = "AKIDstub0000000000000000000000000000"
SECRET_KEY = "stub-secret-key-0123456789abcdef"
TENCENT_BACKEND = "identity.face.backends.tencent.TencentBackend"


def _error(code: str, message: str) -> dict:
    return {"Error": {"Code": code, "Message": message}}


class StubIAI(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, face_backend):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.face_backend = face_backend
        self.requests: list[dict] = []
        self.script: list[dict] = []  # scripted answers, used first

    def handle_error(self, request, client_address):
        # The timeout test hangs up before the delayed answer is written.
        pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: StubIAI

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append({"headers": dict(self.headers), "body": body})
        scripted = self.server.script.pop(0) if self.server.script else None
        if scripted and "delay" in scripted:
            time.sleep(scripted["delay"])
        if scripted and "status" in scripted:
            self._send(scripted["status"], b"<html>bad gateway</html>", "text/html")
            return
        answer = self._check_signature(body)
        if answer is None and scripted and "error" in scripted:
            answer = _error(scripted["error"], "scripted")
        if answer is None:
            answer = self._compare(body)
        answer["RequestId"] = str(uuid.uuid4())
        self._send(200, json.dumps({"Response": answer}).encode(), "application/json")

    def _send(self, status: int, payload: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _check_signature(self, body: bytes) -> dict | None:
        """The provider's signature check, written from the documentation."""
        auth = self.headers.get("Authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
            secret_id, date, service, terminator = fields["Credential"].split("/")
            signed_headers = fields["SignedHeaders"].split(";")
            timestamp = int(self.headers["X-TC-Timestamp"])
        except (ValueError, KeyError):
            return _error("AuthFailure.InvalidAuthorization", "Authorization is invalid.")
        if algorithm != "TC3-HMAC-SHA256" or terminator != "tc3_request" or service != "iai":
            return _error("AuthFailure.InvalidAuthorization", "Authorization is invalid.")
        if secret_id != SECRET_ID:
            return _error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        if abs(time.time() - timestamp) > 300:
            return _error("AuthFailure.SignatureExpire", "Signature expired.")
        if date != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d"):
            return _error("AuthFailure.SignatureFailure", "The credential date is wrong.")
        if not {"content-type", "host"} <= set(signed_headers):
            return _error("AuthFailure.SignatureFailure", "content-type and host must be signed.")
        canonical_headers = "".join(
            f"{name}:{self.headers.get(name, '').strip().lower()}\n" for name in signed_headers
        )
        canonical = "\n".join(
            [
                self.command,
                "/",
                "",
                canonical_headers,
                ";".join(signed_headers),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                str(timestamp),
                f"{date}/{service}/tc3_request",
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )
        key = ("TC3" + SECRET_KEY).encode()
        for part in (date, service, "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return _error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. "
                "Please check your signature is correct.",
            )
        return None

    def _compare(self, body: bytes) -> dict:
        if self.headers.get("X-TC-Action") != "CompareFace":
            return _error("InvalidAction", "The action is not supported.")
        if self.headers.get("X-TC-Version") != "2020-03-03":
            return _error("InvalidParameter", "The version is not supported.")
        params = json.loads(body)
        embeddings = []
        for name in ("ImageA", "ImageB"):
            if not params.get(name):
                return _error("InvalidParameterValue.ImageEmpty", "The image is empty.")
            try:
                photo = load_image(base64.b64decode(params[name]), field=name, max_side=800)
                embeddings.append(self.server.face_backend.embed(photo))
            except FaceNotFound:
                return _error("InvalidParameterValue.NoFaceInPhoto", "No face in the photo.")
            except FaceError:
                return _error("FailedOperation.ImageDecodeFailed", "Image decode failed.")
        distance = float(np.linalg.norm(embeddings[0] - embeddings[1]))
        return {
            "Score": round(max(0.0, 100.0 * (1 - distance / 1.2)), 2),
            "FaceModelVersion": "3.0",
        }


@pytest.fixture(scope="module")
def stub(face_backend):
    server = StubIAI(face_backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def provider(stub, settings):
    stub.requests.clear()
    stub.script.clear()
    settings.FACE_BACKEND = TENCENT_BACKEND
    settings.FACE_PROVIDER_URL = stub.url
    settings.FACE_PROVIDER_SECRET_ID = SECRET_ID
    settings.FACE_PROVIDER_SECRET_KEY = SECRET_KEY
    settings.FACE_PROVIDER_REGION = "ap-guangzhou"
    settings.FACE_PROVIDER_TIMEOUT = 2.0
    return stub


def _refusal(face_photos, a="astronaut", b="astronaut_mirror") -> FaceError:
    with pytest.raises(FaceError) as caught:
        compare_faces(face_photos[a], face_photos[b])
    return caught.value


def test_signature_matches_the_documented_example():
    # Tencent Cloud's published TC3 example (cvm DescribeInstances).
    header = tencent.authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        service="cvm",
        host="cvm.tencentcloudapi.com",
        timestamp=1551113065,
        payload=b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], '
        b'"Name": "instance-name"}]}',
    )
    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )


def test_same_person_is_a_match_with_the_providers_score(provider, face_photos):
    result = compare_faces(face_photos["astronaut"], face_photos["astronaut_mirror"])
    assert result.match is True
    assert result.backend == "tencent-iai"
    assert result.distance is None
    assert result.score >= 50 == result.threshold
    assert result.audit_details()["score"] == round(result.score, 2)

    (sent,) = provider.requests
    body = json.loads(sent["body"])
    assert set(body) == {"ImageA", "ImageB", "FaceModelVersion"}
    assert body["FaceModelVersion"] == "3.0"
    assert base64.b64decode(body["ImageA"]) == base64.b64decode(face_photos["astronaut"])
    assert sent["headers"]["X-TC-Action"] == "CompareFace"
    assert sent["headers"]["X-TC-Version"] == "2020-03-03"
    assert sent["headers"]["X-TC-Region"] == "ap-guangzhou"


def test_data_url_photos_are_sent_as_plain_base64(provider, face_photos):
    compare_faces("data:image/png;base64," + face_photos["astronaut"], face_photos["astronaut"])
    body = json.loads(provider.requests[0]["body"])
    assert body["ImageA"] == face_photos["astronaut"]


def test_different_people_are_a_mismatch(provider, face_photos):
    result = compare_faces(face_photos["astronaut"], face_photos["grace"])
    assert result.match is False
    assert result.score < 50


def test_provider_no_face_code_becomes_face_not_found(provider, face_photos):
    error = _refusal(face_photos, "astronaut", "coffee")
    assert error.code == FaceCode.FACE_NOT_FOUND
    assert error.http_status == 400


def test_local_validation_runs_before_the_provider_is_paid(provider, face_photos):
    with pytest.raises(FaceError) as caught:
        compare_faces("not base64!", face_photos["astronaut"])
    assert caught.value.code == FaceCode.FACE_NOT_BASE64
    assert provider.requests == []


@pytest.mark.parametrize(
    ("setting", "value"),
    [("FACE_PROVIDER_SECRET_KEY", "wrong-key"), ("FACE_PROVIDER_SECRET_ID", "AKIDunknown")],
)
def test_rejected_credentials_are_a_permanent_provider_failure(
    provider, face_photos, settings, setting, value
):
    setattr(settings, setting, value)
    error = _refusal(face_photos)
    assert error.code == FaceCode.FACE_PROVIDER_FAILED
    assert error.http_status == 502
    assert error.transient is False


def test_missing_credentials_fail_without_calling_the_provider(provider, face_photos, settings):
    settings.FACE_PROVIDER_SECRET_KEY = ""
    assert _refusal(face_photos).code == FaceCode.FACE_PROVIDER_FAILED
    assert provider.requests == []


@pytest.mark.parametrize(
    ("script", "code"),
    [
        ({"error": "InternalError"}, FaceCode.FACE_PROVIDER_UNAVAILABLE),
        ({"error": "RequestLimitExceeded"}, FaceCode.FACE_PROVIDER_UNAVAILABLE),
        ({"error": "FailedOperation.ServerError"}, FaceCode.FACE_PROVIDER_UNAVAILABLE),
        ({"status": 502}, FaceCode.FACE_PROVIDER_UNAVAILABLE),
        ({"status": 404}, FaceCode.FACE_PROVIDER_FAILED),
        ({"error": "ResourceUnavailable.InArrears"}, FaceCode.FACE_PROVIDER_FAILED),
        ({"error": "InvalidParameter.InvalidParameter"}, FaceCode.FACE_PROVIDER_FAILED),
        ({"error": "FailedOperation.ImageDecodeFailed"}, FaceCode.FACE_IMAGE_UNDECODABLE),
        ({"error": "FailedOperation.ImageResolutionTooSmall"}, FaceCode.FACE_IMAGE_TOO_SMALL),
        ({"error": "FailedOperation.ImageSizeExceed"}, FaceCode.FACE_IMAGE_TOO_LARGE),
    ],
)
def test_provider_errors_are_sorted_into_their_classes(provider, face_photos, script, code):
    provider.script.append(script)
    error = _refusal(face_photos)
    assert error.code == code
    assert error.transient is (code == FaceCode.FACE_PROVIDER_UNAVAILABLE)


def test_transient_failure_is_503(provider, face_photos):
    provider.script.append({"error": "InternalError"})
    assert _refusal(face_photos).http_status == 503


def test_a_slow_provider_times_out_as_transient(provider, face_photos, settings):
    settings.FACE_PROVIDER_TIMEOUT = 0.2
    provider.script.append({"delay": 1.0})
    assert _refusal(face_photos).code == FaceCode.FACE_PROVIDER_UNAVAILABLE


def test_an_unreachable_provider_is_transient(provider, face_photos, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.FACE_PROVIDER_URL = f"http://127.0.0.1:{port}"
    assert _refusal(face_photos).code == FaceCode.FACE_PROVIDER_UNAVAILABLE


def test_neither_photos_nor_the_secret_reach_the_logs(provider, face_photos, caplog):
    caplog.set_level(logging.DEBUG)
    compare_faces(face_photos["astronaut"], face_photos["astronaut_mirror"])
    provider.script.append({"error": "AuthFailure.SignatureFailure"})
    _refusal(face_photos)
    logged = caplog.text
    assert "tencent CompareFace: ok request_id=" in logged
    assert "AuthFailure.SignatureFailure" in logged
    assert SECRET_KEY not in logged
    for name in ("astronaut", "astronaut_mirror"):
        photo = face_photos[name]
        assert photo[len(photo) // 2 :][:24] not in logged


def test_production_settings_require_the_provider_keys(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "production")
    for name in ("SECRET_KEY", "HUB_MASTER_KEY", "HUB_DIGEST_KEY"):
        monkeypatch.setenv(name, "00112233445566778899aabbccddeeff")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub_face")
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        monkeypatch.setenv(name, "redis://127.0.0.1:6379/6")
    monkeypatch.setenv("PROVINCE_BASE_URL", "https://province.example")
    monkeypatch.setenv("PROVINCE_VIEWER_URL", "https://province.example/viewer")
    monkeypatch.setenv("FACE_BACKEND", TENCENT_BACKEND)
    monkeypatch.setenv("FACE_PROVIDER_SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("FACE_PROVIDER_SECRET_ID", raising=False)
    # A fresh copy of the settings module; the live settings are untouched.
    spec = importlib.util.find_spec("hub.settings")
    module = importlib.util.module_from_spec(spec)
    with pytest.raises(ImproperlyConfigured, match="FACE_PROVIDER_SECRET_ID"):
        spec.loader.exec_module(module)
