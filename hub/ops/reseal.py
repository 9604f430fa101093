"""Re-seal every ``SealedTextField`` value under a new ``HUB_MASTER_KEY``.

Run with the web tier, workers and beat stopped, the NEW key configured as
``HUB_MASTER_KEY`` and the old one in ``HUB_MASTER_KEY_OLD`` (an environment
variable, so the key never lands in a shell history or a process list)::

    HUB_MASTER_KEY_OLD=<old hex> python -m hub.ops.reseal --dry-run
    HUB_MASTER_KEY_OLD=<old hex> python -m hub.ops.reseal

Every sealed column of every installed model is rewritten in batches, each in
its own transaction. A value that already opens under the new key is left
alone, so an interrupted run is simply started again. A value that opens under
neither key stops the run, naming the table and row. Plain text never leaves
this process and is never logged. See docs/deploy.md, "Key rotation".
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

BATCH = 500


class ResealError(Exception):
    pass


@dataclass
class ResealReport:
    resealed: dict[str, int] = field(default_factory=dict)
    already: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        names = sorted(set(self.resealed) | set(self.already))
        return [
            f"{name}: {self.resealed.get(name, 0)} re-sealed, {self.already.get(name, 0)} already under the new key"
            for name in names
        ]


def sealed_columns(models: Iterable | None = None) -> list[tuple[type, object]]:
    """(model, field) for every SealedTextField of concrete, managed models."""
    from django.apps import apps

    from hub.protect import SealedTextField

    found = []
    for model in models if models is not None else apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.abstract:
            continue
        for f in meta.local_fields:
            if isinstance(f, SealedTextField):
                found.append((model, f))
    return found


def _reseal_value(blob: bytes, purpose: bytes, old: bytes, new: bytes) -> bytes | None:
    """The blob sealed under ``new``; None when it already is."""
    from hub.gm import GMError, gcm_decrypt, gcm_encrypt

    try:
        plain = gcm_decrypt(old, blob, purpose)
    except GMError:
        gcm_decrypt(new, blob, purpose)  # raises when it opens under neither key
        return None
    return gcm_encrypt(new, plain, purpose)


def reseal(
    *, old_key_hex: str, new_key_hex: str, dry_run: bool = False, models: Iterable | None = None
) -> ResealReport:
    from django.db import connections, router, transaction

    from hub.gm import GMError, parse_key_hex

    old, new = parse_key_hex(old_key_hex), parse_key_hex(new_key_hex)
    if old == new:
        raise ResealError("the old and the new key are the same")
    report = ResealReport()
    for model, sealed in sealed_columns(models):
        alias = router.db_for_write(model)
        connection = connections[alias]
        qn = connection.ops.quote_name
        table, column = qn(model._meta.db_table), qn(sealed.column)
        pk = qn(model._meta.pk.column)
        name = f"{model._meta.label}.{sealed.name}"
        purpose = sealed.purpose.encode()
        done = already = 0
        last = None
        while True:
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                where = f"{column} IS NOT NULL" + ("" if last is None else f" AND {pk} > %s")
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {table} WHERE {where} ORDER BY {pk} LIMIT {BATCH}",  # noqa: S608 - quoted names, no input
                    [] if last is None else [last],
                )
                rows = cursor.fetchall()
                for row_pk, blob in rows:
                    try:
                        fresh = _reseal_value(bytes(blob), purpose, old, new)
                    except GMError as exc:
                        raise ResealError(
                            f"{name} row {row_pk}: opens under neither key ({exc.reason})"
                        ) from None
                    if fresh is None:
                        already += 1
                        continue
                    done += 1
                    if not dry_run:
                        cursor.execute(
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608 - quoted names
                            [fresh, row_pk],
                        )
                if dry_run:
                    transaction.set_rollback(True, using=alias)
            if len(rows) < BATCH:
                break
            last = rows[-1][0]
        report.resealed[name] = done
        report.already[name] = already
        logger.info("reseal %s: %d re-sealed, %d already new", name, done, already)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hub.ops.reseal", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--old-key-env",
        default="HUB_MASTER_KEY_OLD",
        help="environment variable holding the old key (default HUB_MASTER_KEY_OLD)",
    )
    parser.add_argument("--dry-run", action="store_true", help="check every value, write nothing")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    from django.conf import settings

    old = os.environ.get(args.old_key_env, "")
    if not old:
        print(f"set {args.old_key_env} to the old HUB_MASTER_KEY", file=sys.stderr)
        return 2
    try:
        report = reseal(old_key_hex=old, new_key_hex=settings.HUB_MASTER_KEY, dry_run=args.dry_run)
    except Exception as exc:
        print(f"reseal stopped: {exc}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    print("dry run: nothing written" if args.dry_run else "done")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
