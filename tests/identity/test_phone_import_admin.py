"""Importing phones of record from the back office, driven the way a city
administrator does it: the changelist's link, the upload form, the job page
(progress bar, status JSON polled by a static script), the report. Nobody
else may import; a file that cannot be read is refused on the form; no ID or
phone number is kept or shown in clear."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from audit.models import OperationLog
from hub.protect import digest, mask_id, mask_phone
from identity.models import PatientPhone, PhoneImportJob
from identity.phones import phone_of_record
from identity.tasks import phone_import_run
from tests.fixtures.backoffice import verified_client
from tests.fixtures.relay import resident_id

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/identity/patientphone/"
ID_A, ID_B, ID_C = resident_id(401), resident_id(402), resident_id(403)
PHONE_A, PHONE_B, PHONE_C = "13800138001", "13900139002", "13700137003"
BAD_CHECK = ID_C[:17] + ("0" if ID_C[17] != "0" else "1")
CSV = (
    "\ufeffcardType,idcard,phone\n"
    f"01,{ID_A},{PHONE_A}\n"
    f"01,{ID_B},{PHONE_B}\n"
    f"01,{BAD_CHECK},{PHONE_C}\n"  # line 4: check digit
    f"01,{ID_C},12345\n"  # line 5: not a mobile number
    f"{ID_C},01,{PHONE_C}\n"  # line 6: columns swapped, the ID must not be quoted
    f"01,{ID_C}\n"  # line 7: two columns
).encode()
CLEAR = (ID_A, ID_B, ID_C, BAD_CHECK, PHONE_A, PHONE_B, PHONE_C, ID_C[:8])


def _href(page: str, element_id: str) -> str:
    match = re.search(rf'<a href="([^"]+)"[^>]*id="{element_id}"', page)
    assert match, f"no link #{element_id}"
    return html.unescape(match.group(1))


def _assert_nothing_in_clear(text: str) -> None:
    for value in CLEAR:
        assert value not in text


def _upload(client, data: bytes, capture, *, name="registry.csv", **headers):
    """From the changelist: follow the import link, submit the form."""
    changelist = client.get(CHANGELIST, **headers)
    assert changelist.status_code == 200
    form_url = _href(changelist.content.decode(), "phone-import-link")
    form = client.get(form_url, **headers)
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()
    # The view commits the job and queues it on commit: eagerly, no broker.
    with capture(execute=True):
        return client.post(
            form_url, {"file": SimpleUploadedFile(name, data, "text/csv")}, **headers
        )


def _status(client, job_page: str) -> dict:
    match = re.search(r'data-status-url="([^"]+)"', job_page)
    answer = client.get(html.unescape(match.group(1)))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    _assert_nothing_in_clear(answer.content.decode())
    return answer.json()


def _refused(job_page: str) -> dict[int, str]:
    table = job_page.split('id="phone-import-refused"', 1)[1].split("</table>", 1)[0]
    return {
        int(n): html.unescape(r) for n, r in re.findall(r"<td>(\d+)</td><td>([^<]*)</td>", table)
    }


def test_a_city_administrator_imports_a_file_and_reads_the_report(
    city_admin, django_capture_on_commit_callbacks
):
    client = verified_client(city_admin)
    answer = _upload(client, CSV, django_capture_on_commit_callbacks)
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "<progress" in text and 'id="phone-import-progress"' in text
    assert "identity/phone_import.js" in text and "<script>" not in text
    assert finders.find("identity/phone_import.js")
    status = _status(client, text)
    assert status["state"] == "done" and status["finished"] is True
    assert (status["total_lines"], status["done_lines"]) == (6, 6)
    assert (status["taken"], status["changed"], status["unchanged"], status["refused"]) == (
        2,
        0,
        0,
        4,
    )
    assert re.search(r'id="report-taken">2<', text) and re.search(r'id="report-refused">4<', text)
    refused = _refused(text)
    assert sorted(refused) == [4, 5, 6, 7] and all(refused.values())
    assert "校验位" in refused[4]  # the reasons in Chinese, the site's language
    _assert_nothing_in_clear(text)

    assert phone_of_record(patient_digest=digest(ID_A)).phone == PHONE_A
    assert phone_of_record(patient_digest=digest(ID_B)).phone == PHONE_B
    assert PatientPhone.objects.count() == 2

    # The job keeps counts and refused lines only: the file itself is gone.
    job = PhoneImportJob.objects.get()
    assert job.uploaded_by == city_admin and job.finished_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT upload, report::text, error FROM identity_phoneimportjob")
        upload, report, error = cursor.fetchone()
    assert upload is None
    _assert_nothing_in_clear(report + error)
    assert json.loads(report)["refused_lines"][0] == [4, refused[4]]

    # One operation-log row for the import, counts only.
    row = OperationLog.objects.get(action="patient_phone.import")
    assert row.after == {
        "state": "done",
        "lines": 6,
        "taken": 2,
        "changed": 0,
        "unchanged": 0,
        "refused": 4,
    }
    assert row.actor_id == str(city_admin.pk) or city_admin.username in row.actor_repr

    # The phones of record: masked in the list and on the change page, no search box.
    listing = client.get(CHANGELIST).content.decode()
    assert mask_id(ID_A) in listing and mask_phone(PHONE_A) in listing
    assert 'id="searchbar"' not in listing
    _assert_nothing_in_clear(listing)
    row_pk = phone_of_record(patient_digest=digest(ID_A)).pk
    change = client.get(f"{CHANGELIST}{row_pk}/change/").content.decode()
    assert mask_phone(PHONE_A) in change
    _assert_nothing_in_clear(change)
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert PHONE_A not in str(phone_of_record(patient_digest=digest(ID_A)))

    # The list of imports opens each on its job page.
    jobs = client.get("/admin/identity/phoneimportjob/")
    assert jobs.status_code == 200
    _assert_nothing_in_clear(jobs.content.decode())
    opened = client.get(f"/admin/identity/phoneimportjob/{job.pk}/change/")
    assert opened.status_code == 302 and opened["Location"] == answer["Location"]


def test_importing_the_same_file_again_changes_nothing(
    city_admin, django_capture_on_commit_callbacks
):
    client = verified_client(city_admin)
    _upload(client, CSV, django_capture_on_commit_callbacks)
    again = _upload(client, CSV, django_capture_on_commit_callbacks)
    text = client.get(again["Location"]).content.decode()
    status = _status(client, text)
    assert (status["taken"], status["changed"], status["unchanged"], status["refused"]) == (
        0,
        0,
        2,
        4,
    )
    assert re.search(r'id="report-unchanged">2<', text)
    assert PatientPhone.objects.count() == 2
    assert OperationLog.objects.filter(action="patient_phone.taken").count() == 2


def test_with_a_broker_the_page_shows_the_queued_job_until_a_worker_runs_it(
    city_admin, django_capture_on_commit_callbacks, monkeypatch
):
    # A real worker is not here: the queued message is only recorded.
    queued = []
    monkeypatch.setattr(phone_import_run, "delay", queued.append)
    client = verified_client(city_admin)
    answer = _upload(client, CSV, django_capture_on_commit_callbacks)
    text = client.get(answer["Location"]).content.decode()
    assert 'data-state="queued"' in text and 'id="phone-import-waiting"' in text
    status = _status(client, text)
    assert (status["state"], status["done_lines"], status["total_lines"]) == ("queued", 0, 6)
    assert status["finished"] is False and status["taken"] is None
    # Waiting, the file is kept sealed: not a number in clear in the table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT upload FROM identity_phoneimportjob")
        blob = bytes(cursor.fetchone()[0])
    assert blob and not any(value.encode() in blob for value in CLEAR)

    job = PhoneImportJob.objects.get()
    assert queued == [job.pk]
    assert phone_import_run(job.pk) == "done"  # what the worker does
    assert phone_import_run(job.pk) == "skipped"  # a second delivery changes nothing
    status = _status(client, client.get(answer["Location"]).content.decode())
    assert (status["state"], status["done_lines"], status["taken"]) == ("done", 6, 2)
    assert OperationLog.objects.filter(action="patient_phone.import").count() == 1


def test_progress_is_written_every_few_lines(
    city_admin, django_capture_on_commit_callbacks, monkeypatch
):
    import identity.phone_import as phone_import

    monkeypatch.setattr(phone_import, "PROGRESS_EVERY", 2)
    seen = []
    real = phone_import.phone_of_record_set

    def spy(**kwargs):
        seen.append(PhoneImportJob.objects.values_list("state", "done_lines").get())
        return real(**kwargs)

    monkeypatch.setattr(phone_import, "phone_of_record_set", spy)
    lines = "".join(f"01,{resident_id(500 + n)},1380013{n:04d}\n" for n in range(7))
    client = verified_client(city_admin)
    _upload(client, f"cardType,idcard,phone\n{lines}".encode(), django_capture_on_commit_callbacks)
    assert seen == [("running", n) for n in (0, 0, 2, 2, 4, 4, 6)]
    job = PhoneImportJob.objects.get()
    assert (job.state, job.done_lines, job.total_lines) == ("done", 7, 7)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("cardType,idcard,phone\n01,甲,1\n".encode("gbk"), "The file is not UTF-8 text."),
        (
            f"idcard,phone\n{ID_A},{PHONE_A}\n".encode(),
            "The header row must be cardType,idcard,phone.",
        ),
        (
            f"cardType,idcard,phone\n01,{ID_A},{PHONE_A}\n01,{'x' * 200_000},1\n".encode(),
            "Line 3 cannot be read as CSV.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_the_form(
    city_admin, django_capture_on_commit_callbacks, data, message
):
    client = verified_client(city_admin)
    answer = _upload(client, data, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert 'class="errorlist' in text and message in text
    _assert_nothing_in_clear(text)
    assert PatientPhone.objects.count() == 0
    assert not PhoneImportJob.objects.exists()


def test_the_form_error_is_in_chinese_by_default(city_admin, django_capture_on_commit_callbacks):
    client = verified_client(city_admin)
    data = "cardType,idcard,phone\n01,甲,1\n".encode("gbk")
    answer = _upload(client, data, django_capture_on_commit_callbacks)
    text = answer.content.decode()
    assert "文件不是 UTF-8 编码的文本" in text and "导入本人手机号" in text


def test_an_auditor_may_look_but_not_import(
    city_admin, city_auditor, django_capture_on_commit_callbacks
):
    done = _upload(verified_client(city_admin), CSV, django_capture_on_commit_callbacks)
    client = verified_client(city_auditor)
    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert 'id="phone-import-link"' not in listing.content.decode()
    form_url = f"{CHANGELIST}import/"
    assert client.get(form_url).status_code == 403
    upload = SimpleUploadedFile("x.csv", CSV, "text/csv")
    assert client.post(form_url, {"file": upload}).status_code == 403
    assert PhoneImportJob.objects.count() == 1
    # The auditor reads the finished report (view permission), without "import another".
    page = client.get(done["Location"])
    assert page.status_code == 200
    assert f'{CHANGELIST}import/"' not in page.content.decode()


def test_a_hospital_operator_may_neither_import_nor_look(operator_a):
    client = verified_client(operator_a)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(f"{CHANGELIST}import/").status_code == 403
    upload = SimpleUploadedFile("x.csv", CSV, "text/csv")
    assert client.post(f"{CHANGELIST}import/", {"file": upload}).status_code == 403
    assert client.get(f"{CHANGELIST}import/1/status/").status_code == 403
    assert not PhoneImportJob.objects.exists() and not PatientPhone.objects.exists()


def test_a_session_without_the_second_factor_gets_the_login_page(city_admin):
    from django.test import Client

    client = Client()
    client.force_login(city_admin)
    answer = client.get(f"{CHANGELIST}import/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]
