"""An installation made before the layout change upgrades with ``migrate`` and
keeps every row.

The code of the last commit before the move (``BEFORE_MOVE``) is taken from
git, migrated into a PostgreSQL database of its own and given data (the demo
registry, consents, two phone bindings, a permission granted on the consent
model, an admin history entry); a copy of that database is then migrated by
today's code. Every table keeps its rows (the consents under their new table
name), the sealed fields still open, and the permission and admin history
follow the model to its new app. The bindings table is gone: the binding a
face check at a kiosk made became the patient's phone of record; the one a
hospital's SMS authorization made (a phone the hospital chose) is dropped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import uuid
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The last commit of main before relay/ and patients/ became apps.
BEFORE_MOVE = "63f584959588e1652e9b5d09e3935080b0ce3cb6"
RENAMED = {"hub_authorization": "relay_authorization"}
#: Replaced by identity_patientphone (patients/migrations/0003).
REMOVED = {"identity_patientbinding"}
#: New models bring their permissions and content types (and the roles get them).
GROWS = {"auth_permission", "auth_group_permissions", "django_content_type", "django_migrations"}

OLD_DATA = r"""
import json
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from hospitals.models import Hospital
from hub.authorizations.models import Authorization
from hub.protect import digest
from identity.models import PatientBinding

hospital = Hospital.objects.get(org_code="455404482")
ids = []
for n, (method, state) in enumerate([("sms", "granted"), ("sms", "pending"), ("face", "granted")]):
    auth = Authorization.objects.create(
        hospital=hospital, method=method, state=state,
        patient_idcard=f"44010619900307{n:03d}X", patient_digest=digest(f"p{n}", purpose="id"),
        card_type="01", patient_name="张三", phone=f"1380013800{n}", staff_no="doc001",
        phone_digest=digest(f"1380013800{n}", purpose="phone"),
        granted_at=timezone.now() if state == "granted" else None,
    )
    ids.append(auth.pk)
for n, source in ((0, "sms_authorization"), (2, "face_kiosk")):
    PatientBinding.objects.create(
        phone_digest=digest(f"1380013800{n}", purpose="phone"),
        patient_digest=digest(f"p{n}", purpose="id"), source=source,
        evidence=f"authorization:{ids[n]}")
user = User.objects.create_user("officer", password="x" * 12)
user.user_permissions.add(Permission.objects.get(
    content_type__app_label="hub", codename="change_authorization"))
LogEntry.objects.create(user=user, content_type=ContentType.objects.get(
    app_label="hub", model="authorization"), object_id=str(ids[0]), object_repr="x",
    action_flag=CHANGE, action_time=timezone.now())
print(json.dumps(ids))
"""

NEW_CHECK = r"""
import json
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from identity.models import PatientPhone
from relay.models import Authorization

rows = list(Authorization.objects.order_by("pk"))
print(json.dumps({
    "ids": [a.pk for a in rows],
    "idcards": [a.patient_idcard for a in rows],
    "auth_phones": [a.phone for a in rows],
    "phones": [(p.idcard, p.phone, p.source, p.evidence) for p in PatientPhone.objects.all()],
    "perm": User.objects.get(username="officer").has_perm("relay.change_authorization"),
    "log": [e.content_type.app_label for e in LogEntry.objects.all()],
}))
"""


def _database_url(name: str) -> str:
    base = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(base._replace(path=f"/{name}"))


def _admin_connection():
    return psycopg.connect(_database_url("postgres"), autocommit=True)


def _manage(code_dir: Path, database: str, *args: str, stdin: str | None = None) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(database),
        "HUB_ENV": "test",
        "PYTHONPATH": str(code_dir),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=code_dir,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}"
    return done.stdout


def _row_counts(database: str) -> dict[str, int]:
    with psycopg.connect(_database_url(database)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


@pytest.fixture
def old_code(tmp_path) -> Path:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", BEFORE_MOVE],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        f"the upgrade test needs the commit before the move in git history: {archive.stderr!r}"
    )
    target = tmp_path / "before-move"
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


@pytest.fixture
def databases_for_upgrade():
    suffix = uuid.uuid4().hex[:8]
    names = (f"hub_upgrade_old_{suffix}", f"hub_upgrade_new_{suffix}")
    yield names
    with _admin_connection() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrate_from_before_the_move_keeps_every_row(old_code, databases_for_upgrade):
    old, new = databases_for_upgrade
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{old}"')
    _manage(old_code, old, "migrate", "--no-input", "-v", "0")
    _manage(old_code, old, "seed_demo")
    ids = json.loads(_manage(old_code, old, "shell", stdin=OLD_DATA).strip().splitlines()[-1])
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{new}" TEMPLATE "{old}"')
    before = _row_counts(old)

    _manage(ROOT, new, "migrate", "--no-input", "-v", "0")

    after = _row_counts(new)
    for table, count in before.items():
        if table in REMOVED:
            assert table not in after
            continue
        moved_to = RENAMED.get(table, table)
        assert moved_to in after, f"{table} is gone after the upgrade"
        if table in GROWS:
            assert after[moved_to] >= count, f"{table}: {count} rows before, {after[moved_to]}"
        else:
            assert after[moved_to] == count, f"{table}: {count} rows before, {after[moved_to]}"
    assert not set(RENAMED) & set(after)
    found = json.loads(_manage(ROOT, new, "shell", stdin=NEW_CHECK).strip().splitlines()[-1])
    assert found["ids"] == sorted(ids)
    assert found["idcards"] == [f"44010619900307{n:03d}X" for n in range(3)]
    assert found["auth_phones"] == [f"1380013800{n}" for n in range(3)]
    assert found["phones"] == [
        ["44010619900307002X", "13800138002", "face_kiosk", f"authorization:{ids[2]}"]
    ]
    assert found["perm"] is True
    assert found["log"] == ["relay"]
