"""The roles 4C knows, as Django groups (made by migration 0003_roles)."""

MODERATORS = "Moderators"
LINK_WORKERS = "Link workers"
HOSTS = "Hosts"  # members a moderator has trusted to host gatherings


def has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    return any(group.name == role for group in user.groups.all())


def is_moderator(user) -> bool:
    return has_role(user, MODERATORS)


def is_link_worker(user) -> bool:
    return has_role(user, LINK_WORKERS)


def can_host(user) -> bool:
    """Moderators, link workers and members in Hosts may host gatherings."""
    if not user.is_authenticated:
        return False
    return any(group.name in (MODERATORS, LINK_WORKERS, HOSTS) for group in user.groups.all())
