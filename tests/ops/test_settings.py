"""The settings module's promises: every variable documented, production strict."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _settings_variables() -> set[str]:
    text = (ROOT / "hub" / "settings.py").read_text()
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
