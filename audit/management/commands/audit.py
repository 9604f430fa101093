"""``manage.py audit verify|seal|purge|partitions``.

``audit verify [--since YYYY-MM-DD] [--log access|call|operation]`` walks each
chain with a progress bar, prints rows checked and rows/s, and exits non-zero
naming the first row altered, removed or inserted.
"""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit import partitions
from audit.models import LOG_MODELS
from audit.retention import purge_expired
from audit.sealing import seal_pending
from audit.verify import expected_rows, verify_log


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--since must be a date YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Audit log chain: verify, seal, purge past retention, create partitions."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="walk the hash chains")
        verify.add_argument("--since", type=_day, help="start at the checkpoint before DATE")
        verify.add_argument("--log", choices=sorted(LOG_MODELS), help="one log only")
        verify.add_argument("--no-progress", action="store_true", help="no progress bar")
        seal = sub.add_parser("seal", help="chain the rows not sealed yet")
        seal.add_argument("--batch", type=int, default=5000)
        sub.add_parser("purge", help="remove rows past AUDIT_RETENTION_DAYS")
        parts = sub.add_parser("partitions", help="create the coming months' partitions")
        parts.add_argument("--months-ahead", type=int, default=2)

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _verify(self, *, since=None, log=None, no_progress=False, **_):
        failures = []
        for name in [log] if log else list(LOG_MODELS):
            total = expected_rows(name, since)
            bar = tqdm(
                total=total,
                desc=f"verify {name}",
                unit="rows",
                unit_scale=True,
                disable=no_progress or None,
                file=self.stderr._out,
            )
            started = time.perf_counter()
            result = verify_log(name, since=since, progress=bar.update)
            bar.close()
            elapsed = max(time.perf_counter() - started, 1e-9)
            line = f"{name}: {result.checked} rows checked ({result.checked / elapsed:,.0f} rows/s)"
            if result.unsealed:
                line += f", {result.unsealed} not sealed yet"
            if result.ok:
                self.stdout.write(self.style.SUCCESS(f"{line}: chain intact"))
            else:
                self.stdout.write(self.style.ERROR(f"{line}: {result.problem.message}"))
                failures.append(f"{name}: {result.problem.message}")
        if failures:
            raise CommandError("audit chain broken: " + "; ".join(failures))

    def _seal(self, *, batch, **_):
        for name, count in seal_pending(batch=batch).items():
            self.stdout.write(f"{name}: {count} rows sealed")

    def _purge(self, **_):
        for name, outcome in purge_expired().items():
            dropped = ", ".join(outcome["partitions"]) or "none"
            self.stdout.write(
                f"{name}: partitions dropped: {dropped}; rows deleted: {outcome['rows']}"
            )

    def _partitions(self, *, months_ahead, **_):
        created = partitions.ensure_partitions(months_ahead=months_ahead)
        self.stdout.write(f"{created} partitions created")
