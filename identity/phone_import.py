"""Import of phones of record from the city's resident registry (e.g. the
electronic health card, 电子健康卡): a CSV file, UTF-8, header row
``cardType,idcard,phone``.

Idempotent: importing the same file again changes nothing. Every line is
either taken (a new phone of record), changed (another number before),
unchanged, or refused with its reason; a refused line never stops the
others. One transaction per line, so an interrupted import keeps the lines
it has done and can simply be run again.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from hub.province.params import CARD_TYPES, normalise_id_number
from identity import codes
from identity.models import PhoneSource
from identity.phones import phone_of_record_set

COLUMNS = ("cardType", "idcard", "phone")
#: Largest file taken (about 2.5 million lines): a registry export, not a dump.
MAX_BYTES = 128 * 1024 * 1024


@dataclass
class ImportReport:
    taken: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return self.taken + self.changed + self.unchanged + len(self.refused)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, size)."""


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 128 MiB."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text.")) from None


def _line_problem(card_type: str, idcard: str, phone: str) -> tuple[str, str] | str:
    """The normalised (ID, phone), or the reason the line is refused."""
    if card_type not in CARD_TYPES:
        return _("unknown cardType %(value)r") % {"value": card_type[:8]}
    value, problem = normalise_id_number(idcard, card_type)
    if problem == "check_digit":
        return _("the ID number's check digit is wrong")
    if problem:
        return _("not a valid ID number")
    phone = phone.strip()
    if not codes.phone_is_valid(phone):
        return _("not a mainland mobile number")
    return value, phone


def patient_phones_import(
    *, data: bytes, actor, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Import ``data`` (the CSV file's bytes); see the module docstring."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    header = [name.strip() for name in next(reader, [])]
    if tuple(header) != COLUMNS:
        raise ImportFileError(
            _("The header row must be %(columns)s.") % {"columns": ",".join(COLUMNS)}
        )
    file_id = hashlib.sha256(data).hexdigest()[:12]
    report = ImportReport()
    seen: dict[str, str] = {}
    for number, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            report.refused.append((number, _("expected 3 columns, found %(n)d") % {"n": len(row)}))
            continue
        card_type, idcard, phone = (cell.strip() for cell in row)
        checked = _line_problem(card_type, idcard, phone)
        if isinstance(checked, str):
            report.refused.append((number, checked))
            continue
        id_number, phone = checked
        if seen.get(id_number, phone) != phone:
            report.refused.append(
                (number, _("the same ID number appears earlier with another phone"))
            )
            continue
        seen[id_number] = phone
        _row, outcome = phone_of_record_set(
            id_number=id_number,
            card_type=card_type,
            phone=phone,
            source=PhoneSource.REGISTRY,
            evidence=f"import:{file_id}:{number}",
            actor=actor,
        )
        setattr(report, outcome, getattr(report, outcome) + 1)
        if progress is not None:
            progress(number)
    return report
