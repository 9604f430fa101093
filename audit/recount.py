"""Checking the usage counters against the logs they were counted with.

``usage_recount`` re-derives every counter from the log rows that carry its
kinds; ``usage_counts`` reads the counters (summed over each hospital's
systems). Operators and tests compare the two (docs/audit.md).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from audit.models import AccessLog, CallLog, OperationLog, UsageCounter
from audit.usage import PROVINCE_FAILURE


def usage_recount(*, since: date | None = None) -> dict:
    """Counts recomputed from the logs: {(hospital_id, day, kind): n}, from the
    access-log rows' ``usage``, the operation-log rows' ``after["usage"]``
    (``operation_log_counted``) and the call-log rows of failed calls made
    for a hospital (``province.failure``, ``call_log_record``).

    Used by tests and by operators to check ``UsageCounter`` against the logs.
    """
    qs = AccessLog.objects.exclude(usage="").exclude(hospital_id=None)
    if since is not None:
        qs = qs.filter(created_at__date__gte=since)
    out: dict = {}
    for hospital_id, created_at, usage in qs.values_list("hospital_id", "created_at", "usage"):
        day = timezone.localdate(created_at)
        for kind in usage.split(","):
            key = (hospital_id, day, kind)
            out[key] = out.get(key, 0) + 1
    ops = OperationLog.objects.filter(after__has_key="usage")
    if since is not None:
        ops = ops.filter(created_at__date__gte=since - timedelta(days=1))
    for counted in ops.values_list("after__usage", flat=True):
        day = date.fromisoformat(counted["day"])
        if since is not None and day < since:
            continue
        for kind in counted["kinds"]:
            key = (counted["hospital"], day, kind)
            out[key] = out.get(key, 0) + 1
    calls = CallLog.objects.exclude(hospital_id=None).exclude(outcome=CallLog.Outcome.OK)
    if since is not None:
        calls = calls.filter(created_at__date__gte=since - timedelta(days=1))
    for hospital_id, created_at in calls.values_list("hospital_id", "created_at"):
        day = timezone.localdate(created_at)
        if since is None or day >= since:
            key = (hospital_id, day, PROVINCE_FAILURE)
            out[key] = out.get(key, 0) + 1
    return out


def usage_counts(*, since: date | None = None) -> dict:
    qs = UsageCounter.objects.all()
    if since is not None:
        qs = qs.filter(day__gte=since)
    out: dict = {}
    # Summed over the hospital's systems (one counter row per system).
    for h, d, k, c in qs.values_list("hospital_id", "day", "kind", "count"):
        out[(h, d, k)] = out.get((h, d, k), 0) + c
    return out
