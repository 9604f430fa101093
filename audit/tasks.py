"""Celery tasks of the audit app: thin doors into the services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="audit.seal_pending", ignore_result=True)
def seal_pending_task() -> dict:
    from audit.sealing import seal_pending

    return seal_pending()


@shared_task(name="audit.maintain_partitions", ignore_result=True)
def maintain_partitions_task() -> int:
    from audit.partitions import ensure_partitions

    return ensure_partitions(months_ahead=2)


@shared_task(name="audit.purge_expired", ignore_result=True)
def purge_expired_task() -> dict:
    from audit.retention import purge_expired

    return purge_expired()


@shared_task(name="audit.monthly_report", ignore_result=True)
def monthly_report_task(month: str | None = None) -> str:
    """Build, store and e-mail the report of ``month`` (default: last month)."""
    from audit.reports import previous_month, report_build_and_send

    month = month or previous_month()
    report_build_and_send(month=month)
    return month
