"""``python manage.py patient_phones import FILE.csv``: phones of record from the
city's resident registry (see ``identity.phone_import``)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from identity.phone_import import ImportFileError, patient_phones_import


class Command(BaseCommand):
    help = "Import phones of record from a registry CSV (cardType,idcard,phone; UTF-8, header)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        importing = sub.add_parser("import", help="import a CSV file (idempotent)")
        importing.add_argument("file", type=Path)

    @no_translations  # a command's output is English, for the operator's logs
    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            report = patient_phones_import(data=data, actor="command:patient_phones")
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for line, reason in report.refused:
            self.stdout.write(f"line {line}: refused: {reason}")
        self.stdout.write(
            f"taken {report.taken}, changed {report.changed}, unchanged {report.unchanged}, "
            f"refused {len(report.refused)}"
        )
