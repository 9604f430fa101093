"""A CJK font for charts: hospital names are Chinese, and matplotlib's default
DejaVu Sans has no Chinese glyphs (they would render as empty boxes).

Found through matplotlib's font manager (Debian's ``fonts-noto-cjk`` gives
"Noto Sans CJK SC"); ``AUDIT_CHART_FONT`` names another family if needed.
matplotlib caches the system's font list per user and never refreshes it by
itself, so a font installed after that cache was written is looked for in
the system's font directories before giving up.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

PREFERRED = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "Droid Sans Fallback",
)


@lru_cache(maxsize=1)
def cjk_font_family() -> str | None:
    """The first installed CJK family, or None (then charts warn in the log)."""
    from matplotlib import font_manager

    wanted = getattr(settings, "AUDIT_CHART_FONT", "")
    family = _pick(font_manager, wanted)
    if family is None and _add_uncached_fonts(font_manager):
        family = _pick(font_manager, wanted)
    if family is not None:
        return family
    logger.warning(
        "no CJK font found: Chinese text in charts will not render (install fonts-noto-cjk)"
    )
    return None


def _pick(font_manager, wanted: str) -> str | None:
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for name in ((wanted,) if wanted else ()) + PREFERRED:
        if name in installed:
            return name
    for name in sorted(installed):
        if "CJK" in name or "Hei" in name:
            return name
    return None


#: File names of CJK fonts (Noto/Source Han, WenQuanYi, the Windows ones, Droid).
CJK_FILE_HINTS = ("cjk", "sourcehan", "wqy", "hei", "yahei", "msyh", "simhei", "droidsansfallback")


def _add_uncached_fonts(font_manager) -> bool:
    """Add the system's CJK font files missing from matplotlib's cached font
    list (installed after the cache was written); True if any was added."""
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    added = False
    for path in font_manager.findSystemFonts():
        name = Path(path).name.lower().replace("-", "").replace("_", "")
        if path in known or not any(hint in name for hint in CJK_FILE_HINTS):
            continue
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):  # unreadable file: skip it
            continue
        added = True
    return added


def font_families() -> list[str]:
    family = cjk_font_family()
    return [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
