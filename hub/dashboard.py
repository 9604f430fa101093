"""The back office's morning dashboard: sections each app contributes.

The admin index (``hospitals.admin_site.HubAdminSite.index``) shows the
dashboard above the app list. The admin site sits in ``hospitals``, which may
not import the apps that hold the figures (audit, relay, alerts, complaints
are to its right), so each of those apps contributes its own section from a
``<app>/dashboard.py`` module that calls :func:`register_section` when it is
imported. :func:`sections` imports those modules once (like the admin's
``admin.py`` autodiscovery) and asks every provider for its section.

A provider is ``provider(request, now) -> Section | None``: None when the
user may not see it. It runs a few aggregate queries (never one query per
hospital) and returns plain data; the one template
(``admin/hub_dashboard.html``) renders every section the same way: figures
with a link to the filtered list, tables, and charts drawn on the server (CSS
bars and inline SVG: no script, nothing loaded from elsewhere).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass
class Figure:
    label: str
    value: object
    url: str = ""
    note: str = ""
    warn: bool = False  # shown highlighted (something needs the officer)


@dataclass
class Table:
    columns: list[str]
    rows: list[list]
    caption: str = ""
    # Header cells spanning columns above ``columns``: [(label, span)].
    groups: list[tuple[str, int]] = field(default_factory=list)
    # Text shown under the table (e.g. "12 hospitals without traffic").
    footnote: str = ""


@dataclass
class Bar:
    label: str
    values: list[int]
    widths: list[float]  # percent of the largest value in the chart


@dataclass
class Column:
    label: str
    value: int
    x: float
    y: float
    height: float


@dataclass
class Chart:
    """``kind`` "bars": horizontal bars, one per item, a bar per series;
    "columns": an SVG column chart of one series (``columns``)."""

    title: str
    kind: str
    series: list[str]
    bars: list[Bar] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    width: int = 0
    height: int = 0
    column_width: float = 0.0


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    order: int = 100


Provider = Callable[[object, datetime], Section | None]


@dataclass(frozen=True)
class _Registered:
    key: str
    provider: Provider
    order: int


_providers: dict[str, _Registered] = {}
_discovered = False


def register_section(key: str, provider: Provider, *, order: int = 100) -> None:
    """Add (or replace) the section ``key``; sections show in ``order``."""
    _providers[key] = _Registered(key, provider, order)


def unregister_section(key: str) -> None:
    _providers.pop(key, None)


def discover() -> None:
    """Import every installed app's ``dashboard`` module (once)."""
    global _discovered
    if _discovered:
        return
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("dashboard")
    _discovered = True


def sections(request, now: datetime | None = None) -> list[Section]:
    """The sections this user may see, in order."""
    discover()
    now = now or timezone.now()
    out = []
    for registered in sorted(_providers.values(), key=lambda r: (r.order, r.key)):
        section = registered.provider(request, now)
        if section is not None:
            section.order = registered.order
            out.append(section)
    return out


def bar_chart(title: str, series: list[str], items: list[tuple[str, list[int]]]) -> Chart:
    """Horizontal bars: ``items`` = [(label, [value per series])]."""
    top = max((v for _label, values in items for v in values), default=0) or 1
    bars = [
        Bar(label=label, values=values, widths=[round(v * 100 / top, 1) for v in values])
        for label, values in items
    ]
    return Chart(title=title, kind="bars", series=series, bars=bars)


def column_chart(
    title: str, series: str, points: list[tuple[str, int]], *, width=640, height=140
) -> Chart:
    """An SVG column chart of one series: ``points`` = [(label, value)]."""
    top = max((v for _l, v in points), default=0) or 1
    step = width / max(len(points), 1)
    columns = []
    for i, (label, value) in enumerate(points):
        h = round(value * (height - 16) / top, 1)
        columns.append(
            Column(label=label, value=value, x=round(i * step + 1, 1), y=height - h, height=h)
        )
    return Chart(
        title=title,
        kind="columns",
        series=[series],
        columns=columns,
        width=width,
        height=height,
        column_width=round(max(step - 2, 1), 1),
    )
