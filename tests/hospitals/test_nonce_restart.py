"""On the embedded default (SQLite, no Redis) a captured signed request is
refused after the hub restarts: the nonces it has seen are in the database,
not in the process's memory. The hub runs as ``make run`` starts it, in a
process of its own, stopped and started again between the two calls."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from hub.gm.xtif import signed_headers

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _embedded_env(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "HUB_ENV")
        and not key.startswith("DJANGO_")
    }
    env.update(HUB_VAR_DIR=str(var_dir), HUB_ENV="development", DEBUG="0")
    return env


def _manage(env, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _serve(env, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.2)
    server.kill()
    raise AssertionError("the hub did not start")


def test_a_replay_after_a_restart_is_refused(tmp_path):
    env = _embedded_env(tmp_path)
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(env, "seed_demo", "--no-simulator")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api/v1/hospitals/me"
    captured = signed_headers("hosp-a", "hosp-a-token")
    session = requests.Session()
    session.trust_env = False

    server = _serve(env, port)
    try:
        first = session.get(url, headers=captured, timeout=10)
        assert first.status_code == 200, first.text
        replay = session.get(url, headers=captured, timeout=10)
        assert replay.status_code == 401 and replay.json()["errorCode"] == "REPLAYED_NONCE"
    finally:
        server.terminate()
        server.wait(timeout=30)

    server = _serve(env, port)
    try:
        after_restart = session.get(url, headers=captured, timeout=10)
        assert after_restart.status_code == 401, after_restart.text
        assert after_restart.json()["errorCode"] == "REPLAYED_NONCE"
        fresh = session.get(url, headers=signed_headers("hosp-a", "hosp-a-token"), timeout=10)
        assert fresh.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
