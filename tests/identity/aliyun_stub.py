"""A local stand-in for Aliyun Dysmsapi ``SendSms`` (RPC, signature 1.0).

It recomputes the signature independently of ``identity.sms.aliyun_signing``
and answers with the provider's real codes and shapes: gateway refusals
(``SignatureDoesNotMatch``, ``InvalidAccessKeyId.NotFound``,
``InvalidTimeStamp.Expired``, ``SignatureNonceUsed``, ``MissingParameter``)
with HTTP 4xx; business answers with HTTP 200 (``OK``,
``isv.MOBILE_NUMBER_ILLEGAL``, ``isv.BUSINESS_LIMIT_CONTROL`` when a number
gets a second message within a minute, the provider's default flow control).
``mode`` forces an answer: ``rate_limit``, ``amount``, ``slow``, ``unavailable``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

HOST_ID = "dysmsapi.aliyuncs.com"
REQUIRED = (
    "AccessKeyId",
    "Action",
    "Format",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Version",
    "PhoneNumbers",
    "SignName",
    "TemplateCode",
)
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def enc(text: str) -> str:
    return "".join(
        chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in text.encode("utf-8")
    )


def expected_signature(secret: str, method: str, params: dict[str, str]) -> tuple[str, str]:
    query = "&".join(f"{enc(k)}={enc(params[k])}" for k in sorted(params) if k != "Signature")
    to_sign = f"{method}&{enc('/')}&{enc(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode(), to_sign


class AliyunStub:
    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys
        self.mode: str | None = None
        self.received: list[dict[str, str]] = []
        self.nonces: set[str] = set()
        self.last_sent: dict[str, float] = {}
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                status, answer = stub.answer("POST", body)
                if stub.mode == "slow":
                    time.sleep(1.0)
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> AliyunStub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- The provider's behaviour ----------------------------------------------
    def answer(self, method: str, body: str) -> tuple[int, dict]:
        request_id = str(uuid.uuid4()).upper()
        params = {}
        for pair in body.split("&"):
            if pair:
                name, _, value = pair.partition("=")
                params[unquote(name)] = unquote(value)
        with self.lock:
            self.received.append(params)

        def refuse(status: int, code: str, message: str) -> tuple[int, dict]:
            return status, {
                "RequestId": request_id,
                "HostId": HOST_ID,
                "Code": code,
                "Message": message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Dysmsapi",
            }

        for name in REQUIRED + ("Signature",):
            if not params.get(name):
                return refuse(400, "MissingParameter", f"{name} is mandatory for this action.")
        secret = self.keys.get(params["AccessKeyId"])
        if secret is None:
            return refuse(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            return refuse(400, "InvalidParameter", "The signature method is not supported.")
        try:
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return refuse(400, "InvalidTimeStamp.Format", "Specified time stamp is not valid.")
        if abs((datetime.now(UTC) - stamp).total_seconds()) > 900:
            return refuse(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date is expired."
            )
        signature, to_sign = expected_signature(secret, method, params)
        if not hmac.compare_digest(signature, params["Signature"]):
            return refuse(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. "
                f"server string to sign is:{to_sign}",
            )
        with self.lock:
            if params["SignatureNonce"] in self.nonces:
                return refuse(
                    400, "SignatureNonceUsed", "Specified signature nonce was used already."
                )
            self.nonces.add(params["SignatureNonce"])
        if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
            return refuse(400, "InvalidAction.NotFound", "Specified api is not found.")
        if self.mode == "unavailable":
            return refuse(
                503,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            )

        def business(code: str, message: str) -> tuple[int, dict]:
            return 200, {"RequestId": request_id, "Code": code, "Message": message}

        if not re.fullmatch(r"1[0-9]{10}", params["PhoneNumbers"]):
            return business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if self.mode == "amount":
            return business("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")
        now = time.monotonic()
        with self.lock:
            last = self.last_sent.get(params["PhoneNumbers"])
            if self.mode == "rate_limit" or (last is not None and now - last < 60):
                return business("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
            self.last_sent[params["PhoneNumbers"]] = now
        return 200, {
            "RequestId": request_id,
            "Code": "OK",
            "Message": "OK",
            "BizId": f"{int(time.time() * 1000)}^0",
        }
