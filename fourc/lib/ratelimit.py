"""A small fixed-window rate limit in the cache (Redis in production), and the
decorator that puts it on a writing view."""

from functools import wraps

from django.core.cache import cache

SLOW_DOWN = "You're moving quickly. Take a breath, and try again in a few minutes."


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


def limit(action: str, rate: tuple[int, int]):
    """Counts each POST a signed-in member sends to the view, `rate` = (count, seconds)
    per member and `action` (views sharing an action share the count).

    Over the limit the view still runs, with `request.slow_down` set, so it can answer
    with its own page and everything typed: `fourc.lib.forms.submitted` then refuses
    the form with the slow-down words, and `status_of(form)` makes that a 429. Nothing
    is written."""
    count, period = rate

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            request.slow_down = (
                request.method == "POST"
                and request.user.is_authenticated
                and not hit(f"{action}:{request.user.pk}", limit=count, period=period)
            )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
