"""Management commands: bulk import, credentials, report, seed_demo, otp_enroll."""

import csv
import io
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from hospitals.models import Hospital, HubCredential, IntegratedSystem, ProvinceAccount, Stage
from hospitals.validators import uscc_check_char
from tests.factories import HospitalFactory
from tests.fixtures.hospitals import SignedClient

pytestmark = pytest.mark.django_db
HEADERS = [
    "机构代码",
    "医疗机构名称",
    "统一社会信用代码",
    "等级",
    "区县",
    "联系人",
    "联系电话",
    "接入系统",
]


def _uscc(n: int) -> str:
    first17 = f"12440100{n:09d}"
    return first17 + uscc_check_char(first17)


def _sheet_rows(n=300):
    rows, bad = [], {}
    for i in range(n):
        code = f"5{i:08d}"
        row = [
            code,
            f"导入医院{i}",
            _uscc(i),
            "二级",
            "海珠区",
            "李工",
            "13800000000",
            f"HIS|http://h{i}.example/|10.0.0.{i % 250}",
        ]
        if i % 50 == 7:
            row[2] = _uscc(i)[:-1] + ("0" if _uscc(i)[-1] != "0" else "1")  # checksum broken
            bad[i + 2] = "uscc:"
        elif i % 50 == 19:
            row[1] = ""
            bad[i + 2] = "org_name"
        elif i % 50 == 31:
            row[7] = (
                "|http://nameless.example/|"  # a system without a name: the row must leave nothing
            )
            bad[i + 2] = "system"
        elif i % 50 == 43:
            row[3] = "特级"
            bad[i + 2] = "level"
        rows.append(row)
    rows.append(list(rows[0]))  # a repeated org_code
    bad[n + 2] = "repeats"
    return rows, bad


def _write_xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_300_rows_good_in_bad_reported_nothing_half_written(tmp_path):
    rows, bad = _sheet_rows()
    path = tmp_path / "hospitals.xlsx"
    _write_xlsx(path, rows)

    dry = _run("hospitals", "import", str(path), "--dry-run")
    assert "dry run, nothing written: 276 rows ok, 25 rows refused, 301 rows read." in dry
    assert Hospital.objects.count() == 0

    out = _run("hospitals", "import", str(path))
    assert "276 rows ok, 25 rows refused, 301 rows read." in out
    for row_number, reason in bad.items():
        line = next(line for line in out.splitlines() if line.startswith(f"row {row_number}:"))
        assert "ERROR" in line and reason in line, line
    assert Hospital.objects.count() == 276
    assert IntegratedSystem.objects.count() == 276
    # The refused rows left nothing: not the hospital of a row whose system was bad.
    assert not Hospital.objects.filter(org_code="500000031").exists()
    imported = Hospital.objects.get(org_code="500000000")
    assert imported.level == "secondary" and imported.contact_phone == "13800000000"
    assert imported.stage == Stage.PARAMETERS_ISSUED

    again = _run("hospitals", "import", str(path))
    assert "276 rows ok" in again and "OK updated 500000000" in again
    assert Hospital.objects.count() == 276


def test_import_csv_with_credentials_out(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(
        "org_code,org_name,uscc\n600000001,甲医院,\n600000002,乙医院,91350100M000100Y43\n",
        encoding="utf-8",
    )
    creds = tmp_path / "creds.csv"
    out = _run(
        "hospitals", "import", str(path), "--issue-credentials", "--credentials-out", str(creds)
    )
    assert "2 rows ok" in out
    assert oct(creds.stat().st_mode & 0o777) == "0o600"
    rows = list(csv.DictReader(io.StringIO(creds.read_text())))
    assert {r["org_code"] for r in rows} == {"600000001", "600000002"}
    HospitalFactory  # noqa: B018 (factories module importable)
    hospital = Hospital.objects.get(org_code="600000002")
    hospital.stage = Stage.LIVE
    hospital.save()
    row = next(r for r in rows if r["org_code"] == "600000002")
    client = SignedClient(row["paasid"], row["paastoken"])
    assert client.get("/api/v1/hospitals/me").json()["data"]["orgCode"] == "600000002"


def test_import_refuses_a_file_without_headers(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("hospitals", "import", str(path))


def test_credentials_rotate_command(hospital_a):
    out = _run("hospitals", "credentials", "455404482", "--rotate")
    paasid = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("paasid"))
    assert HubCredential.objects.get(paasid=paasid).valid_until is None
    assert HubCredential.objects.get(paasid="hosp-a").valid_until is not None
    listing = _run("hospitals", "credentials", "455404482")
    assert "hosp-a-token" not in listing and paasid in listing
    with pytest.raises(CommandError):
        call_command("hospitals", "credentials", "000000000")


def test_report_export_has_appendix_labels(hospital_a, tmp_path):
    hospital_a.uscc = "91350100M000100Y43"
    hospital_a.contact_name = "王工"
    hospital_a.save()
    IntegratedSystem.objects.create(
        hospital=hospital_a, name="HIS", url="http://his/", ip="10.1.1.1"
    )
    target = tmp_path / "r.xlsx"
    _run("hospitals", "report", "455404482", "-o", str(target))
    ws = load_workbook(target).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    for label in [
        "广东健康档案互通系统接入运行报告",
        "医疗机构名称",
        "统一社会信用代码",
        "上线日期",
        "联系人",
        "联系电话",
        "接入系统名称",
        "URL 地址",
        "IP 地址",
    ]:
        assert label in cells
    for value in ["测试机构名称", "91350100M000100Y43", "王工", "HIS", "http://his/", "10.1.1.1"]:
        assert value in cells


def test_seed_demo_is_idempotent_and_matches_the_docs(settings, tmp_path, province_sim):
    settings.PROVINCE_SIM_CONFIG = str(tmp_path / "sim.json")
    out = _run("seed_demo")
    assert "running simulator told" in out
    _run("seed_demo")
    assert Hospital.objects.filter(stage=Stage.LIVE).count() == 2
    assert HubCredential.objects.count() == 3  # A: HIS and EMR; B: EMR
    account = ProvinceAccount.objects.get(is_city_default=True)
    assert (account.paasid, account.paastoken, account.sm4_key) == (
        "demo-paasid",
        "demo-paastoken",
        "33edd0637a6cbd8e7d057fbc0944d621",
    )
    assert (account.app_id, account.call_sys_code) == ("ff8080818ab5cf57018b3bb2a4af0004", "zhspt")
    b = HubCredential.objects.get(paasid="hosp-b")
    assert b.hospital.org_code == "455404483" and b.paastoken == "hosp-b-token"
    assert b.sm4_key == "fedcba98765432100123456789abcdef"
    orgs = json.loads((tmp_path / "sim.json").read_text())["orgs"]
    assert {"455404482", "455404483"} <= set(orgs)
    assert province_sim.state.org_name("455404483") == "演示第二医院"
    assert SignedClient("hosp-b", "hosp-b-token").get("/api/v1/hospitals/me").status_code == 200
    # The demo residents' phones of record, once each (the seed ran twice).
    from hub.protect import digest
    from identity.models import PatientPhone
    from identity.phones import phone_of_record

    assert PatientPhone.objects.count() == 2
    demo = phone_of_record(patient_digest=digest("44010619900307001X"))
    assert demo.phone == "13800138000" and demo.source == "registry"


def test_seed_demo_refused_in_production(settings):
    settings.HUB_ENV = "production"
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not Hospital.objects.exists()


def test_otp_enroll_prints_uri_and_qr(city_admin):
    out = _run("otp_enroll", "city-admin")
    assert "otpauth://totp/" in out
    assert "█" in out or "▀" in out or "▄" in out
    assert city_admin.totpdevice_set.filter(confirmed=True).count() == 1
    with pytest.raises(CommandError):
        call_command("otp_enroll", "nobody", stdout=StringIO())
