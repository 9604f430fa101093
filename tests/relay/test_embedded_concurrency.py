"""The embedded default (SQLite, no Redis, no broker) holds under concurrency:
20 parallel verifies of one authorization while the audit sealer runs give
no 500 — one grant, and a clear refusal for every other attempt. The hub runs
as ``make run`` starts it, in a process of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import requests

from hub.gm import sm4_encrypt_ecb_hex
from hub.gm.xtif import signed_headers
from tests.embedded import ROOT, embedded_env, free_port, manage, serve
from tests.fixtures.relay import resident_id

KEY_A = "0123456789abcdeffedcba9876543210"  # demo hospital A's documented hub key
DEMO_RESIDENT = "44010619900307001X"  # seed_demo records 13800138000 as its phone
PARALLEL = 20


def _post(url: str, body: dict) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.post(
            url, data=json.dumps(body), headers=signed_headers("hosp-a", "hosp-a-token"), timeout=60
        )


def test_twenty_parallel_verifies_and_the_sealer_give_no_500(tmp_path):
    env = embedded_env(tmp_path)
    env["PROVINCE_BASE_URL"] = f"http://127.0.0.1:{free_port()}"  # down: syncs wait, kept
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed_demo", "--no-simulator")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(env, port)
    sealer = None
    try:
        started = _post(
            f"{base}/api/v1/authorizations",
            {
                "patientIdcard": sm4_encrypt_ecb_hex(KEY_A, DEMO_RESIDENT),
                "cardType": "01",
                "patientName": "张三",
                "method": "sms",
                "staffNo": "doc001",
            },
        )
        assert started.status_code == 200, started.text
        auth_id = started.json()["data"]["authorizationId"]
        sent = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
        code = sent[-1]["params"]["code"]
        # Other writers at the same moment: more requests, and the sealer.
        sealer = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import subprocess, sys\n"
                "for _ in range(5):\n"
                "    subprocess.run([sys.executable, 'manage.py', 'audit', 'seal'], check=True)\n",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        verify = f"{base}/api/v1/authorizations/{auth_id}/verify"
        with ThreadPoolExecutor(PARALLEL + 4) as pool:
            answers = list(pool.map(lambda _: _post(verify, {"code": code}), range(PARALLEL)))
            others = list(
                pool.map(
                    lambda n: _post(
                        f"{base}/api/v1/authorizations",
                        {
                            "patientIdcard": sm4_encrypt_ecb_hex(KEY_A, resident_id(900 + n)),
                            "cardType": "01",
                            "patientName": "李四",
                            "method": "face",
                            "staffNo": "doc002",
                        },
                    ),
                    range(4),
                )
            )
        statuses = sorted(a.status_code for a in answers + others)
        assert not [s for s in statuses if s >= 500], [
            a.text for a in answers if a.status_code >= 500
        ]
        granted = [a for a in answers if a.status_code == 200]
        assert len(granted) == 1 and granted[0].json()["data"]["state"] == "granted"
        for refused in (a for a in answers if a.status_code != 200):
            assert refused.status_code in (400, 409, 423), refused.text
            assert refused.json()["errorCode"]
        assert sealer.wait(timeout=120) == 0, sealer.stderr.read().decode()[-2000:]
    finally:
        if sealer is not None and sealer.poll() is None:
            sealer.kill()
        server.terminate()
        server.wait(timeout=30)
