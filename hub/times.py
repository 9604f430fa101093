"""The one format of a time in the hub's answers: ISO 8601 in Beijing time
with its offset and microseconds, always the same length::

    2026-12-01T08:00:00.000000+08:00

Microseconds are kept (six digits, zeros included) because a time the hub
answers can be sent back as a cursor (``changedSince`` of the authorization
list: the largest ``updatedAt`` seen); a time cut to the second would list
the last item again on every poll. Dates without a time (``recordDate``,
``wentLiveOn``, a usage day) stay ``YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

BEIJING = ZoneInfo("Asia/Shanghai")
#: What every time value of an answer matches (tests/test_api_style.py).
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+08:00$")


def iso_time(value: datetime | None) -> str | None:
    """``value`` (timezone-aware) in the answers' format; ``None`` stays ``None``."""
    if value is None:
        return None
    return timezone.localtime(value, BEIJING).isoformat(timespec="microseconds")
