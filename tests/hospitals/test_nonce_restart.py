"""On the embedded default (SQLite, no Redis) a captured signed request is
refused after the hub restarts: the nonces it has seen are in the database,
not in the process's memory. The hub runs as ``make run`` starts it, in a
process of its own, stopped and started again between the two calls."""

from __future__ import annotations

import requests

from hub.gm.xtif import signed_headers
from tests.embedded import embedded_env, free_port, manage, serve


def test_a_replay_after_a_restart_is_refused(tmp_path):
    env = embedded_env(tmp_path)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed_demo", "--no-simulator")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/hospitals/me"
    captured = signed_headers("hosp-a", "hosp-a-token")
    session = requests.Session()
    session.trust_env = False

    server = serve(env, port)
    try:
        first = session.get(url, headers=captured, timeout=10)
        assert first.status_code == 200, first.text
        replay = session.get(url, headers=captured, timeout=10)
        assert replay.status_code == 401 and replay.json()["errorCode"] == "REPLAYED_NONCE"
    finally:
        server.terminate()
        server.wait(timeout=30)

    server = serve(env, port)
    try:
        after_restart = session.get(url, headers=captured, timeout=10)
        assert after_restart.status_code == 401, after_restart.text
        assert after_restart.json()["errorCode"] == "REPLAYED_NONCE"
        fresh = session.get(url, headers=signed_headers("hosp-a", "hosp-a-token"), timeout=10)
        assert fresh.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
