"""``python manage.py gdehr SUBCOMMAND ...``: the integrator's command line.

Subcommands live in ``relay/cli/gdehr_*.py`` (see ``relay.cli``) and are
registered automatically, so this file stays the same as they are added.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from relay.cli import gdehr_subcommand_modules


class Command(BaseCommand):
    help = "Joint-testing tools for the province interface: SM4, x-tif signing, a live check."
    # Crypto subcommands must work before migrate and without a database.
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        subparsers = parser.add_subparsers(
            dest="subcommand", metavar="SUBCOMMAND", required=True, title="subcommands"
        )
        for module in gdehr_subcommand_modules():
            module.register(subparsers)

    def handle(self, *args, **options) -> None:
        handler = options.pop("handler")
        handler(self, options)
