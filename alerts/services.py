"""Writes of the alerts app: raising alerts from the rules' findings (and the
phone blocks of the blocking rule), and the officers' work on them:
acknowledge, note, close, lift a block. Keyword-only, ``actor=`` on every
change, the operation-log row in the change's own transaction.

A new alert is announced once it is committed: ``hub_alerts_total{rule}`` and
an e-mail to ``ALERT_EMAIL_TO`` (skipped when empty). A new phone block takes
effect with its commit (the relay asks ``hub.phone_blocks`` before every SMS
code); the pending SMS requests whose code went to that phone are then
cancelled, so a code already sent cannot be used either.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.errors import AlertCode, alert_error
from alerts.models import Alert, AlertState, PhoneBlock, Rule, Severity
from alerts.rules import ADVICE, DAY_RULES, NOW_RULES
from alerts.windows import Finding, day_bounds
from audit.masking import scrub_text
from audit.services import operation_log_record
from hub.errors import HubError
from hub.ops.metrics import ALERTS
from identity.models import CodeChallenge
from relay.models import Authorization, Method, State
from relay.services import authorization_revoke

logger = logging.getLogger("alerts")

EVALUATE_ACTOR = "task:alerts.evaluate"
#: Just after midnight yesterday is evaluated once more, so that activity in
#: its last minutes (after the last run of the day) still counts.
CLOSE_OUT = timedelta(hours=1)


def _user(actor):
    return actor if hasattr(actor, "get_username") and getattr(actor, "pk", None) else None


def _actor_name(actor) -> str:
    if hasattr(actor, "get_username"):
        return actor.get_username()
    return str(actor)


# --- Raising --------------------------------------------------------------------------


def alerts_evaluate(*, now: datetime | None = None, actor=EVALUATE_ACTOR) -> list[Alert]:
    """Run every rule; raise an alert for each finding not raised yet today.
    A rule that fails is logged and the others still run."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone.get_default_timezone())
    days = [today]
    if now - day_bounds(today)[0] < CLOSE_OUT:
        days.insert(0, today - timedelta(days=1))
    runs = [partial(rule, now=now) for rule in NOW_RULES]
    runs += [partial(rule, day=day, now=now) for day in days for rule in DAY_RULES]
    raised = []
    for run in runs:
        try:
            findings = run()
        except Exception:
            logger.exception("alert rule %s failed", run.func.__name__)
            continue
        for finding in findings:
            alert = alert_raise(finding=finding, actor=actor)
            if alert is not None:
                raised.append(alert)
    return raised


def alert_raise(*, finding: Finding, actor) -> Alert | None:
    """The alert of ``finding``, or None when the same condition was raised
    already today (``dedup_key``). A blocking finding blocks its phone in the
    same transaction."""
    if Alert.objects.filter(dedup_key=finding.dedup_key).exists():
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=finding.rule,
                severity=finding.severity,
                hospital_id=finding.hospital_id,
                subject=finding.subject[:200],
                details=finding.details,
                day=finding.day,
                dedup_key=finding.dedup_key,
            )
            operation_log_record(
                actor=actor,
                action="alert.raised",
                target=alert,
                before=None,
                after={**alert.snapshot(), "figures": finding.details},
            )
            if finding.block_phone_digest:
                _block(alert, finding, actor)
    except IntegrityError:
        # Another evaluation raised it (or blocked the phone) at the same moment.
        return None
    logger.warning(
        "alert raised: %s (%s) hospital=%s subject=%s",
        alert.rule,
        alert.severity,
        alert.hospital_id or "-",
        alert.subject,
    )
    alert_id, phone_digest = alert.pk, finding.block_phone_digest

    def cancel_pending_codes() -> None:
        _cancel_pending_codes(alert_id, phone_digest, actor)

    def announce() -> None:
        alert_announce(alert_id=alert_id)

    # robust: a failure after the commit is logged; the alert and its block stand.
    if phone_digest:
        transaction.on_commit(cancel_pending_codes, robust=True)
    transaction.on_commit(announce, robust=True)
    return alert


def _block(alert: Alert, finding: Finding, actor) -> PhoneBlock:
    block = PhoneBlock.objects.create(
        alert=alert,
        phone_digest=finding.block_phone_digest,
        phone_masked=finding.block_phone_masked[:16],
    )
    operation_log_record(
        actor=actor,
        action="phone.blocked",
        target=block,
        before=None,
        after={"alert": alert.pk, "masked": block.phone_masked, "active": True},
    )
    return block


def _cancel_pending_codes(alert_id: int, phone_digest: str, actor) -> int:
    """Cancel the pending SMS requests whose current code went to the blocked
    phone (each through the relay's own service, logged there)."""
    references = CodeChallenge.objects.filter(
        channel=CodeChallenge.Channel.SMS,
        phone_digest=phone_digest,
        state=CodeChallenge.State.ACTIVE,
        reference__startswith="authorization:",
    ).values_list("reference", flat=True)
    pks = [int(r.partition(":")[2]) for r in references if r.partition(":")[2].isdigit()]
    cancelled = 0
    for auth in Authorization.objects.filter(pk__in=pks, method=Method.SMS, state=State.PENDING):
        try:
            authorization_revoke(authorization=auth, actor=actor)
        except HubError as exc:
            logger.info("pending request %s not cancelled: %s", auth.pk, exc.code)
            continue
        cancelled += 1
    alert = Alert.objects.get(pk=alert_id)
    alert.details = {**alert.details, "pending_requests_cancelled": cancelled}
    alert.save(update_fields=["details"])
    return cancelled


# --- Announcing -----------------------------------------------------------------------

#: Labels of the figures in ``Alert.details`` (the e-mail and the admin page).
FIGURE_LABELS = {
    "patients": gettext_lazy("distinct patients"),
    "limit": gettext_lazy("limit"),
    "codes_sent": gettext_lazy("SMS codes sent"),
    "codes_verified": gettext_lazy("codes verified"),
    "hospitals": gettext_lazy("hospitals"),
    "window_hours": gettext_lazy("window (hours)"),
    "since": gettext_lazy("counted since"),
    "pending_requests_cancelled": gettext_lazy("pending requests cancelled"),
    "staff_no": gettext_lazy("staff number"),
    "authorization_requests": gettext_lazy("authorization requests"),
    "view_requests": gettext_lazy("view requests"),
    "hospital_usual_per_staff": gettext_lazy("hospital's usual per staff number and day"),
    "threshold": gettext_lazy("threshold"),
    "baseline_days": gettext_lazy("baseline days"),
    "grants": gettext_lazy("online-appointment grants"),
    "failed_verifications": gettext_lazy("failed verifications"),
    "daily_average": gettext_lazy("daily average"),
    "requests": gettext_lazy("requests"),
    "night_average": gettext_lazy("nightly average"),
    "window": gettext_lazy("window"),
    "top_staff": gettext_lazy("top staff numbers"),
}


def figure_lines(details: dict) -> list[str]:
    """``label: value`` per figure, in the active language."""
    lines = []
    for key, value in details.items():
        if key == "top_staff" and isinstance(value, list):
            value = ", ".join(f"{row.get('staff_no')} ({row.get('patients')})" for row in value)
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        label = str(FIGURE_LABELS.get(key, key))
        lines.append(f"{label}: {value}")
    return lines


def _admin_path(alert: Alert) -> str:
    try:
        return reverse("admin:alerts_alert_change", args=[alert.pk])
    except NoReverseMatch:  # ADMIN_ENABLED=false on this instance
        return ""


def _message(alert: Alert) -> tuple[str, str]:
    rule = Rule(alert.rule).label
    hospital = str(alert.hospital) if alert.hospital_id else "-"
    subject = _("[Hub security alert] %(rule)s: %(subject)s") % {
        "rule": rule,
        "subject": alert.subject,
    }
    lines = [
        _("Rule: %(rule)s") % {"rule": rule},
        _("Severity: %(severity)s") % {"severity": Severity(alert.severity).label},
        _("Hospital: %(hospital)s") % {"hospital": hospital},
        _("Subject: %(subject)s") % {"subject": alert.subject},
        _("Day: %(day)s") % {"day": alert.day.isoformat()},
        _("Raised at: %(time)s")
        % {"time": timezone.localtime(alert.created_at).strftime("%Y-%m-%d %H:%M")},
        "",
        _("Figures:"),
        *(f"  {line}" for line in figure_lines(alert.details)),
        "",
        _("What to do: %(advice)s") % {"advice": ADVICE[alert.rule]},
    ]
    if alert.phone_blocks.filter(lifted_at__isnull=True).exists():
        lines.append(_("The phone stays blocked until an officer lifts the block."))
    path = _admin_path(alert)
    if path:
        lines.append(_("The alert in the back office: %(path)s") % {"path": path})
    return subject, "\n".join(lines) + "\n"


def alert_announce(*, alert_id: int) -> None:
    """Count the alert (``hub_alerts_total``) and e-mail the city's security
    contact (``ALERT_EMAIL_TO``; nothing when empty). A mail failure is
    logged, never raised: the alert is in the queue anyway."""
    alert = Alert.objects.select_related("hospital").get(pk=alert_id)
    ALERTS.labels(rule=alert.rule).inc()
    recipients = [a for a in getattr(settings, "ALERT_EMAIL_TO", []) if a]
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _message(alert)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as exc:
        logger.error("alert %s e-mail not sent (%s)", alert.pk, type(exc).__name__)


# --- The officers' work -----------------------------------------------------------------


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _refresh(alert: Alert, row: Alert) -> Alert:
    for name in (
        "state",
        "notes",
        "acknowledged_at",
        "acknowledged_by",
        "closed_at",
        "closed_by",
    ):
        setattr(alert, name, getattr(row, name))
    return alert


def alert_acknowledge(*, alert: Alert, actor) -> Alert:
    """An officer has seen the alert and works on it (open -> acknowledged)."""
    with transaction.atomic():
        row = _locked(alert)
        if row.state == AlertState.CLOSED:
            raise alert_error(AlertCode.ALERT_CLOSED)
        if row.state != AlertState.OPEN:
            raise alert_error(AlertCode.ALERT_NOT_OPEN)
        before = row.snapshot()
        row.state = AlertState.ACKNOWLEDGED
        row.acknowledged_at = timezone.now()
        row.acknowledged_by = _user(actor)
        row.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
        operation_log_record(
            actor=actor,
            action="alert.acknowledged",
            target=row,
            before=before,
            after=row.snapshot(),
        )
    return _refresh(alert, row)


def alert_close(*, alert: Alert, actor) -> Alert:
    """The alert is dealt with (open or acknowledged -> closed). Closing does
    not lift a phone block: that is its own action."""
    with transaction.atomic():
        row = _locked(alert)
        if row.state == AlertState.CLOSED:
            raise alert_error(AlertCode.ALERT_CLOSED)
        before = row.snapshot()
        row.state = AlertState.CLOSED
        row.closed_at = timezone.now()
        row.closed_by = _user(actor)
        row.save(update_fields=["state", "closed_at", "closed_by"])
        operation_log_record(
            actor=actor, action="alert.closed", target=row, before=before, after=row.snapshot()
        )
    return _refresh(alert, row)


def alert_note_add(*, alert: Alert, text: str, actor) -> Alert:
    """Append a dated, signed note (what was asked, what was found)."""
    # Notes are free text: ID and phone number shapes are masked.
    text = scrub_text((text or "").strip())
    if not text:
        raise alert_error(AlertCode.NOTE_EMPTY)
    with transaction.atomic():
        row = _locked(alert)
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        line = f"[{stamp} {_actor_name(actor)}] {text}"
        row.notes = f"{row.notes}\n{line}" if row.notes else line
        row.save(update_fields=["notes"])
        operation_log_record(
            actor=actor, action="alert.noted", target=row, before=None, after={"note": text}
        )
    return _refresh(alert, row)


def phone_block_lift(*, alert: Alert, actor) -> PhoneBlock:
    """Lift the alert's active phone block: SMS codes may go to the phone
    again. The same phone is not blocked again for the rest of the day (one
    alert per condition and day); later, only codes sent after the lift count."""
    with transaction.atomic():
        block = (
            PhoneBlock.objects.select_for_update()
            .filter(alert_id=alert.pk, lifted_at__isnull=True)
            .first()
        )
        if block is None:
            raise alert_error(AlertCode.NO_ACTIVE_BLOCK)
        block.lifted_at = timezone.now()
        block.lifted_by = _user(actor)
        block.save(update_fields=["lifted_at", "lifted_by"])
        operation_log_record(
            actor=actor,
            action="phone.unblocked",
            target=block,
            before={"alert": alert.pk, "masked": block.phone_masked, "active": True},
            after={"alert": alert.pk, "masked": block.phone_masked, "active": False},
        )
    return block
