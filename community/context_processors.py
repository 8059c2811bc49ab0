from django.utils.functional import SimpleLazyObject

from community import roles


def navigation(request):
    """The unread count and the link-worker link in the navigation. The count is on the
    member's row, which signing in already read (community.services keeps it); the
    link-worker link costs one query, only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": user.unread_notifications,
        "is_link_worker": SimpleLazyObject(lambda: roles.is_link_worker(user)),
    }
