"""Writes of the code challenges: issue (SMS or authorization code), resend,
verify. Keyword-only, typed, ``actor=`` on every state change.

Rules (``identity.codes``): 6 digits from ``secrets``, valid 5 minutes, five
wrong codes lock the request, a new code for the same request no sooner than
60 s after the last (django-otp's cooldown), at most 5 SMS per phone number
per rolling hour and 10 per rolling day.

Concurrency: issuing locks a ``ChallengeLock`` row (per phone digest for SMS,
per reference for authorization codes) with SELECT ... FOR UPDATE, then
counts, checks, writes and sends inside that one transaction; a failed send
rolls everything back, so every stored SMS row is one message the provider
accepted and the caps count exactly those. Verifying locks the challenge row.

Call :func:`challenge_verify` outside any ``transaction.atomic`` block of
your own (or catch its error inside the block and re-raise after it): a wrong
code raises *after* the failure count is committed, and an enclosing atomic
block rolled back by that exception would forget the failure.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from audit.services import operation_log_record
from hub.ops.metrics import SMS_REFUSALS
from hub.protect import digest, mask_phone
from identity import codes
from identity.errors import (
    CodeAlreadyUsed,
    CodeCooldown,
    CodeExpired,
    CodeFormatInvalid,
    CodeLocked,
    CodeSuperseded,
    CodeThrottled,
    CodeWrong,
    IdentityError,
    PhoneInvalid,
    SmsCooldown,
    SmsPhoneDailyLimit,
    SmsPhoneHourlyLimit,
    SmsProviderFailed,
    SmsProviderRateLimited,
)
from identity.models import ChallengeLock, CodeChallenge
from identity.push import PushMessage, get_push_backend, patient_of
from identity.sms import (
    SmsError,
    SmsRateLimitedError,
    SmsRecipientInvalidError,
    code_message,
    send_sms,
)

logger = logging.getLogger(__name__)

State = CodeChallenge.State
Channel = CodeChallenge.Channel


# --- Reads ---------------------------------------------------------------------------


def challenge_for(reference: str) -> CodeChallenge | None:
    """The current (latest, not superseded) challenge of ``reference``."""
    return (
        CodeChallenge.objects.filter(reference=reference)
        .exclude(state=State.SUPERSEDED)
        .order_by("-created_at", "-id")
        .first()
    )


# --- Issue ---------------------------------------------------------------------------


def _sms_refused(error: IdentityError) -> None:
    """Count an SMS the hub or the provider refused (``hub_sms_refusals_total``)."""
    SMS_REFUSALS.labels(reason=str(error.code).lower()).inc()


def sms_challenge_start(*, reference: str, phone: str, actor) -> CodeChallenge:
    """Send a new SMS code for ``reference`` to ``phone`` (plain digits).

    Raises ``PhoneInvalid``, the cooldown and cap refusals (429), and
    ``SmsProviderFailed`` / ``SmsProviderRateLimited`` when delivery fails (in
    which case nothing is stored). Starting again for a reference that has a
    challenge behaves like :func:`sms_challenge_resend`.
    """
    try:
        if not codes.phone_is_valid(phone):
            raise PhoneInvalid()
        challenge, _code = _issue(
            reference=reference, channel=Channel.SMS, phone=phone, actor=actor
        )
    except IdentityError as error:
        _sms_refused(error)
        raise
    return challenge


def sms_challenge_resend(*, challenge: CodeChallenge, actor) -> CodeChallenge:
    """Send a fresh code to the same number; the previous code stops working.

    The cooldown runs from the last code of the request; failures carry over.
    """
    if challenge.channel != Channel.SMS:
        raise ValueError("sms_challenge_resend needs an SMS challenge")
    try:
        fresh, _code = _issue(
            reference=challenge.reference, channel=Channel.SMS, phone=challenge.phone, actor=actor
        )
    except IdentityError as error:
        _sms_refused(error)
        raise
    return fresh


def authcode_challenge_issue(*, reference: str, actor) -> tuple[CodeChallenge, str]:
    """Issue an authorization code for ``reference``; returns it in clear ONCE,
    for display to the patient (only its MAC is stored). Re-issuing supersedes
    the previous code and obeys the same cooldown. The push backend, if any,
    gets the code too (best effort)."""
    challenge, code = _issue(reference=reference, channel=Channel.AUTHCODE, phone=None, actor=actor)
    _push(challenge, code)
    return challenge, code


def _issue(*, reference: str, channel: str, phone: str | None, actor) -> tuple[CodeChallenge, str]:
    if not reference or len(reference) > 100:
        raise ValueError("reference must be 1-100 characters")
    phone_digest = digest(phone, purpose="phone") if phone else ""
    with transaction.atomic():
        _lock(f"phone:{phone_digest}" if channel == Channel.SMS else f"ref:{reference}")
        now = timezone.now()
        previous = (
            CodeChallenge.objects.select_for_update()
            .filter(reference=reference)
            .exclude(state=State.SUPERSEDED)
            .order_by("-created_at", "-id")
            .first()
        )
        if previous is not None:
            _check_can_replace(previous, channel, now)
        if channel == Channel.SMS:
            _check_phone_caps(phone_digest, now)

        code = codes.generate_code()
        salt = codes.new_salt()
        before = None
        if previous is not None:
            before = _snapshot(previous)
            previous.state = State.SUPERSEDED
            previous.save(update_fields=["state"])
        challenge = CodeChallenge(
            reference=reference,
            channel=channel,
            phone=phone,
            phone_digest=phone_digest,
            code_salt=salt,
            code_mac=codes.code_mac(salt=salt, code=code),
            created_at=now,
            expires_at=now + codes.CODE_TTL,
            # Five wrong tries per request, not per code.
            throttling_failure_count=previous.throttling_failure_count if previous else 0,
            throttling_failure_timestamp=(
                previous.throttling_failure_timestamp if previous else None
            ),
        )
        challenge.cooldown_set(commit=False)
        challenge.save()
        if channel == Channel.SMS:
            _deliver(challenge, phone, code)
        _record(
            actor=actor,
            action="identity.code.reissued" if previous else "identity.code.issued",
            target=challenge,
            before=before,
            after=_snapshot(challenge),
        )
    logger.info(
        "code issued channel=%s ref=%s to=%s backend=%s",
        channel,
        reference,
        mask_phone(phone) if phone else "-",
        challenge.backend or "-",
    )
    return challenge, code


def _lock(key: str) -> None:
    ChallengeLock.objects.get_or_create(key=key)
    ChallengeLock.objects.select_for_update().get(key=key)


def _check_can_replace(previous: CodeChallenge, channel: str, now) -> None:
    if previous.state == State.USED:
        raise CodeAlreadyUsed()
    if previous.state == State.LOCKED:
        raise CodeLocked()
    allowed, info = previous.generate_is_allowed()
    if not allowed:
        wait = (info["next_generation_at"] - now).total_seconds()
        raise SmsCooldown(wait) if channel == Channel.SMS else CodeCooldown(wait)


def _check_phone_caps(phone_digest: str, now) -> None:
    """At most PHONE_DAILY_LIMIT SMS in 24 h and PHONE_HOURLY_LIMIT in 1 h.

    Every SMS row is a message the provider accepted (a failed send rolls
    back), whatever its state now. Retry-After is when enough of the oldest
    sends leave the window for one more to fit.
    """
    sent = list(
        CodeChallenge.objects.filter(
            channel=Channel.SMS, phone_digest=phone_digest, created_at__gt=now - codes.PHONE_DAY
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(sent) >= codes.PHONE_DAILY_LIMIT:
        oldest = sent[-codes.PHONE_DAILY_LIMIT]
        raise SmsPhoneDailyLimit((oldest + codes.PHONE_DAY - now).total_seconds())
    last_hour = [t for t in sent if t > now - codes.PHONE_HOUR]
    if len(last_hour) >= codes.PHONE_HOURLY_LIMIT:
        oldest = last_hour[-codes.PHONE_HOURLY_LIMIT]
        raise SmsPhoneHourlyLimit((oldest + codes.PHONE_HOUR - now).total_seconds())


def _deliver(challenge: CodeChallenge, phone: str, code: str) -> None:
    minutes = int(codes.CODE_TTL.total_seconds() // 60)
    message = code_message(phone=phone, code=code, minutes=minutes, reference=challenge.reference)
    try:
        receipt = send_sms(message)
    except SmsRateLimitedError as exc:
        raise SmsProviderRateLimited(exc.retry_after) from None
    except SmsRecipientInvalidError:
        raise PhoneInvalid() from None
    except SmsError as exc:
        logger.warning(
            "sms not sent ref=%s to=%s provider_code=%s transient=%s",
            challenge.reference,
            mask_phone(phone),
            exc.provider_code,
            exc.transient,
        )
        raise SmsProviderFailed(transient=exc.transient) from None
    challenge.backend = receipt.backend[:32]
    challenge.provider_message_id = receipt.message_id[:100]
    challenge.save(update_fields=["backend", "provider_message_id"])


def _push(challenge: CodeChallenge, code: str) -> None:
    backend = get_push_backend()
    if backend.name == "none":
        return
    message = PushMessage(
        reference=challenge.reference,
        code=code,
        expires_at=challenge.expires_at,
        # Whose code: the app that owns the reference tells (identity.push.patient_of).
        patient_digest=patient_of(challenge.reference),
    )
    try:
        delivered = backend.push(message)
    except Exception:  # best effort: the code is shown on the patient's pages anyway
        logger.warning(
            "authorization code push failed ref=%s backend=%s",
            challenge.reference,
            backend.name,
            exc_info=False,
        )
        return
    if delivered is False:  # the backend reaches nobody for this patient
        return
    CodeChallenge.objects.filter(pk=challenge.pk).update(backend=backend.name[:32])
    challenge.backend = backend.name[:32]


# --- Verify --------------------------------------------------------------------------


def challenge_verify(*, challenge: CodeChallenge, code: str, actor) -> None:
    """Check ``code`` against ``challenge``; return None when it is right
    (the challenge is then ``used``), raise an ``IdentityError`` otherwise.

    A malformed code (not 6 ASCII digits) is refused without counting as a
    try. A wrong one counts; the fifth locks the challenge and raises
    ``CodeLocked`` (the caller marks its request locked). ``challenge`` is
    updated in place with the new state and failure count.
    """
    if not codes.code_format_ok(code):
        raise CodeFormatInvalid()
    with transaction.atomic():
        row = CodeChallenge.objects.select_for_update().get(pk=challenge.pk)
        error = _verify_locked(row, code, actor)
    for name in ("state", "used_at", "throttling_failure_count", "throttling_failure_timestamp"):
        setattr(challenge, name, getattr(row, name))
    if error is not None:
        # Raised after the block so that the failure count and state commit.
        raise error


def _verify_locked(row: CodeChallenge, code: str, actor) -> IdentityError | None:
    now = timezone.now()
    if row.state == State.USED:
        return CodeAlreadyUsed()
    if row.state == State.LOCKED:
        return CodeLocked()
    if row.state == State.SUPERSEDED:
        return CodeSuperseded()
    if row.state == State.EXPIRED:
        return CodeExpired()
    if row.is_expired(now):
        before = _snapshot(row)
        row.state = State.EXPIRED
        row.save(update_fields=["state"])
        _record(
            actor=actor,
            action="identity.code.expired",
            target=row,
            before=before,
            after=_snapshot(row),
        )
        return CodeExpired()
    allowed, info = row.verify_is_allowed()
    if not allowed:
        return CodeThrottled((info["locked_until"] - now).total_seconds())

    before = _snapshot(row)
    if codes.code_matches(salt=row.code_salt, mac=row.code_mac, code=code):
        row.state = State.USED
        row.used_at = now
        row.save(update_fields=["state", "used_at"])
        _record(
            actor=actor,
            action="identity.code.verified",
            target=row,
            before=before,
            after=_snapshot(row),
        )
        logger.info("code verified ref=%s channel=%s", row.reference, row.channel)
        return None

    row.throttle_increment(commit=False)
    locked = row.throttling_failure_count >= codes.MAX_FAILURES
    if locked:
        row.state = State.LOCKED
    row.save(update_fields=["state", "throttling_failure_count", "throttling_failure_timestamp"])
    _record(
        actor=actor,
        action="identity.code.locked" if locked else "identity.code.failed",
        target=row,
        before=before,
        after=_snapshot(row),
    )
    logger.info(
        "code refused ref=%s channel=%s failures=%s locked=%s",
        row.reference,
        row.channel,
        row.throttling_failure_count,
        locked,
    )
    return CodeLocked() if locked else CodeWrong(row.attempts_left)


# --- Operation log -------------------------------------------------------------------


def _snapshot(challenge: CodeChallenge) -> dict:
    """What the operation log may hold: no code, no phone number in clear."""
    return {
        "reference": challenge.reference,
        "channel": challenge.channel,
        "state": challenge.state,
        "failures": challenge.throttling_failure_count,
        "expires_at": challenge.expires_at.isoformat() if challenge.expires_at else None,
        "phone": challenge.masked_phone,
    }


def _record(*, actor, action: str, target, before: dict | None = None, after: dict | None = None):
    """The one call-site of the operation log, inside the change's transaction."""
    operation_log_record(actor=actor, action=action, target=target, before=before, after=after)
