from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from community import roles
from community import selectors as community_selectors
from prescriptions import insights, selectors, services
from prescriptions.forms import (
    CheckInForm,
    ConsentForm,
    DoneForm,
    FeelForm,
    InviteForm,
    PlanForm,
    PrescribeForm,
    RevokeForm,
    SkipForm,
    WellbeingForm,
)


def _answer(request, prescription, *, status=200, refused=None):
    """After acting on a prescription. For htmx, its card with any message inside it.
    Otherwise the feed: a redirect when it worked; when it was refused, the page itself
    with the 4xx status and what the member chose kept in the card's form.

    htmx doesn't swap 4xx answers by default: the `Fourc-Fragment` header tells
    static/js/fourc.js that this one is a card meant to be shown in place."""
    if refused is not None:
        prescription.kept = refused.data
    if request.htmx:
        prescription.refresh_from_db()
        response = render(
            request, "prescriptions/partials/prescription.html", {"p": prescription}, status=status
        )
        response["Fourc-Fragment"] = "card"
        return response
    if refused is None:
        return redirect("prescriptions:feed")
    context = _feed_context(request)
    for p in context["open"]:
        if p.pk == prescription.pk:
            p.kept = refused.data
    if prescription.completed_automatically and prescription.mood_after is None:
        context["did_it"] = prescription  # "how do you feel now?", with the moods kept
    return render(request, "prescriptions/feed.html", context, status=status)


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
    return render(request, "prescriptions/feed.html", _feed_context(request))


def _feed_context(request) -> dict:
    check_in = selectors.latest_check_in(request.user)
    crisis = selectors.crisis_state(request.user, check_in=check_in)
    return {
        "open": list(selectors.open_prescriptions(request.user, crisis=crisis)),
        "in_crisis": crisis.in_crisis,
        "lines": community_selectors.active_crisis_lines() if crisis.in_crisis else [],
        "history": selectors.recent_history(request.user),
        "check_in": check_in,
        "wellbeing_due": selectors.wellbeing_due(request.user),
        "plan_form": PlanForm(),
    }


def _act(request, pk, form_class, action):
    prescription = selectors.get_prescription_for_member(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.info(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _answer(request, prescription, status=400, refused=form)
    try:
        action(prescription, form.cleaned_data)
    except services.PrescriptionError as error:
        messages.info(request, str(error))
        return _answer(request, prescription, status=409, refused=form)
    return _answer(request, prescription)


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


# --- Insights and the wellbeing check ----------------------------------------------


@login_required
def insights_page(request):
    context = insights.insights_for(request.user, now=timezone.now())
    return render(request, "prescriptions/insights.html", context)


@login_required
def wellbeing(request):
    member = request.user
    if not selectors.has_consent(member):
        return render(
            request,
            "prescriptions/wellbeing.html",
            {"has_consent": False},
            status=403 if request.method == "POST" else 200,
        )
    last = selectors.latest_wellbeing_at(member)
    context = {
        "has_consent": True,
        "due": selectors.wellbeing_is_due(last, timezone.now()),
        "last": last,
        "next": selectors.next_wellbeing_at(last),
    }
    if request.method != "POST":
        if context["due"]:
            context["form"] = WellbeingForm()
        return render(request, "prescriptions/wellbeing.html", context)
    if not context["due"]:
        messages.info(request, "You've already answered these recently. Thank you.")
        return render(request, "prescriptions/wellbeing.html", context, status=409)
    form = WellbeingForm(request.POST)
    if not form.is_valid():
        return render(
            request, "prescriptions/wellbeing.html", {**context, "form": form}, status=400
        )
    try:
        services.record_wellbeing(member=member, **form.cleaned_data)
    except services.PrescriptionError as error:  # consent withdrawn, or a double submit, meanwhile
        messages.info(request, str(error))
        return redirect("prescriptions:wellbeing")
    messages.success(
        request, "Thank you for answering. Your wellbeing over time is at the end of this page."
    )
    return redirect("prescriptions:insights")


# --- Link workers ------------------------------------------------------------------
# Every page that shows a member's data to a link worker goes through
# services.get_member_for_link_worker (a 404 without consent; logs the access).


def _url_name(request, name: str) -> str:
    """The view name in whichever namespace these views are mounted under."""
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    return f"{namespace}:{name}" if namespace else name


@login_required
@require_http_methods(["GET", "POST"])
def member_settings(request):
    """Invite a link worker by handle, stop their access, and see every access."""
    member = request.user
    consents = selectors.link_workers_for(member)
    invite_form = InviteForm(member=member)
    revoke_form = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "invite":
            invite_form = InviteForm(request.POST, member=member)
            if invite_form.is_valid():
                return _invite(request, invite_form.cleaned_data["handle"], consents)
        elif action == "revoke":
            revoke_form = RevokeForm(request.POST, consents=consents)
            if revoke_form.is_valid():
                link_worker = revoke_form.cleaned_data["link_worker"]
                services.revoke_link_worker(member=member, link_worker=link_worker)
                messages.success(
                    request,
                    f"Done. {link_worker.display_name} can't see your steps or your mood "
                    "any more.",
                )
                return redirect(request.path)
        else:
            messages.info(request, "Something went missing from that form. Please try again.")
        status = 400
    return render(
        request,
        "prescriptions/link_workers.html",
        {
            "consents": consents,
            "invite_form": invite_form,
            "revoke_form": revoke_form,
            "access_log": selectors.access_log(member),
        },
        status=status,
    )


def _invite(request, handle, consents):
    already = {c.link_worker.handle for c in consents}
    try:
        consent = services.invite_link_worker(member=request.user, handle=handle)
    except services.LinkWorkerError as error:  # e.g. their role changed a moment ago
        messages.info(request, str(error))
        return redirect(request.path)
    name = consent.link_worker.display_name
    if handle in already:
        messages.info(request, f"{name} already has access. Nothing has changed.")
    else:
        messages.success(
            request,
            f"{name} can now see your steps and your mood over time. They never see your "
            "private notes. You can stop this whenever you like.",
        )
    return redirect(request.path)


@login_required
@require_http_methods(["GET"])
def caseload(request):
    """The members who have given this link worker access."""
    if not roles.is_link_worker(request.user):
        raise PermissionDenied("This page is for link workers.")
    return render(
        request,
        "prescriptions/link_worker_caseload.html",
        {
            "consents": selectors.consenting_members(request.user),
            "member_url_name": _url_name(request, "link-worker-member"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_view(request, handle):
    """One member's steps and mood trend (never notes), and a form to suggest a step."""
    status = 200
    if request.method == "POST":
        # Suggesting logs itself; the page only logs a look if it shows their data again.
        member = services.get_member_for_link_worker(
            link_worker=request.user, handle=handle, what=None
        )
        form = PrescribeForm(request.POST)
        if form.is_valid():
            activity = form.cleaned_data["activity"]
            try:
                services.prescribe_as_link_worker(
                    link_worker=request.user,
                    member=member,
                    activity=activity,
                    message=form.cleaned_data["message"],
                )
            except services.NoConsent:
                raise Http404("No such member.") from None
            except services.LinkWorkerError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"Sent. {member.display_name} will find “{activity.title}” in their "
                    "steps, with your message.",
                )
                return redirect(request.path)
        services.log_access(link_worker=request.user, member=member, what=selectors.VIEWED)
        status = 400
    else:
        member = services.get_member_for_link_worker(link_worker=request.user, handle=handle)
        form = PrescribeForm()
    return render(
        request,
        "prescriptions/link_worker_member.html",
        {
            "member": member,
            "overview": selectors.member_overview(member, viewer=request.user),
            "form": form,
            "caseload_url_name": _url_name(request, "caseload"),
        },
        status=status,
    )
