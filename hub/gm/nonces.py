"""Nonce stores for ``hub.gm.xtif.verify``.

``CacheNonceStore`` uses Django's cache ``add`` (Redis ``SET NX EX`` in
production); ``MemoryNonceStore`` serves the simulator and the tests.
"""

from __future__ import annotations

import threading
import time


class MemoryNonceStore:
    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, key: str, ttl_seconds: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 100_000:
                self._seen = {k: exp for k, exp in self._seen.items() if exp > now}
            expires = self._seen.get(key)
            if expires is not None and expires > now:
                return False
            self._seen[key] = now + ttl_seconds
            return True


class CacheNonceStore:
    """Backed by a Django cache; imported lazily so ``hub.gm`` stays Django-free."""

    def __init__(self, alias: str = "default", prefix: str = "xtif-nonce") -> None:
        self.alias = alias
        self.prefix = prefix

    def add(self, key: str, ttl_seconds: int) -> bool:
        from django.core.cache import caches

        return caches[self.alias].add(f"{self.prefix}:{key}", 1, timeout=ttl_seconds)
