"""Who may write: signed-in, active members with a confirmed email address."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect


def can_write(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_verified_email)


def verified_member_required(view):
    """Lets a member write once their address is confirmed; browsing needs none of it.

    An unconfirmed member is sent to their email settings, where they can
    resend the confirmation link, with a kind word about why.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_write(request.user):
            return ask_to_confirm(request)
        return view(request, *args, **kwargs)

    return wrapper


def ask_to_confirm(request):
    """Where an unconfirmed (or signed-out) member goes when they try to write."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    messages.info(
        request,
        "Please confirm your email address first: it keeps 4C safe for everyone. "
        "You can send yourself a new link here.",
    )
    return redirect("account_email")
