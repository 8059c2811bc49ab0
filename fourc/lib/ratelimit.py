"""A small fixed-window rate limit in the cache (Redis in production)."""

from django.core.cache import cache


def hit(key: str, *, limit: int, period: int) -> bool:
    """Counts one action; returns False when `limit` actions in `period` seconds are used up."""
    cache_key = f"ratelimit:{key}"
    if cache.add(cache_key, 1, timeout=period):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=period)
        return True
    return count <= limit
