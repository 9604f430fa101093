"""Structured logs: the request id on every record, JSON or plain output, and a
last-line redaction of anything that looks like an ID or mobile number.

The request id and hospital come from the request context (``hub.context``).

Redaction is the *last* line of defence. The primary defence is never to log
an ID number, phone number, code or token in the first place (log ids and the
masks of ``hub.protect``); :class:`RedactFilter` only catches what slipped.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from hub.context import NO_REQUEST, current_hospital, current_request_id

try:  # python-json-logger >= 3
    from pythonjsonlogger.core import RESERVED_ATTRS
    from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter
except ImportError:  # pragma: no cover - python-json-logger 2.x
    from pythonjsonlogger.jsonlogger import RESERVED_ATTRS
    from pythonjsonlogger.jsonlogger import JsonFormatter as _BaseJsonFormatter


# --- redaction -----------------------------------------------------------------------

# Both shapes below hold 11 digits in a row: a cheap test before the real ones.
_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")
# 17 digits and a digit or X: a resident ID number (GB 11643), not inside a longer run.
_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
# A mainland mobile number, optionally written with the +86 / 86 prefix.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9][0-9]{9})(?![0-9])")


def redact(text: str) -> str:
    """Mask ID-number-like and mobile-number-like digit runs in ``text``."""
    if not text or not _ELEVEN_DIGITS.search(text):
        return text
    # Imported here: this module is loaded while logging is configured, before
    # Django's apps are, and must not pull models in that early.
    from hub.protect import mask_id, mask_phone

    text = _ID_NUMBER.sub(lambda m: mask_id(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(1)), text)


class RedactFilter(logging.Filter):
    """Masks ID and mobile numbers in the message and its arguments.

    Attached to handlers (not loggers) so it sees every record that is written,
    whichever logger it came from. Formatters below also redact their output,
    which covers tracebacks and extra fields.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the record as it is
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` and ``hospital`` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # django.request logs after the middleware returned: read the request.
            from_request = getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = current_request_id() or from_request or NO_REQUEST
        if not getattr(record, "hospital", None):
            record.hospital = current_hospital() or NO_REQUEST
        return True


# --- formatters ----------------------------------------------------------------------

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(hospital)s"


class PlainFormatter(logging.Formatter):
    """Human-readable lines for development; tolerant of records without a request id."""

    def __init__(self, fmt: str | None = None, *args, **kwargs) -> None:
        super().__init__(fmt or PLAIN_FORMAT, *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        record.__dict__.setdefault("request_id", NO_REQUEST)
        record.__dict__.setdefault("hospital", NO_REQUEST)
        return redact(super().format(record))


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id, hospital
    and any ``extra=`` fields. Non-ASCII (Chinese) text stays readable."""

    def __init__(self, fmt: str | None = None, *args, **kwargs) -> None:
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("json_default", str)
        # django.request's ``request`` extra would print the full path with its
        # query string; the access line already names the route.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__(fmt or JSON_FIELDS, *args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """ISO 8601 in UTC with milliseconds: what log stores parse without help."""
        if datefmt:
            return super().formatTime(record, datefmt)
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        record.__dict__.setdefault("request_id", NO_REQUEST)
        record.__dict__.setdefault("hospital", NO_REQUEST)
        return redact(super().format(record))
