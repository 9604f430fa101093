"""The alert rules: each a small read over the last day, or a night, against a
threshold in settings (``ALERT_*``, docs/alerts.md). A rule returns
:class:`Finding` objects; ``alerts.services.alerts_evaluate`` turns each new
one into an alert (the dedup key makes a condition one alert a day).

Baselines are a hospital's own: its daily (or nightly) average over the
previous ``ALERT_BASELINE_DAYS`` days, times ``ALERT_BASELINE_MULTIPLIER``,
and never below the rule's minimum absolute count, so that a quiet hospital
does not alert on 2 against 1. A baseline does not change during the day: it
is computed once a day and cached.

The rules about one hospital against its own usual, and the patient block,
are in ``alerts.hospital_rules``; this module holds the phone and staff rules
and the registry.

Day rules count the local calendar day (``TIME_ZONE``) so far; the phone rule
counts the last 24 hours (since a block of that phone was last lifted), so
that an attacker gains nothing by working across midnight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.hospital_rules import (
    failed_verifications_spike,
    mode1_grants_spike,
    night_bulk_views,
    patient_blocked,
)
from alerts.models import PhoneBlock, Rule, Severity
from alerts.windows import (
    ENTRY_ROUTE,
    PHONE_WINDOW,
    START_ROUTE,
    VIEW_ROUTE,
    Finding,
    baseline_days,
    baseline_key,
    cached,
    day_bounds,
    org_codes_of,
    setting,
    threshold,
    view_requests,
)
from audit.masking import scrub_text
from audit.models import AccessLog
from hub.protect import digest
from identity.models import CodeChallenge
from relay.models import Authorization

# --- One phone, codes for many patients (blocking) ------------------------------------------


def _authorization_pk(reference: str) -> int | None:
    kind, _sep, rest = reference.partition(":")
    return int(rest) if kind == "authorization" and rest.isdigit() else None


def phone_many_patients(*, now: datetime) -> list[Finding]:
    """SMS codes sent to one phone for more than ``ALERT_PHONE_MAX_PATIENTS``
    different patients in the last 24 hours: the phone is blocked at once.

    Reads identity's code challenges (where each SMS went: ``phone_digest``)
    and the authorization each was for (``reference``). A phone already
    blocked is skipped; after a block is lifted only later codes count."""
    limit = int(setting("ALERT_PHONE_MAX_PATIENTS", 3))
    since = now - PHONE_WINDOW
    sms = CodeChallenge.objects.filter(
        channel=CodeChallenge.Channel.SMS,
        created_at__gt=since,
        created_at__lte=now,
        reference__startswith="authorization:",
    ).exclude(phone_digest="")
    candidates = (
        sms.values("phone_digest")
        .annotate(requests=Count("reference", distinct=True))
        .filter(requests__gt=limit)
        .values_list("phone_digest", flat=True)
    )
    findings = []
    for phone_digest in candidates:
        blocks = PhoneBlock.objects.filter(phone_digest=phone_digest)
        if blocks.filter(lifted_at__isnull=True).exists():
            continue  # blocked already: no code can go there
        lifted = blocks.filter(lifted_at__gt=since).aggregate(last=Max("lifted_at"))["last"]
        codes = list(
            sms.filter(phone_digest=phone_digest, created_at__gt=lifted or since).order_by(
                "created_at", "id"
            )
        )
        pks = {pk for pk in (_authorization_pk(c.reference) for c in codes) if pk is not None}
        requests = list(
            Authorization.objects.filter(pk__in=pks).values_list("patient_digest", "hospital_id")
        )
        patients = {patient for patient, _hospital in requests}
        if len(patients) <= limit:
            continue
        hospitals = sorted({hospital for _patient, hospital in requests})
        org_codes = org_codes_of(hospitals)
        masked = codes[-1].masked_phone
        findings.append(
            Finding(
                rule=Rule.PHONE_MANY_PATIENTS,
                severity=Severity.HIGH,
                day=timezone.localdate(now, timezone.get_default_timezone()),
                scope=phone_digest,
                subject=masked,
                hospital_id=hospitals[0] if len(hospitals) == 1 else None,
                details={
                    "patients": len(patients),
                    "limit": limit,
                    "codes_sent": len(codes),
                    "codes_verified": sum(c.state == CodeChallenge.State.USED for c in codes),
                    "hospitals": [org_codes.get(h, str(h)) for h in hospitals],
                    "window_hours": int(PHONE_WINDOW.total_seconds() // 3600),
                    "since": timezone.localtime(lifted or since).isoformat(timespec="seconds"),
                },
                block_phone_digest=phone_digest,
                block_phone_masked=masked,
            )
        )
    return findings


# --- One staff number, far more patients than its hospital's usual --------------------------


def _staff_requests(start: datetime, end: datetime):
    return (
        AccessLog.objects.filter(
            Q(endpoint=START_ROUTE, method="POST") | view_requests(),
            created_at__gte=start,
            created_at__lt=end,
            hospital__isnull=False,
        )
        .exclude(staff_no="")
        .exclude(patient_digest="")
    )


def _staff_baseline(start: datetime) -> dict[int, float]:
    """Per hospital: distinct patients per active staff number per day, averaged
    over the previous days."""
    tz = timezone.get_default_timezone()
    rows = (
        _staff_requests(start - timedelta(days=baseline_days()), start)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("hospital_id", "day", "staff_no")
        .annotate(patients=Count("patient_digest", distinct=True))
        .order_by()
    )
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        totals[row["hospital_id"]][0] += row["patients"]
        totals[row["hospital_id"]][1] += 1
    return {hospital: total / days for hospital, (total, days) in totals.items()}


def staff_many_patients(*, day: date, now: datetime) -> list[Finding]:
    """One staff number of a hospital started authorizations for, or asked to
    view the records of, more distinct patients today than its hospital's
    usual per staff number and day (refused requests count: probing too)."""
    minimum = int(setting("ALERT_STAFF_MIN_PATIENTS", 40))
    start, end = day_bounds(day)
    rows = list(
        _staff_requests(start, min(end, now))
        .values("hospital_id", "staff_no")
        .annotate(
            patients=Count("patient_digest", distinct=True),
            views=Count("id", filter=Q(endpoint__in=(VIEW_ROUTE, ENTRY_ROUTE))),
            starts=Count("id", filter=Q(endpoint=START_ROUTE)),
        )
        .filter(patients__gt=minimum)
        .order_by("hospital_id", "staff_no")
    )
    if not rows:
        return []
    baseline = cached(baseline_key(Rule.STAFF_MANY_PATIENTS, start), lambda: _staff_baseline(start))
    org_codes = org_codes_of(row["hospital_id"] for row in rows)
    findings = []
    for row in rows:
        usual = baseline.get(row["hospital_id"], 0.0)
        bar = threshold(minimum, usual)
        if row["patients"] <= bar:
            continue
        org_code = org_codes.get(row["hospital_id"], str(row["hospital_id"]))
        # A staff number is the hospital's free text: shown with anything
        # shaped like an ID or phone number masked, keyed by its digest.
        staff_no = scrub_text(row["staff_no"])[:64]
        findings.append(
            Finding(
                rule=Rule.STAFF_MANY_PATIENTS,
                severity=Severity.HIGH,
                day=day,
                scope=digest(f"{row['hospital_id']}:{row['staff_no']}", purpose="staff"),
                subject=f"{org_code} / {staff_no}"[:200],
                hospital_id=row["hospital_id"],
                details={
                    "staff_no": staff_no,
                    "patients": row["patients"],
                    "authorization_requests": row["starts"],
                    "view_requests": row["views"],
                    "hospital_usual_per_staff": round(usual, 2),
                    "threshold": round(bar, 2),
                    "baseline_days": baseline_days(),
                },
            )
        )
    return findings


# --- The registry -----------------------------------------------------------------------------

#: Rules over one local calendar day: evaluated for today (and, just after
#: midnight, once more for yesterday so that its last minutes count).
DAY_RULES: tuple[Callable[..., list[Finding]], ...] = (
    staff_many_patients,
    mode1_grants_spike,
    failed_verifications_spike,
)
#: Rules over a window ending now (the last 24 hours, the current night).
NOW_RULES: tuple[Callable[..., list[Finding]], ...] = (
    phone_many_patients,
    night_bulk_views,
    patient_blocked,
)

#: What the officer should do, per rule (the e-mail and the alert page show it).
ADVICE = {
    Rule.PHONE_MANY_PATIENTS: _(
        "The phone is blocked: no SMS code goes to it and its pending requests were "
        "cancelled. Ask the hospital(s) who the phone belongs to. A family phone: lift the "
        "block. Otherwise keep it blocked, check the consents it verified today and revoke "
        "those the patients did not give."
    ),
    Rule.STAFF_MANY_PATIENTS: _(
        "Ask the hospital why this staff number asked for so many patients today (a shared "
        "account, a script, bulk viewing). Check the access log for the staff number and "
        "have the hospital suspend it if the use was not for care."
    ),
    Rule.MODE1_GRANTS_SPIKE: _(
        "Online-appointment grants need no code from the patient. Ask the hospital for the "
        "appointments behind today's grants; revoke the consents no appointment backs."
    ),
    Rule.FAILED_VERIFICATIONS_SPIKE: _(
        "Someone may be guessing patients' codes. Ask the hospital which staff numbers "
        "started the failing requests and whether patients were present."
    ),
    Rule.PATIENT_BLOCKED: _(
        "Someone failed to verify this patient many times today across hospitals: new "
        "requests for the patient are refused until the block ends. Ask the hospitals listed "
        "which staff started the requests and whether the patient was present."
    ),
    Rule.NIGHT_BULK_VIEWS: _(
        "Many records were opened at night. Ask the hospital which departments and staff "
        "numbers viewed them and why; emergency work is expected, bulk exports are not."
    ),
}
