from django.utils.functional import SimpleLazyObject

from community import selectors


def navigation(request):
    """The unread count in the navigation: one query, only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_notification_count(user))
    }
