"""Every URL pattern of 4C, walked from the resolver, so a test that asks something of
every view covers a new one without being touched (tests/fourc/test_http_methods.py,
tests/fourc/test_access_walk.py)."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Django's admin and allauth bring their own views, with their own tests
# (tests/fourc/test_admin_and_roles.py, tests/community/test_signup.py and others).
EXCLUDED = {
    "admin/": "Django's admin: staff only, behind two-factor (test_admin_and_roles.py)",
    "accounts/": "allauth's sign-up, login, email and two-factor pages",
}


@dataclass(frozen=True)
class Pattern:
    name: str | None  # namespaced, e.g. "community:post-detail"; None when unnamed
    route: str
    keys: frozenset[str]  # the URL's keywords, e.g. {"pk"}

    @property
    def excluded(self) -> bool:
        return self.route.startswith(tuple(EXCLUDED))

    def url(self, values: dict) -> str:
        """The URL with its keywords taken from `values` (which may hold more)."""
        return reverse(self.name, kwargs={key: values[key] for key in self.keys})


def every_pattern(resolver=None, prefix: str = "", namespace: str = "") -> list[Pattern]:
    """Every URL pattern the resolver knows, the excluded ones too, in its order."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += every_pattern(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            found.append(Pattern(name, route, frozenset(pattern.pattern.regex.groupindex)))
    return found


def our_patterns() -> list[Pattern]:
    """The patterns of 4C's own views: every pattern but the `EXCLUDED` ones. Each needs
    a name, since tests build its URL with `reverse`."""
    ours = [pattern for pattern in every_pattern() if not pattern.excluded]
    unnamed = [pattern.route for pattern in ours if pattern.name is None]
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
