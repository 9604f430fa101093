"""Django's Redis cache backend, keeping one redis-py client per connection pool.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new
``redis.Redis(connection_pool=...)`` for every cache operation. With redis-py
6 that construction alone fills a case-insensitive table of ~160 response
callbacks: about as much CPU as the round trip it precedes, twice per signed
hospital request (the nonce and the throttle). A ``redis.Redis`` object holds
no connection of its own (it borrows one from the thread-safe pool for each
command), so one per pool serves every caller. ``docs/performance.md`` has
the measured gain.

Settings: ``CACHES["default"]["BACKEND"] = "hub.cache.RedisCache"``; options
are those of Django's backend.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            pool = self._pools[index]
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
