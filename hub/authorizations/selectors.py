"""Reads on authorizations: a hospital's own rows, its list, and the one
lookup the view relay makes per request."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.authorizations.errors import RelayCode, relay_error
from hub.authorizations.models import Authorization, State, SyncState

#: How many of a patient's most recent records the view decision looks at.
VIEW_LOOKUP_ROWS = 10


def authorization_get(*, hospital, pk) -> Authorization:
    """The caller's own authorization ``pk``; another hospital's is a 404 too."""
    text = str(pk)
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise relay_error(RelayCode.AUTHORIZATION_NOT_FOUND)
    auth = Authorization.objects.filter(pk=int(text), hospital=hospital).first()
    if auth is None:
        raise relay_error(RelayCode.AUTHORIZATION_NOT_FOUND)
    return auth


def authorization_list(
    *,
    hospital,
    state: str | None = None,
    method: str | None = None,
    sync_state: str | None = None,
    staff_no: str | None = None,
    patient_digest: str | None = None,
) -> QuerySet[Authorization]:
    qs = Authorization.objects.filter(hospital=hospital)
    if state:
        qs = qs.filter(state=state)
    if method:
        qs = qs.filter(method=method)
    if sync_state:
        qs = qs.filter(sync_state=sync_state)
    if staff_no:
        qs = qs.filter(staff_no=staff_no)
    if patient_digest:
        qs = qs.filter(patient_digest=patient_digest)
    return qs.order_by("-created_at", "-id")


def consent_for_view(*, hospital_id: int, patient_digest: str) -> Authorization:
    """The live, synced authorization that lets ``hospital_id`` view this
    patient, or the specific refusal.

    One indexed query on (hospital, patient digest, granted time). Expiry is
    checked here on ``valid_until`` itself, whatever the expiry task did.
    """
    now = timezone.now()
    rows = list(
        Authorization.objects.filter(hospital_id=hospital_id, patient_digest=patient_digest)
        .exclude(granted_at=None)
        .only("id", "state", "valid_until", "sync_state", "sync_reason", "granted_at")
        .order_by("-granted_at", "-id")[:VIEW_LOOKUP_ROWS]
    )
    live = [r for r in rows if r.state == State.GRANTED and r.valid_until > now]
    for row in live:
        if row.sync_state == SyncState.SYNCED:
            return row
    if live:
        row = live[0]
        if row.sync_state == SyncState.FAILED:
            raise relay_error(
                RelayCode.CONSENT_NOT_SYNCED,
                _("The province refused this authorization: %(reason)s")
                % {"reason": row.sync_reason or "-"},
            )
        raise relay_error(RelayCode.CONSENT_NOT_SYNCED)
    if not rows:
        raise relay_error(RelayCode.NO_CONSENT)
    latest = rows[0]
    if latest.state == State.REVOKED:
        raise relay_error(RelayCode.CONSENT_REVOKED)
    raise relay_error(RelayCode.CONSENT_EXPIRED)
