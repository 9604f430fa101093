"""Usage charts (PNG) for the monthly report and the admin usage page.

Rendered with matplotlib's object API (no pyplot: safe in threads) and a CJK
font from ``audit.fonts`` so Chinese hospital names show.
"""

from __future__ import annotations

import io

import matplotlib
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from audit.fonts import font_families
from audit.usage import SUMMARY_COLUMNS

TOP_N = 15


def _label(key: str) -> str:
    return str(next(label for k, _p, label in SUMMARY_COLUMNS if k == key))


def usage_chart(*, month: str, rows, series, daily: dict | None = None) -> bytes:
    """``rows``: objects with ``org_name`` and ``current`` (summary figures),
    busiest first; ``series``: [(YYYY-MM, figures)]; ``daily``: {date: figures}."""
    panels = 3 if daily else 2
    rc = {"font.family": font_families(), "axes.unicode_minus": False}
    with matplotlib.rc_context(rc):
        figure = Figure(figsize=(10, 4 + 3 * panels), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(panels, 1, height_ratios=[3, 2, 2][:panels])
        top = [r for r in rows if r.current["views"] or r.current["granted"]][:TOP_N]
        top.reverse()  # largest at the top of a horizontal bar chart
        positions = list(range(len(top)))
        for offset, key in ((0.2, "views"), (-0.2, "granted")):
            axes[0].barh(
                [p + offset for p in positions],
                [r.current[key] for r in top],
                height=0.4,
                label=_label(key),
            )
        axes[0].set_yticks(positions, [r.org_name for r in top])
        axes[0].set_title(_("Top hospitals in %(month)s") % {"month": month})
        axes[0].legend(loc="lower right")
        _lines(axes[1], [m for m, _f in series], [f for _m, f in series])
        axes[1].set_title(_("Last 12 months"))
        if daily:
            _lines(axes[2], [d.strftime("%d") for d in daily], list(daily.values()))
            axes[2].set_title(_("Each day of %(month)s") % {"month": month})
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _lines(ax, labels: list[str], values: list[dict]) -> None:
    steps = list(range(len(labels)))
    for key in ("views", "granted"):
        ax.plot(steps, [v[key] for v in values], marker="o", label=_label(key))
    ax.set_xticks(steps, labels, rotation=45)
    ax.legend()
