"""The joint test with the province before go-live (the guide's onboarding).

The hospital tests with the province (its traffic goes to the joint-test
target, ``relay.targets``), records a 10-30 s screen capture of it and sends
it to the province (``PROVINCE_JOINT_TEST_EMAIL``) with the city's mailbox
(``CITY_MAILBOX``) copied. Here:

- ``recording_probe``: ffprobe (the system's ffmpeg package) reads the file:
  a video stream, 10-30 s long, or a ``RecordingRefused`` in words an
  administrator can act on (never a 500).
- ``joint_test_recording_submit``: probes, stores a ``JointTestRecording``,
  e-mails it and, once e-mailed, advances the hospital to ``test_submitted``.
- ``joint_test_recording_send``: the e-mail (again, after a failed send: the
  recording is kept, ``emailed_at`` stays empty until a send succeeds).
- ``joint_test_confirm``: the province's confirmation, recorded by the city,
  advances the hospital to ``test_confirmed``.

Each writes an operation-log row.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import shutil
import subprocess  # noqa: S404 - ffprobe, a fixed argument list, no shell
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hospitals.errors import HospitalsCode
from hospitals.models import Hospital, JointTestRecording, Stage
from hospitals.services._audit import record, user_or_none
from hospitals.services.onboarding import ALLOWED_MOVES, hospital_advance_stage
from hub.errors import HubError

logger = logging.getLogger("hospitals.joint_test")

MIN_SECONDS = 10.0
MAX_SECONDS = 30.0
PROBE_TIMEOUT_SECONDS = 30
#: The stage a recording may be submitted at (the move to ``test_submitted``).
SUBMIT_FROM = frozenset(s for s, to in ALLOWED_MOVES.items() if Stage.TEST_SUBMITTED in to)


class RecordingRefused(Exception):
    """The file is not an acceptable joint-test recording; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Probe:
    duration_seconds: float


def _ffprobe() -> str:
    path = shutil.which("ffprobe")
    if path is None:
        raise RecordingRefused(
            _(
                "The recording cannot be checked: ffprobe (the ffmpeg package) is not "
                "installed on the server. Run scripts/sysdeps.sh (make sysdeps)."
            )
        )
    return path


def _read(path: str) -> dict:
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, the file path last
            [
                _ffprobe(),
                "-v",
                "error",
                "-show_entries",
                "format=duration:stream=codec_type",
                "-of",
                "json",
                path,
            ],
            capture_output=True,
            timeout=PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RecordingRefused(_("The file could not be read as a video in time.")) from None
    except OSError as exc:
        logger.error("ffprobe failed to start: %s", exc)
        raise RecordingRefused(
            _("The recording cannot be checked: ffprobe could not be started.")
        ) from None
    if done.returncode != 0:
        raise RecordingRefused(_("The file is not a video."))
    try:
        data = json.loads(done.stdout or b"{}")
    except ValueError:
        raise RecordingRefused(_("The file is not a video.")) from None
    return data if isinstance(data, dict) else {}


def probe_path(path: str) -> Probe:
    """Check the file at ``path``: a video stream of 10-30 s."""
    data = _read(path)
    streams = data.get("streams") or []
    if not any(isinstance(s, dict) and s.get("codec_type") == "video" for s in streams):
        raise RecordingRefused(_("The file is not a video."))
    try:
        duration = float((data.get("format") or {}).get("duration"))
    except (TypeError, ValueError):
        # A still image has a video stream but no duration.
        raise RecordingRefused(_("The file is not a video (it has no length).")) from None
    if duration < MIN_SECONDS:
        raise RecordingRefused(
            _("The recording is too short: %(seconds).1f s; it must last 10 to 30 seconds.")
            % {"seconds": duration}
        )
    if duration > MAX_SECONDS:
        raise RecordingRefused(
            _("The recording is too long: %(seconds).1f s; it must last 10 to 30 seconds.")
            % {"seconds": duration}
        )
    return Probe(duration_seconds=round(duration, 3))


@contextmanager
def _on_disk(upload):
    """A path to the uploaded file's bytes (Django keeps small uploads in memory)."""
    path = getattr(upload, "temporary_file_path", None)
    if callable(path):
        yield path()
        return
    suffix = os.path.splitext(getattr(upload, "name", "") or "")[1][:10]
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        upload.seek(0)
        for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
            tmp.write(chunk)
        tmp.flush()
        yield tmp.name
    upload.seek(0)


def recording_probe(upload) -> Probe:
    """Check an uploaded file; ``RecordingRefused`` says why it is not acceptable."""
    with _on_disk(upload) as path:
        return probe_path(path)


def _check_stage(hospital: Hospital) -> None:
    if hospital.stage not in SUBMIT_FROM:
        raise HubError(
            HospitalsCode.STAGE_TRANSITION_NOT_ALLOWED,
            _(
                "A joint-test recording is submitted at the stage %(stage)s; "
                "this hospital is at %(current)s."
            )
            % {
                "stage": "、".join(str(Stage(s).label) for s in sorted(SUBMIT_FROM)),
                "current": hospital.get_stage_display(),
            },
            409,
        )


def joint_test_recording_submit(
    *, hospital: Hospital, upload, actor, system=None, note: str = ""
) -> tuple[JointTestRecording, bool]:
    """Check, store and e-mail the recording; (recording, e-mailed?).

    Refused (``RecordingRefused``) when it is not a 10-30 s video; a
    ``HubError`` (409) when the hospital is not at the stage that submits
    one. A failed send keeps the recording (``emailed_at`` empty) for
    ``joint_test_recording_send``.
    """
    _check_stage(hospital)
    probe = recording_probe(upload)
    with transaction.atomic():
        recording = JointTestRecording(
            hospital=hospital,
            system=system,
            duration_seconds=probe.duration_seconds,
            uploaded_by=user_or_none(actor),
            note=note,
        )
        recording.file.save(os.path.basename(upload.name or "recording"), upload, save=False)
        recording.save()
        record(
            actor=actor,
            action="hospital.joint_test.uploaded",
            target=hospital,
            after={
                "recording": recording.pk,
                "file": recording.file.name,
                "duration_seconds": probe.duration_seconds,
            },
        )
    sent = joint_test_recording_send(recording=recording, actor=actor)
    return recording, sent


def _message(recording: JointTestRecording) -> EmailMessage:
    hospital = recording.hospital
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Joint-test screen recording: %(name)s (%(code)s)") % {
            "name": hospital.org_name,
            "code": hospital.org_code,
        }
        body = _(
            "The joint-test screen recording of %(name)s (organisation code %(code)s), "
            "system %(system)s, %(seconds).1f s, is attached.\n\n"
            "Sent by the city health-information sharing hub."
        ) % {
            "name": hospital.org_name,
            "code": hospital.org_code,
            "system": recording.system.name if recording.system else "-",
            "seconds": recording.duration_seconds,
        }
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(settings.PROVINCE_JOINT_TEST_EMAIL),
        cc=list(settings.CITY_MAILBOX),
    )
    name = os.path.basename(recording.file.name)
    with recording.file.open("rb") as handle:
        content = handle.read()
    message.attach(name, content, mimetypes.guess_type(name)[0] or "application/octet-stream")
    return message


def joint_test_recording_send(*, recording: JointTestRecording, actor) -> bool:
    """E-mail the recording; on success record when and to whom and advance
    the hospital to ``test_submitted`` (when it is still at the stage before).
    A failed send is logged and returns False: nothing is lost, send again."""
    if recording.emailed_at is not None:
        return True
    message = _message(recording)
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # SMTP, DNS, refused: the recording waits for a retry
        logger.warning("joint-test recording %s not e-mailed: %s", recording.pk, exc)
        with transaction.atomic():
            record(
                actor=actor,
                action="hospital.joint_test.email_failed",
                target=recording.hospital,
                after={"recording": recording.pk, "error": type(exc).__name__},
            )
        return False
    recipients = [*message.to, *message.cc]
    with transaction.atomic():
        JointTestRecording.objects.filter(pk=recording.pk).update(
            emailed_at=timezone.now(), emailed_to=recipients
        )
        recording.refresh_from_db(fields=["emailed_at", "emailed_to"])
        record(
            actor=actor,
            action="hospital.joint_test.emailed",
            target=recording.hospital,
            after={"recording": recording.pk, "to": list(message.to), "cc": list(message.cc)},
        )
    hospital = recording.hospital
    hospital.refresh_from_db(fields=["stage"])
    if hospital.stage in SUBMIT_FROM:
        # Its own transaction: the e-mail is sent and recorded whatever happens here.
        hospital_advance_stage(
            hospital=hospital,
            to_stage=Stage.TEST_SUBMITTED,
            actor=actor,
            note=_("Joint-test recording e-mailed to %(to)s.") % {"to": ", ".join(recipients)},
            evidence=recording.file,
        )
    return True


def joint_test_confirm(*, recording: JointTestRecording, actor, note: str = "") -> None:
    """The province confirmed the joint test (its answer to the e-mail):
    record who entered it and when, and advance to ``test_confirmed``."""
    if recording.emailed_at is None:
        raise HubError(
            HospitalsCode.STAGE_TRANSITION_NOT_ALLOWED,
            _("This recording has not been e-mailed to the province yet."),
            409,
        )
    with transaction.atomic():
        locked = JointTestRecording.objects.select_for_update().get(pk=recording.pk)
        if locked.confirmed_at is not None:
            raise HubError(
                HospitalsCode.STAGE_TRANSITION_NOT_ALLOWED,
                _("The province's confirmation is already recorded."),
                409,
            )
        hospital_advance_stage(
            hospital=recording.hospital,
            to_stage=Stage.TEST_CONFIRMED,
            actor=actor,
            note=note or _("The province confirmed the joint test."),
        )
        locked.confirmed_at = timezone.now()
        locked.confirmed_by = user_or_none(actor)
        if note:
            locked.note = "\n".join(x for x in (locked.note, note) if x)
        locked.save(update_fields=["confirmed_at", "confirmed_by", "note"])
        record(
            actor=actor,
            action="hospital.joint_test.confirmed",
            target=recording.hospital,
            after={"recording": locked.pk, "note": note},
        )
    recording.confirmed_at, recording.confirmed_by = locked.confirmed_at, locked.confirmed_by
