"""Who may write: signed-in, active members with a confirmed email address."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect


def can_write(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_verified_email)


def verified_member_required(view):
    """Lets a member write once their address is confirmed; browsing needs none of it.

    A signed-out visitor is sent to log in; an unconfirmed member to their email
    settings, where they can resend the confirmation link, with a kind word about why.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_write(request.user):
            return ask_to_confirm(request)
        return view(request, *args, **kwargs)

    return wrapper


def ask_to_confirm(request):
    """Where an unconfirmed (or signed-out) member goes when they try to write.

    For htmx the answer is `HX-Redirect`, so the browser goes there as a whole page:
    a plain 302 would be followed by htmx itself and the page swapped into the small
    part the member acted on (a reaction, "Your place"); and after logging in they come
    back to the page they were on (htmx says which), not to the URL the button posted to."""
    htmx = getattr(request, "htmx", None)  # None outside the middleware (RequestFactory)
    if not request.user.is_authenticated:
        here = (htmx and htmx.current_url_abs_path) or request.get_full_path()
        response = redirect_to_login(here)
    else:
        messages.info(
            request,
            "Please confirm your email address first: it keeps 4C safe for everyone. "
            "You can send yourself a new link here.",
        )
        response = redirect("account_email")
    if htmx:
        return HttpResponseClientRedirect(response.url)
    return response
