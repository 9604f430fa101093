"""HTTP client for the receivers of signed complaint messages: hospitals'
callback URLs and the province feed's callback URL.

Each message is a JSON POST carrying the x-tif signature headers of the
credential the receiver knows (the hospital's own hub-issued pair, or the
feed's) and ``Idempotency-Key`` (the outbox row's key, the same on every
attempt), so a receiver that sees a key twice can ignore the repeat.

Failure classes (the hub's one rule, ``hub.http``, decides which statuses
are worth trying again; the classes are also ``hub.http.TransientError`` /
``PermanentError``, like every other outside client's):

- ``TransientDeliveryError``: connection refused or reset, DNS failure,
  timeout, HTTP 5xx, 408 and 429. Retried with backoff.
- ``PermanentDeliveryError``: any other 4xx, a redirect, an answer whose JSON
  says ``returnCode`` "0", no credential to sign with. Never retried.

Timeouts: ``COMPLAINTS_HTTP_CONNECT_TIMEOUT`` / ``COMPLAINTS_HTTP_READ_TIMEOUT``.
"""

from __future__ import annotations

import json

import requests
from django.conf import settings

from hub.gm.xtif import signed_headers
from hub.http import OutsideError, PermanentError, TransientError, is_transient_status


class DeliveryError(OutsideError):
    """A message not delivered (also raised as is for a sender that crashed)."""

    transient = False

    def __init__(self, reason: str, *, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


class TransientDeliveryError(DeliveryError, TransientError):
    transient = True


class PermanentDeliveryError(DeliveryError, PermanentError):
    transient = False


def post_signed(url: str, body: dict, *, paasid: str, paastoken: str, idempotency_key: str) -> int:
    """POST ``body`` to ``url`` signed as ``paasid``; the HTTP status on success."""
    headers = signed_headers(paasid, paastoken)
    headers["Idempotency-Key"] = idempotency_key
    headers["User-Agent"] = "city-health-hub/complaints"
    timeout = (settings.COMPLAINTS_HTTP_CONNECT_TIMEOUT, settings.COMPLAINTS_HTTP_READ_TIMEOUT)
    try:
        response = requests.post(
            url,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise TransientDeliveryError("timeout") from None
    except requests.ConnectionError:
        raise TransientDeliveryError("connection_error") from None
    except requests.RequestException as exc:
        raise PermanentDeliveryError(f"request_error:{type(exc).__name__}") from None
    status = response.status_code
    if is_transient_status(status):
        raise TransientDeliveryError(f"http_{status}", http_status=status)
    if not 200 <= status < 300:
        raise PermanentDeliveryError(f"http_{status}", http_status=status)
    # A receiver answering in the province's shape may refuse the message.
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict) and str(answer.get("returnCode", "1")).strip() == "0":
        code = str(answer.get("errorCode", ""))[:40]
        raise PermanentDeliveryError(f"refused:{code}", http_status=status)
    return status
