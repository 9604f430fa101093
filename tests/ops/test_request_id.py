"""Request ids: taken or made, echoed, and written into every JSON log line."""

import io
import json
import logging
import re

import pytest

from hub.context import bind_request_id, current_request_id, reset_request_id
from hub.ops.logging import JsonFormatter, RedactFilter, RequestIdFilter


@pytest.fixture
def json_log():
    """The access logger's lines as the production handler writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    logger = logging.getLogger("hub.access")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_a_request_id_is_generated_when_none_is_sent(client):
    response = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_sane_request_id_is_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="his-7f3a_0001")
    assert response["X-Request-ID"] == "his-7f3a_0001"


@pytest.mark.parametrize(
    "sent", ["x" * 65, "abc def", "id\nforged log line", "<script>", "a;b", ""]
)
def test_an_unsafe_request_id_is_replaced(client, sent):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)
    assert response["X-Request-ID"] != sent
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_every_answer_carries_the_id_even_an_error(client):
    response = client.get("/no/such/page", HTTP_X_REQUEST_ID="req-404")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-404"


def test_the_access_line_is_json_with_the_request_id(client, json_log):
    client.get("/no/such/page", HTTP_X_REQUEST_ID="req-abc-123")
    lines = [line for line in json_log() if line["logger"] == "hub.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "req-abc-123"
    assert line["level"] == "INFO"
    assert line["endpoint"] == "<unmatched>"
    assert line["status"] == 404
    assert line["outcome"] == "NOT_FOUND"
    assert line["hospital"] == "-"
    assert "/no/such/page" not in json.dumps(line)  # the raw path is never logged
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", line["time"])


def test_probe_requests_are_logged_at_debug(client, json_log):
    client.get("/healthz", HTTP_X_REQUEST_ID="probe-1")
    (line,) = json_log()
    assert line["level"] == "DEBUG"
    assert line["endpoint"] == "/healthz"
    assert line["request_id"] == "probe-1"


def test_the_request_id_is_reset_after_the_request(client):
    client.get("/healthz", HTTP_X_REQUEST_ID="gone-after")
    assert current_request_id() is None


def test_log_lines_outside_a_request_carry_a_dash():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"
    token = bind_request_id("rid-1")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
        RequestIdFilter().filter(record)
        assert record.request_id == "rid-1"
    finally:
        reset_request_id(token)


def test_log_format_json_writes_one_json_object_per_line():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('hub.test').warning('started %s', 'ok')"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        # (production defaults to json; production's other requirements are not this test's)
        "HUB_ENV": "test",
        "LOG_FORMAT": "json",
        "HUB_VAR_DIR": "/tmp/hub-ops-var",
        "DJANGO_SETTINGS_MODULE": "hub.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "started ok"
    assert line["logger"] == "hub.test"
    assert line["request_id"] == "-"


def test_django_request_lines_logged_after_the_middleware_keep_the_id():
    """django.request reports 5xx answers once the middleware has returned."""
    request = type("Request", (), {"request_id": "req-late"})()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", None, None)
    record.request = request
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-late"
    assert "request" not in line  # its repr would carry the query string
