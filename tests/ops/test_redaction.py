"""The last line of defence: ID and mobile numbers never reach a log line whole."""

import io
import json
import logging

import pytest

from hub.ops.logging import JsonFormatter, PlainFormatter, RedactFilter, RequestIdFilter, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id 440106199003071231 ok", "id 4401**********1231 ok"),
        ("id 44010619900307123X.", "id 4401**********123X."),
        ("phone 13800138000", "phone 138****8000"),
        ("phone +8613800138000", "phone 138****8000"),
        ("phone=13800138000&x=1", "phone=138****8000&x=1"),
        ("a:440106199003071231,b:13912345678", "a:4401**********1231,b:139****5678"),
    ],
)
def test_identifiers_are_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "took 1700000000123 ms",  # a 13-digit timestamp
        "order 12345678901",  # 11 digits but not a mobile prefix
        "hex 0123456789abcdeffedcba9876543210",
        "ratio 0.0138001380001",  # digits inside a longer run
        "org 455404482",
        "",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert redact(text) == text


def _handler(formatter):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    return handler, stream


def test_the_filter_masks_arguments_and_the_json_line_stays_valid():
    logger = logging.getLogger("tests.ops.redaction")
    handler, stream = _handler(JsonFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("verify %s for %s", "440106199003071231", "13800138000")
        try:
            raise ValueError("bad id 440106199003071231")
        except ValueError:
            logger.exception("failed", extra={"phone": "13800138000"})
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    first, second = (
        json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")
    )
    assert first["message"] == "verify 4401**********1231 for 138****8000"
    assert "440106199003071231" not in stream.getvalue()
    assert "13800138000" not in stream.getvalue()
    assert "4401**********1231" in second["exc_info"]
    assert second["phone"] == "138****8000"


def test_plain_lines_are_masked_too():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "call %s", ("13800138000",), None)
    RedactFilter().filter(record)
    assert PlainFormatter().format(record).endswith("[-] call 138****8000")
