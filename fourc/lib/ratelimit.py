"""A small fixed-window rate limit in the cache (Redis in production), and the
decorator that puts it on a writing view.

What counts is a form that reaches the view's `submitted(request, form)`
(`fourc.lib.forms`): a POST by a signed-in member, after the view's own checks. A POST
that ends before the form (a page that 404s, an unconfirmed member sent to confirm
their address, a reply to a post they may not answer) costs nothing, so a member's
allowance is spent only on what they really sent, and whatever stops a request first
keeps its own answer (404, the confirmation page) instead of a 429."""

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
    """Puts a limit of `rate` = (count, seconds) per member and `action` on the view
    (views sharing an action share the count). The view still runs: only when it asks
    `submitted(...)` is the POST counted (`slow_down`, once per request), and over the
    limit the form is refused with the slow-down words, `status_of(form)` makes that a
    429, and the page shows everything typed. Nothing is written."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            request.ratelimit = (action, rate)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def slow_down(request) -> bool:
    """Counts this request against its view's limit, the first time it is asked, and
    says whether it is over. A request without a limit, or not a signed-in member's
    POST, is never slowed down."""
    if not hasattr(request, "slow_down"):
        action, (count, period) = getattr(request, "ratelimit", ("", (0, 0)))
        request.slow_down = bool(
            action
            and request.method == "POST"
            and request.user.is_authenticated
            and not hit(f"{action}:{request.user.pk}", limit=count, period=period)
        )
    return request.slow_down
