"""The load generator: ``python -m tests.bench.load.client SPEC.json``.

Runs in its own process (never a thread of the bench), closed loop: N virtual
clients, each with its own keep-alive connection, send the next request as
soon as the previous answer is read. Every request is signed afresh (x-tif
timestamp, new nonce, SHA-256 signature); the SM4 fields are encrypted once,
before the clock starts. An answer counts as good only when it is HTTP 200
with ``returnCode`` ``"1"``.

The spec (JSON) names the ``scenario`` (``views``, ``compat``, ``direct``),
the target ``url``, ``concurrency``, ``warmup`` and ``duration`` seconds (or
``once``: send each patient exactly once, for seeding), the ``patients`` (ID
numbers) and the signing ``account``. Prints one JSON object: count, errors,
throughput, latency percentiles (ms) of the requests *completed* inside the
measured window, and the CPU seconds this process used in that window.
Imports no Django: only ``hub.gm`` (pure functions) and aiohttp.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass

import aiohttp

from hub.gm import sign, sm4_encrypt_ecb_hex
from hub.gm.xtif import new_nonce
from tests.bench.load import procstat

SAVE_PATH = "/ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save"
VIEWS_PATH = "/api/v1/views"
PATIENT_NAME = "张三"
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def resident_id(n: int) -> str:
    """A valid synthetic resident ID number (GB 11643), distinct for n < 365000."""
    day, seq = divmod(n, 1000)
    year, doy = 1950 + day // 365, day % 365
    month, mday = 1 + doy // 31 % 12, 1 + doy % 28
    first17 = f"440106{year:04d}{month:02d}{mday:02d}{seq:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]
    return first17 + check


def view_param(org_code: str, idcard: str, n: int) -> str:
    """The plain spec §2.4 string an HIS builds for one view."""
    return (
        f"orgCode={org_code}&staffNo=doc{n % 50:03d}&staffName=李医生&cardType=01"
        f"&idcard={idcard}&patientName={PATIENT_NAME}&patientId=P{n:06d}&callSysCode=his"
    )


def save_body(account: dict, idcard: str) -> bytes:
    rec = {
        "authDays": 30,
        "patientIdcard": sm4_encrypt_ecb_hex(account["sm4_key"], idcard),
        "patientName": PATIENT_NAME,
        "orgCode": account["org_code"],
        "orgName": account["org_name"],
        "status": "1",
        "appId": account.get("app_id", ""),
    }
    return json.dumps({"codeAuthRec": rec}, ensure_ascii=False).encode()


def bodies(spec: dict) -> tuple[str, list[bytes]]:
    """The path and the pre-encrypted request bodies, one per patient."""
    account, patients = spec["account"], spec["patients"]
    if spec["scenario"] == "views":
        key, org = account["sm4_key"], account["org_code"]
        return VIEWS_PATH, [
            json.dumps({"param": sm4_encrypt_ecb_hex(key, view_param(org, idcard, n))}).encode()
            for n, idcard in enumerate(patients)
        ]
    if spec["scenario"] in ("compat", "direct"):
        return SAVE_PATH, [save_body(account, idcard) for idcard in patients]
    raise ValueError(f"unknown scenario {spec['scenario']!r}")


def headers(paasid: str, token: str) -> dict[str, str]:
    ts, nonce = str(int(time.time())), new_nonce()
    return {
        "x-tif-paasid": paasid,
        "x-tif-timestamp": ts,
        "x-tif-nonce": nonce,
        "x-tif-signature": sign(ts, token, nonce),
        "Content-Type": "application/json",
    }


@dataclass
class Sample:
    done: float  # perf_counter at completion
    latency: float  # seconds
    error: str  # "" when good


async def _one(session, url: str, body: bytes, account: dict) -> str:
    try:
        async with session.post(
            url, data=body, headers=headers(account["paasid"], account["paastoken"])
        ) as response:
            raw = await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return f"network:{type(exc).__name__}"
    try:
        answer = json.loads(raw)
    except ValueError:
        return f"http_{status}:not_json"
    if status != 200 or str(answer.get("returnCode", "")).strip() != "1":
        return f"http_{status}:{answer.get('errorCode') or answer.get('returnDesc', '')[:60]}"
    return ""


async def _client(session, url, payloads, account, cursor, stop_at, samples, once) -> None:
    while True:
        if once:
            if cursor[0] >= len(payloads):
                return
        elif time.perf_counter() >= stop_at:
            return
        body = payloads[cursor[0] % len(payloads)]
        cursor[0] += 1
        started = time.perf_counter()
        error = await _one(session, url, body, account)
        done = time.perf_counter()
        samples.append(Sample(done, done - started, error))


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


async def run(spec: dict) -> dict:
    path, payloads = bodies(spec)
    url = spec["url"].rstrip("/") + path
    concurrency, once = int(spec["concurrency"]), bool(spec.get("once"))
    warmup, duration = float(spec.get("warmup", 0)), float(spec.get("duration", 0))
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=float(spec.get("timeout", 30)))
    samples: list[Sample] = []
    cursor = [0]
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, auto_decompress=False
    ) as session:
        started = time.perf_counter()
        window_start = started + warmup
        stop_at = window_start + duration
        watch = spec.get("watch") or {}
        marks: list[tuple[float, dict]] = []

        async def mark_window() -> None:
            # CPU of every watched process, taken at the edges of the window.
            await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
            marks.append((time.process_time(), procstat.snapshot(watch)))
            await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
            marks.append((time.process_time(), procstat.snapshot(watch)))

        marker = asyncio.create_task(mark_window())
        await asyncio.gather(
            *(
                _client(session, url, payloads, spec["account"], cursor, stop_at, samples, once)
                for _ in range(concurrency)
            )
        )
        ended = time.perf_counter()
        await marker
    if once:
        window = samples
        window_start, elapsed = started, ended - started
    else:
        window = [s for s in samples if window_start <= s.done <= stop_at]
        elapsed = duration
    latencies = sorted(s.latency * 1000 for s in window)
    errors = Counter(s.error for s in window if s.error)
    return {
        "scenario": spec["scenario"],
        "concurrency": concurrency,
        "count": len(window),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(5)),
        "seconds": elapsed,
        "throughput": len(window) / elapsed if elapsed > 0 else 0.0,
        "p50": percentile(latencies, 50),
        "p90": percentile(latencies, 90),
        "p99": percentile(latencies, 99),
        "max": latencies[-1] if latencies else float("nan"),
        "mean": sum(latencies) / len(latencies) if latencies else float("nan"),
        "cpu": _cpu(marks) if not once else {},
    }


def _cpu(marks: list[tuple[float, dict]]) -> dict[str, float]:
    """CPU seconds used in the window by this process ("load") and each watched part."""
    if len(marks) < 2:
        return {}
    (load_0, shot_0), (load_1, shot_1) = marks
    used = procstat.used(shot_0, shot_1)
    used["load"] = load_1 - load_0
    return used


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as handle:
        spec = json.load(handle)
    if spec.get("cpus"):
        os.sched_setaffinity(0, set(spec["cpus"]))
    result = asyncio.run(run(spec))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
