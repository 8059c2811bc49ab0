from django.utils.functional import SimpleLazyObject

from community import roles, selectors


def navigation(request):
    """The unread count and the link-worker link in the navigation: each one query,
    only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: selectors.unread_notification_count(user)
        ),
        "is_link_worker": SimpleLazyObject(lambda: roles.is_link_worker(user)),
    }
