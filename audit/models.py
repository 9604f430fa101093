"""The three audit logs, their hash chain bookkeeping, usage counters and reports.

The log tables (access, call, operation) are written plain on the request
path: ``seq``, ``prev_hash`` and ``row_hash`` stay empty until the sealer
(``audit.sealing.seal_pending``) chains them. On PostgreSQL each log table is
range-partitioned by month on ``created_at`` (see migration 0001 and
``audit.partitions``), so the primary key there is ``(id, created_at)``;
Django only ever looks rows up by ``id``, which stays unique because it comes
from one sequence. A log's ``hospital`` is a foreign key *without* a database
constraint (``db_constraint=False``): a log must outlive the row it mentions,
and constraints on a partitioned table would make every purge heavier; the
``org_code`` copy keeps the row readable on its own.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChainedLog(models.Model):
    """Common columns of a hash-chained, month-partitioned log table."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, default="")
    # Chain columns: empty until sealed (never set on the request path).
    seq = models.BigIntegerField(_("chain sequence"), null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    row_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    #: Columns hashed into the chain, in order (``id``, ``created_at`` and
    #: ``seq`` are always first; see ``audit.chain.canonical``).
    CHAIN_FIELDS: tuple[str, ...] = ()
    #: Short name used by ``manage.py audit verify --log`` and checkpoints.
    LOG_NAME = ""

    class Meta:
        abstract = True

    @property
    def sealed(self) -> bool:
        return self.seq is not None


def _log_indexes(prefix: str) -> list[models.Index]:
    return [
        models.Index(fields=["created_at"], name=f"{prefix}_created"),
        models.Index(fields=["seq"], name=f"{prefix}_seq"),
        # The sealer's work list: only the few unsealed rows are in it.
        models.Index(fields=["id"], name=f"{prefix}_unsealed", condition=Q(seq__isnull=True)),
    ]


class AccessLog(ChainedLog):
    """One row per hospital API request, province-compatible call or patient page."""

    LOG_NAME = "access"
    CHAIN_FIELDS = (
        "hospital_id",
        "org_code",
        "endpoint",
        "method",
        "http_status",
        "error_code",
        "latency_ms",
        "staff_no",
        "patient_digest",
        "authorization_id",
        "client_ip",
        "request_id",
        "usage",
    )

    hospital = models.ForeignKey(
        "hospitals.Hospital",
        verbose_name=_("hospital"),
        null=True,
        blank=True,
        # A log outlives the hospital row; no constraint on the partitioned table.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    org_code = models.CharField(_("organisation code"), max_length=32, blank=True, default="")
    # The hospital system whose credential signed the call (hospitals.IntegratedSystem).
    system_id = models.BigIntegerField(_("system"), null=True, blank=True)
    endpoint = models.CharField(_("endpoint"), max_length=200)
    method = models.CharField(_("method"), max_length=8)
    http_status = models.SmallIntegerField(_("HTTP status"))
    error_code = models.CharField(_("error code"), max_length=64, blank=True, default="")
    latency_ms = models.FloatField(_("latency (ms)"))
    staff_no = models.CharField(_("staff number"), max_length=64, blank=True, default="")
    patient_digest = models.CharField(_("patient digest"), max_length=64, blank=True, default="")
    authorization_id = models.BigIntegerField(_("authorization id"), null=True, blank=True)
    client_ip = models.CharField(_("client IP"), max_length=45, blank=True, default="")
    # Comma-joined usage kinds counted for this request (see audit.usage), so a
    # usage counter can always be recomputed from the log.
    usage = models.CharField(_("usage counted"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            *_log_indexes("audit_acc"),
            models.Index(fields=["hospital", "created_at"], name="audit_acc_hosp"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.http_status}"


class CallLog(ChainedLog):
    """One row per call (attempt) to the province."""

    LOG_NAME = "call"
    CHAIN_FIELDS = (
        "interface",
        "http_status",
        "return_code",
        "return_desc",
        "latency_ms",
        "attempt",
        "outcome",
        "authorization_id",
        "hospital_id",
        "org_code",
        "request_id",
    )

    class Outcome(models.TextChoices):
        OK = "ok", _("succeeded")
        REFUSED = "refused", _("refused by the province (permanent)")
        TRANSIENT = "transient", _("failed transiently (network, timeout, 5xx)")

    interface = models.CharField(_("interface"), max_length=100)
    http_status = models.SmallIntegerField(_("HTTP status"), null=True, blank=True)
    return_code = models.CharField(_("returnCode"), max_length=16, blank=True, default="")
    return_desc = models.CharField(_("returnDesc"), max_length=255, blank=True, default="")
    latency_ms = models.FloatField(_("latency (ms)"))
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    authorization_id = models.BigIntegerField(_("authorization id"), null=True, blank=True)
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        verbose_name=_("hospital"),
        null=True,
        blank=True,
        # A log outlives the hospital row; no constraint on the partitioned table.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    org_code = models.CharField(_("organisation code"), max_length=32, blank=True, default="")

    class Meta:
        verbose_name = _("province call log entry")
        verbose_name_plural = _("province call log")
        indexes = _log_indexes("audit_call")

    def __str__(self) -> str:
        return f"{self.interface} #{self.attempt} {self.outcome}"


class OperationLog(ChainedLog):
    """One row per state change made by a person, a hospital, a patient or a task."""

    LOG_NAME = "operation"
    CHAIN_FIELDS = (
        "actor_type",
        "actor_id",
        "actor_repr",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "before",
        "after",
        "request_id",
    )

    actor_type = models.CharField(_("actor type"), max_length=16)
    actor_id = models.CharField(_("actor id"), max_length=100, blank=True, default="")
    actor_repr = models.CharField(_("actor"), max_length=200, blank=True, default="")
    action = models.CharField(_("action"), max_length=100)
    target_type = models.CharField(_("object type"), max_length=100, blank=True, default="")
    target_id = models.CharField(_("object id"), max_length=100, blank=True, default="")
    target_repr = models.CharField(_("object"), max_length=200, blank=True, default="")
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("operation log entry")
        verbose_name_plural = _("operation log")
        indexes = [
            *_log_indexes("audit_op"),
            models.Index(fields=["target_type", "target_id"], name="audit_op_target"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_repr} {self.action} {self.target_repr}"


LOG_MODELS: dict[str, type[ChainedLog]] = {
    "access": AccessLog,
    "call": CallLog,
    "operation": OperationLog,
}


class ChainHead(models.Model):
    """The sealed head of one log's chain; its row is the sealers' lock."""

    log = models.CharField(max_length=16, primary_key=True)
    seq = models.BigIntegerField(default=0)
    row_hash = models.CharField(max_length=64, default="0" * 64)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chain head")

    def __str__(self) -> str:
        return f"{self.log} @ {self.seq}"


class ChainCheckpoint(models.Model):
    """A trusted link in a chain, kept apart from the log rows.

    ``daily``: the head at the end of a day (Asia/Shanghai), updated by every
    seal that day. ``purge``: the hash of the last row a purge removed below
    the first kept row, so verification can start after a purge. ``gap``: a
    row the purge removed although a later-sealed row was kept (a transaction
    that committed late); verification steps over it with this link.
    """

    class Kind(models.TextChoices):
        DAILY = "daily", _("daily head")
        PURGE = "purge", _("purge start")
        GAP = "gap", _("purged straggler")

    log = models.CharField(max_length=16)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.DAILY)
    day = models.DateField()
    seq = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    row_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chain checkpoint")
        verbose_name_plural = _("chain checkpoints")
        constraints = [
            models.UniqueConstraint(
                fields=["log", "day"], condition=Q(kind="daily"), name="audit_ckpt_daily_uniq"
            ),
        ]
        indexes = [models.Index(fields=["log", "seq"], name="audit_ckpt_seq")]

    def __str__(self) -> str:
        return f"{self.log} {self.kind} {self.day} seq {self.seq}"


class UsageCounter(models.Model):
    """Per hospital, per day (Asia/Shanghai), per usage kind: a count.

    Per hospital system too (``system_id``, 0 when not one system's call).
    Incremented in the same transaction as the access-log row that carries the
    same kinds in ``AccessLog.usage`` (``province.failure``: as the call-log
    row of the failed call).
    """

    hospital = models.ForeignKey(
        "hospitals.Hospital",
        verbose_name=_("hospital"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the unique (hospital, day, kind) index serves
        related_name="+",
    )
    org_code = models.CharField(_("organisation code"), max_length=32, blank=True, default="")
    # The hospital system counted for (hospitals.IntegratedSystem); 0 = not
    # attributed to one system (patient pages, tasks, rows from before systems).
    system_id = models.BigIntegerField(_("system"), default=0)
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=64)
    count = models.BigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("usage counter")
        # The admin's changelist of this model is the usage page.
        verbose_name_plural = _("usage")
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "system_id", "day", "kind"],
                name="audit_usage_hosp_sys_day_kind",
            ),
        ]
        indexes = [models.Index(fields=["day", "kind"], name="audit_usage_day_kind")]

    def __str__(self) -> str:
        return f"{self.org_code} {self.day} {self.kind}={self.count}"


def _report_path(instance: MonthlyReport, filename: str) -> str:
    return f"audit/reports/{instance.month}/{filename}"


class MonthlyReport(models.Model):
    """A built monthly usage report: the XLSX workbook, the CSV and the chart."""

    month = models.CharField(_("month"), max_length=7, unique=True)  # YYYY-MM
    built_at = models.DateTimeField(_("built at"), default=timezone.now)
    xlsx = models.FileField(_("workbook"), upload_to=_report_path, max_length=255)
    csv = models.FileField(_("CSV"), upload_to=_report_path, max_length=255)
    chart = models.FileField(_("chart"), upload_to=_report_path, max_length=255, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    emailed_to = models.JSONField(_("e-mailed to"), default=list, blank=True)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month
