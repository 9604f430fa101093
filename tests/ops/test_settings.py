"""The settings module's promises: every variable documented, production strict."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _settings_variables() -> set[str]:
    text = "".join(path.read_text() for path in sorted((ROOT / "hub").glob("settings*.py")))
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z_0-9]+)"', text))
    return read | set(re.findall(r'_secret\("([A-Z][A-Z_0-9]+)"\)', text))


def test_env_example_lists_every_variable_the_settings_read():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z_0-9]+)=", example, re.M))
    variables = _settings_variables()
    assert len(variables) > 50  # the pattern still finds them
    assert sorted(variables - listed) == []


def _start_in_production(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "DATABASE_"))}
    clean.update({"HUB_ENV": "production", **env})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "hub.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_and_names_it():
    result = _start_in_production(SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "no insecure fallback" in result.stderr


def test_a_master_key_that_is_not_an_sm4_key_stops_start_up():
    result = _start_in_production(
        SECRET_KEY="x" * 50, HUB_MASTER_KEY="not-hex", HUB_DIGEST_KEY="y" * 32
    )
    assert result.returncode != 0
    assert "HUB_MASTER_KEY must be 32 hexadecimal characters" in result.stderr


def _settings_in_a_fresh_process(**env) -> dict:
    """The settings a process gets from this environment (nothing inherited)."""
    import json

    keep = ("PATH", "HOME", "LANG")
    clean = {k: v for k, v in os.environ.items() if k in keep}
    clean.update(env)
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
        "'db': str(s.DATABASES['default']['NAME']), "
        "'cache': s.CACHES['default']['BACKEND'], 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
        "'base': s.PROVINCE_BASE_URL, 'viewer': s.PROVINCE_VIEWER_URL}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "hub.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_absent_variables_take_the_embedded_default(tmp_path):
    got = _settings_in_a_fresh_process(HUB_VAR_DIR=str(tmp_path))
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["db"] == str(tmp_path / "hub.sqlite3")
    assert got["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert got["eager"] is True
    assert got["base"] == "http://127.0.0.1:8001"
    assert got["viewer"] == "http://127.0.0.1:8001/ebus/jiankangdangan/gdehr/viewer"


def test_each_variable_switches_its_part_to_the_real_one(tmp_path):
    got = _settings_in_a_fresh_process(
        HUB_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hub",
        REDIS_URL="redis://127.0.0.1:6379/1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/2",
        PROVINCE_BASE_URL="http://127.0.0.1:9001/",
    )
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["cache"] == "hub.cache.RedisCache"  # Django's Redis cache, one client kept
    assert got["eager"] is False
    # One variable is enough to point at a simulator elsewhere: the viewer follows.
    assert got["viewer"] == "http://127.0.0.1:9001/ebus/jiankangdangan/gdehr/viewer"


@pytest.mark.parametrize(
    "missing",
    ["DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PROVINCE_BASE_URL", "PROVINCE_VIEWER_URL"],
)
def test_production_names_each_missing_service_variable(missing):
    env = {
        "SECRET_KEY": "x" * 50,
        "HUB_MASTER_KEY": "00112233445566778899aabbccddeeff",
        "HUB_DIGEST_KEY": "y" * 32,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hub",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/2",
        "PROVINCE_BASE_URL": "https://yyzc.gdgov.cn",
        "PROVINCE_VIEWER_URL": "https://viewer.example.gov.cn/gdehr/viewer",
    }
    env[missing] = ""
    result = _start_in_production(**env)
    assert result.returncode != 0
    assert missing in result.stderr
