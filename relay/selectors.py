"""Reads on authorizations: a hospital's own rows, its list, and the one
lookup the view relay makes per request."""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from relay.errors import RelayCode, relay_error
from relay.models import Authorization, State, SyncState, Target

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
    changed_since=None,
) -> QuerySet[Authorization]:
    """The hospital's authorizations, newest first; with ``changed_since``
    those created or changed since then, oldest change first (a pull feed)."""
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
    if changed_since is not None:
        return qs.filter(updated_at__gt=changed_since).order_by("updated_at", "id")
    return qs.order_by("-created_at", "-id")


#: What the view decision reads of each row.
_CONSENT_FIELDS = (
    "id",
    "state",
    "valid_until",
    "sync_state",
    "sync_reason",
    "granted_at",
    "province_target",
)


def _consent_queryset(hospital_id: int, patient_digest: str, target: str):
    return (
        Authorization.objects.filter(
            hospital_id=hospital_id, patient_digest=patient_digest, province_target=target
        )
        .exclude(granted_at=None)
        .only(*_CONSENT_FIELDS)
        .order_by("-granted_at", "-id")[:VIEW_LOOKUP_ROWS]
    )


@cache
def _consent_statement(alias: str, vendor: str):
    """The view decision's one query, compiled by the ORM once per database
    rather than on every view (index ``hub_auth_patient``). Returns (sql,
    attnames in select order, converters)."""
    compiler = _consent_queryset(-1, "\x00digest", "\x00target").query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if list(params) != [-1, "\x00digest", "\x00target"]:  # the ORM changed its parameter order
        raise RuntimeError("unexpected parameters in the consent lookup")
    columns = [col for col, _sql, _alias in compiler.select]
    converters = compiler.get_converters(columns)
    return sql, [col.target.attname for col in columns], converters


def _consent_rows(hospital_id: int, patient_digest: str, target: str) -> list[Authorization]:
    sql, names, converters = _consent_statement(connection.alias, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [hospital_id, patient_digest, target])
        fetched = cursor.fetchall()
    rows = []
    for values in fetched:
        values = list(values)
        # The backend's own conversions (SQLite: text -> aware datetime).
        for pos, (funcs, expression) in converters.items():
            for func in funcs:
                values[pos] = func(values[pos], expression, connection)
        rows.append(Authorization.from_db(connection.alias, names, values))
    return rows


def consent_for_view(
    *, hospital_id: int, patient_digest: str, target: str = Target.LIVE
) -> Authorization:
    """The live, synced authorization that lets ``hospital_id`` view this
    patient, or the specific refusal.

    One indexed query on (hospital, patient digest, granted time). Expiry is
    checked here on ``valid_until`` itself, whatever the expiry task did.
    Only consents on ``target`` (the hospital's current province target,
    ``relay.targets.target_for``) count: a joint-test consent never serves
    once the hospital is live, nor a live one during a joint test.
    """
    now = timezone.now()
    rows = _consent_rows(hospital_id, patient_digest, str(target))
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
