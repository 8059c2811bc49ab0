"""Every URL of 4C's own views, walked from the resolver so a new view is covered
without touching the tests that use it (tests/fourc/test_http_methods.py,
tests/fourc/test_forms_fuzz.py, tests/fourc/test_access_walk.py), and made concrete
with real objects."""

import logging
from dataclasses import dataclass

from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Django's admin and allauth bring their own views, their own method rules and their
# own tests (tests/fourc/test_admin_and_roles.py, tests/fourc/test_account_pages.py,
# tests/community/test_accounts.py and others).
EXCLUDED = {
    "admin/": "Django's admin: staff only, behind two-factor (test_admin_and_roles.py)",
    "accounts/": "allauth's sign-up, login, email and two-factor pages",
}


@dataclass(frozen=True)
class Route:
    name: str | None  # with its namespace, e.g. "community:post-edit"; None when unnamed
    route: str
    keys: frozenset[str]  # the URL's keywords
    callback: object

    @property
    def excluded(self) -> bool:
        return self.route.startswith(tuple(EXCLUDED))

    def url(self, values: dict) -> str:
        """The URL with its keywords taken from `values` (which may hold more)."""
        return reverse(self.name, kwargs={key: values[key] for key in self.keys})


def every_pattern(resolver=None, prefix="", namespace="") -> list[Route]:
    """Every URL pattern the resolver knows, the excluded ones too, in its order."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += every_pattern(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            keys = frozenset(pattern.pattern.regex.groupindex)
            found.append(Route(name, route, keys, pattern.callback))
    return found


def routes() -> list[Route]:
    """The patterns of 4C's own views: every pattern but the `EXCLUDED` ones. Each needs
    a name, since tests build its URL with `reverse`."""
    ours = [route for route in every_pattern() if not route.excluded]
    unnamed = [route.route for route in ours if route.name is None]
    assert not unnamed, f"Give these URL patterns a name: {unnamed}"
    return ours


def values_for(name: str, common: dict, by_prefix: dict[str, dict]) -> dict:
    """The keyword values for the URL `name`: `common`, then those of every prefix of
    `by_prefix` that `name` starts with ("community:post-" for a post's pages)."""
    values = dict(common)
    for prefix, found in by_prefix.items():
        if name.startswith(prefix):
            values.update(found)
    return values


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
        common = {"slug": self.slug, "handle": self.handle, "token": tokens.get(route.name)}
        values = values_for(
            route.name, common, {prefix: {"pk": pk} for prefix, pk in by_prefix.items()}
        )
        return {key: values[key] for key in route.keys}


def our_urls(objects: Objects) -> dict[str, str]:
    """Every URL of 4C's own views, by name, built with `objects`."""
    return {route.name: reverse(route.name, kwargs=objects.kwargs(route)) for route in routes()}
