"""Phones of record from the resident registry: the command a city runs, bad
lines refused with their reasons, nothing in clear at rest, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import OperationLog
from hub.protect import digest
from identity.models import PatientPhone
from identity.phones import phone_of_record
from tests.fixtures.relay import resident_id

GOOD_A = resident_id(301)
GOOD_B = resident_id(302)


def _run(tmp_path, text: str, name="phones.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    out = []

    class _Out:
        def write(self, value):
            out.append(value)

    call_command("patient_phones", "import", str(path), stdout=_Out())
    return "".join(out)


@pytest.mark.django_db
def test_import_takes_good_lines_and_refuses_bad_ones_with_reasons(tmp_path):
    bad_check = GOOD_A[:17] + ("0" if GOOD_A[17] != "0" else "1")
    text = (
        "\ufeffcardType,idcard,phone\n"
        f"01,{GOOD_A},13800138000\n"
        f"01,{GOOD_B.lower()},13900139000\n"
        f"01,{bad_check},13700137000\n"
        "01,12345,13700137000\n"
        f"77,{GOOD_A},13800138000\n"
        f"01,{resident_id(303)},12345\n"
        f"01,{resident_id(304)}\n"
        f"01,{GOOD_A},13600136000\n"
        "\n"
        "03,E12345678,13500135000\n"
    )
    out = _run(tmp_path, text)
    assert "taken 3, changed 0, unchanged 0, refused 6" in out
    assert "line 4: refused: " in out and "line 5: refused: " in out
    assert "line 6: refused: " in out and "line 7: refused: " in out
    assert "line 8: refused: " in out and "line 9: refused: " in out
    assert phone_of_record(patient_digest=digest(GOOD_A)).phone == "13800138000"
    assert phone_of_record(patient_digest=digest(GOOD_B)).phone == "13900139000"
    # Sealed at rest: the number is nowhere in clear in the table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM identity_patientphone")
        blobs = [bytes(row[0]) for row in cursor.fetchall()]
    assert blobs and not any(b"13800138000" in blob for blob in blobs)
    assert OperationLog.objects.filter(action="patient_phone.taken").count() == 3
    assert not OperationLog.objects.filter(after__icontains="13800138000").exists()


@pytest.mark.django_db
def test_import_is_idempotent_and_reports_changes(tmp_path):
    first = f"cardType,idcard,phone\n01,{GOOD_A},13800138000\n01,{GOOD_B},13900139000\n"
    assert "taken 2, changed 0, unchanged 0, refused 0" in _run(tmp_path, first)
    assert "taken 0, changed 0, unchanged 2, refused 0" in _run(tmp_path, first)
    second = f"cardType,idcard,phone\n01,{GOOD_A},13600136000\n"
    assert "taken 0, changed 1, unchanged 0, refused 0" in _run(tmp_path, second, "b.csv")
    assert PatientPhone.objects.count() == 2
    assert phone_of_record(patient_digest=digest(GOOD_A)).phone == "13600136000"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"idcard,phone\n1,2\n", "header row"),
        ("cardType,idcard,phone\n01,甲,1\n".encode("gbk"), "UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(tmp_path, data, message):
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match=message):
        call_command("patient_phones", "import", str(path))
    assert PatientPhone.objects.count() == 0
