"""A CJK font for charts: hospital names are Chinese, and matplotlib's default
DejaVu Sans has no Chinese glyphs (they would render as empty boxes).

Found through matplotlib's font manager (Debian's ``fonts-noto-cjk`` gives
"Noto Sans CJK SC"); ``AUDIT_CHART_FONT`` names another family if needed.
"""

from __future__ import annotations

import logging
from functools import lru_cache

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

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    wanted = getattr(settings, "AUDIT_CHART_FONT", "")
    for name in ((wanted,) if wanted else ()) + PREFERRED:
        if name in installed:
            return name
    for name in sorted(installed):
        if "CJK" in name or "Hei" in name:
            return name
    logger.warning(
        "no CJK font found: Chinese text in charts will not render (install fonts-noto-cjk)"
    )
    return None


def font_families() -> list[str]:
    family = cjk_font_family()
    return [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
