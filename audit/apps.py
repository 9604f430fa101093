from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_partitions(sender, using="default", **kwargs):
    """After every migrate: make sure this and the next months have partitions."""
    from django.db import connections

    from audit.partitions import ensure_partitions

    connection = connections[using]
    if (
        connection.vendor == "postgresql"
        and "audit_accesslog" in connection.introspection.table_names()
    ):
        ensure_partitions(connection=connection)


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit and usage")

    def ready(self):
        from audit import checks  # noqa: F401  (registers the system checks)
        from audit.retention import enforce_retention_setting
        from audit.services import operation_log_record
        from hub import oplog

        # The apps below audit (hospitals) write their operation-log rows here.
        oplog.connect(operation_log_record)

        # Fail fast: a process configured to keep logs under six months must not start.
        enforce_retention_setting()
        post_migrate.connect(_ensure_partitions, sender=self, dispatch_uid="audit_partitions")
