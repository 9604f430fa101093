"""Subcommands of ``python manage.py gdehr``, the integrator's command line.

Each ``relay/cli/gdehr_<name>.py`` module is found automatically (sorted by
name) and must define::

    def register(subparsers) -> None:
        parser = subparsers.add_parser("<name>", help="...")
        parser.add_argument(...)
        parser.set_defaults(handler=handle_<name>)

    def handle_<name>(command, options: dict) -> None:
        command.stdout.write(...)          # results on stdout
        raise CommandError("one line")     # failures: one line on stderr, exit 1

so adding a subcommand never edits the command itself. Handlers are thin: they
call ``hub.gm`` or a client and print.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType

PREFIX = "gdehr_"


def gdehr_subcommand_modules() -> list[ModuleType]:
    """Every ``relay.cli.gdehr_*`` module, sorted by name."""
    names = sorted(
        info.name for info in pkgutil.iter_modules(__path__) if info.name.startswith(PREFIX)
    )
    return [import_module(f"{__name__}.{name}") for name in names]
