"""Keep the in-process credential cache honest after any write in this process
(services, admin, factories): other processes catch up within the cache TTL."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hospitals.models import Hospital, HubCredential, ProvinceAccount
from hospitals.selectors import credentials_cache_clear


@receiver([post_save, post_delete], sender=HubCredential)
@receiver([post_save, post_delete], sender=ProvinceAccount)
@receiver([post_save, post_delete], sender=Hospital)
def _forget_cached_credentials(sender, **kwargs) -> None:
    credentials_cache_clear()
