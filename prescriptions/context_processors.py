from django.utils.functional import SimpleLazyObject

from prescriptions import selectors


def completion_prompt(request):
    """ "You did it. How do you feel now?" on the next page after something was done
    by itself. One query, only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"did_it": SimpleLazyObject(lambda: selectors.awaiting_mood_after(user) or False)}
