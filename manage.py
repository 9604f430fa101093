#!/usr/bin/env python
"""Django's command-line utility for the hub."""

import os
import sys


def main() -> None:
    # gdehr encrypt/decrypt/sign need only hub.gm: answered before Django loads.
    from relay.cli import standalone

    if standalone.handles(sys.argv):
        sys.exit(standalone.run(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
