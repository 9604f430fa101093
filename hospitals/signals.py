"""Receivers of the hospitals app.

- Keep the in-process credential cache honest after any write in this process
  (services, admin, factories): other processes catch up within the cache TTL.
- A back-office lockout (django-axes) writes an operation-log row.
"""

from axes.signals import user_locked_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hospitals.models import Hospital, HubCredential, IntegratedSystem, ProvinceAccount
from hospitals.selectors import credentials_cache_clear
from hub import oplog


@receiver([post_save, post_delete], sender=HubCredential)
@receiver([post_save, post_delete], sender=ProvinceAccount)
@receiver([post_save, post_delete], sender=Hospital)
@receiver([post_save, post_delete], sender=IntegratedSystem)  # its allowlist, its appId
def _forget_cached_credentials(sender, **kwargs) -> None:
    credentials_cache_clear()


@receiver(user_locked_out)
def _log_the_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """One row when a username/address pair gets locked. axes sends the signal
    again for each refused try while locked; those tries carry no failure
    count (they are not counted), so they are not logged again."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    from hospitals.admin.security import account_of

    oplog.record(
        actor=f"client:{ip_address or ''}",  # whoever tried from that address
        action="admin_login.lock",
        target=account_of(username),
        after={"username": username, "ip_address": ip_address, "failures": failures},
    )
