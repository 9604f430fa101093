"""Registry of extra per-hospital figures for the monthly report.

Other apps add columns to the report without audit importing them (nothing
imports from ``complaints``): in its ``AppConfig.ready`` an app calls::

    from audit.figures import register_figures_provider

    register_figures_provider(
        "complaints",
        provider,                       # (start, end) -> {hospital_id: {key: n}}
        labels={"received": _("complaints received"), "resolved": _("complaints resolved")},
    )

``start``/``end`` are aware datetimes bounding the month (Asia/Shanghai),
``end`` exclusive. A provider may add a city-wide row under the key ``None``:
the report's totals take it instead of summing the hospitals (a median, say). A provider that raises is reported as missing figures, not
as a failed report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

logger = logging.getLogger(__name__)

Provider = Callable[[datetime, datetime], dict[int | None, dict[str, int]]]


@dataclass(frozen=True)
class FiguresProvider:
    name: str
    provider: Provider
    labels: dict[str, object]


_providers: dict[str, FiguresProvider] = {}


def register_figures_provider(name: str, provider: Provider, *, labels: dict[str, object]) -> None:
    """Add (or replace) a named provider; ``labels`` orders and names its columns."""
    _providers[name] = FiguresProvider(name, provider, dict(labels))


def unregister_figures_provider(name: str) -> None:
    _providers.pop(name, None)


def providers() -> list[FiguresProvider]:
    return list(_providers.values())


def collect(start: datetime, end: datetime) -> tuple[list[tuple[str, object]], dict]:
    """([(column key, label)], {hospital_id: {column key: n}}) from every provider.

    Column keys are ``<provider>.<key>``.
    """
    columns: list[tuple[str, object]] = []
    figures: dict[int, dict[str, int]] = {}
    for entry in providers():
        try:
            data = entry.provider(start, end) or {}
        except Exception:
            logger.exception("figures provider %s failed; its columns are left out", entry.name)
            continue
        for key, label in entry.labels.items():
            columns.append((f"{entry.name}.{key}", label))
        for hospital_id, values in data.items():
            row = figures.setdefault(hospital_id, {})
            for key, value in values.items():
                row[f"{entry.name}.{key}"] = value
    return columns, figures
