from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from community import selectors as community_selectors
from prescriptions import insights, selectors, services
from prescriptions.forms import CheckInForm, ConsentForm, DoneForm, FeelForm, PlanForm, SkipForm


def _feed_or_fragment(request, prescription=None, status=200):
    """The feed, or for htmx the one prescription's card, with any message inside it
    (htmx swaps only 2xx answers, so a refusal comes back as a 200 that says why)."""
    if request.htmx and prescription is not None:
        prescription.refresh_from_db()
        return render(request, "prescriptions/partials/prescription.html", {"p": prescription})
    return redirect("prescriptions:feed")


@login_required
def check_in(request):
    has_consent = selectors.has_consent(request.user)
    form = CheckInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not has_consent:
            return redirect("prescriptions:check-in")
        if form.is_valid():
            _, plan = services.record_check_in(member=request.user, **form.cleaned_data)
            if plan.in_crisis:
                return redirect("prescriptions:feed")
            messages.success(request, "Thank you for checking in. Here are a few small steps.")
            return redirect("prescriptions:feed")
        status = 400
    return render(
        request,
        "prescriptions/check_in.html",
        {"form": form, "has_consent": has_consent, "consent_form": ConsentForm()},
        status=status,
    )


@require_POST
@login_required
def consent(request):
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "prescriptions/check_in.html",
            {"form": CheckInForm(), "has_consent": False, "consent_form": form},
            status=400,
        )
    services.give_consent(member=request.user)
    return redirect("prescriptions:check-in")


@login_required
def health_data(request):
    if request.method == "POST":
        erased = services.withdraw_consent(member=request.user)
        messages.success(
            request,
            f"Done. We've erased your check-ins ({erased}). "
            "You can start again whenever you like.",
        )
        return redirect("prescriptions:health-data")
    return render(
        request,
        "prescriptions/health_data.html",
        {"has_consent": selectors.has_consent(request.user)},
    )


@login_required
def feed(request):
    check_in = selectors.latest_check_in(request.user)
    in_crisis = bool(check_in and check_in.in_crisis)
    open_ = list(selectors.open_prescriptions(request.user))
    if in_crisis:  # nothing cheerful: only the step towards a person
        open_ = [p for p in open_ if p.score_parts.get("crisis")]
    context = {
        "open": open_,
        "in_crisis": in_crisis,
        "lines": community_selectors.active_crisis_lines() if in_crisis else [],
        "history": selectors.recent_history(request.user),
        "check_in": check_in,
        "wellbeing_due": insights.wellbeing_due(request.user),
        "plan_form": PlanForm(),
    }
    return render(request, "prescriptions/feed.html", context)


def _act(request, pk, form_class, action):
    prescription = selectors.get_prescription_for_member(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.info(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _feed_or_fragment(request, prescription, status=400)
    try:
        action(prescription, form.cleaned_data)
    except services.PrescriptionError as error:
        messages.info(request, str(error))
        return _feed_or_fragment(request, prescription, status=409)
    return _feed_or_fragment(request, prescription)


@require_POST
@login_required
def plan(request, pk):
    def act(p, data):
        services.plan_prescription(prescription=p, planned_for=data["when"])
        messages.success(request, "Lovely. It's on your list.")

    return _act(request, pk, PlanForm, act)


@require_POST
@login_required
def done(request, pk):
    def act(p, data):
        services.complete_prescription(
            prescription=p, mood_after=data["mood_after"], mood_before=data.get("mood_before")
        )
        messages.success(request, "You did it. That counts.")

    return _act(request, pk, DoneForm, act)


@require_POST
@login_required
def feel(request, pk):
    def act(p, data):
        services.record_mood_after(
            prescription=p, mood_after=data["mood_after"], mood_before=data.get("mood_before")
        )
        messages.success(request, "Thank you for telling us. It helps 4C learn what lifts you.")

    return _act(request, pk, FeelForm, act)


@require_POST
@login_required
def skip(request, pk):
    def act(p, data):
        services.skip_prescription(prescription=p, reason=data["reason"])
        if data["reason"] == "not_for_me":
            messages.info(request, "Thanks for saying. 4C will offer this less.")
        else:
            messages.info(request, "Not today? That's OK.")

    return _act(request, pk, SkipForm, act)
