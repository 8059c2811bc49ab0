"""fourc.lib.redis_cache: Django's Redis cache, keeping one client per connection pool."""

import threading

from django.conf import settings
from django.core.cache import cache, caches

from fourc.lib.redis_cache import RedisCache


def test_the_site_uses_it():
    assert settings.CACHES["default"]["BACKEND"] == "fourc.lib.redis_cache.RedisCache"
    assert isinstance(caches["default"], RedisCache)


def test_one_client_serves_every_call():
    client = cache._cache.get_client("a", write=True)
    cache.set("kept-client", "one")
    assert cache.get("kept-client") == "one"
    assert cache._cache.get_client("b", write=True) is client
    assert cache._cache.get_client("c") is client  # one server: reads and writes share it


def test_threads_share_it_safely():
    errors = []

    def work(n):
        try:
            for i in range(50):
                cache.set(f"kept-client:{n}:{i}", i)
                assert cache.get_many([f"kept-client:{n}:{i}"]) == {f"kept-client:{n}:{i}": i}
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
