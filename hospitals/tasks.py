"""Celery tasks of the hospitals app (thin: they call a service)."""

from celery import shared_task


@shared_task(name="hospitals.nonces_purge", ignore_result=True)
def purge_nonces() -> int:
    from hospitals.nonces import nonces_purge

    return nonces_purge()
