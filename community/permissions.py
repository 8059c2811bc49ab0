"""Who may write: signed-in, active members with a confirmed email address, who are
not suspended.

A suspended member (`User.is_suspended`) may still read, use the help page, and use
the safety tools: report something that worries them, block and unblock. They may
also do what touches only themselves or gives something back: remove their own words,
give up a place at a gathering, mark notifications read, manage their calendar link,
and everything in prescriptions (check-ins and steps are private and reach nobody).
They may not post, reply, edit, react, follow, take a place, host, or change the
profile others see. Every write view wears `verified_member_required` (or, for the
profile, `not_while_suspended`), so every write path asks the same rule.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect


def can_write(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_verified_email)


def verified_member_required(view=None, *, while_suspended: bool = False):
    """Lets a member write once their address is confirmed; browsing needs none of it.

    A signed-out visitor is sent to log in; an unconfirmed member to their email
    settings, where they can resend the confirmation link, with a kind word about why.
    A suspended member gets the page that says why and until when (403), unless the
    view is one they may still use (`while_suspended=True`: the safety tools, and
    taking back their own words or place).
    """
    if view is None:
        return lambda view: verified_member_required(view, while_suspended=while_suspended)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_write(request.user):
            return ask_to_confirm(request)
        if not while_suspended and request.user.is_suspended():
            return suspended(request)
        return view(request, *args, **kwargs)

    return wrapper


def not_while_suspended(view):
    """For a page any signed-in member may open, whose POST changes what others see
    (the profile): a suspended member may look, not change it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and request.user.is_suspended():
            return suspended(request)
        return view(request, *args, **kwargs)

    return wrapper


def write_refusal(request):
    """The answer for a member who may not write now (to log in, to confirm their
    address, or suspended), or None when they may."""
    if not can_write(request.user):
        return ask_to_confirm(request)
    if request.user.is_suspended():
        return suspended(request)
    return None


def suspended(request):
    """Tells a suspended member, kindly and clearly, why they can't write and until
    when: the page, with 403. htmx follows `HX-Redirect` whatever the status, so for
    htmx the whole page goes to the same words (`community:suspension`) instead of a
    refusal nobody sees."""
    response = render(request, "community/suspended.html", {"member": request.user}, status=403)
    if getattr(request, "htmx", None):
        response["HX-Redirect"] = reverse("community:suspension")
    return response


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
