"""The load bench's figures as text tables, with the targets and verdicts."""

from __future__ import annotations

from statistics import median

VIEWS_MIN_RATE = 500.0  # views a second
VIEWS_MAX_P99_MS = 50.0
RELAY_MAX_RATIO = 1.15  # hub / direct, at p50 and at p99


def _ms(value: float) -> str:
    return f"{value:7.1f}"


def _per_request(run: dict, part: str) -> str:
    """CPU milliseconds the part spent per request in the window."""
    used = run.get("cpu", {}).get(part)
    if used is None or not run["count"]:
        return "    -"
    return f"{used / run['count'] * 1000:5.2f}"


PARTS = ("load", "hub", "simulator", "postgres", "redis")


def _machine(run: dict) -> str:
    used = run.get("cpu", {}).get("machine")
    if used is None or not run["seconds"]:
        return "   -"
    return f"{used / run['seconds'] * 100:4.0f}"


def _others(run: dict) -> str:
    """Machine CPU% not used by any process of the bench: other people's work."""
    cpu = run.get("cpu", {})
    if "machine" not in cpu or not run["seconds"]:
        return "   -"
    ours = sum(cpu.get(part, 0.0) for part in PARTS)
    return f"{max(0.0, cpu['machine'] - ours) / run['seconds'] * 100:4.0f}"


def runs_table(runs: list[dict]) -> list[str]:
    """One line per measured run: rate, latency, errors, CPU ms per request of
    each process, how busy the whole machine was (200 % = both cores) and how
    much of that was not the bench's; ``speed`` is the CPU-speed probe taken
    just before the run (ms for a fixed Python loop: higher is slower)."""
    lines = [
        "scenario  conc    req/s  p50 ms  p90 ms  p99 ms  max ms errors"
        "   CPU ms/req: load   hub   sim    pg redis   machine %  others %  speed",
    ]
    for run in runs:
        lines.append(
            f"{run['label']:<9} {run['concurrency']:>4} {run['throughput']:>8.0f} "
            f"{_ms(run['p50'])} {_ms(run['p90'])} {_ms(run['p99'])} {_ms(run['max'])} "
            f"{run['errors']:>6}              "
            + " ".join(_per_request(run, part) for part in PARTS)
            + f"        {_machine(run)}      {_others(run)}"
            + (f"  {run['speed_ms']:5.0f}" if "speed_ms" in run else "")
        )
        for kind, count in run.get("error_kinds", {}).items():
            lines.append(f"{'':<16}error {kind}: {count}")
    return lines


def capacity_lines(views: list[dict]) -> list[str]:
    """What a views request costs in CPU, all processes together, and the rate
    two otherwise idle cores could give at that cost (an upper bound)."""
    measured = [r for r in views if r.get("cpu") and r["count"]]
    if not measured:
        return []
    best = max(measured, key=lambda r: r["throughput"])
    per = {part: best["cpu"].get(part, 0.0) / best["count"] * 1000 for part in PARTS}
    total = sum(per.values())
    server = total - per["load"]
    return [
        f"CPU per view at {best['concurrency']} clients: {total:.2f} ms in all "
        f"(hub {per['hub']:.2f}, PostgreSQL {per['postgres']:.2f}, Redis {per['redis']:.2f}, "
        f"load process {per['load']:.2f})",
        f"  ceiling on 2 idle cores: {2000 / total:.0f}/s with the load process on the same "
        f"machine, {2000 / server:.0f}/s without it (100 % busy: p99 would not hold there)",
    ]


def _verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def views_verdict(views: list[dict]) -> tuple[dict | None, list[str]]:
    """The best views run within the p99 bound, and the target lines."""
    within = [r for r in views if r["p99"] < VIEWS_MAX_P99_MS and r["errors"] == 0]
    best = max(within, key=lambda r: r["throughput"]) if within else None
    lines = []
    if best is None:
        lines.append(f"views: no concurrency kept p99 < {VIEWS_MAX_P99_MS:g} ms with zero errors")
        lines.append(f"  >= {VIEWS_MIN_RATE:g}/s with p99 < {VIEWS_MAX_P99_MS:g} ms: NOT MET")
        return None, lines
    lines.append(
        f"views: best within the p99 bound at {best['concurrency']} clients: "
        f"{best['throughput']:.0f}/s, p50 {best['p50']:.1f} ms, p99 {best['p99']:.1f} ms, "
        f"errors {best['errors']}"
    )
    lines.append(
        f"  target >= {VIEWS_MIN_RATE:g}/s with p99 < {VIEWS_MAX_P99_MS:g} ms, zero errors: "
        + _verdict(best["throughput"] >= VIEWS_MIN_RATE)
    )
    return best, lines


def relay_lines(pairs: list[tuple[dict, dict]]) -> tuple[list[str], list[bool]]:
    """Hub relay vs direct call, per concurrency: ratios and added ms."""
    lines = [
        "relay vs direct   conc   direct p50/p99 ms   hub p50/p99 ms   ratio p50  ratio p99"
        "   added p50/p99 ms   verdict (<= 1.15x)",
    ]
    verdicts = []
    for direct, hub in pairs:
        r50, r99 = hub["p50"] / direct["p50"], hub["p99"] / direct["p99"]
        met = r50 <= RELAY_MAX_RATIO and r99 <= RELAY_MAX_RATIO and hub["errors"] == 0
        verdicts.append(met)
        lines.append(
            f"codeAuthRec/save  {hub['concurrency']:>4}   "
            f"{direct['p50']:7.1f} / {direct['p99']:6.1f}   "
            f"{hub['p50']:7.1f} / {hub['p99']:6.1f}    {r50:6.2f}x   {r99:6.2f}x"
            f"    {hub['p50'] - direct['p50']:6.1f} / {hub['p99'] - direct['p99']:6.1f}"
            f"      {_verdict(met)}"
        )
    return lines, verdicts


def relay_floor_lines(views: list[dict], pairs: list[tuple[dict, dict]]) -> list[str]:
    """Why the relay ratio is where it is, from this run's own figures: the
    lightest request the hub serves, and the CPU a relayed call costs."""
    lines = []
    single = next((r for r in views if r["concurrency"] == 1 and r["count"]), None)
    for direct, hub in pairs:
        calls = hub.get("province_ms") or []
        province = median(calls) if calls else None
        if hub["concurrency"] == 1 and single is not None:
            allowed = (RELAY_MAX_RATIO - 1) * direct["p50"]
            lines.append(
                f"at 1 client: 1.15x of the direct p50 leaves {allowed:.1f} ms for the hub; the "
                f"lightest request it serves (a view: signature, nonce and throttle, one read, "
                f"the access-log row) takes {single['p50']:.1f} ms at p50 by itself, before a "
                "relayed call's own province exchange, SM4 work and durable writes"
            )
            if province is not None:
                lines.append(
                    f"  the hub's own call to the province took p50 {province:.1f} ms on its "
                    f"client's clock ({len(calls)} call-log rows; the direct call "
                    f"{direct['p50']:.1f} ms), so the hub's work around it took "
                    f"{hub['p50'] - province:.1f} ms of the relayed call's {hub['p50']:.1f} ms"
                )
        elif hub["concurrency"] > 1 and hub.get("cpu") and hub["count"]:
            needed = hub["concurrency"] / (RELAY_MAX_RATIO * direct["p50"] / 1000)
            server = sum(hub["cpu"].get(part, 0.0) for part in PARTS if part != "load")
            per_call = server / hub["count"] * 1000
            lines.append(
                f"at {hub['concurrency']} clients (closed loop): 1.15x needs "
                f"{needed:.0f} relayed calls a second; each cost {per_call:.2f} ms of server "
                f"CPU (hub, simulator, PostgreSQL, Redis), a ceiling of {2000 / per_call:.0f}/s "
                "on two idle cores"
            )
            if province is not None:
                lines.append(
                    f"  the hub's own calls to the province took p50 {province:.1f} ms "
                    f"meanwhile: the rest of the {hub['p50']:.1f} ms was the hub's work and the "
                    "wait for a core"
                )
    return lines
