"""The roles 4C knows, as Django groups (made by migration 0003_roles)."""

from fourc.lib.prepared import Prepared

MODERATORS = "Moderators"
LINK_WORKERS = "Link workers"
HOSTS = "Hosts"  # members a moderator has trusted to host gatherings


def _roles_of(member):
    from django.contrib.auth.models import Group  # built once the apps are ready

    return Group.objects.filter(user=member).values_list("name")


# A member read with their roles asks none of its own.
ROLES_OF = Prepared(_roles_of, member=Prepared.MEMBER)

# Each role, as a flag read with the member's own row (`with_roles`): every page a member
# opens draws their menu (is a link worker?), and a round trip per page for it was one
# of a simple page's three queries.
_FLAGS = {MODERATORS: "in_moderators", LINK_WORKERS: "in_link_workers", HOSTS: "in_hosts"}


def with_roles(members):
    """`members` (a QuerySet of users) each read with a flag per role, in the same query:
    community.backends reads the signed-in member so, once per request."""
    from django.contrib.auth.models import Group  # built once the apps are ready
    from django.db.models import Exists, OuterRef

    return members.annotate(
        **{
            flag: Exists(Group.objects.filter(user=OuterRef("pk"), name=role))
            for role, flag in _FLAGS.items()
        }
    )


def forget(member) -> None:
    """Drops the roles read with `member`'s row (after changing them): asked again."""
    for flag in _FLAGS.values():
        if hasattr(member, flag):
            delattr(member, flag)  # through request.user's lazy wrapper too


def _names(user) -> set[str]:
    """The names of the user's roles: read with their row (`with_roles`), else one query."""
    read = {role: getattr(user, flag, None) for role, flag in _FLAGS.items()}
    if None not in read.values():
        return {role for role, held in read.items() if held}
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
    id in the query it annotates ("author_id", "actor_id", "host_id", "pk").

    It comes from the role, never from the name (community.names keeps names from
    imitating it), so nobody can give it to themselves; read in the list's own query,
    it costs no query of its own. Never show it beside an anonymous author.

    The holders of each role are one set per query (PostgreSQL hashes it once), each
    row a probe of it: a correlated subquery per row scanned the group table for each
    of a thread's fifty replies (0.5 of its 0.8 ms, when a page held fifty).
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Case, CharField, Value, When

    memberships = get_user_model().groups.through.objects

    def holders(role: str):
        return memberships.filter(group__name=role).values("user_id")

    return Case(
        *(
            When(**{f"{member_ref}__in": holders(role)}, then=Value(text))
            for role, text in BADGES.items()  # Moderators first
        ),
        default=Value(None),
        output_field=CharField(),
    )
