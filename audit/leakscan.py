"""Find sensitive plaintext in the logs (for end-to-end tests and operators).

``scan(values, log_text=..., files=[...])`` looks for each value (ID number,
phone number, code, token, photo fragment...) in every text and JSON column of
the audit log tables, in captured Python log output (``caplog.text``) and in
log files, and returns one ``Finding`` per hit, showing the value masked.
An empty list means nothing leaked. Usage in a test::

    from audit.leakscan import scan
    assert not scan([id_number, phone, sms_code], log_text=caplog.text)

or the ``leak_scan`` fixture of ``tests/fixtures/audit.py``. Values shorter
than 4 characters are refused: they would match by chance.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import models

from audit.models import LOG_MODELS, ChainCheckpoint, UsageCounter
from hub.protect import mask_secret

MIN_LENGTH = 4
_TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


@dataclass(frozen=True)
class Finding:
    where: str  # table name, "log output" or a file path
    row_id: object
    column: str
    value: str  # masked

    def __str__(self) -> str:
        row = f" row {self.row_id}" if self.row_id is not None else ""
        col = f" column {self.column}" if self.column else ""
        return f"{self.where}{row}{col}: holds {self.value}"


def _needles(values: Iterable[str]) -> list[tuple[str, str]]:
    out = []
    for value in values:
        value = str(value or "")
        if not value:
            continue
        if len(value) < MIN_LENGTH:
            raise ValueError(f"value too short to scan for reliably: {len(value)} characters")
        masked = mask_secret(value)
        for variant in {value, value.upper(), value.lower()}:
            out.append((variant, masked))
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def scan_tables(values: Iterable[str], models_=None) -> list[Finding]:
    needles = _needles(values)
    if not needles:
        return []
    findings = []
    for model in models_ or [*LOG_MODELS.values(), UsageCounter, ChainCheckpoint]:
        columns = [f.attname for f in model._meta.concrete_fields if isinstance(f, _TEXT_FIELDS)]
        for row in model.objects.values_list("pk", *columns).iterator(chunk_size=5000):
            for column, value in zip(columns, row[1:], strict=True):
                text = _text(value)
                for needle, masked in needles:
                    if needle in text:
                        findings.append(Finding(model._meta.db_table, row[0], column, masked))
    return findings


def scan_text(values: Iterable[str], text: str, where: str = "log output") -> list[Finding]:
    findings = []
    for needle, masked in _needles(values):
        if needle in text:
            line = text[: text.index(needle)].count("\n") + 1
            findings.append(Finding(where, None, f"line {line}", masked))
    return findings


def scan(values: Iterable[str], *, log_text: str = "", files: Iterable = ()) -> list[Finding]:
    """Every place a value appears in clear: log tables, log output, log files."""
    values = [str(v) for v in values if v]
    findings = scan_tables(values)
    if log_text:
        findings += scan_text(values, log_text)
    for path in files:
        path = Path(path)
        if path.exists():
            findings += scan_text(values, path.read_text(errors="replace"), str(path))
    return findings
