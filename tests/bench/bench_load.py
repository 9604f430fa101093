"""Load figures: the hub under gunicorn (2 workers) on PostgreSQL and Redis,
the province simulator answering after a realistic 20 ms, and a separate
asyncio load process sending signed requests (docs/performance.md).

1. ``POST /api/v1/views`` at a few concurrencies (target: >= 500/s with
   p99 < 50 ms and zero errors, at the best concurrency within the bound).
2. ``codeAuthRec/save`` through the hub (the compatible relay) and straight
   to the simulator (signed with the simulator's demo province account), at
   1 and at 50 concurrent clients (target: hub/direct <= 1.15x at p50 and
   p99, zero errors); the hub's added milliseconds.

Everything runs on a throw-away database (``hub_loadbench``, dropped and
migrated afresh) and Redis db (``BENCH_LOAD_REDIS_DB``, default 15, flushed)
on the servers of ``DATABASE_URL``/``REDIS_URL``; 300 authorizations are
granted (and synced with the simulator) through the relay first, so views
succeed. The CPU columns are milliseconds of CPU per request of each
process, measured by the load process at the edges of its window; ``machine
%`` is everything the machine ran meanwhile (200 % = both cores), other
people's work included.

Knobs (environment): ``BENCH_LOAD_DURATION`` (seconds per measured run after
a 1 s warm-up, default 5), ``BENCH_LOAD_VIEWS`` (concurrencies, default
``1,4,8,16,32``; 1 gives the floor of what the hub adds to any call),
``BENCH_LOAD_THREADS`` (gthread threads per worker, default 16),
``BENCH_LOAD_WORKER_CLASS`` (``gthread``; ``sync`` for comparison),
``BENCH_LOAD_PIN_CPU`` (pin the load process to that CPU).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

from tests.bench.load import report
from tests.bench.load.client import resident_id
from tests.bench.load.stack import BASE_DIR, THROTTLE_RATE, Stack, StackConfig

PATIENTS = 300
WARMUP = 1.0
RELAY_CONCURRENCY = (1, 50)
HOSPITAL_A = {
    "paasid": "hosp-a",
    "paastoken": "hosp-a-token",
    "sm4_key": "0123456789abcdeffedcba9876543210",
    "org_code": "455404482",
    "org_name": "测试机构名称",
    "app_id": "ff8080818ab5cf57018b3bb2a4af0004",
}
PROVINCE_DEMO = {
    "paasid": "demo-paasid",
    "paastoken": "demo-paastoken",
    "sm4_key": "33edd0637a6cbd8e7d057fbc0944d621",
    "org_code": "455404482",
    "org_name": "测试机构名称",
    "app_id": "ff8080818ab5cf57018b3bb2a4af0004",
}


def cpu_speed_ms() -> float:
    """Milliseconds a fixed pure-Python loop (1M additions) takes, best of 3:
    how fast this machine's cores are at the moment. On a shared virtual
    machine it varies (35-40 ms, then 61-66 ms minutes later, the machine
    otherwise idle), so runs are compared at the same figure."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for step in range(1_000_000):
            total += step
        best = min(best, time.perf_counter() - started)
    return best * 1000


def _config() -> StackConfig | None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    redis_url = os.environ.get("BENCH_LOAD_REDIS_URL") or settings.REDIS_URL
    if db["ENGINE"] != "django.db.backends.postgresql" or not redis_url:
        return None
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    database_url = (
        f"postgres://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}"
        f":{db.get('PORT') or 5432}/{db['NAME']}"
    )
    return StackConfig(
        database_url=database_url,
        redis_url=redis_url,
        redis_db=int(os.environ.get("BENCH_LOAD_REDIS_DB", "15")),
        threads=int(os.environ.get("BENCH_LOAD_THREADS", "16")),
        worker_class=os.environ.get("BENCH_LOAD_WORKER_CLASS", "gthread"),
    )


def _load(stack: Stack, label: str, spec: dict) -> dict:
    """Run the load process once (its own interpreter) and read its figures."""
    speed = cpu_speed_ms()
    spec = {**spec, "watch": stack.watch()}
    pin = os.environ.get("BENCH_LOAD_PIN_CPU", "")
    if pin:
        spec["cpus"] = [int(pin)]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
        path = handle.name
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.bench.load.client", path],
            cwd=BASE_DIR,
            env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.unlink(path)
    if done.returncode != 0:
        raise RuntimeError(f"load process failed ({label}):\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["label"] = label
    result["speed_ms"] = speed
    return result


def _spec(scenario: str, url: str, account: dict, concurrency: int, **extra) -> dict:
    return {
        "scenario": scenario,
        "url": url,
        "account": account,
        "patients": [resident_id(n) for n in range(PATIENTS)],
        "concurrency": concurrency,
        **extra,
    }


def _measure(stack: Stack, duration: float, sweep: list[int]) -> tuple[list, list, list]:
    seeded = _load(stack, "seed", _spec("compat", stack.hub_url, HOSPITAL_A, 16, once=True))
    if seeded["errors"]:
        raise RuntimeError(f"granting the authorizations failed: {seeded['error_kinds']}")
    print(f"granted {seeded['count']} authorizations through the relay (all synced)", flush=True)
    timing = {"warmup": WARMUP, "duration": duration}
    views = [
        _load(stack, "views", _spec("views", stack.hub_url, HOSPITAL_A, c, **timing)) for c in sweep
    ]
    pairs = []
    for concurrency in RELAY_CONCURRENCY:
        # Back to back, so both sides of a ratio see the same machine.
        direct = _load(
            stack, "direct", _spec("direct", stack.sim_url, PROVINCE_DEMO, concurrency, **timing)
        )
        first = stack.last_call_id()
        relay = _load(
            stack, "relay", _spec("compat", stack.hub_url, HOSPITAL_A, concurrency, **timing)
        )
        relay["province_ms"] = stack.province_latencies(first)
        pairs.append((direct, relay))
    runs = views + [run for pair in pairs for run in pair]
    return runs, views, pairs


def run() -> None:
    config = _config()
    if config is None:
        print("skipped: the load bench needs PostgreSQL and Redis (run it with `make bench`)")
        return
    duration = float(os.environ.get("BENCH_LOAD_DURATION", "5"))
    sweep = [int(c) for c in os.environ.get("BENCH_LOAD_VIEWS", "1,4,8,16,32").split(",")]
    started = time.perf_counter()
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f} before the run; "
        f"CPU speed: 1M-step Python loop {cpu_speed_ms():.0f} ms"
    )
    threads = f" x {config.threads} threads" if config.worker_class == "gthread" else ""
    print(
        f"hub: gunicorn, {config.workers} workers, {config.worker_class}{threads}, "
        "HUB_ENV=production, LOG_LEVEL=WARNING (JSON); per-hospital throttle on at "
        f"HOSPITAL_THROTTLE_DEFAULT_RATE={THROTTLE_RATE} (never reached); "
        f"simulator PROVINCE_SIM_LATENCY_MS={config.latency_ms:g}"
    )
    stack = Stack(config)
    try:
        stack.start()
        print(f"stack up in {time.perf_counter() - started:.1f} s", flush=True)
        runs, views, pairs = _measure(stack, duration, sweep)
    finally:
        stack.stop()
    warnings = stack.count_log_lines("hub", '"level": "ERROR"', '"level": "WARNING"')

    print(
        f"\nfigures ({datetime.date.today().isoformat()}; {duration:g} s per run after a "
        f"{WARMUP:g} s warm-up; CPU in ms per request)"
    )
    lines = report.runs_table(runs)
    lines += ["", *report.views_verdict(views)[1], ""]
    lines += report.relay_lines(pairs)[0]
    lines += report.relay_floor_lines(views, pairs)
    lines += ["", *report.capacity_lines(views)]
    for line in lines:
        print(line)
    print(f"\nhub log lines at WARNING or above: {warnings}")
    print(
        f"load average {os.getloadavg()[0]:.2f} after the run; "
        f"CPU speed: 1M-step Python loop {cpu_speed_ms():.0f} ms; "
        f"total {time.perf_counter() - started:.0f} s"
    )
