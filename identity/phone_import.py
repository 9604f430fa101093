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
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import operation_log_record
from hub.province.params import CARD_TYPES, normalise_id_number
from identity import codes
from identity.models import PhoneImportJob, PhoneSource
from identity.phones import phone_of_record_set

COLUMNS = ("cardType", "idcard", "phone")
#: Largest file taken (about 2.5 million lines): a registry export, not a dump.
MAX_BYTES = 128 * 1024 * 1024
#: A back-office job writes its progress every this many lines.
PROGRESS_EVERY = 200
#: Refused lines a job keeps (with their reasons); the count covers them all.
REFUSED_KEPT = 10_000
#: A running job without progress for this long is taken as lost (its worker
#: died) and may be claimed again by the redelivered task.
STALE_AFTER = timedelta(minutes=10)

logger = logging.getLogger("identity.phone_import")


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
        if len(card_type) > 4:  # never quote what may be an ID or phone number
            return _("unknown cardType")
        return _("unknown cardType %(value)r") % {"value": card_type}
    value, problem = normalise_id_number(idcard, card_type)
    if problem == "check_digit":
        return _("the ID number's check digit is wrong")
    if problem:
        return _("not a valid ID number")
    phone = phone.strip()
    if not codes.phone_is_valid(phone):
        return _("not a mainland mobile number")
    return value, phone


def _rows(data: bytes):
    """A CSV reader past the checked header row."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    header = [name.strip() for name in next(reader, [])]
    if tuple(header) != COLUMNS:
        raise ImportFileError(
            _("The header row must be %(columns)s.") % {"columns": ",".join(COLUMNS)}
        )
    return reader


def import_file_check(data: bytes) -> int:
    """The number of lines after the header; raises ``ImportFileError`` when
    the file as a whole cannot be read."""
    reader = _rows(data)
    try:
        return sum(1 for _row in reader)
    except csv.Error:
        raise ImportFileError(
            _("Line %(line)d cannot be read as CSV.") % {"line": reader.line_num}
        ) from None


def patient_phones_import(
    *, data: bytes, actor, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Import ``data`` (the CSV file's bytes); see the module docstring.

    ``progress(line_number)`` is called after every line, refused or blank ones too.
    """
    reader = _rows(data)
    file_id = hashlib.sha256(data).hexdigest()[:12]
    report = ImportReport()
    seen: dict[str, str] = {}
    for number, row in enumerate(reader, start=2):
        if row and any(cell.strip() for cell in row):
            _import_line(row, number, report=report, seen=seen, file_id=file_id, actor=actor)
        if progress is not None:
            progress(number)
    return report


def _import_line(row, number: int, *, report: ImportReport, seen: dict, file_id: str, actor):
    if len(row) != len(COLUMNS):
        report.refused.append((number, _("expected 3 columns, found %(n)d") % {"n": len(row)}))
        return
    card_type, idcard, phone = (cell.strip() for cell in row)
    checked = _line_problem(card_type, idcard, phone)
    if isinstance(checked, str):
        report.refused.append((number, checked))
        return
    id_number, phone = checked
    if seen.get(id_number, phone) != phone:
        report.refused.append((number, _("the same ID number appears earlier with another phone")))
        return
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


# --- From the back office: a job row, run by the task identity.phone_import_run ---


def phone_import_job_create(*, data: bytes, actor) -> PhoneImportJob:
    """Check the file (raises ``ImportFileError``), keep it sealed in a job
    row and queue the import once the row is committed."""
    total = import_file_check(data)
    job = PhoneImportJob.objects.create(
        upload=data.decode("utf-8"),  # UTF-8 checked: encodes back to the same bytes
        file_id=hashlib.sha256(data).hexdigest()[:12],
        uploaded_by=actor,
        total_lines=total,
    )
    transaction.on_commit(lambda: _queue(job.pk))
    return job


def _queue(job_id: int) -> None:
    from identity.tasks import phone_import_run

    try:
        phone_import_run.delay(job_id)
    except Exception:  # the broker is down: say so rather than wait forever
        logger.exception("phone import %s could not be queued", job_id)
        job = PhoneImportJob.objects.defer("upload").get(pk=job_id)
        _finish(job, failed=_("The import could not be queued; upload the file again."))


def phone_import_job_run(*, job_id: int, actor) -> str:
    """Run a queued job (or one whose worker was lost); returns its state.

    Lines are attributed to the uploader, ``actor`` when there is none."""
    now = timezone.now()
    claimable = Q(state=PhoneImportJob.State.QUEUED) | Q(
        state=PhoneImportJob.State.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    claimed = PhoneImportJob.objects.filter(claimable, pk=job_id, upload__isnull=False).update(
        state=PhoneImportJob.State.RUNNING, done_lines=0, heartbeat_at=now
    )
    if not claimed:
        return "skipped"
    job = PhoneImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    data = job.upload.encode("utf-8")
    job.upload = None  # the row's copy goes when the job finishes
    actor = job.uploaded_by or actor
    last = 0

    def progress(number: int) -> None:
        nonlocal last
        if number - 1 - last >= PROGRESS_EVERY:
            last = number - 1
            PhoneImportJob.objects.filter(pk=job_id).update(
                done_lines=last, heartbeat_at=timezone.now()
            )

    try:
        with translation.override(settings.LANGUAGE_CODE):
            report = patient_phones_import(data=data, actor=actor, progress=progress)
    except ImportFileError as exc:
        return _finish(job, actor=actor, failed=str(exc))
    except Exception:
        logger.exception("phone import %s stopped", job_id)
        job.done_lines = last
        with translation.override(settings.LANGUAGE_CODE):
            failed = _(
                "The import stopped on an unexpected error; at least its first %(n)d "
                "lines are imported. Upload the file again to finish."
            ) % {"n": last}
        return _finish(job, actor=actor, failed=failed)
    job.report = {
        "taken": report.taken,
        "changed": report.changed,
        "unchanged": report.unchanged,
        "refused": len(report.refused),
        "refused_lines": [list(item) for item in report.refused[:REFUSED_KEPT]],
    }
    return _finish(job, actor=actor)


def _finish(job: PhoneImportJob, *, actor=None, failed: str = "") -> str:
    """Mark the job done or failed, drop the uploaded file, log the counts."""
    job.state = PhoneImportJob.State.FAILED if failed else PhoneImportJob.State.DONE
    job.error = failed[:300]
    job.upload = None
    job.finished_at = timezone.now()
    if not failed:
        job.done_lines = job.total_lines
    counts = {k: v for k, v in job.report.items() if k != "refused_lines"}
    with transaction.atomic():
        job.save(update_fields=["state", "error", "upload", "finished_at", "done_lines", "report"])
        operation_log_record(
            actor=actor or job.uploaded_by or "task:phone_import_run",
            action="patient_phone.import",
            target=job,
            after={"state": job.state, "lines": job.total_lines, **counts},
        )
    return job.state
