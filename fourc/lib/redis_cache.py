"""Django's Redis cache, with one client per connection pool instead of one per call.

Django's RedisCacheClient builds a `redis.Redis` for every cache call (about 100 µs here:
it installs some 170 response callbacks each time), and a member page makes several
(its session, rate limits, the engine's generations). A `redis.Redis` holds no
connection of its own: it borrows one from its pool for each command, and the pool is
safe across threads and checks its process id after a fork. So one per pool serves every
call.

    CACHES = {"default": {"BACKEND": "fourc.lib.redis_cache.RedisCache", ...}}
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # {id of a pool (kept in self._pools): its redis.Redis}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
