"""The signed-POST client's failure classes follow the hub's one rule (hub.http)."""

import pytest
import requests

from complaints import delivery
from complaints.delivery import DeliveryError, PermanentDeliveryError, TransientDeliveryError
from hub.http import OutsideError, PermanentError, TransientError


class _Answer:
    def __init__(self, status: int, body=None):
        self.status_code = status
        self._body = body

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


def _post(monkeypatch, outcome):
    def fake_post(*args, **kwargs):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(delivery.requests, "post", fake_post)
    return delivery.post_signed(
        "http://receiver.invalid/cb", {}, paasid="p", paastoken="t", idempotency_key="k"
    )


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_statuses_worth_retrying_are_transient(monkeypatch, status):
    with pytest.raises(TransientDeliveryError) as info:
        _post(monkeypatch, _Answer(status))
    error = info.value
    assert isinstance(error, TransientError) and isinstance(error, DeliveryError)
    assert (error.transient, error.reason, error.http_status) == (True, f"http_{status}", status)


@pytest.mark.parametrize("status", [301, 400, 401, 403, 404, 409, 422])
def test_other_statuses_are_permanent(monkeypatch, status):
    with pytest.raises(PermanentDeliveryError) as info:
        _post(monkeypatch, _Answer(status))
    error = info.value
    assert isinstance(error, PermanentError) and isinstance(error, DeliveryError)
    assert (error.transient, error.reason, error.http_status) == (False, f"http_{status}", status)


def test_no_answer_is_transient_and_a_refusal_in_the_body_is_permanent(monkeypatch):
    with pytest.raises(TransientDeliveryError, match="timeout"):
        _post(monkeypatch, requests.Timeout())
    with pytest.raises(TransientDeliveryError, match="connection_error"):
        _post(monkeypatch, requests.ConnectionError())
    with pytest.raises(PermanentDeliveryError, match="refused:X"):
        _post(monkeypatch, _Answer(200, {"returnCode": "0", "errorCode": "X"}))
    assert _post(monkeypatch, _Answer(200, {"returnCode": "1"})) == 200


def test_the_base_class_is_an_outside_failure_kept_as_it_was():
    crash = DeliveryError("crash:KeyError")
    assert isinstance(crash, OutsideError) and not crash.transient
    assert (crash.reason, crash.http_status, str(crash)) == (
        "crash:KeyError",
        None,
        "crash:KeyError",
    )
    assert TransientDeliveryError("x", http_status=503).transient is True
    assert PermanentDeliveryError("y").transient is False
