"""Every URL of 4C's own views, walked from the resolver so a new view is covered
without touching the tests that use it (tests/fourc/test_http_methods.py,
tests/fourc/test_forms_fuzz.py), and made concrete with real objects."""

import logging
from dataclasses import dataclass

from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Django's admin and allauth bring their own views and their own method rules.
NOT_OURS = ("admin/", "accounts/")


@dataclass(frozen=True)
class Route:
    name: str  # with its namespace, e.g. "community:post-edit"
    route: str
    keys: frozenset[str]  # the URL's keywords
    callback: object


def routes(resolver=None, prefix="", namespace=""):
    """Every named URL pattern of 4C's own views, in the resolver's order."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(NOT_OURS):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            keys = frozenset(pattern.pattern.regex.groupindex)
            yield Route(f"{namespace}{pattern.name}", route, keys, pattern.callback)


def methods_of(route: Route) -> frozenset[str]:
    """The methods the view answers, from its 405's Allow header: every view names its
    methods outermost (README, "Views"), so a PUT is turned away before the view reads
    anything, and this needs no database."""
    request = RequestFactory().put("/")
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)  # the 405 is expected here, not worth a line
    try:
        response = route.callback(request, **dict.fromkeys(route.keys, "0"))
    finally:
        logger.setLevel(level)
    assert response.status_code == 405, f"{route.name} answered a PUT"
    return frozenset(method.strip() for method in response["Allow"].split(","))


@dataclass
class Objects:
    """The real objects a walk fills the URLs with."""

    slug: str
    handle: str  # a member's handle, for the member pages
    post: int
    reply: int
    gathering: int
    notification: int
    prescription: int
    calendar_token: str
    stop_token: str
    data_token: str  # a member's data download link
    deletion_token: str  # a member's link to confirm deleting their account

    def kwargs(self, route: Route) -> dict:
        by_prefix = {
            "community:post-": self.post,
            "community:reply-": self.reply,
            "community:gathering-": self.gathering,
            "community:notification-": self.notification,
            "prescriptions:": self.prescription,
        }
        tokens = {
            "community:calendar-feed": self.calendar_token,
            "prescriptions:nudge-stop": self.stop_token,
            "community:your-data-download": self.data_token,
            "community:account-delete-confirm": self.deletion_token,
        }
        values = {"slug": self.slug, "handle": self.handle, "token": tokens.get(route.name)}
        for prefix, pk in by_prefix.items():
            if route.name.startswith(prefix):
                values["pk"] = pk
        return {key: values[key] for key in route.keys}


def our_urls(objects: Objects) -> dict[str, str]:
    """Every URL of 4C's own views, by name, built with `objects`."""
    return {route.name: reverse(route.name, kwargs=objects.kwargs(route)) for route in routes()}
