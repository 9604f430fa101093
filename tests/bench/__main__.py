"""``python -m tests.bench [NAME ...]`` (``make bench``): run the benchmarks.

Every ``tests/bench/bench_*.py`` module defines ``run()``, which prints its own
figures (ratios measured in the same run, never absolute pass/fail timings).
Without NAME every module runs, sorted by name; ``NAME`` may be ``gm``,
``bench_gm`` or ``bench_gm.py``. A module that raises is reported and the
others still run; the exit status is then 1.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def normalise(name: str) -> str:
    name = Path(name).name.removesuffix(".py")
    return name if name.startswith("bench_") else f"bench_{name}"


def main(argv: list[str]) -> int:
    names = available()
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\navailable:", " ".join(n.removeprefix("bench_") for n in names))
        return 0
    selected = [normalise(arg) for arg in argv] or names
    unknown = [name for name in selected if name not in names]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: "
            + ", ".join(n.removeprefix("bench_") for n in names),
            file=sys.stderr,
        )
        return 2

    # Benchmarks may use Django (models, the test client): set it up once.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()

    failed = []
    for name in selected:
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"{__package__}.{name}").run()
        except Exception:  # report and go on: one broken bench must not hide the rest
            traceback.print_exc()
            failed.append(name)
        print(f"-- {name}: {time.perf_counter() - started:.1f} s\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
