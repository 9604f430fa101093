"""Writes on authorizations: start, resend, verify and grant (this module),
revoke, refuse and expire (``relay.endings``, re-exported here).
Keyword-only, typed, ``actor=`` on every change, the operation-log row in the
change's own transaction.

Province sync: a grant or a revocation is committed first; then
``relay.tasks.sync_after_commit`` sends it (inline for hospital requests, so
the answer can say whether the province has it; the retrying task takes over
on a transient failure). A revocation refuses views the moment it commits,
before the province confirms.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hospitals.models import Hospital
from hub.protect import digest, mask_phone
from identity import services as identity
from identity.errors import CodeLocked, CodeWrong
from relay.changes import log_change
from relay.endings import (  # noqa: F401  (re-exported)
    authorization_expire_due,
    authorization_refuse,
    authorization_revoke,
    authorization_revoke_patient,
)
from relay.errors import RelayCode, relay_error
from relay.models import Authorization, Method, NoticeKind, State
from relay.notices import notice_queue
from relay.patient_limits import (
    check_patient_may_start,
    check_patient_may_verify,
    patient_failure_record,
)
from relay.patient_reach import check_code_channel, kiosk_phone_record, sms_target
from relay.records import (
    MAX_FAILURES,
    VALID_DAYS,
    conflict,
    end_pending,
    move,
    pending_ttl,
    queue_send,
    save_changes,
)
from relay.sync import SyncOutcome
from relay.targets import target_for
from relay.tasks import sync_after_commit

# --- Start -------------------------------------------------------------------------------


def authorization_start(
    *,
    hospital: Hospital,
    method: str,
    id_number: str,
    card_type: str,
    patient_name: str,
    staff_no: str,
    staff_name: str = "",
    patient_ref: str = "",
    phone: str | None = None,
    system_id: int | None = None,
    actor,
) -> Authorization:
    """A pending on-site authorization, with its challenge started (SMS sent or
    authorization code issued). If the challenge cannot start (caps, cooldown,
    SMS failure) nothing is kept and the identity app's error propagates.
    ``system_id``: the hospital system that asked (``request.auth.system_id``)."""
    if method not in (Method.SMS, Method.AUTHCODE, Method.FACE):
        raise relay_error(RelayCode.METHOD_UNKNOWN)
    if method == Method.FACE:
        _face()  # refuse at once when face checks are not installed
    patient = digest(id_number, purpose="id")
    check_patient_may_start(patient)
    target, phone_check = None, ""
    if method == Method.SMS:
        target, phone_check = sms_target(patient_digest=patient, phone=phone)
    elif method == Method.AUTHCODE:
        check_code_channel(patient_digest=patient)
    with transaction.atomic():
        auth = Authorization.objects.create(
            hospital=hospital,
            system_id=system_id,
            province_target=target_for(hospital),
            method=method,
            state=State.PENDING,
            patient_idcard=id_number,
            patient_digest=patient,
            card_type=card_type,
            patient_name=patient_name,
            patient_ref=patient_ref,
            phone=phone or None,
            phone_digest=digest(phone, purpose="phone") if phone else "",
            phone_check=phone_check,
            code_sent_to=mask_phone(target) if target else "",
            staff_no=staff_no,
            staff_name=staff_name,
            auth_days=VALID_DAYS,
        )
        log_change(actor, "authorization.started", auth, None)
        if method == Method.SMS:
            identity.sms_challenge_start(reference=auth.reference, phone=target, actor=actor)
        elif method == Method.AUTHCODE:
            # The code goes to the patient (their pages, or the push backend);
            # the hospital never sees it.
            identity.authcode_challenge_issue(reference=auth.reference, actor=actor)
    return auth


def authorization_resend(*, authorization: Authorization, actor) -> Authorization:
    """A fresh code for a pending sms/authcode request (identity's cooldown and
    per-phone caps apply; the previous code stops working)."""
    auth = authorization
    if auth.method not in (Method.SMS, Method.AUTHCODE):
        raise relay_error(RelayCode.RESEND_NOT_APPLICABLE)
    _check_verifiable(auth)
    challenge = identity.challenge_for(auth.reference)
    if auth.method == Method.SMS:
        if challenge is None:
            target, _check = sms_target(patient_digest=auth.patient_digest, phone=auth.phone)
            identity.sms_challenge_start(reference=auth.reference, phone=target, actor=actor)
        else:
            identity.sms_challenge_resend(challenge=challenge, actor=actor)
    else:
        identity.authcode_challenge_issue(reference=auth.reference, actor=actor)
    return auth


# --- Verify ------------------------------------------------------------------------------


def _face():
    try:
        from identity.face import FaceMismatch, compare_faces
    except ImportError:
        raise relay_error(RelayCode.FACE_NOT_AVAILABLE) from None
    return compare_faces, FaceMismatch


def _check_verifiable(auth: Authorization) -> None:
    """A pending request still inside its time; else the fitting refusal."""
    if auth.state == State.LOCKED:
        raise relay_error(RelayCode.AUTHORIZATION_LOCKED)
    if auth.state == State.EXPIRED:
        raise relay_error(RelayCode.AUTHORIZATION_EXPIRED)
    if auth.state != State.PENDING:
        raise conflict(auth, "verify")
    if auth.created_at + pending_ttl() <= timezone.now():
        end_pending(auth.pk, State.EXPIRED, actor="system:pending-ttl")
        raise relay_error(RelayCode.AUTHORIZATION_EXPIRED)


def authorization_verify(
    *,
    authorization: Authorization,
    actor,
    code: str = "",
    id_photo: str = "",
    live_photo: str = "",
) -> tuple[Authorization, SyncOutcome | None]:
    """Check the patient's code (sms/authcode) or face (face); on success the
    authorization is granted for ``AUTHORIZATION_VALID_DAYS`` and sent to the
    province. Call it outside any atomic block: failures are committed before
    the refusal is raised."""
    auth = authorization
    if auth.method == Method.APPOINTMENT:
        raise conflict(auth, "verify")
    _check_verifiable(auth)
    check_patient_may_verify(auth.patient_digest)
    face_details = None
    if auth.method in (Method.SMS, Method.AUTHCODE):
        if not code:
            raise relay_error(RelayCode.CODE_REQUIRED)
        challenge = identity.challenge_for(auth.reference)
        if challenge is None:
            raise conflict(auth, "verify")
        try:
            identity.challenge_verify(challenge=challenge, code=code, actor=actor)
        except (CodeWrong, CodeLocked) as refusal:
            # Counted per patient across every hospital's requests.
            patient_failure_record(patient_digest=auth.patient_digest, hospital_id=auth.hospital_id)
            if isinstance(refusal, CodeLocked):
                end_pending(auth.pk, State.LOCKED, actor=actor)
            raise
    else:
        if not id_photo or not live_photo:
            raise relay_error(RelayCode.PHOTOS_REQUIRED)
        compare_faces, face_mismatch = _face()
        result = compare_faces(id_photo, live_photo)
        face_details = result.audit_details()
        if not result.match:
            patient_failure_record(patient_digest=auth.patient_digest, hospital_id=auth.hospital_id)
            if _face_failed(auth.pk, actor, face_details):
                raise relay_error(RelayCode.AUTHORIZATION_LOCKED)
            raise face_mismatch()
    granted, outcome = _grant(auth.pk, actor, face=face_details)
    if granted.method == Method.FACE:
        kiosk_phone_record(authorization=granted, actor=actor)
    return granted, outcome


def _face_failed(pk: int, actor, details: dict) -> bool:
    """Count one face mismatch; True when it locked the request."""
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().get(pk=pk)
        if auth.state != State.PENDING:
            return auth.state == State.LOCKED
        before = auth.snapshot()
        auth.verify_failures += 1
        if auth.verify_failures < MAX_FAILURES:
            auth.save(update_fields=["verify_failures", "updated_at"])
            log_change(actor, "authorization.face_failed", auth, before, face=details)
            return False
    end_pending(pk, State.LOCKED, actor=actor, face=details)
    return True


def _grant_locked(auth: Authorization, actor, now, *, face: dict | None = None) -> str | None:
    """Grant ``auth`` (locked FOR UPDATE, or not yet saved) and queue the send;
    returns the send's claim token."""
    before = auth.snapshot() if auth.pk else None
    move(auth, State.GRANTED, action="verify")
    auth.granted_at = now
    auth.valid_until = now + timedelta(days=auth.auth_days)
    token = queue_send(auth, "1", now)
    save_changes(auth)
    extra = {"face": face} if face else {}
    log_change(actor, "authorization.granted", auth, before, count="granted", **extra)
    # The patient hears of it, whatever the mode (relay.notices).
    notice_queue(authorization=auth, kind=NoticeKind.GRANT)
    return token


def _grant(pk: int, actor, *, face: dict | None = None) -> tuple[Authorization, SyncOutcome | None]:
    with transaction.atomic():
        auth = (
            Authorization.objects.select_for_update(of=("self",))
            .select_related("hospital")
            .get(pk=pk)
        )
        token = _grant_locked(auth, actor, timezone.now(), face=face)
    return auth, sync_after_commit(auth, token=token, actor=actor)


def _mode1_cap_reached(hospital: Hospital, now) -> bool:
    """Has ``hospital`` relayed its most mode-1 consents today (its own cap,
    else the city's ``MODE1_DAILY_CAP``)?"""
    cap = hospital.mode1_daily_cap
    if cap is None:
        cap = int(getattr(settings, "MODE1_DAILY_CAP", 500))
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = Authorization.objects.filter(
        hospital=hospital, method=Method.APPOINTMENT, created_at__gte=midnight
    )
    return today.count() >= cap


def authorization_grant_appointment(
    *,
    hospital: Hospital,
    id_number: str,
    patient_name: str,
    auth_days: int,
    system_id: int | None = None,
    actor,
) -> tuple[Authorization, SyncOutcome | None]:
    """Mode 1 (online appointment, ``codeAuthRec/save`` with status "1"): the
    HIS vouches for the consent, so the record is created granted, up to the
    hospital's daily cap; past it the city's ``MODE1_OVER_CAP`` refuses (429)
    or holds the consent pending for review (202, ``held_for_review``)."""
    auth = Authorization(
        hospital=hospital,
        system_id=system_id,
        province_target=target_for(hospital),
        method=Method.APPOINTMENT,
        state=State.PENDING,
        patient_idcard=id_number,
        patient_digest=digest(id_number, purpose="id"),
        patient_name=patient_name,
        auth_days=auth_days,
    )
    if _mode1_cap_reached(hospital, timezone.now()):
        if getattr(settings, "MODE1_OVER_CAP", "refuse") != "review":
            raise relay_error(RelayCode.MODE1_DAILY_CAP_REACHED)
        auth.held_for_review = True
        with transaction.atomic():
            auth.save()
            log_change(actor, "authorization.held_for_review", auth, None)
        raise relay_error(RelayCode.MODE1_HELD_FOR_REVIEW)
    with transaction.atomic():
        token = _grant_locked(auth, actor, timezone.now())
    return auth, sync_after_commit(auth, token=token, actor=actor)


def authorization_review_decide(
    *, authorization: Authorization, approve: bool, actor
) -> tuple[Authorization, SyncOutcome | None]:
    """A city administrator's decision on a mode-1 consent held for review:
    approved, it is granted and relayed like any other; refused, it ends."""
    if not (authorization.held_for_review and authorization.state == State.PENDING):
        raise conflict(authorization, "review")
    if not approve:
        return end_pending(authorization.pk, State.REFUSED, actor=actor), None
    with transaction.atomic():
        auth = Authorization.objects.select_for_update(of=("self",)).get(pk=authorization.pk)
        if auth.state != State.PENDING:
            raise conflict(auth, "review")
        auth.held_for_review = False
        token = _grant_locked(auth, actor, timezone.now())
        Authorization.objects.filter(pk=auth.pk).update(held_for_review=False)
    return auth, sync_after_commit(auth, token=token, actor=actor)
