"""``python manage.py gdehr``: encrypt, decrypt, sign, and the subcommand registry."""

import os
import subprocess
import sys
import textwrap
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import relay.cli
from hub.gm import sign

from .test_sm4 import SEED_CIPHER, SEED_KEY, SEED_TEXT

ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> str:
    out = StringIO()
    call_command("gdehr", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_encrypt_prints_the_seed_ciphertext():
    assert run("encrypt", "--key", SEED_KEY, SEED_TEXT) == SEED_CIPHER + "\n"


def test_decrypt_prints_the_seed_text():
    assert run("decrypt", "--key", SEED_KEY, SEED_CIPHER) == SEED_TEXT + "\n"


def test_decrypt_accepts_uppercase_and_a_pasted_newline():
    assert run("decrypt", "--key", SEED_KEY, SEED_CIPHER.upper() + "\n") == SEED_TEXT + "\n"


def test_chinese_text_round_trips_through_the_command():
    cipher = run("encrypt", "--key", SEED_KEY, "patientName=张三").strip()
    assert run("decrypt", "--key", SEED_KEY, cipher) == "patientName=张三\n"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("encrypt", "--key", "0123456789abcdef", "x"), "bad_key"),
        (("decrypt", "--key", "0123456789abcdef", SEED_CIPHER), "bad_key"),
        (("decrypt", "--key", SEED_KEY, "xyz"), "bad_hex"),
        (("decrypt", "--key", SEED_KEY, SEED_CIPHER[:-2]), "bad_length"),
        (("decrypt", "--key", "0123456789abcdeffedcba9876543210", SEED_CIPHER), "bad_padding"),
    ],
)
def test_crypto_errors_are_one_line_command_errors(args, reason):
    with pytest.raises(CommandError) as info:
        run(*args)
    message = str(info.value)
    assert f"({reason})" in message
    assert "\n" not in message


def test_sign_prints_the_four_headers_of_the_vector():
    out = run(
        "sign",
        "--token",
        "demo-paastoken-0001",
        "--paasid",
        "hosp-a",
        "--timestamp",
        "1732500000",
        "--nonce",
        "k3x9q",
    )
    assert out.splitlines() == [
        "x-tif-paasid: hosp-a",
        "x-tif-timestamp: 1732500000",
        "x-tif-nonce: k3x9q",
        "x-tif-signature: 2DCF71A729E7806A9EF73545AB52F42DFD9D047056392F6519C26E2FCDC6548A",
    ]
    assert "demo-paastoken-0001" not in out


def test_sign_defaults_to_now_a_fresh_nonce_and_the_demo_paasid():
    first = dict(line.split(": ", 1) for line in run("sign", "--token", "t").splitlines())
    second = dict(line.split(": ", 1) for line in run("sign", "--token", "t").splitlines())
    assert first["x-tif-paasid"] == "demo-paasid"
    assert first["x-tif-nonce"] != second["x-tif-nonce"]
    assert first["x-tif-signature"] == sign(first["x-tif-timestamp"], "t", first["x-tif-nonce"])


@pytest.mark.parametrize(
    "args",
    [
        ("--token", ""),
        ("--token", "t", "--timestamp", "soon"),
        ("--token", "t", "--timestamp", "²"),
        ("--token", "t", "--nonce", "n" * 129),
        ("--token", "t", "--nonce", "two\nlines"),
        ("--token", "t", "--paasid", ""),
    ],
)
def test_sign_refuses_unusable_values(args):
    with pytest.raises(CommandError):
        run("sign", *args)


def test_subcommands_are_discovered_from_hub_cli():
    names = [module.__name__ for module in relay.cli.gdehr_subcommand_modules()]
    assert "relay.cli.gdehr_crypto" in names
    assert names == sorted(names)


def test_a_new_gdehr_module_is_registered_without_editing_the_command(tmp_path, monkeypatch):
    (tmp_path / "gdehr_zz_hello.py").write_text(
        textwrap.dedent(
            """
            def register(subparsers):
                parser = subparsers.add_parser("hello")
                parser.add_argument("--name", default="world")
                parser.set_defaults(handler=handle)

            def handle(command, options):
                command.stdout.write("hello " + options["name"])
            """
        )
    )
    monkeypatch.setattr(relay.cli, "__path__", [*relay.cli.__path__, str(tmp_path)])
    try:
        assert run("hello", "--name", "hub") == "hello hub\n"
    finally:
        sys.modules.pop("relay.cli.gdehr_zz_hello", None)


def test_the_command_line_prints_hex_and_fails_with_one_line():
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    ok = subprocess.run(
        [sys.executable, "manage.py", "gdehr", "encrypt", "--key", SEED_KEY, SEED_TEXT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == SEED_CIPHER + "\n"

    bad = subprocess.run(
        [sys.executable, "manage.py", "gdehr", "decrypt", "--key", "0123456789abcdef", "00"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0
    assert bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        "CommandError: an SM4 key must be exactly 32 hexadecimal characters (bad_key)"
    ]


def _manage_py(*args: str, settings_module: str):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_crypto_subcommands_answer_without_starting_django():
    """manage.py answers encrypt/decrypt/sign before Django loads anything: with
    settings that cannot even be imported, they still work, exactly as the
    management command does."""
    key = "0123456789abcdeffedcba9876543210"
    broken = "no.such.settings"
    encrypted = _manage_py(
        "gdehr", "encrypt", "--key", key, "440106199003071231", settings_module=broken
    )
    assert encrypted.returncode == 0, encrypted.stderr
    assert encrypted.stdout == run("encrypt", "--key", key, "440106199003071231")
    decrypted = _manage_py(
        "gdehr", "decrypt", "--key", key, encrypted.stdout, settings_module=broken
    )
    assert decrypted.stdout == "440106199003071231\n"
    bad = _manage_py("gdehr", "decrypt", "--key", key, "zz", settings_module=broken)
    assert bad.returncode == 1 and bad.stderr.startswith("CommandError: ")
    # ping needs the database: it still goes through Django (and fails here).
    assert _manage_py("gdehr", "ping", settings_module=broken).returncode != 0
