"""CPU time of processes and of the whole machine, from ``/proc`` (Linux).

No Django: the load process imports this to take its snapshots exactly at
the edges of its measured window.
"""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process, all its threads (0 when gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL backend processes serving ``database`` (their process title
    reads ``postgres: ... <user> <database> <address> <state>``)."""
    found = []
    needle = f" {database} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and needle in title:
            found.append(int(entry.name))
    return found


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine since boot, all cores together."""
    parts = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    return (sum(parts[:8]) - idle) / CLOCK_TICKS


def snapshot(watch: dict) -> dict[str, dict[int, float]]:
    """CPU seconds per process of each watched part.

    ``watch``: ``{"parts": {"hub": [pid, ...], ...}, "postgres": "<database>"}``;
    a hub pid's children (gunicorn workers) are included.
    """
    shot: dict[str, dict[int, float]] = {}
    for part, pids in watch.get("parts", {}).items():
        every = set()
        for pid in pids:
            every.add(pid)
            every.update(children(pid))
        shot[part] = {pid: proc_cpu_seconds(pid) for pid in every}
    if watch.get("postgres"):
        shot["postgres"] = {
            pid: proc_cpu_seconds(pid) for pid in postgres_backends(watch["postgres"])
        }
    shot["machine"] = {0: machine_busy_seconds()}
    return shot


def used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each part used between two snapshots (a process born in
    between counts from zero; one that died in between is lost)."""
    out = {}
    for part, pids in after.items():
        earlier = before.get(part, {})
        out[part] = sum(max(0.0, cpu - earlier.get(pid, 0.0)) for pid, cpu in pids.items())
    return out
