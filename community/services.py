"""Actions that change community state. One function per use case."""

from django.db import transaction

from community.models import User

PROFILE_FIELDS = ("display_name", "handle", "pronouns", "bio", "time_zone")


@transaction.atomic
def update_profile(*, member: User, **changes) -> list[str]:
    """Saves the given profile fields; returns the names that changed.

    Saving the same values again changes nothing and writes nothing.
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Not profile fields: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(member, name) != value]
    for name in changed:
        setattr(member, name, changes[name])
    if changed:
        member.full_clean(exclude=["password"], validate_unique=True)
        member.save(update_fields=changed)
    return changed
