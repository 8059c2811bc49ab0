"""The member's email preferences, and the stop page every nudge links to.

The stop page is reached from an email without signing in: its signed token is the
member's word. A GET only shows buttons (mail scanners fetch links); a POST changes
something. A mail provider's one-click POST (RFC 8058: `List-Unsubscribe=One-Click`,
no cookie, no CSRF token) unsubscribes from that email's kind at once and answers 200.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from community import selectors as community_selectors
from fourc.lib import ratelimit
from fourc.lib.forms import require_form_page, say_why, status_of, submitted
from prescriptions.models import NudgeKind
from prescriptions.nudges import services
from prescriptions.nudges.forms import BreakForm, PreferencesForm

PREFERENCES_LIMIT = (60, 3600)


@require_form_page
@login_required
@ratelimit.limit("nudge-preferences", PREFERENCES_LIMIT)
def preferences(request):
    prefs = services.preferences_for(request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, instance=prefs)
    if submitted(request, form):
        services.update_preferences(member=request.user, **form.cleaned_data)
        messages.success(request, "Saved. 4C will email you as you chose.")
        return redirect("prescriptions:nudge-settings")
    if form.is_bound:
        prefs.refresh_from_db()  # the page shows what is stored, beside what was typed
    return render(
        request,
        "prescriptions/nudge_settings.html",
        _page(request, prefs, form),
        status=status_of(form),
    )


def _page(request, prefs, form, break_form=None) -> dict:
    now = timezone.now()
    paused = prefs.paused_until if prefs.paused_until and prefs.paused_until > now else None
    return {
        "form": form,
        "break_form": break_form or BreakForm(),
        "prefs": prefs,
        "paused_until": paused,
        "hidden_spaces": community_selectors.hidden_spaces(request.user) if paused else [],
        "break_days": services.BREAK_DAYS,
        "time_zone": request.user.time_zone,
    }


@require_POST
@login_required
@ratelimit.limit("nudge-preferences", PREFERENCES_LIMIT)
def take_a_break(request):
    form = BreakForm(request.POST)
    if submitted(request, form):
        days = form.cleaned_data["days"]
        services.take_a_break(member=request.user, days=days, spaces=form.cleaned_data["spaces"])
        messages.success(request, _break_words(days))
        return redirect("prescriptions:nudge-settings")
    say_why(request, form)
    prefs = services.preferences_for(request.user)
    return render(
        request,
        "prescriptions/nudge_settings.html",
        _page(request, prefs, PreferencesForm(instance=prefs), break_form=form),
        status=status_of(form),
    )


@require_POST
@login_required
@ratelimit.limit("nudge-preferences", PREFERENCES_LIMIT)
def end_break(request):
    if services.end_break(member=request.user):
        messages.success(request, "Welcome back. Emails start again as you chose.")
    else:
        messages.info(request, "There was no break to end, so nothing changed.")
    return redirect("prescriptions:nudge-settings")


def _break_words(days: int) -> str:
    span = "a day" if days == 1 else f"{days} days"
    return f"Taking a break: no emails from 4C for {span}. Nothing to catch up on after."


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])  # the one-click POST carries no CSRF token
def stop(request, token):
    """GET: the choices. POST: stop this kind (the one-click POST too), or a break."""
    try:
        member, kind = services.read_stop_token(token)
    except services.BadToken:
        return render(request, "prescriptions/nudge_stop_invalid.html", status=400)
    context = {"kind": kind, "kind_label": NudgeKind(kind).label, "token": token,
               "break_days": services.BREAK_DAYS, "done": ""}  # fmt: skip
    if request.method == "POST":
        if "days" in request.POST:
            form = BreakForm(request.POST)
            if not form.is_valid():
                context["done"] = "A break is 1, 3, 7 or 30 days. Please choose one."
                return render(request, "prescriptions/nudge_stop.html", context, status=400)
            services.take_a_break(member=member, days=form.cleaned_data["days"])
            context["done"] = _break_words(form.cleaned_data["days"])
        else:
            services.unsubscribe(member=member, kind=kind)
            context["done"] = (
                f"Done. You won't get “{NudgeKind(kind).label}” emails any more. "
                "You can turn them on again in your email settings."
            )
    return render(request, "prescriptions/nudge_stop.html", context)
