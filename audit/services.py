"""Writes to the audit logs and the usage counters.

Every function here is a plain insert (or an upsert for counters) in the
caller's transaction: the hash chain is added later by the sealer
(``audit.sealing.seal_pending``), so writing a log row
never waits for another writer.

- ``operation_log_record``: a state change made by a person, hospital, patient
  or task; call it inside the service's own ``transaction.atomic()``.
- ``call_log_record``: one call (attempt) to the province.
- ``access_log_write``: the access-log row plus its usage counters, in one
  transaction (used by ``audit.middleware.AccessLogMiddleware``).
- ``operation_log_counted``: an operation-log row that also counts usage (a
  consent change made by any path, in a request or a task), the kinds written
  on the row, in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.masking import mask_mapping, scrub_text
from audit.models import AccessLog, CallLog, OperationLog
from audit.usage import PROVINCE_FAILURE, joint_test_kinds, validate_kinds
from hub.context import current_request_id
from hub.http import is_transient_status


def _clip(value, length: int) -> str:
    return scrub_text(str(value or ""))[:length]


def _describe_actor(actor) -> tuple[str, str, str]:
    """(type, id, display) of whoever acted."""
    if actor is None:
        return "system", "", "system"
    if isinstance(actor, str):
        kind, sep, rest = actor.partition(":")
        if sep and kind:
            return kind[:16], rest, actor
        return "system", actor, actor
    if hasattr(actor, "get_username"):
        return "user", str(actor.pk or ""), actor.get_username()
    if hasattr(actor, "org_code"):
        name = getattr(actor, "org_name", "") or getattr(actor, "name", "") or ""
        return "hospital", str(actor.pk or ""), f"{actor.org_code} {name}".strip()
    meta = getattr(actor, "_meta", None)
    if meta is not None:
        return meta.model_name[:16], str(actor.pk or ""), str(actor)
    return "system", "", str(actor)


def _describe_target(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, str):
        kind, sep, rest = target.partition(":")
        if sep and kind:
            return kind, rest, target
        return "", "", target
    meta = getattr(target, "_meta", None)
    if meta is not None:
        return meta.label_lower, str(target.pk or ""), str(target)
    return type(target).__name__, "", str(target)


def operation_log_record(
    *,
    actor,
    action: str,
    target,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Record a state change; write it inside the change's own transaction.

    ``actor``: a ``User``, a hospital (anything with ``org_code``), or a string
    such as ``"task:expire_authorizations"`` / ``"patient:<digest>"``.
    ``target``: a model instance or a string (``"kind:id"`` is split).
    ``before``/``after`` are masked (ID numbers, phones, secrets, photos).
    """
    actor_type, actor_id, actor_repr = _describe_actor(actor)
    target_type, target_id, target_repr = _describe_target(target)
    _insert(
        OperationLog,
        actor_type=actor_type[:16],
        actor_id=_clip(actor_id, 100),
        actor_repr=_clip(actor_repr, 200),
        action=action[:100],
        target_type=target_type[:100],
        target_id=_clip(target_id, 100),
        target_repr=_clip(target_repr, 200),
        before=mask_mapping(before),
        after=mask_mapping(after),
        request_id=current_request_id() or "",
    )


_INSERT_SQL: dict[tuple, str] = {}
_JSON_COLUMNS = frozenset({"before", "after"})


def _insert(model, **fields) -> None:
    """One log row. On PostgreSQL a plain INSERT written once per column set:
    the ORM's per-row compilation (model instance, field preparation, SQL
    building, ``RETURNING id``) cost more CPU than the statement itself on the
    relay's path (four log rows per relayed grant). Same columns, defaults
    and transaction as ``model.objects.create``; the chain columns stay empty
    until sealed."""
    if connection.vendor != "postgresql":
        model.objects.create(**fields)
        return
    fields.setdefault("created_at", timezone.now())
    names = tuple(fields)
    sql = _INSERT_SQL.get((model, names))
    if sql is None:
        columns = ", ".join(connection.ops.quote_name(n) for n in names)
        # Identifiers only (this module's own keyword names, quoted); values are %s.
        sql = (
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
            f"({columns}, seq, prev_hash, row_hash) "
            f"VALUES ({', '.join(['%s'] * len(names))}, NULL, '', '')"
        )
        _INSERT_SQL[(model, names)] = sql
    params = [
        connection.ops.adapt_json_value(v, None) if n in _JSON_COLUMNS and v is not None else v
        for n, v in fields.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def call_outcome(http_status: int | None, return_code: str | None) -> str:
    """Sort a province answer: transient (retry) / refused (permanent) / ok."""
    if is_transient_status(http_status):
        return CallLog.Outcome.TRANSIENT
    if 200 <= http_status < 300 and (return_code or "").strip() == "1":
        return CallLog.Outcome.OK
    return CallLog.Outcome.REFUSED


def call_log_record(
    *,
    interface: str,
    http_status: int | None,
    return_code: str | None,
    return_desc: str,
    latency_ms: float,
    attempt: int,
    authorization_id: int | None = None,
    hospital=None,
    request_id: str = "",
    transient: bool | None = None,
    test: bool = False,
) -> None:
    """Record one call (one attempt) to the province.

    ``http_status`` None means no answer (network error or timeout).
    ``transient`` overrides the classification when the caller knows better
    (e.g. an unreadable 200 answer it will retry). A failed attempt made for a
    hospital also counts one ``province.failure`` for that hospital and day,
    in the same transaction as the row, so the count and the call log agree;
    ``test``: a call to the joint-test target, counted ``test.province.failure``.
    """
    outcome = call_outcome(http_status, return_code)
    if transient is True:
        outcome = CallLog.Outcome.TRANSIENT
    elif transient is False and outcome == CallLog.Outcome.TRANSIENT:
        outcome = CallLog.Outcome.REFUSED
    # savepoint=False: part of the caller's transaction, or its own one.
    with transaction.atomic(savepoint=False):
        _insert(
            CallLog,
            interface=interface[:100],
            http_status=http_status,
            return_code=(return_code or "")[:16],
            return_desc=_clip(return_desc, 255),
            latency_ms=float(latency_ms),
            attempt=attempt,
            outcome=outcome,
            authorization_id=authorization_id,
            hospital_id=getattr(hospital, "pk", None),
            org_code=(getattr(hospital, "org_code", "") or "")[:32],
            request_id=(request_id or current_request_id() or "")[:64],
        )
        if outcome != CallLog.Outcome.OK and getattr(hospital, "pk", None) is not None:
            usage_increment(
                hospital_id=hospital.pk,
                org_code=hospital.org_code or "",
                day=timezone.localdate(),
                kinds=[PROVINCE_FAILURE],
                test=test,
            )


_UPSERT_SQL = (
    "INSERT INTO audit_usagecounter (hospital_id, system_id, org_code, day, kind, count) "
    "VALUES {values} "
    "ON CONFLICT (hospital_id, system_id, day, kind) "
    "DO UPDATE SET count = audit_usagecounter.count + EXCLUDED.count"
)


def usage_increment(
    *,
    hospital_id: int,
    org_code: str,
    day: date,
    kinds,
    by: int = 1,
    system_id: int | None = None,
    test: bool = False,
) -> None:
    """Add ``by`` to each kind's counter (one statement; kinds in sorted order
    so concurrent requests lock counter rows in the same order); ``system_id``:
    the hospital system counted for, None = not one system's; ``test``: joint
    test traffic, counted as ``test.<kind>`` (``audit.usage``)."""
    kinds = validate_kinds(joint_test_kinds(kinds, test))
    if not kinds:
        return
    day_value = connection.ops.adapt_datefield_value(day)
    params: list = []
    for kind in kinds:
        params += [hospital_id, system_id or 0, org_code[:32], day_value, kind, by]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(kinds))
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL.format(values=values), params)


_COUNTER_CTE = (
    "WITH counted AS (INSERT INTO audit_usagecounter "
    "(hospital_id, system_id, org_code, day, kind, count) "
    "VALUES {values} ON CONFLICT (hospital_id, system_id, day, kind) "
    "DO UPDATE SET count = audit_usagecounter.count + EXCLUDED.count) "
)
_ACCESS_COLUMNS = (
    "created_at, request_id, seq, prev_hash, row_hash, hospital_id, org_code, system_id, "
    "endpoint, method, "
    "http_status, error_code, latency_ms, staff_no, patient_digest, authorization_id, "
    "client_ip, usage"
)


def _access_row_postgresql(values: list, counters: list, asynchronous: bool) -> None:
    """The access row and its counters in ONE statement (one round trip, and
    atomic on its own: a data-modifying CTE commits with the main INSERT).

    ``asynchronous``: this statement's COMMIT does not wait for the WAL flush
    (``set_config('synchronous_commit', 'off', true)``, local to it). That
    saves the ~1-2 ms fsync per request; the row and its counters still commit
    together or not at all, and a *database server* crash may lose the last few
    hundred milliseconds of access rows (3 x wal_writer_delay), never corrupt
    them. The request's own business transaction committed before, unaffected.
    ``AUDIT_SYNCHRONOUS_COMMIT = True`` turns it off.
    """
    sql, params = [], []
    if counters:
        rows = ", ".join(["(%s, %s, %s, %s, %s, 1)"] * len(counters))
        sql.append(_COUNTER_CTE.format(values=rows))
        for row in counters:
            params += row
    sql.append(f"INSERT INTO audit_accesslog ({_ACCESS_COLUMNS}) SELECT ")
    sql.append(", ".join(["%s"] * len(values)))
    params += values
    if asynchronous:
        sql.append(" FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async")
    with connection.cursor() as cursor:
        cursor.execute("".join(sql), params)


def access_log_write(
    *,
    created_at: datetime,
    hospital=None,
    system_id: int | None = None,
    endpoint: str,
    method: str,
    http_status: int,
    error_code: str = "",
    latency_ms: float,
    staff_no: str = "",
    patient_digest: str = "",
    authorization_id: int | None = None,
    client_ip: str = "",
    request_id: str = "",
    usage=(),
    test: bool = False,
) -> None:
    """One access-log row and its usage counters, atomically.

    Usage is counted only for a known hospital; the kinds counted are stored
    on the row, so ``UsageCounter`` can always be checked against the log.
    ``test``: the hospital is in the joint test, its kinds stored and counted
    as ``test.<kind>`` (``audit.usage``).
    """
    hospital_id = getattr(hospital, "pk", None)
    org_code = (getattr(hospital, "org_code", "") or "")[:32]
    kinds = validate_kinds(joint_test_kinds(usage, test)) if hospital_id is not None else []
    fields = {
        "created_at": created_at,
        "request_id": (request_id or "")[:64],
        "seq": None,
        "prev_hash": "",
        "row_hash": "",
        "hospital_id": hospital_id,
        "org_code": org_code,
        "system_id": system_id,
        "endpoint": endpoint[:200],
        "method": method[:8],
        "http_status": http_status,
        "error_code": (error_code or "")[:64],
        "latency_ms": round(float(latency_ms), 3),
        "staff_no": _clip(staff_no, 64),
        "patient_digest": (patient_digest or "")[:64],
        "authorization_id": authorization_id,
        "client_ip": (client_ip or "")[:45],
        "usage": ",".join(kinds),
    }
    day = timezone.localdate(created_at)
    if connection.vendor == "postgresql":
        asynchronous = not connection.in_atomic_block and not getattr(
            settings, "AUDIT_SYNCHRONOUS_COMMIT", False
        )
        counters = [[hospital_id, system_id or 0, org_code, day, kind] for kind in kinds]
        _access_row_postgresql(list(fields.values()), counters, asynchronous)
        return
    with transaction.atomic():
        AccessLog.objects.create(**fields)
        if kinds:
            usage_increment(
                hospital_id=hospital_id,
                org_code=org_code,
                day=day,
                kinds=kinds,
                system_id=system_id,
            )


def operation_log_counted(
    *,
    actor,
    action: str,
    target,
    hospital,
    usage,
    system_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """``operation_log_record`` plus usage counted for ``hospital``, atomically.

    For state changes counted wherever they happen (a request, a Celery task,
    the admin): the kinds, the hospital, the system and the counter's day are
    written on the row as ``after["usage"]``, so ``usage_recount`` re-derives
    the counters from the log. Call it inside the change's own transaction.
    A consent on the joint-test target (``target.province_target == "test"``)
    counts ``test.<kind>`` (``audit.usage``).
    """
    test = getattr(target, "province_target", "") == "test"
    kinds = validate_kinds(joint_test_kinds(usage, test))
    day = timezone.localdate()
    after = dict(after or {})
    if kinds:
        after["usage"] = {
            "hospital": hospital.pk,
            "system": system_id or 0,
            "day": day.isoformat(),
            "kinds": kinds,
        }
    with transaction.atomic(savepoint=False):
        operation_log_record(actor=actor, action=action, target=target, before=before, after=after)
        if kinds:
            usage_increment(
                hospital_id=hospital.pk,
                org_code=hospital.org_code or "",
                day=day,
                kinds=kinds,
                system_id=system_id,
            )
