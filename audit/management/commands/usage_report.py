"""``manage.py usage_report --month YYYY-MM [--out DIR] [--email]``.

Builds the month's usage report exactly as the monthly Celery task does
(stored as a ``MonthlyReport``, downloadable in admin), with a progress bar;
``--out`` also copies the files to DIR; ``--email`` sends them to the city
administrators.

``manage.py usage_report --city-summary [--month YYYY-MM] [--out DIR]``
writes the city summary for the province instead (seed appendix 1 over the
city's live hospitals, with the month's figures; default the current month)
to DIR (default: the current directory).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.reports import city_summary_build, report_build, report_filename, report_send
from audit.selectors import Month

STEPS = ("usage", "availability", "extra figures", "series", "chart", "workbook", "csv", "stored")


class Command(BaseCommand):
    help = "Build (and store) the monthly usage report."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (required unless --city-summary)")
        parser.add_argument(
            "--city-summary",
            action="store_true",
            help="write the city summary (appendix 1 over the city's hospitals) instead",
        )
        parser.add_argument("--out", help="also copy the files to this directory")
        parser.add_argument("--email", action="store_true", help="e-mail the city administrators")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, month=None, out=None, email=False, no_progress=False, **options):
        if not month and not options.get("city_summary"):
            raise CommandError("--month is required (YYYY-MM)")
        try:
            parsed = Month.parse(month) if month else Month.current()
        except ValueError as exc:
            raise CommandError(f"--month must be YYYY-MM, not {month!r}") from exc
        if options.get("city_summary"):
            self._city_summary(parsed, Path(out or "."))
            return
        bar = tqdm(
            total=len(STEPS),
            desc=f"usage report {parsed}",
            unit="step",
            disable=no_progress or None,
            file=self.stderr._out,
        )

        def step(label: str) -> None:
            bar.set_postfix_str(label)
            bar.update(1)

        report = report_build(month=parsed, progress=step)
        bar.close()
        self.stdout.write(f"report {report.month} stored: {report.xlsx.name}, {report.csv.name}")
        if out:
            target = Path(out)
            target.mkdir(parents=True, exist_ok=True)
            for field_file, suffix in (
                (report.xlsx, "xlsx"),
                (report.csv, "csv"),
                (report.chart, "png"),
            ):
                destination = target / report_filename(report.month, suffix)
                with field_file.open("rb") as source, destination.open("wb") as sink:
                    shutil.copyfileobj(source, sink)
                self.stdout.write(f"written {destination}")
        if email:
            recipients = report_send(report=report)
            self.stdout.write(f"e-mailed to {len(recipients)} recipient(s)")

    def _city_summary(self, month: Month, target: Path) -> None:
        from urllib.parse import unquote

        from hospitals.report import city_summary_filename

        target.mkdir(parents=True, exist_ok=True)
        destination = target / unquote(city_summary_filename(str(month)))
        destination.write_bytes(city_summary_build(month=month))
        self.stdout.write(f"written {destination}")
