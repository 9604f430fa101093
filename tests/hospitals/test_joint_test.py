"""The joint-test recording (issue 14), through the hospital's joint-test page
in the back office: real videos made with ffmpeg, checked with ffprobe; a 5 s
one is refused, a 20 s one is e-mailed (file e-mail backend) to the province
with the city's mailbox copied; the province's confirmation advances the stage."""

from __future__ import annotations

import email
import shutil
import subprocess
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import OperationLog
from hospitals.models import JointTestRecording, Stage, StageChange
from tests.fixtures.backoffice import verified_client

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg: make sysdeps"),
]

PROVINCE = "wsjkw_taoh@gd.gov.cn"
CITY = "city-hub@example.gov.cn"


def make_video(tmp_path: Path, seconds: int) -> bytes:
    out = tmp_path / f"test-{seconds}s.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=duration={seconds}:size=320x240:rate=10",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
        timeout=120,
    )
    return out.read_bytes()


class _Forms(HTMLParser):
    """Every form of the page: id, class and its fields (name -> value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = {"id": attrs.get("id"), "class": attrs.get("class"), "fields": {}}
            self.forms.append(self.current)
        elif self.current is not None and tag in ("input", "select", "textarea"):
            if attrs.get("name") and attrs.get("type") != "submit":
                self.current["fields"][attrs["name"]] = {
                    "type": attrs.get("type", tag),
                    "value": attrs.get("value", ""),
                }

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def page_forms(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


def submit_upload(client, url: str, video: bytes, name: str = "joint-test.mp4"):
    """GET the page, fill its upload form's fields, post it."""
    (form,) = [f for f in page_forms(client, url) if f["id"] == "joint-test-upload"]
    data = {n: f["value"] for n, f in form["fields"].items() if f["type"] != "file"}
    files = [n for n, f in form["fields"].items() if f["type"] == "file"]
    assert files == ["recording"]
    data["recording"] = SimpleUploadedFile(name, video, content_type="video/mp4")
    return client.post(url, data)


@pytest.fixture
def page(city_admin, hospital_a, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.CITY_MAILBOX = [CITY]
    settings.PROVINCE_JOINT_TEST_EMAIL = [PROVINCE]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    hospital_a.stage = Stage.INTEGRATING
    hospital_a.save()
    client = verified_client(city_admin)
    return client, f"/admin/hospitals/jointtestrecording/hospital/{hospital_a.pk}/"


def sent_messages(settings) -> list[email.message.EmailMessage]:
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.exists():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        # The file backend writes each message followed by a line of dashes.
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                out.append(email.message_from_bytes(raw, policy=policy.default))
    return out


def test_the_hospital_page_links_to_the_joint_test(page, hospital_a):
    client, url = page
    change = client.get(f"/admin/hospitals/hospital/{hospital_a.pk}/change/").content.decode()
    assert url in change


def test_a_5_second_recording_is_refused(page, hospital_a, settings, tmp_path):
    client, url = page
    response = submit_upload(client, url, make_video(tmp_path, 5))
    assert response.status_code == 200
    assert "录屏太短" in response.content.decode()
    assert not JointTestRecording.objects.exists()
    assert sent_messages(settings) == []
    hospital_a.refresh_from_db()
    assert hospital_a.stage == Stage.INTEGRATING


def test_a_non_video_is_refused(page, settings):
    client, url = page
    response = submit_upload(client, url, b"%PDF-1.4 not a video at all", name="report.mp4")
    assert response.status_code == 200
    assert "不是视频" in response.content.decode()
    assert not JointTestRecording.objects.exists()
    assert sent_messages(settings) == []


def test_a_40_second_recording_is_refused(page, settings, tmp_path):
    client, url = page
    response = submit_upload(client, url, make_video(tmp_path, 40))
    assert "录屏太长" in response.content.decode()
    assert not JointTestRecording.objects.exists()


def test_a_20_second_recording_is_emailed_and_confirmed(
    page, hospital_a, city_admin, settings, tmp_path
):
    client, url = page
    video = make_video(tmp_path, 20)
    response = submit_upload(client, url, video)
    assert response.status_code == 302, response.content.decode()[-2000:]

    recording = JointTestRecording.objects.get()
    assert 19.5 < recording.duration_seconds < 20.5
    assert recording.emailed_at is not None
    assert recording.emailed_to == [PROVINCE, CITY]
    assert recording.uploaded_by == city_admin
    (message,) = sent_messages(settings)
    assert message["To"] == PROVINCE and message["Cc"] == CITY
    assert hospital_a.org_code in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".mp4")
    assert attachment.get_content() == video
    hospital_a.refresh_from_db()
    assert hospital_a.stage == Stage.TEST_SUBMITTED
    change = StageChange.objects.filter(hospital=hospital_a).latest("created_at")
    assert change.to_stage == Stage.TEST_SUBMITTED and change.evidence.name == recording.file.name

    # The province answered: record its confirmation with the form the page shows.
    (form,) = [f for f in page_forms(client, url) if f["class"] == "joint-test-confirm"]
    data = {n: f["value"] for n, f in form["fields"].items()}
    data["note"] = "省平台邮件确认"
    assert client.post(url, data).status_code == 302
    recording.refresh_from_db()
    assert recording.confirmed_at is not None and recording.confirmed_by == city_admin
    hospital_a.refresh_from_db()
    assert hospital_a.stage == Stage.TEST_CONFIRMED
    actions = set(
        OperationLog.objects.filter(action__startswith="hospital.joint_test.").values_list(
            "action", flat=True
        )
    )
    assert actions == {
        "hospital.joint_test.uploaded",
        "hospital.joint_test.emailed",
        "hospital.joint_test.confirmed",
    }
    # No second confirmation form once confirmed.
    assert not [f for f in page_forms(client, url) if f["class"] == "joint-test-confirm"]
    listing = client.get("/admin/hospitals/jointtestrecording/")
    assert listing.status_code == 200 and url in listing.content.decode()


def test_a_failed_send_keeps_the_recording_and_sends_again(page, hospital_a, settings, tmp_path):
    client, url = page
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    response = submit_upload(client, url, make_video(tmp_path, 12))
    assert response.status_code == 302
    recording = JointTestRecording.objects.get()
    assert recording.emailed_at is None and recording.file.size > 0
    hospital_a.refresh_from_db()
    assert hospital_a.stage == Stage.INTEGRATING
    assert OperationLog.objects.filter(action="hospital.joint_test.email_failed").exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    (form,) = [f for f in page_forms(client, url) if f["class"] == "joint-test-send"]
    data = {n: f["value"] for n, f in form["fields"].items()}
    assert client.post(url, data).status_code == 302
    recording.refresh_from_db()
    assert recording.emailed_at is not None
    assert len(sent_messages(settings)) == 1
    hospital_a.refresh_from_db()
    assert hospital_a.stage == Stage.TEST_SUBMITTED


def test_missing_ffprobe_is_a_clear_refusal(page, monkeypatch, tmp_path):
    client, url = page
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    response = submit_upload(client, url, b"\x00" * 100)
    assert response.status_code == 200
    assert "ffprobe" in response.content.decode()
    assert not JointTestRecording.objects.exists()


def test_operators_cannot_open_the_page(operator_a, hospital_a):
    client = verified_client(operator_a)
    url = f"/admin/hospitals/jointtestrecording/hospital/{hospital_a.pk}/"
    assert client.get(url).status_code == 403
