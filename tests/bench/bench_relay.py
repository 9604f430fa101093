"""The relay: views issued per second, and the hub's relay latency over a
direct call to the province, as ratios measured in one run.

Runs against a throw-away test database (``test_<NAME>``, kept between runs),
the configured cache (Redis under ``make bench``) and the province simulator
on a background thread. Prints:

* ``POST /api/v1/views`` per second in-process (Django's full stack, one
  thread): signature, nonce, throttle off, one authorization lookup, access
  log row and usage counter, viewer URL;
* the same over HTTP against gunicorn (2 workers x 4 threads) with an
  asyncio client keeping 16 requests in flight;
* ``codeAuthRec/save`` latency p50/p99 through the hub (gunicorn, keep-alive)
  against the same call made directly to the simulator, with the simulator
  answering after 20 ms, and their ratio.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BUDGET_SECONDS = 3.0
PATIENTS = 50
LATENCY_CALLS = 60
SIM_LATENCY_MS = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _setup(sim_url: str):
    """Demo hospital A, the simulator's demo account as the city account, and
    ``PATIENTS`` synced consents. Returns (hospital, ids)."""
    from hospitals.models import ProvinceAccount
    from hospitals.selectors import credentials_cache_clear
    from hub.province.simulator.state import DEMO_ACCOUNT
    from relay.models import Authorization
    from relay.services import authorization_grant_appointment
    from tests.fixtures.hospitals import DEMO_A, make_demo_hospital
    from tests.fixtures.relay import resident_id

    Authorization.objects.all().delete()
    ProvinceAccount.objects.filter(is_city_default=True).delete()
    ProvinceAccount.objects.create(
        name="bench",
        paasid=DEMO_ACCOUNT["paasid"],
        paastoken=DEMO_ACCOUNT["paastoken"],
        sm4_key=DEMO_ACCOUNT["sm4_key"],
        app_id=DEMO_ACCOUNT["app_id"],
        call_sys_code=DEMO_ACCOUNT["call_sys_code"],
        is_city_default=True,
    )
    hospital = make_demo_hospital(DEMO_A)
    credentials_cache_clear()
    ids = [resident_id(n, birth=f"1980{1 + n % 12:02d}15") for n in range(PATIENTS)]
    for idcard in ids:
        auth, _ = authorization_grant_appointment(
            hospital=hospital, id_number=idcard, patient_name="张三", auth_days=30, actor="bench"
        )
        assert auth.sync_state == "synced", auth.sync_reason
    return hospital, ids


def _params(ids: list[str]) -> list[str]:
    from hub.gm import sm4_encrypt_ecb_hex
    from tests.fixtures.hospitals import DEMO_A
    from tests.fixtures.relay import view_param

    return [
        sm4_encrypt_ecb_hex(DEMO_A["sm4_key"], view_param(org_code=DEMO_A["org_code"], idcard=i))
        for i in ids
    ]


def _in_process_views(params: list[str]) -> float:
    from tests.fixtures.hospitals import DEMO_A, SignedClient

    client = SignedClient(DEMO_A["paasid"], DEMO_A["paastoken"])
    n = 0

    def one() -> None:
        nonlocal n
        answer = client.post_json("/api/v1/views", {"param": params[n % len(params)]})
        assert answer.status_code == 200, answer.content[:200]
        n += 1

    one()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < BUDGET_SECONDS:
        one()
        count += 1
    return count / (time.perf_counter() - started)


def _start_gunicorn(sim_url: str) -> tuple[subprocess.Popen, str]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    test_db_url = urlunsplit(url._replace(path="/" + db["NAME"]))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_db_url,
        "PROVINCE_BASE_URL": sim_url,
        "HOSPITAL_THROTTLE_DEFAULT_RATE": "off",
        # The bench measures the relay, not the city's daily cap on mode-1 grants.
        "MODE1_DAILY_CAP": "100000000",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }
    proc = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "hub.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, base
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


async def _http_views(base: str, params: list[str], concurrency: int = 16) -> float:
    import aiohttp

    from hub.gm.xtif import signed_headers
    from tests.fixtures.hospitals import DEMO_A

    done = 0
    stop_at = 0.0

    async def worker(session, k: int) -> None:
        nonlocal done
        i = k
        while time.perf_counter() < stop_at:
            headers = signed_headers(DEMO_A["paasid"], DEMO_A["paastoken"])
            body = json.dumps({"param": params[i % len(params)]})
            async with session.post(base + "/api/v1/views", data=body, headers=headers) as r:
                payload = await r.read()
                assert r.status == 200, payload[:200]
            done += 1
            i += concurrency

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        stop_at = time.perf_counter() + 1.0  # warm-up (both workers, connections)
        await asyncio.gather(*(worker(session, k) for k in range(concurrency)))
        done = 0
        started = time.perf_counter()
        stop_at = started + BUDGET_SECONDS
        await asyncio.gather(*(worker(session, k) for k in range(concurrency)))
        return done / (time.perf_counter() - started)


def _latencies(call, n: int) -> list[float]:
    call()  # warm the connection
    out = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _relay_vs_direct(base: str, sim_url: str, sim) -> tuple[list[float], list[float]]:
    import requests

    from hub.gm import sm4_encrypt_ecb_hex
    from hub.gm.xtif import signed_headers
    from hub.province.client import SAVE_PATH, save_authorization
    from hub.province.simulator.state import DEMO_ACCOUNT
    from tests.fixtures.hospitals import DEMO_A
    from tests.fixtures.relay import resident_id

    sim.control({"latency_ms": SIM_LATENCY_MS})
    from hub.province.client import ProvinceAccount

    account = ProvinceAccount(**DEMO_ACCOUNT)
    ids = [resident_id(500 + n, birth="19700101") for n in range(LATENCY_CALLS + 1)]

    def direct(i: int = 0) -> None:
        save_authorization(
            account,
            base_url=sim_url,
            id_number=ids[i],
            patient_name="张三",
            org_code=DEMO_A["org_code"],
            org_name=DEMO_A["org_name"],
        )

    session = requests.Session()
    session.trust_env = False

    def relayed(i: int = 0) -> None:
        rec = {
            "authDays": 30,
            "patientIdcard": sm4_encrypt_ecb_hex(DEMO_A["sm4_key"], ids[i]),
            "patientName": "张三",
            "orgCode": DEMO_A["org_code"],
            "orgName": DEMO_A["org_name"],
            "status": "1",
            "appId": "his",
        }
        headers = signed_headers(DEMO_A["paasid"], DEMO_A["paastoken"])
        answer = session.post(
            base + SAVE_PATH, data=json.dumps({"codeAuthRec": rec}), headers=headers
        )
        assert answer.json()["returnCode"] == "1", answer.text

    try:
        return _latencies(direct, LATENCY_CALLS), _latencies(relayed, LATENCY_CALLS)
    finally:
        sim.control({"latency_ms": 0})
        session.close()


def run() -> None:
    import logging

    from django.conf import settings
    from django.db import connection

    from hub.province.simulator.server import start_in_thread, stop
    from hub.province.simulator.state import SimState
    from tests.bench.support import prepare_test_environment

    logging.getLogger("hub").setLevel(logging.WARNING)
    logging.getLogger("identity").setLevel(logging.WARNING)
    prepare_test_environment()

    state = SimState(config_path=None)
    server, sim_url = start_in_thread(state)
    settings.PROVINCE_BASE_URL = sim_url
    settings.PROVINCE_VIEWER_URL = sim_url + state.viewer_path
    settings.MODE1_DAILY_CAP = 100_000_000  # the relay is measured, not the daily cap
    try:
        _hospital, ids = _setup(sim_url)
        params = _params(ids)
        in_process = _in_process_views(params)
        print(f"views, in-process (1 thread, full stack): {in_process:8.0f} views/s")
        connection.close()  # gunicorn's workers get their own connections
        proc, base = _start_gunicorn(sim_url)
        try:
            over_http = asyncio.run(_http_views(base, params))
            print(f"views, gunicorn 2x4 over HTTP, 16 in flight: {over_http:5.0f} views/s")
            direct, relayed = _relay_vs_direct(base, sim_url, state)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        d50, d99 = _percentile(direct, 0.5), _percentile(direct, 0.99)
        r50, r99 = _percentile(relayed, 0.5), _percentile(relayed, 0.99)
        print(f"codeAuthRec/save with the province answering after {SIM_LATENCY_MS} ms:")
        print(f"  direct to the simulator   p50 {d50:6.1f} ms  p99 {d99:6.1f} ms")
        print(f"  through the hub (relay)   p50 {r50:6.1f} ms  p99 {r99:6.1f} ms")
        print(f"  ratio hub/direct          p50 {r50 / d50:6.2f}x   p99 {r99 / d99:6.2f}x")
        print(
            f"  hub overhead              p50 {r50 - d50:6.1f} ms (mean {statistics.mean(relayed) - statistics.mean(direct):.1f} ms)"
        )
    finally:
        stop(server)
