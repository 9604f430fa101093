"""The alert rules that compare a hospital with its own usual, or watch
one patient across hospitals: mode-1 grants and failed verifications far
above the hospital's baseline, bulk views at night, a patient blocked after
failed verifications (registered in ``alerts.rules``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from alerts.models import Rule, Severity
from alerts.windows import (
    CODE_FAILURE_ACTIONS,
    FACE_FAILURE_ACTION,
    FACE_LOCK_ACTION,
    Finding,
    baseline_days,
    baseline_key,
    cached,
    day_bounds,
    night_bounds,
    org_codes_of,
    setting,
    threshold,
    view_requests,
)
from audit.masking import scrub_text
from audit.models import AccessLog, OperationLog
from relay.models import Authorization, Method, PatientGuard

# --- A hospital far above its own baseline ----------------------------------------------------


def _per_hospital_spike(
    *,
    rule: str,
    severity: str,
    day: date,
    now: datetime,
    minimum: int,
    counts: Callable[[datetime, datetime], dict[int, int]],
    figure: str,
) -> list[Finding]:
    start, end = day_bounds(day)
    today = {h: n for h, n in counts(start, min(end, now)).items() if n > minimum}
    if not today:
        return []

    def compute() -> dict[int, float]:
        totals = counts(start - timedelta(days=baseline_days()), start)
        return {hospital: n / baseline_days() for hospital, n in totals.items()}

    baseline = cached(baseline_key(rule, start), compute)
    org_codes = org_codes_of(today)
    findings = []
    for hospital_id, count in sorted(today.items()):
        usual = baseline.get(hospital_id, 0.0)
        bar = threshold(minimum, usual)
        if count <= bar:
            continue
        findings.append(
            Finding(
                rule=rule,
                severity=severity,
                day=day,
                scope=str(hospital_id),
                subject=org_codes.get(hospital_id, str(hospital_id)),
                hospital_id=hospital_id,
                details={
                    figure: count,
                    "daily_average": round(usual, 2),
                    "threshold": round(bar, 2),
                    "baseline_days": baseline_days(),
                },
            )
        )
    return findings


def _mode1_grants(start: datetime, end: datetime) -> dict[int, int]:
    rows = (
        Authorization.objects.filter(
            method=Method.APPOINTMENT, created_at__gte=start, created_at__lt=end
        )
        .values("hospital_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["hospital_id"]: row["n"] for row in rows}


def mode1_grants_spike(*, day: date, now: datetime) -> list[Finding]:
    """Mode-1 grants (``codeAuthRec/save``, method ``appointment``: the
    hospital vouches for the consent, no code) far above the hospital's own
    daily average."""
    return _per_hospital_spike(
        rule=Rule.MODE1_GRANTS_SPIKE,
        severity=Severity.HIGH,
        day=day,
        now=now,
        minimum=int(setting("ALERT_MODE1_MIN_GRANTS", 50)),
        counts=_mode1_grants,
        figure="grants",
    )


def _failed_verifications(start: datetime, end: datetime) -> dict[int, int]:
    rows = (
        OperationLog.objects.filter(
            created_at__gte=start, created_at__lt=end, actor_type="hospital"
        )
        .filter(
            Q(action__in=CODE_FAILURE_ACTIONS)
            | Q(action=FACE_FAILURE_ACTION)
            | Q(action=FACE_LOCK_ACTION, after__has_key="face")
        )
        .values("actor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {int(row["actor_id"]): row["n"] for row in rows if str(row["actor_id"]).isdigit()}


def failed_verifications_spike(*, day: date, now: datetime) -> list[Finding]:
    """Wrong codes and face mismatches in a hospital's requests (one
    operation-log row each) far above the hospital's own daily average."""
    return _per_hospital_spike(
        rule=Rule.FAILED_VERIFICATIONS_SPIKE,
        severity=Severity.MEDIUM,
        day=day,
        now=now,
        minimum=int(setting("ALERT_FAILURES_MIN", 30)),
        counts=_failed_verifications,
        figure="failed_verifications",
    )


# --- Views at unusual hours, in bulk ----------------------------------------------------------


def _night_views(start: datetime, end: datetime):
    return AccessLog.objects.filter(
        view_requests(),
        created_at__gte=start,
        created_at__lt=end,
        hospital__isnull=False,
    ).exclude(patient_digest="")


def _night_patients(start: datetime, end: datetime) -> dict[int, int]:
    rows = (
        _night_views(start, end)
        .values("hospital_id")
        .annotate(n=Count("patient_digest", distinct=True))
        .order_by()
    )
    return {row["hospital_id"]: row["n"] for row in rows}


def night_bulk_views(*, now: datetime) -> list[Finding]:
    """Distinct patients whose records a hospital asked to view during the
    night window, far above its own nightly average (refused views count)."""
    minimum = int(setting("ALERT_NIGHT_MIN_PATIENTS", 20))
    start, end = night_bounds(now)
    tonight = {h: n for h, n in _night_patients(start, min(end, now)).items() if n > minimum}
    if not tonight:
        return []

    def compute() -> dict[int, float]:
        totals: Counter[int] = Counter()
        for back in range(1, baseline_days() + 1):
            shift = timedelta(days=back)
            totals.update(_night_patients(start - shift, end - shift))
        return {hospital: n / baseline_days() for hospital, n in totals.items()}

    baseline = cached(baseline_key(Rule.NIGHT_BULK_VIEWS, start), compute)
    org_codes = org_codes_of(tonight)
    findings = []
    for hospital_id, patients in sorted(tonight.items()):
        usual = baseline.get(hospital_id, 0.0)
        bar = threshold(minimum, usual)
        if patients <= bar:
            continue
        staff = Counter(
            dict(
                _night_views(start, min(end, now))
                .filter(hospital_id=hospital_id)
                .exclude(staff_no="")
                .values("staff_no")
                .annotate(n=Count("patient_digest", distinct=True))
                .values_list("staff_no", "n")
            )
        )
        findings.append(
            Finding(
                rule=Rule.NIGHT_BULK_VIEWS,
                severity=Severity.MEDIUM,
                day=start.date(),
                scope=str(hospital_id),
                subject=org_codes.get(hospital_id, str(hospital_id)),
                hospital_id=hospital_id,
                details={
                    "patients": patients,
                    "requests": _night_views(start, min(end, now))
                    .filter(hospital_id=hospital_id)
                    .count(),
                    "night_average": round(usual, 2),
                    "threshold": round(bar, 2),
                    "baseline_days": baseline_days(),
                    "window": f"{start:%Y-%m-%d %H:%M}/{end:%Y-%m-%d %H:%M}",
                    "top_staff": [
                        {"staff_no": scrub_text(s)[:64], "patients": n}
                        for s, n in staff.most_common(5)
                    ],
                },
            )
        )
    return findings


# --- A patient blocked after failed verifications across hospitals ---------------------------


def patient_blocked(*, now: datetime) -> list[Finding]:
    """A patient the relay blocked (``relay.patient_limits``: too many failed
    verifications in a day, across hospitals): the block is already in force;
    the alert tells the officer which hospitals asked."""
    findings = []
    guards = PatientGuard.objects.filter(blocked_until__gt=now).order_by("patient_digest")
    for guard in guards:
        since = guard.blocked_until - timedelta(hours=int(setting("PATIENT_BLOCK_HOURS", 24)))
        asked = (
            Authorization.objects.filter(
                patient_digest=guard.patient_digest, created_at__gte=since - timedelta(days=1)
            )
            .values_list("hospital_id", flat=True)
            .distinct()
        )
        codes = org_codes_of(set(asked))
        findings.append(
            Finding(
                rule=Rule.PATIENT_BLOCKED,
                severity=Severity.HIGH,
                day=timezone.localdate(since),
                scope=f"patient:{guard.patient_digest[:32]}",
                subject=f"patient {guard.patient_digest[:12]}",
                details={
                    "failures": guard.failures,
                    "blocked_until": guard.blocked_until.isoformat(),
                    "hospitals": sorted(codes.values()),
                },
            )
        )
    return findings
