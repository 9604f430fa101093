"""Ending authorizations: revoke (relayed with status "0"), the patient's
refusal, expiry. Re-exported by ``relay.services``.

Each ending is counted for the hospital with its operation-log row
(``auth.<method>.revoked`` / ``refused`` / ``expired``, ``audit.usage``), and
a revocation or refusal is announced inside its transaction
(``relay.signals.consent_ended``: the complaints app queues the hospital's
callback).

The province keeps one authorization per (hospital, patient): revoking one of
a hospital's authorizations for a patient revokes all of that hospital's live
ones for that patient, here as there. A revocation refuses views the moment
it commits, before the province confirms.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from hospitals.models import Hospital
from hub.protect import digest
from relay.changes import log_change
from relay.models import Authorization, State
from relay.records import (
    conflict,
    end_pending,
    move,
    pending_ttl,
    queue_send,
    save_changes,
)
from relay.signals import consent_ended_send
from relay.sync import SyncOutcome
from relay.tasks import sync_after_commit

# --- Revoke -------------------------------------------------------------------------------


def _revoke_locked(auth: Authorization, actor, now) -> tuple[bool, str | None]:
    """Revoke one row (already locked FOR UPDATE). Returns (the province must
    hear of it, the send's claim token)."""
    before = auth.snapshot()
    was_granted = auth.state == State.GRANTED
    move(auth, State.REVOKED, action="revoke")
    auth.ended_at = now
    token = queue_send(auth, "0", now) if was_granted else None
    save_changes(auth)
    if was_granted:
        # Counted once per consent revoked, whoever revoked it.
        log_change(actor, "authorization.revoked", auth, before, count="revoked")
        consent_ended_send(authorization=auth, state=State.REVOKED, actor=actor, ended_at=now)
    else:
        log_change(actor, "authorization.cancelled", auth, before)
    return was_granted, token


def _locked_rows():
    return Authorization.objects.select_for_update(of=("self",)).select_related("hospital")


def _send_all(rows: list[tuple[Authorization, str | None]], actor) -> list:
    return [(auth, sync_after_commit(auth, token=token, actor=actor)) for auth, token in rows]


def authorization_revoke(
    *, authorization: Authorization, actor
) -> tuple[Authorization, SyncOutcome | None]:
    """Revoke a granted authorization (or cancel a pending one). The hospital's
    other live authorizations for the same patient are revoked with it."""
    now = timezone.now()
    to_send: list[tuple[Authorization, str | None]] = []
    with transaction.atomic():
        auth = _locked_rows().get(pk=authorization.pk)
        send, token = _revoke_locked(auth, actor, now)
        if send:
            to_send.append((auth, token))
            siblings = (
                _locked_rows()
                .filter(
                    hospital_id=auth.hospital_id,
                    patient_digest=auth.patient_digest,
                    state=State.GRANTED,
                )
                .exclude(pk=auth.pk)
                .order_by("pk")
            )
            for sibling in siblings:
                to_send.append((sibling, _revoke_locked(sibling, actor, now)[1]))
    results = _send_all(to_send, actor)
    return auth, (results[0][1] if results else None)


def authorization_revoke_patient(
    *, hospital: Hospital, id_number: str, actor
) -> list[tuple[Authorization, SyncOutcome | None]]:
    """``codeAuthRec/save`` with status "0": revoke every live authorization of
    ``hospital`` for this patient. Returns what was revoked (maybe nothing)."""
    now = timezone.now()
    to_send: list[tuple[Authorization, str | None]] = []
    with transaction.atomic():
        rows = (
            _locked_rows()
            .filter(
                hospital=hospital,
                patient_digest=digest(id_number, purpose="id"),
                state=State.GRANTED,
            )
            .order_by("-granted_at", "-pk")
        )
        for auth in rows:
            to_send.append((auth, _revoke_locked(auth, actor, now)[1]))
    return _send_all(to_send, actor)


def authorization_refuse(*, authorization: Authorization, actor) -> Authorization:
    """The patient declines a pending request (the patient pages): counted
    ``auth.<method>.refused``; the hospital is told (``relay.signals``)."""
    with transaction.atomic():
        auth = end_pending(authorization.pk, State.REFUSED, actor=actor, count="refused")
        if auth is None:
            raise conflict(authorization, "refuse")
        consent_ended_send(
            authorization=auth, state=State.REFUSED, actor=actor, ended_at=auth.ended_at
        )
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
                        state=State.PENDING, created_at__lte=now - pending_ttl()
                    )[: batch - len(rows)]
                )
            for auth in rows:
                before = auth.snapshot()
                # A consent that ends is counted; a request never verified is not.
                count = "expired" if auth.state == State.GRANTED else ""
                move(auth, State.EXPIRED, action="expire")
                auth.ended_at = now
                auth.save(update_fields=["state", "ended_at", "updated_at"])
                log_change(actor, "authorization.expired", auth, before, count=count)
        done += len(rows)
        if len(rows) < batch:
            return done
