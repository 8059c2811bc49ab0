"""Who may write: signed-in, active members with a confirmed email address, who are
not suspended, and who have agreed to the current community guidelines.

A suspended member (`User.is_suspended`) may still read, use the help page, and use
the safety tools: report something that worries them, block and unblock. They may
also do what touches only themselves or gives something back: remove their own words,
give up a place at a gathering, mark notifications read, manage their calendar link,
and everything in prescriptions (check-ins and steps are private and reach nobody).
They may not post, reply, edit, react, follow, take a place, host, or change the
profile others see. Every write view wears `verified_member_required` (or, for the
profile, `not_while_suspended`), so every write path asks the same rule
(`refuse_to_write`).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from community.guidelines import context as guidelines_context


def can_read(user, space) -> bool:
    """What members write is for members: reading a space, its posts and replies needs
    a signed-in member, unless a moderator opened the space to visitors
    (`Space.is_public`). Profiles, search, gatherings and Needs a reply are for members
    only (`login_required`)."""
    return bool(user.is_authenticated or space.is_public)


def sign_in_to_read(request, space):
    """None when this person may read `space`; otherwise the way to log in and back."""
    if can_read(request.user, space):
        return None
    return redirect_to_login(request.get_full_path())


def can_write(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_verified_email)


def refuse_to_write(request, *, guidelines: bool = True, while_suspended: bool = False):
    """None when this member may write now; otherwise the answer that says what to do
    first: confirm their address (`ask_to_confirm`); wait out a suspension
    (`suspended`), unless `while_suspended` (the safety tools, taking back their own
    words or place); or, with `guidelines`, agree to the current community guidelines
    (`ask_to_accept_guidelines`).

    `guidelines=False` is for what must stay open to everyone who confirmed their
    address: telling a moderator (a report), taking back your own words or your place,
    cancelling your gathering, following. The help page never asks anything."""
    if not can_write(request.user):
        return ask_to_confirm(request)
    if not while_suspended and request.user.is_suspended():
        return suspended(request)
    if guidelines and not request.user.has_accepted_guidelines:
        return ask_to_accept_guidelines(request)
    return None


def verified_member_required(view=None, *, guidelines: bool = True, while_suspended: bool = False):
    """Lets a member write once `refuse_to_write` has nothing to say; browsing needs
    none of it.

    A signed-out visitor is sent to log in; an unconfirmed member to their email
    settings, where they can resend the confirmation link, with a kind word about why;
    a suspended member gets the page that says why and until when (403), unless the
    view is one they may still use (`while_suspended=True`); a member who hasn't agreed
    to the guidelines goes to the guidelines, and back (`guidelines=False` asks only for
    the address).
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            refusal = refuse_to_write(
                request, guidelines=guidelines, while_suspended=while_suspended
            )
            if refusal is not None:
                return refusal
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def not_while_suspended(view):
    """For a page any signed-in member may open, whose POST changes what others see
    (the profile): a suspended member may look, not change it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and request.user.is_suspended():
            return suspended(request)
        return view(request, *args, **kwargs)

    return wrapper


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


def ask_to_accept_guidelines(request):
    """Where a member goes who hasn't agreed to the current guidelines when they try to
    write; after "I agree" they come back to where they were.

    - A page that shows a form (GET): a redirect to the guidelines, then back to it.
    - A plain POST (a reply, a post): the guidelines page itself, 403, carrying what
      they sent in hidden fields. "I agree" records it and answers 307, so the browser
      sends the same words again to the same address: nothing typed is lost.
    - htmx (a reaction, a place at a gathering): 403 with `HX-Redirect` to the
      guidelines, which return to the page they were on (a click isn't worth replaying).
    """
    htmx = getattr(request, "htmx", None)
    here = request.get_full_path()
    if htmx:
        back = htmx.current_url_abs_path or "/"
        response = HttpResponseClientRedirect(_guidelines_url(back))
        response.status_code = 403
        return response
    if request.method != "POST":
        return redirect(_guidelines_url(here))
    kept = [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    ]
    context = {"next": here, "kept": kept, "needs_agreement": True, "asked": True}
    return render(request, "community/guidelines.html", guidelines_context(context), status=403)


def _guidelines_url(back: str) -> str:
    return f"{reverse('community:guidelines')}?{urlencode({'next': back})}"
