"""Where the signed-request check remembers nonces: Redis (through Django's
cache) when the hub has one, else the database, so that on the embedded
default a replay after a restart is refused as well (``XTIF_NONCE_STORE``:
``cache`` or ``database``; by default ``cache`` with ``REDIS_URL``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hospitals.models.nonces import UsedNonce
from hub.gm.nonces import CacheNonceStore


class DatabaseNonceStore:
    prefix = "xtif-nonce"

    def add(self, key: str, ttl_seconds: int) -> bool:
        """True the first time ``key`` is seen within ``ttl_seconds``."""
        now = timezone.now()
        full = f"{self.prefix}:{key}"[:200]
        try:
            with transaction.atomic():
                UsedNonce.objects.filter(key=full, expires_at__lte=now).delete()
                UsedNonce.objects.create(key=full, expires_at=now + timedelta(seconds=ttl_seconds))
        except IntegrityError:
            return False
        return True


def nonces_purge() -> int:
    """Forget nonces past their window (the periodic task)."""
    deleted, _ = UsedNonce.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


_cache_store = CacheNonceStore()
_database_store = DatabaseNonceStore()


def nonce_store():
    """The store in force (read per request, so settings overrides apply)."""
    kind = getattr(settings, "XTIF_NONCE_STORE", "") or (
        "cache" if getattr(settings, "REDIS_URL", "") else "database"
    )
    return _database_store if kind == "database" else _cache_store
