from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from prescriptions import selectors

# The member's own date on which they said "not now" to "how do you feel now?"
NOT_NOW_KEY = "feel_not_now"


def today_for(member) -> str:
    return timezone.localdate(timezone=member.tzinfo).isoformat()


def completion_prompt(request):
    """ "You did it. How do you feel now?" for Home and the feed (the pages that include
    prescriptions/partials/feel_now.html), unless the member said "not now" today, in
    their own time zone. One query, only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def awaiting():
        if request.session.get(NOT_NOW_KEY) == today_for(user):
            return False
        return selectors.awaiting_mood_after(user) or False

    return {"did_it": SimpleLazyObject(awaiting)}
