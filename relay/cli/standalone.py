"""``manage.py gdehr encrypt|decrypt|sign`` without starting Django.

These three need no database, settings or app: only ``hub.gm``. ``manage.py``
hands them here before Django loads its apps (the admin, the report and chart
libraries...), so an integrator scripting many calls gets each answer in a
fraction of a second. Same parser, handlers and output as the management
command (``relay/cli/gdehr_crypto.py``); ``gdehr ping`` still goes through
Django, since it reads the city's province account.
"""

from __future__ import annotations

import argparse
import sys

from django.core.management.base import CommandError, OutputWrapper

from relay.cli import gdehr_crypto

SUBCOMMANDS = ("encrypt", "decrypt", "sign")


class _Command:
    """What a handler writes to: the command's two output streams."""

    def __init__(self) -> None:
        self.stdout = OutputWrapper(sys.stdout)
        self.stderr = OutputWrapper(sys.stderr)


def handles(argv: list[str]) -> bool:
    """Is ``argv`` (``manage.py``'s arguments) one of the Django-free subcommands?"""
    return argv[1:2] == ["gdehr"] and argv[2:3] != [] and argv[2] in SUBCOMMANDS


def run(argv: list[str]) -> int:
    """Run ``gdehr <argv...>``; the exit status (0, or 1 after a one-line error)."""
    parser = argparse.ArgumentParser(prog="manage.py gdehr")
    subparsers = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    gdehr_crypto.register(subparsers)
    options = vars(parser.parse_args(argv))
    handler = options.pop("handler")
    command = _Command()
    try:
        handler(command, options)
    except CommandError as exc:
        command.stderr.write(f"CommandError: {exc}")
        return 1
    return 0
