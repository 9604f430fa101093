"""Writes of the patient pages. Keyword-only, typed, ``actor=`` on every state
change; the actor is ``"patient:<phone digest>"`` (the signed-in phone).

Sign-in reuses the code machinery of ``identity.services``: each attempt is a
fresh SMS challenge with the reference ``patient-login:<phone digest
prefix>:<random>``, so the five-wrong-codes lock and the per-phone SMS caps
bound guessing to 50 tries a day per number. The relay's own services do the
authorization state changes (refuse, revoke with its province relay).
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from audit.services import operation_log_record
from hospitals.models import Hospital
from hub.protect import digest, mask_phone
from identity import codes
from identity import services as challenges
from identity.errors import PhoneInvalid
from identity.models import CodeChallenge, PatientPhone
from identity.sms import PATIENT_LOGIN_PREFIX
from patients.errors import login_not_started, login_throttled, no_record
from patients.notice import NOTICE_VERSION
from patients.selectors import latest_authorization
from relay import services as relay
from relay.models import Authorization

logger = logging.getLogger(__name__)

LOGIN_PREFIX = PATIENT_LOGIN_PREFIX


def phone_digest_of(phone: str) -> str:
    return digest(phone, purpose="phone")


def actor_for(phone_digest: str) -> str:
    return f"patient:{phone_digest}"


# --- Sign-in ---------------------------------------------------------------------------


def _throttle_ip(client_ip: str) -> None:
    """At most PATIENT_LOGIN_PER_IP_HOURLY code requests per client address and
    clock hour: the per-phone caps stop flooding one number, this stops one
    client from texting many numbers."""
    limit = int(getattr(settings, "PATIENT_LOGIN_PER_IP_HOURLY", 20))
    if not client_ip or limit <= 0:
        return
    now = timezone.now().timestamp()
    key = f"patient-login-ip:{client_ip}:{int(now // 3600)}"
    cache.add(key, 0, timeout=3600)
    if cache.incr(key) > limit:
        raise login_throttled(3600 - now % 3600)


def patient_login_start(*, phone: str, client_ip: str = "") -> tuple[CodeChallenge, str]:
    """Text a sign-in code to ``phone``; returns the challenge and the phone
    digest. Identity's refusals propagate (invalid number, cooldown, caps,
    provider failure). Whether the number is bound to anyone is not revealed."""
    phone = (phone or "").strip()
    if not codes.phone_is_valid(phone):
        raise PhoneInvalid()
    _throttle_ip(client_ip)
    phone_digest = phone_digest_of(phone)
    reference = f"{LOGIN_PREFIX}{phone_digest[:32]}:{secrets.token_hex(8)}"
    challenge = challenges.sms_challenge_start(
        reference=reference, phone=phone, actor=actor_for(phone_digest)
    )
    return challenge, phone_digest


def _login_challenge(reference: str) -> CodeChallenge:
    challenge = challenges.challenge_for(reference) if reference else None
    if challenge is None or not reference.startswith(LOGIN_PREFIX):
        raise login_not_started()
    return challenge


def patient_login_resend(*, reference: str, phone_digest: str) -> CodeChallenge:
    """A fresh code for the same attempt (identity's 60 s cooldown applies)."""
    challenge = _login_challenge(reference)
    return challenges.sms_challenge_resend(challenge=challenge, actor=actor_for(phone_digest))


def patient_login_verify(*, reference: str, phone_digest: str, code: str) -> None:
    """Check the sign-in code (raises identity's refusals); on success the
    caller starts the session. Call outside any atomic block (see
    ``identity.services.challenge_verify``)."""
    challenge = _login_challenge(reference)
    challenges.challenge_verify(
        challenge=challenge, code=(code or "").strip(), actor=actor_for(phone_digest)
    )
    with transaction.atomic():
        operation_log_record(
            actor=actor_for(phone_digest),
            action="patients.signed_in",
            target=f"patient:{phone_digest[:16]}",
        )


# --- Requests from hospitals ----------------------------------------------------------


def patient_request_agree(*, authorization: Authorization, actor) -> tuple[CodeChallenge, str]:
    """The patient read the notice and agreed: issue the authorization code to
    show them (returned in clear once; only its MAC is stored).

    The code issued when the hospital opened the request was never shown to
    anyone (a push backend, if configured, got it), so the patient's first
    agreement replaces it at once instead of waiting out the 60 s cooldown;
    any later re-issue waits as usual. Failures carry over either way.
    """
    reference = authorization.reference
    with transaction.atomic():
        rows = list(
            CodeChallenge.objects.select_for_update()
            .filter(reference=reference)
            .order_by("-created_at", "-id")[:2]
        )
        if len(rows) == 1 and rows[0].state == CodeChallenge.State.ACTIVE:
            CodeChallenge.objects.filter(pk=rows[0].pk).update(last_generated_timestamp=None)
        challenge, code = challenges.authcode_challenge_issue(reference=reference, actor=actor)
        operation_log_record(
            actor=actor,
            action="authorization.patient_agreed",
            target=authorization,
            after={"notice": NOTICE_VERSION, "challenge": challenge.pk},
        )
    return challenge, code


def patient_request_refuse(*, authorization: Authorization, actor) -> Authorization:
    """The patient declined: the request is ``refused`` (the relay's service)."""
    return relay.authorization_refuse(authorization=authorization, actor=actor)


def patient_authorization_revoke(*, authorization: Authorization, actor) -> Authorization:
    """Withdraw a granted authorization. Views are refused the moment this
    commits; the province hears status "0" inline, or from the relay's
    retrying task if it is unreachable."""
    auth, _outcome = relay.authorization_revoke(authorization=authorization, actor=actor)
    return auth


# --- Reporting a problem with the record ---------------------------------------------------


def _reporter_phone(phone_digest: str) -> str | None:
    """The signed-in number: it is a phone of record (the session keeps only
    its digest), so the sealed number is read back from that record."""
    record = PatientPhone.objects.filter(phone_digest=phone_digest).first()
    return record.phone if record else None


def patient_problem_report(
    *,
    phone_digest: str,
    patient_digest: str,
    hospital: Hospital,
    category: str,
    record_date,
    description: str,
    actor,
):
    """A complaint about the patient's record at ``hospital`` (source
    ``patient``), routed by the complaints app. ``patient_digest`` must be one
    bound to the phone (the view passes only those)."""
    from complaints.intake import ComplaintInput
    from complaints.models import Source
    from complaints.services import complaint_submit

    auth = latest_authorization(patient_digest)
    if auth is None:
        raise no_record()
    phone = _reporter_phone(phone_digest)
    complaint, _created = complaint_submit(
        actor=actor,
        source=Source.PATIENT,
        data=ComplaintInput(
            org_code=hospital.org_code,
            patient_idcard=auth.patient_idcard,
            patient_name=auth.patient_name,
            category=category,
            record_date=record_date,
            description=description,
            reporter_name=auth.patient_name,
            reporter_phone=phone,
        ),
    )
    logger.info(
        "patient complaint %s about org=%s by phone=%s",
        complaint,
        hospital.org_code,
        mask_phone(phone) if phone else "-",
    )
    return complaint
