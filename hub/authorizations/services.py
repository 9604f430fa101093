"""Writes on authorizations. Keyword-only, typed, ``actor=`` on every change,
the operation-log row in the change's own transaction.

Province sync: a grant or a revocation is committed first; then
``sync_after_commit`` sends it (inline for hospital requests, so the answer
can say whether the province has it; the retrying task takes over on a
transient failure). A revocation refuses views the moment it commits, before
the province confirms.

The province keeps one authorization per (hospital, patient): revoking one of
a hospital's authorizations for a patient revokes all of that hospital's live
ones for that patient, here as there.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import operation_log_record
from hospitals.models import Hospital
from hub.authorizations.errors import RelayCode, relay_error
from hub.authorizations.models import (
    Authorization,
    Method,
    State,
    SyncState,
    transition_allowed,
)
from hub.authorizations.sync import SyncOutcome, sync_after_commit
from hub.protect import digest
from identity import services as identity
from identity.errors import CodeLocked

logger = logging.getLogger("hub.authorizations")

MAX_FAILURES = 5


def _valid_days() -> int:
    return int(getattr(settings, "AUTHORIZATION_VALID_DAYS", 30))


def _pending_ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "AUTHORIZATION_PENDING_TTL_HOURS", 24)))


def _inline_grace() -> timedelta:
    # The sweeper leaves a fresh grant or revocation alone this long: the
    # request thread is sending it.
    return timedelta(seconds=30)


def _conflict(auth: Authorization, action: str):
    return relay_error(
        RelayCode.AUTHORIZATION_STATE_CONFLICT,
        f"{action}: authorization {auth.pk} is {auth.state}",
    )


def _move(auth: Authorization, target: str, *, action: str) -> None:
    """Apply a transition in memory after checking the one table of legal moves."""
    if not transition_allowed(auth.state, target):
        raise _conflict(auth, action)
    auth.state = target


#: Columns a grant or a revocation changes (existing rows save only these).
_CHANGE_FIELDS = [
    "state",
    "granted_at",
    "valid_until",
    "ended_at",
    "sync_state",
    "sync_status",
    "sync_version",
    "sync_attempts",
    "sync_reason",
    "sync_next_at",
    "updated_at",
]


def _save(auth: Authorization) -> None:
    if auth.pk is None:
        auth.save()
    else:
        auth.save(update_fields=_CHANGE_FIELDS)


def _queue_send(auth: Authorization, status: str, now) -> None:
    """Mark ``status`` as the next thing the province must hear about."""
    auth.sync_state = SyncState.PENDING
    auth.sync_status = status
    auth.sync_version += 1
    auth.sync_attempts = 0
    auth.sync_reason = ""
    auth.sync_next_at = now + _inline_grace()


def _log(actor, action: str, auth: Authorization, before: dict | None, **extra) -> None:
    after = auth.snapshot()
    after.update(extra)
    operation_log_record(actor=actor, action=action, target=auth, before=before, after=after)


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
    actor,
) -> Authorization:
    """A pending on-site authorization, with its challenge started (SMS sent or
    authorization code issued). If the challenge cannot start (caps, cooldown,
    SMS failure) nothing is kept and the identity app's error propagates."""
    if method not in (Method.SMS, Method.AUTHCODE, Method.FACE):
        raise relay_error(RelayCode.METHOD_UNKNOWN)
    if method == Method.FACE:
        _face()  # refuse at once when face checks are not installed
    with transaction.atomic():
        auth = Authorization.objects.create(
            hospital=hospital,
            method=method,
            state=State.PENDING,
            patient_idcard=id_number,
            patient_digest=digest(id_number, purpose="id"),
            card_type=card_type,
            patient_name=patient_name,
            patient_ref=patient_ref,
            phone=phone if method == Method.SMS else None,
            phone_digest=digest(phone, purpose="phone") if method == Method.SMS else "",
            staff_no=staff_no,
            staff_name=staff_name,
            auth_days=_valid_days(),
        )
        _log(actor, "authorization.started", auth, None)
        if method == Method.SMS:
            identity.sms_challenge_start(reference=auth.reference, phone=phone, actor=actor)
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
            identity.sms_challenge_start(reference=auth.reference, phone=auth.phone, actor=actor)
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
        raise _conflict(auth, "verify")
    if auth.created_at + _pending_ttl() <= timezone.now():
        _end_pending(auth.pk, State.EXPIRED, actor="system:pending-ttl")
        raise relay_error(RelayCode.AUTHORIZATION_EXPIRED)


def _end_pending(pk: int, target: str, *, actor, **extra) -> Authorization | None:
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().get(pk=pk)
        if auth.state != State.PENDING:
            return None
        before = auth.snapshot()
        _move(auth, target, action=target)
        auth.ended_at = timezone.now()
        auth.save(update_fields=["state", "ended_at", "verify_failures", "updated_at"])
        _log(actor, f"authorization.{target}", auth, before, **extra)
    return auth


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
        raise _conflict(auth, "verify")
    _check_verifiable(auth)
    face_details = None
    if auth.method in (Method.SMS, Method.AUTHCODE):
        if not code:
            raise relay_error(RelayCode.CODE_REQUIRED)
        challenge = identity.challenge_for(auth.reference)
        if challenge is None:
            raise _conflict(auth, "verify")
        try:
            identity.challenge_verify(challenge=challenge, code=code, actor=actor)
        except CodeLocked:
            _end_pending(auth.pk, State.LOCKED, actor=actor)
            raise
    else:
        if not id_photo or not live_photo:
            raise relay_error(RelayCode.PHOTOS_REQUIRED)
        compare_faces, face_mismatch = _face()
        result = compare_faces(id_photo, live_photo)
        face_details = result.audit_details()
        if not result.match:
            if _face_failed(auth.pk, actor, face_details):
                raise relay_error(RelayCode.AUTHORIZATION_LOCKED)
            raise face_mismatch()
    return _grant(auth.pk, actor, face=face_details)


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
            _log(actor, "authorization.face_failed", auth, before, face=details)
            return False
    _end_pending(pk, State.LOCKED, actor=actor, face=details)
    return True


def _grant_locked(auth: Authorization, actor, now, *, face: dict | None = None) -> None:
    """Grant ``auth`` (locked FOR UPDATE, or not yet saved) and queue the send."""
    before = auth.snapshot() if auth.pk else None
    _move(auth, State.GRANTED, action="verify")
    auth.granted_at = now
    auth.valid_until = now + timedelta(days=auth.auth_days)
    _queue_send(auth, "1", now)
    _save(auth)
    extra = {"face": face} if face else {}
    _log(actor, "authorization.granted", auth, before, **extra)


def _grant(pk: int, actor, *, face: dict | None = None) -> tuple[Authorization, SyncOutcome | None]:
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().get(pk=pk)
        _grant_locked(auth, actor, timezone.now(), face=face)
    outcome = sync_after_commit(auth.pk, inline=True, actor=actor)
    auth.refresh_from_db()
    return auth, outcome


def authorization_grant_appointment(
    *,
    hospital: Hospital,
    id_number: str,
    patient_name: str,
    auth_days: int,
    actor,
) -> tuple[Authorization, SyncOutcome | None]:
    """Mode 1 (online appointment, ``codeAuthRec/save`` with status "1"): the
    HIS vouches for the consent, so the record is created granted."""
    auth = Authorization(
        hospital=hospital,
        method=Method.APPOINTMENT,
        state=State.PENDING,
        patient_idcard=id_number,
        patient_digest=digest(id_number, purpose="id"),
        patient_name=patient_name,
        auth_days=auth_days,
    )
    with transaction.atomic():
        _grant_locked(auth, actor, timezone.now())
    outcome = sync_after_commit(auth.pk, inline=True, actor=actor)
    auth.refresh_from_db()
    return auth, outcome


# --- Revoke -------------------------------------------------------------------------------


def _revoke_locked(auth: Authorization, actor, now) -> bool:
    """Revoke one row (already locked FOR UPDATE); True when the province must hear of it."""
    before = auth.snapshot()
    was_granted = auth.state == State.GRANTED
    _move(auth, State.REVOKED, action="revoke")
    auth.ended_at = now
    if was_granted:
        _queue_send(auth, "0", now)
    _save(auth)
    _log(actor, "authorization.revoked" if was_granted else "authorization.cancelled", auth, before)
    return was_granted


def authorization_revoke(
    *, authorization: Authorization, actor
) -> tuple[Authorization, SyncOutcome | None]:
    """Revoke a granted authorization (or cancel a pending one). The hospital's
    other live authorizations for the same patient are revoked with it."""
    now = timezone.now()
    to_send: list[int] = []
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().get(pk=authorization.pk)
        if _revoke_locked(auth, actor, now):
            to_send.append(auth.pk)
            siblings = (
                Authorization.objects.select_for_update()
                .filter(
                    hospital_id=auth.hospital_id,
                    patient_digest=auth.patient_digest,
                    state=State.GRANTED,
                )
                .exclude(pk=auth.pk)
                .order_by("pk")
            )
            for sibling in siblings:
                _revoke_locked(sibling, actor, now)
                to_send.append(sibling.pk)
    outcome = None
    for pk in to_send:
        result = sync_after_commit(pk, inline=True, actor=actor)
        outcome = result if pk == auth.pk else outcome
    auth.refresh_from_db()
    return auth, outcome


def authorization_revoke_patient(
    *, hospital: Hospital, id_number: str, actor
) -> list[tuple[Authorization, SyncOutcome | None]]:
    """``codeAuthRec/save`` with status "0": revoke every live authorization of
    ``hospital`` for this patient. Returns what was revoked (maybe nothing)."""
    now = timezone.now()
    revoked: list[Authorization] = []
    with transaction.atomic():
        rows = (
            Authorization.objects.select_for_update()
            .filter(
                hospital=hospital,
                patient_digest=digest(id_number, purpose="id"),
                state=State.GRANTED,
            )
            .order_by("-granted_at", "-pk")
        )
        for auth in rows:
            _revoke_locked(auth, actor, now)
            revoked.append(auth)
    results = []
    for auth in revoked:
        outcome = sync_after_commit(auth.pk, inline=True, actor=actor)
        auth.refresh_from_db()
        results.append((auth, outcome))
    return results


def authorization_refuse(*, authorization: Authorization, actor) -> Authorization:
    """The patient declines a pending request (the patient pages)."""
    auth = _end_pending(authorization.pk, State.REFUSED, actor=actor)
    if auth is None:
        raise _conflict(authorization, "refuse")
    return auth


# --- Expiry -------------------------------------------------------------------------------


def authorization_expire_due(*, actor, now=None, batch: int = 500) -> int:
    """Mark expired: grants past ``valid_until`` and requests pending past the
    pending time-to-live. Returns how many. Views check ``valid_until`` on
    every use as well, so a late run never extends a consent."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                Authorization.objects.select_for_update(skip_locked=True).filter(
                    state=State.GRANTED, valid_until__lte=now
                )[:batch]
            )
            if len(rows) < batch:
                rows += list(
                    Authorization.objects.select_for_update(skip_locked=True).filter(
                        state=State.PENDING, created_at__lte=now - _pending_ttl()
                    )[: batch - len(rows)]
                )
            for auth in rows:
                before = auth.snapshot()
                _move(auth, State.EXPIRED, action="expire")
                auth.ended_at = now
                auth.save(update_fields=["state", "ended_at", "updated_at"])
                _log(actor, "authorization.expired", auth, before)
        done += len(rows)
        if len(rows) < batch:
            return done
