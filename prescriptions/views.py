from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from community import roles
from community import selectors as community_selectors
from fourc.lib.forms import refuse, say_why, status_of, submitted
from prescriptions import crisis, insights, selectors, services
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


def _answer(request, prescription, form):
    """After acting on a prescription (README, "Views"): with htmx, its card, with any
    message inside it and the form's status; otherwise the feed, by redirect when it
    went through, or drawn with the status when it didn't, what the member chose kept."""
    status = status_of(form)
    say_why(request, form)
    kept = form.data if status != 200 else None
    if request.htmx:
        prescription.refresh_from_db()
        context = {"p": prescription, "kept": kept}
        return render(request, "prescriptions/partials/prescription.html", context, status=status)
    if status == 200:
        return redirect("prescriptions:feed")
    context = {**_feed_context(request), "kept": kept, "kept_pk": prescription.pk}
    if prescription.completed_automatically and prescription.mood_after is None:
        # "how do you feel now?" again, with the moods chosen
        context.update(did_it=prescription, did_it_kept=kept)
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
    state = crisis.crisis_state(request.user, check_in=check_in)
    return {
        "open": list(selectors.open_prescriptions(request.user, crisis=state)),
        "in_crisis": state.in_crisis,
        "lines": community_selectors.active_crisis_lines() if state.in_crisis else [],
        "history": selectors.recent_history(request.user),
        "check_in": check_in,
        "wellbeing_due": selectors.wellbeing_due(request.user),
        "plan_form": PlanForm(),
    }


def _act(request, pk, form_class, action):
    """The four buttons of a card: `action(prescription, data)` calls the service and
    says what happened; a PrescriptionError is a refusal (409)."""
    prescription = selectors.get_prescription_for_member(request.user, pk)
    form = form_class(request.POST)
    if submitted(request, form):
        try:
            action(prescription, form.cleaned_data)
        except services.PrescriptionError as error:
            refuse(form, error, status=409)
    return _answer(request, prescription, form)


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
    return _moods(
        request, pk, DoneForm, services.complete_prescription,
        done="You did it. That counts.",
        already="You've already done this one. Thank you.",
    )  # fmt: skip


@require_POST
@login_required
def feel(request, pk):
    return _moods(
        request, pk, FeelForm, services.record_mood_after,
        done="Thank you for telling us. It helps 4C learn what lifts you.",
        already="You've already told us how you felt. Thank you.",
    )  # fmt: skip


def _moods(request, pk, form_class, record, *, done: str, already: str):
    """ "Done it" and "How do you feel now?": the moods go to `record`; a repeat is
    thanked, not refused."""

    def act(p, data):
        if record(
            prescription=p, mood_after=data["mood_after"], mood_before=data.get("mood_before")
        ):
            messages.success(request, done)
        else:
            messages.info(request, already)

    return _act(request, pk, form_class, act)


@require_POST
@login_required
def skip(request, pk):
    def act(p, data):
        if not services.skip_prescription(prescription=p, reason=data["reason"]):
            messages.info(request, "You've already set this one aside. That's OK.")
        elif data["reason"] == "not_for_me":
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
# selectors.get_member_for_link_worker (a 404 without consent, and only reads), then
# logs what it shows with services.log_access.


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
        {"consents": selectors.consenting_members(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_view(request, handle):
    """One member's steps and mood trend (never notes), and a form to suggest a step."""
    member = selectors.get_member_for_link_worker(request.user, handle)
    form = PrescribeForm(request.POST if request.method == "POST" else None)
    if submitted(request, form):
        activity = form.cleaned_data["activity"]
        try:
            services.prescribe_as_link_worker(
                link_worker=request.user,
                member=member,
                activity=activity,
                message=form.cleaned_data["message"],
            )
        except services.NoConsent:  # taken back a moment ago
            raise Http404("No such member.") from None
        except services.LinkWorkerError as error:
            refuse(form, error, status=409)
        else:  # the suggestion is logged by the service
            messages.success(
                request,
                f"Sent. {member.display_name} will find “{activity.title}” in their "
                "steps, with your message.",
            )
            return redirect(request.path)
    services.log_access(link_worker=request.user, member=member, what=selectors.VIEWED)
    return render(
        request,
        "prescriptions/link_worker_member.html",
        {
            "member": member,
            "overview": selectors.member_overview(member, viewer=request.user),
            "form": form,
        },
        status=status_of(form),
    )
