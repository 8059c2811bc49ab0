"""The roles 4C knows, as Django groups (made by migration 0003_roles)."""

from fourc.lib.prepared import Prepared

MODERATORS = "Moderators"
LINK_WORKERS = "Link workers"
HOSTS = "Hosts"  # members a moderator has trusted to host gatherings


def _roles_of(member):
    from django.contrib.auth.models import Group  # built once the apps are ready

    return Group.objects.filter(user=member).values_list("name")


# Every member page asks, for its navigation: the SQL is built once per process.
ROLES_OF = Prepared(_roles_of, member=Prepared.MEMBER)


def _names(user) -> set[str]:
    """The names of the user's roles: one query."""
    return {name for (name,) in ROLES_OF.run(member=user)}


def has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    return role in _names(user)


def is_moderator(user) -> bool:
    return has_role(user, MODERATORS)


def is_link_worker(user) -> bool:
    return has_role(user, LINK_WORKERS)


def can_host(user) -> bool:
    """Moderators, link workers and members in Hosts may host gatherings."""
    if not user.is_authenticated:
        return False
    return bool(_names(user) & {MODERATORS, LINK_WORKERS, HOSTS})


# The badge shown beside a member's name, by role. Moderators come first for someone
# in both groups.
BADGES = {MODERATORS: "Moderator", LINK_WORKERS: "Link worker"}


def badge_of(member_ref: str):
    """The badge beside a member's name, for `.annotate()`: "Moderator" or "Link
    worker", from their group; None for everyone else. `member_ref` names the member's
    id in the outer query ("author_id", "actor_id", "host_id", "pk").

    It comes from the role, never from the name (community.names keeps names from
    imitating it), so nobody can give it to themselves; read in the list's own query,
    it costs no query of its own. Never show it beside an anonymous author.
    """
    from django.contrib.auth.models import Group
    from django.db.models import Case, CharField, OuterRef, Subquery, Value, When

    label = Case(
        *(When(name=role, then=Value(text)) for role, text in BADGES.items()),
        output_field=CharField(),
    )
    first = Case(When(name=MODERATORS, then=Value(0)), default=Value(1))
    return Subquery(
        Group.objects.filter(user=OuterRef(member_ref), name__in=BADGES)
        .order_by(first)
        .annotate(label=label)
        .values("label")[:1],
        output_field=CharField(),
    )
