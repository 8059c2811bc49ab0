from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from community import roles
from community import selectors as community_selectors
from fourc.lib import ratelimit
from fourc.lib.forms import (
    refuse,
    require_form_page,
    require_page,
    say_why,
    status_of,
    submitted,
)
from prescriptions import crisis, insights, selectors, services
from prescriptions.context_processors import NOT_NOW_KEY, today_for
from prescriptions.forms import (
    CheckInForm,
    ConsentForm,
    DoneForm,
    FeelForm,
    InviteForm,
    OfferAgainForm,
    PlanForm,
    PrescribeForm,
    RevokeForm,
    SkipForm,
    TellForm,
    WellbeingForm,
    plan_choices,
)

# (limit, seconds) per member: far above what anyone does by hand
CHECK_IN_LIMIT = (30, 3600)  # check-ins, and agreeing to keep them
STEP_LIMIT = (120, 3600)  # a step's buttons: plan, done, how you feel, skip
WELLBEING_LIMIT = (10, 3600)
HEALTH_DATA_LIMIT = (10, 3600)
LINK_WORKER_LIMIT = (30, 3600)  # inviting a link worker and stopping them
SUGGESTION_LIMIT = (60, 3600)  # a link worker's suggested steps


def _answer(request, prescription, form):
    """After acting on a prescription (README, "Views"): with htmx, its card, with any
    message inside it and the form's status; otherwise the feed, by redirect when it
    went through, or drawn with the status when it didn't, what the member chose kept."""
    status = status_of(form)
    say_why(request, form)
    kept = form.data if status != 200 else None
    if request.htmx:
        prescription.refresh_from_db()
        context = {
            "p": prescription,
            "kept": kept,
            "plan_choices": plan_choices(zone=request.user.tzinfo),
        }
        return render(request, "prescriptions/partials/prescription.html", context, status=status)
    if status == 200:
        return redirect("prescriptions:feed")
    context = {**_feed_context(request), "kept": kept, "kept_pk": prescription.pk}
    if prescription.completed_automatically and prescription.mood_after is None:
        # "how do you feel now?" again, with the moods chosen
        context.update(did_it=prescription, did_it_kept=kept)
    return render(request, "prescriptions/feed.html", context, status=status)


@require_form_page
@login_required
@ratelimit.limit("check-in", CHECK_IN_LIMIT)
def check_in(request):
    form = CheckInForm(request.POST or None)
    if submitted(request, form):
        try:
            _, plan = services.record_check_in(member=request.user, **form.cleaned_data)
        except services.NeedsConsent as error:  # not agreed yet, or taken back in another tab
            refuse(form, error, status=403)
        else:
            return _checked_in(request, plan)
    return _render_check_in(request, form, ConsentForm(), status_of(form))


def _checked_in(request, plan):
    if not plan.in_crisis:  # in crisis the feed leads with who to contact, nothing else
        messages.success(request, "Thank you for checking in. Here are a few small steps.")
    return redirect("prescriptions:feed")


def _render_check_in(request, form, consent_form, status):
    """The check-in page; without consent, the consent form, which carries a check-in
    refused for want of it (hidden), so agreeing checks in with what was chosen."""
    context = {
        "form": form,
        "has_consent": selectors.has_consent(request.user),
        "consent_form": consent_form,
    }
    return render(request, "prescriptions/check_in.html", context, status=status)


@require_POST
@login_required
@ratelimit.limit("check-in", CHECK_IN_LIMIT)
def consent(request):
    form = ConsentForm(request.POST)
    carried = CheckInForm(request.POST if "mood" in request.POST else None)
    if submitted(request, form):
        services.give_consent(member=request.user)
        if carried.is_bound and carried.is_valid():
            _, plan = services.record_check_in(member=request.user, **carried.cleaned_data)
            return _checked_in(request, plan)
        return redirect("prescriptions:check-in")
    return _render_check_in(request, carried, form, status_of(form))


@require_form_page
@login_required
@ratelimit.limit("health-data", HEALTH_DATA_LIMIT)
def health_data(request):
    form = Form(request.POST if request.method == "POST" else None)  # only a button
    if submitted(request, form):
        erased = services.withdraw_consent(member=request.user)
        messages.success(
            request,
            f"Done. We've erased your check-ins ({erased}). "
            "You can start again whenever you like.",
        )
        return redirect("prescriptions:health-data")
    say_why(request, form)
    return render(
        request,
        "prescriptions/health_data.html",
        {"has_consent": selectors.has_consent(request.user)},
        status=status_of(form),
    )


@require_page
@login_required
def feed(request):
    """The member's open steps, and what became of the earlier ones: the last seven
    days, then older ones a page at a time (`after`, a signed cursor; broken: 400)."""
    return render(request, "prescriptions/feed.html", _feed_context(request))


def _feed_context(request) -> dict:
    now = timezone.now()
    cursor = request.GET.get("after")
    history = selectors.step_history(request.user, cursor=cursor, now=now)
    check_in = selectors.latest_check_in(request.user)
    state = crisis.crisis_state(request.user, check_in=check_in)
    # A low day, or a sinking week, is named kindly; in a crisis the help lines lead alone.
    calm = check_in is not None and not state.in_crisis
    return {
        "low_day": calm and crisis.supportive_mode(request.user, check_in=check_in),
        **(_hard_week(request.user) if calm else {}),
        "open": list(selectors.open_prescriptions(request.user, crisis=state)),
        "in_crisis": state.in_crisis,
        "lines": community_selectors.active_crisis_lines() if state.in_crisis else [],
        "history": history,
        "history_days": selectors.by_day(history.items, zone=request.user.tzinfo, now=now),
        "older": bool(cursor),
        "check_in": check_in,
        "wellbeing_due": selectors.wellbeing_due(request.user),
        "plan_choices": plan_choices(zone=request.user.tzinfo, now=now),
    }


def _act(request, pk, make_form, action, *, crisis_step=False):
    """A card's buttons: `action(prescription, data)` calls the service and says what
    happened; a PrescriptionError is a refusal (409). The crisis step has one answer,
    "I've reached out" (`crisis_step=True`): plan, done, feel and skip refuse it (409)
    whatever was sent, so nothing asks it for a mood or a plan."""
    prescription = selectors.get_prescription_for_member(request.user, pk)
    form = make_form(request.POST)
    if prescription.is_crisis_step and not crisis_step:
        form = Form(request.POST)  # only the refusal: none of the fields belong here
        refuse(form, services.CRISIS_STEP_ONLY, status=409)
    elif submitted(request, form):
        try:
            action(prescription, form.cleaned_data)
        except services.PrescriptionError as error:
            refuse(form, error, status=409)
    return _answer(request, prescription, form)


@require_POST
@login_required
@ratelimit.limit("step", STEP_LIMIT)
def plan(request, pk):
    """ "I'll do it" now, or "Plan it for later" (this evening, tomorrow morning or a
    time they choose, in their zone): the step is planned either way."""

    def act(p, data):
        services.plan_prescription(prescription=p, planned_for=data["planned_for"])
        messages.success(request, "Lovely. It's on your list.")

    return _act(request, pk, partial(PlanForm, zone=request.user.tzinfo), act)


FELT = "Thank you for telling us. It helps 4C learn what lifts you."


@require_POST
@login_required
@ratelimit.limit("step", STEP_LIMIT)
def done(request, pk):
    """ "Done it" with the moods. Already done (a double tap, or 4C noticed it by itself
    while the card was open): thanked, not refused, and the moods are kept if the step
    has none yet, as "How do you feel now?" would."""

    said = {
        services.DONE_NOW: (messages.success, "You did it. That counts."),
        services.FELT: (messages.success, FELT),
        services.ALREADY: (messages.info, "You've already done this one. Thank you."),
    }

    def act(p, data):
        say, words = said[services.mark_done(prescription=p, **data)]
        say(request, words)

    return _act(request, pk, DoneForm, act)


@require_POST
@login_required
@ratelimit.limit("step", STEP_LIMIT)
def feel(request, pk):
    """ "How do you feel now?" after a step done by itself; a repeat is thanked. "Not
    now" (`not_now`) asks nothing more today: the session keeps the member's date."""
    if request.POST.get("not_now"):
        return _not_now(request, pk)

    def act(p, data):
        moods = {"mood_after": data["mood_after"], "mood_before": data["mood_before"]}
        if services.record_mood_after(prescription=p, **moods):
            messages.success(request, FELT)
        else:
            messages.info(request, "You've already told us how you felt. Thank you.")

    return _act(request, pk, FeelForm, act)


@require_POST
@login_required
@ratelimit.limit("step", STEP_LIMIT)
def skip(request, pk):
    def act(p, data):
        if not services.skip_prescription(prescription=p, reason=data["reason"]):
            messages.info(request, "You've already set this one aside. That's OK.")
        elif data["reason"] == "not_for_me":
            messages.info(request, "Thanks for saying. 4C will offer this less.")
        else:
            messages.info(request, "Not today? That's OK.")

    return _act(request, pk, SkipForm, act)


NOT_NOW_BACK = {"home": "home", "feed": "prescriptions:feed"}


def _not_now(request, pk):
    selectors.get_prescription_for_member(request.user, pk)  # anyone else's is a 404
    request.session[NOT_NOW_KEY] = today_for(request.user)
    messages.info(request, "Not now? That's OK. 4C won't ask again today.")
    return redirect(NOT_NOW_BACK.get(request.POST.get("back"), "prescriptions:feed"))


REACHED_OUT = (
    "Thank you for reaching out. That took courage. "
    "The lines are still here whenever you need them."
)


@require_POST
@login_required
@ratelimit.limit("step", STEP_LIMIT)
def reached_out(request, pk):
    """ "I've reached out", the crisis step's one answer: done, no mood asked. A repeat
    is answered as calmly; any other step is refused (409). The message carries the way
    to the help page."""

    def act(p, data):
        if services.mark_reached_out(prescription=p):
            messages.info(request, REACHED_OUT, extra_tags="crisis")
        else:
            messages.info(request, f"You've told us already. {REACHED_OUT}", extra_tags="crisis")

    return _act(request, pk, Form, act, crisis_step=True)


# --- Insights and the wellbeing check ----------------------------------------------


@require_page
@login_required
def insights_page(request):
    now = timezone.now()
    context = {**insights.insights_for(request.user, now=now), **_hard_week(request.user, now)}
    return render(request, "prescriptions/insights.html", context)


def _hard_week(member, now=None) -> dict:
    """Whether their mood has been sinking this week, and the link workers they may tell
    (partials/hard_week.html). Two queries, sinking or not, so a page's count never
    depends on how the member's week went."""
    return {
        "sinking": selectors.mood_sinking(member, now=now),
        "tell": selectors.link_workers_to_tell(member, now=now),
    }


@require_POST
@login_required
@ratelimit.limit("link-worker", LINK_WORKER_LIMIT)
def tell_link_worker(request):
    """ "Let <name> know" this week has been hard, from the feed or the insights page:
    a repeat within the week is thanked, not sent again (README, "Views")."""
    member = request.user
    form = TellForm(request.POST, consents=selectors.link_workers_to_tell(member))
    if submitted(request, form):
        link_worker = form.cleaned_data["link_worker"]
        name = link_worker.display_name
        try:
            told = services.tell_link_worker_this_week_is_hard(
                member=member, link_worker=link_worker
            )
        except services.NoConsent as error:  # their access ended a moment ago
            refuse(form, error, status=409)
        else:
            if told:
                messages.success(request, f"Done. {name} knows this week has been hard.")
            else:
                messages.info(request, f"{name} already knows this week has been hard.")
            return redirect(form.back_to())
    say_why(request, form)
    if form.back_to() == TellForm.BACK["insights"]:
        now = timezone.now()
        context = {**insights.insights_for(member, now=now), **_hard_week(member, now)}
        return render(request, "prescriptions/insights.html", context, status=status_of(form))
    return render(
        request, "prescriptions/feed.html", _feed_context(request), status=status_of(form)
    )


# --- "Not for me", in the member's hands --------------------------------------------


@require_form_page
@login_required
@ratelimit.limit("step", STEP_LIMIT)
def not_for_me(request):
    """The steps the member said "not for me" to in the last 90 days, each with "Offer it
    again". An activity with nothing to undo (a repeat, or one never set aside) is a
    kind no-op, and nobody else's steps are ever read or changed."""
    form = OfferAgainForm(request.POST if request.method == "POST" else None)
    if submitted(request, form):
        activity = form.cleaned_data["activity"]
        if services.undo_not_for_me(member=request.user, activity=activity):
            messages.success(request, f"Done. 4C may offer “{activity.title}” again.")
        else:
            messages.info(
                request, f"“{activity.title}” isn't set aside, so there was nothing to change."
            )
        return redirect("prescriptions:not-for-me")
    say_why(request, form)
    return render(
        request,
        "prescriptions/not_for_me.html",
        {"set_aside": selectors.not_for_me(request.user)},
        status=status_of(form),
    )


@require_form_page
@login_required
@ratelimit.limit("wellbeing", WELLBEING_LIMIT)
def wellbeing(request):
    """The four questions when they are due; the service says no without consent (403)
    or within 28 days of the last answers (409, a double submit included)."""
    member = request.user
    form = WellbeingForm(request.POST or None)
    if submitted(request, form):
        try:
            services.record_wellbeing(member=member, **form.cleaned_data)
        except services.NeedsConsent as error:
            refuse(form, error, status=403)
        except services.NotDue as error:
            refuse(form, error, status=409)
        else:
            messages.success(
                request,
                "Thank you for answering. Your wellbeing over time is at the end of this page.",
            )
            return redirect("prescriptions:insights")
    last = selectors.latest_wellbeing_at(member)
    context = {
        "has_consent": selectors.has_consent(member),
        "due": selectors.wellbeing_is_due(last, timezone.now()),
        "last": last,
        "next": selectors.next_wellbeing_at(last),
    }
    if context["due"] or form.errors:  # the questions, or why they aren't asked now
        context["form"] = form
    return render(request, "prescriptions/wellbeing.html", context, status=status_of(form))


# --- Link workers ------------------------------------------------------------------
# Every page that shows a member's data to a link worker goes through
# selectors.get_member_for_link_worker (a 404 without consent, and only reads), then
# logs what it shows with services.log_access.


@require_form_page
@login_required
@ratelimit.limit("link-worker", LINK_WORKER_LIMIT)
def member_settings(request):
    """Invite a link worker by handle, stop their access, and see every access. The
    page has two forms; the POST's `action` says which one was sent."""
    member = request.user
    consents = selectors.link_workers_for(member)
    action = request.POST.get("action") if request.method == "POST" else None
    invite_form = InviteForm(request.POST if action == "invite" else None, member=member)
    revoke_form = RevokeForm(request.POST if action == "revoke" else None, consents=consents)
    sent = {"invite": invite_form, "revoke": revoke_form}.get(action)
    if submitted(request, invite_form):
        handle = invite_form.cleaned_data["handle"]
        try:
            consent = services.invite_link_worker(member=member, handle=handle)
        except services.LinkWorkerError as error:  # e.g. their role changed a moment ago
            refuse(invite_form, error, status=409)
        else:
            _say_invited(request, consent, already={c.link_worker.handle for c in consents})
            return redirect(request.path)
    elif submitted(request, revoke_form):
        link_worker = revoke_form.cleaned_data["link_worker"]
        services.revoke_link_worker(member=member, link_worker=link_worker)
        messages.success(
            request,
            f"Done. {link_worker.display_name} can't see your steps or your mood any more.",
        )
        return redirect(request.path)
    elif request.method == "POST" and sent is None:  # neither form: a page from long ago?
        sent = Form(request.POST)
        sent.add_error(None, "Something went missing from that form. Please try again.")
        say_why(request, sent)
    return render(
        request,
        "prescriptions/link_workers.html",
        {
            "consents": consents,
            "invite_form": invite_form,
            "revoke_form": revoke_form,
            "access_log": selectors.access_log(member),
        },
        status=status_of(sent) if sent is not None else 200,
    )


def _say_invited(request, consent, *, already: set[str]) -> None:
    name = consent.link_worker.display_name
    if consent.link_worker.handle in already:  # a repeat: nothing changed
        messages.info(request, f"{name} already has access. Nothing has changed.")
    else:
        messages.success(
            request,
            f"{name} can now see your steps and your mood over time. They never see your "
            "private notes. You can stop this whenever you like.",
        )


@require_page
@login_required
def caseload(request):
    """The members who have given this link worker access, each with a gentle flag
    when their mood has been sinking this week (two queries, however many)."""
    if not roles.is_link_worker(request.user):
        raise PermissionDenied("This page is for link workers.")
    consents = selectors.consenting_members(request.user)
    return render(
        request,
        "prescriptions/link_worker_caseload.html",
        {
            "consents": consents,
            # Within their consent: they may see these members' mood over time.
            "sinking": selectors.members_sinking(c.member_id for c in consents),
        },
    )


@require_form_page
@login_required
@ratelimit.limit("suggest", SUGGESTION_LIMIT)
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
