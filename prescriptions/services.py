"""Actions on prescriptions: consent, check-ins, the engine's suggestions, doing them,
the wellbeing check, and link workers (invite, revoke, look, suggest).

Health data (check-ins, moods, notes, wellbeing answers) is written only here, for
its member.
"""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from community import roles, safety
from community import services as community
from community.handles import is_handle, normalise_handle
from community.models import HANDLE_MAX, HANDLE_MIN, Notification, Post, Reply, SpaceRead, User
from community.text import validate_plain_text
from fourc.lib import once
from prescriptions import crisis, engine, selectors, targets
from prescriptions.models import (
    CONSENT_VERSION,
    OPEN_STATUSES,
    SCALE_MAX,
    SCALE_MIN,
    Activity,
    CheckIn,
    CommunityAction,
    Consent,
    LinkWorkerAccess,
    LinkWorkerConsent,
    Prescription,
    SkipReason,
    Status,
    WellbeingSurvey,
)
from prescriptions.nudges import services as nudges

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(days=2)


class PrescriptionError(Exception):
    """An action that can't happen now; the message is safe to show the member."""


class NeedsConsent(PrescriptionError):
    pass


class NotDue(PrescriptionError):
    """The wellbeing questions were answered less than 28 days ago."""


class LinkWorkerError(PrescriptionError):
    """Something a link worker or member can't do; the message is safe to show."""


class NoConsent(LinkWorkerError):
    """The member hasn't given (or has taken back) their consent."""


# --- Consent ----------------------------------------------------------------------


def give_consent(*, member: User) -> Consent:
    """Records the member's consent to keeping their check-ins. A repeat changes nothing."""
    current = Consent.objects.filter(
        member=member, version=CONSENT_VERSION, withdrawn_at__isnull=True
    ).first()
    return current or Consent.objects.create(member=member, version=CONSENT_VERSION)


@transaction.atomic
def withdraw_consent(*, member: User) -> int:
    """Withdraws consent and erases the member's check-in history (moods, energy,
    urges, notes, the moods kept on prescriptions, wellbeing answers), and which spaces
    they read (kept only to choose their steps). Returns how many check-ins went."""
    Consent.objects.filter(member=member, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    mine = Prescription.objects.filter(member=member)
    mine.filter(status__in=OPEN_STATUSES).update(status=Status.EXPIRED)
    # Moods, and the engine's reasons (they repeat the urge) and score parts, go too.
    mine.update(mood_before=None, mood_after=None, completed_automatically=False, score_parts={})
    mine.filter(prescriber__isnull=True).update(reason="A small step.")
    erase_wellbeing(member=member)
    SpaceRead.objects.filter(member=member).delete()
    erased, _ = CheckIn.objects.filter(member=member).delete()
    return erased


# --- A member deleting their account (community.deletion) --------------------------------


@transaction.atomic
def erase_health_data(*, member: User) -> None:
    """Everything prescriptions keeps about the member, erased when they confirm
    deleting their account, before the wait: check-ins (moods, notes), steps (and their
    "not for me"), wellbeing answers, consent records, the link workers they invited and
    the log of their looks, a "this week is hard" note to a link worker, and their email
    preferences and history (so no email reaches them while they wait). A repeat finds
    nothing and changes nothing."""
    Prescription.objects.filter(member=member).delete()
    CheckIn.objects.filter(member=member).delete()
    WellbeingSurvey.objects.filter(member=member).delete()
    Consent.objects.filter(member=member).delete()
    LinkWorkerConsent.objects.filter(member=member).delete()
    LinkWorkerAccess.objects.filter(member=member).delete()
    told = Notification.objects.filter(actor=member, kind=selectors.MOOD_SINKING_SHARED)
    community.count_unread(told.filter(read_at__isnull=True), change=-1)
    told.delete()
    nudges.forget_member(member=member)
    targets.forget(targets.IN_CRISIS)


REMATCH_BATCH = 2_000


def rematch_latest_check_ins(*, since=None) -> int:
    """After the crisis phrases changed (or from the beat, for those made `since`): each
    member's latest check-in whose note is in crisis words now becomes a crisis one, as
    crisis_state already reads it from its note, so everyone_in_crisis (which reads
    in_crisis alone) says the same. Never the other way: a check-in that was in crisis
    stays one. Returns how many changed."""
    matches = safety.build().matches
    notes = crisis.latest_check_ins().filter(in_crisis=False).exclude(note="")
    if since is not None:
        notes = notes.filter(created_at__gte=since)
    found = [
        pk
        for pk, note in notes.values_list("pk", "note").iterator(chunk_size=REMATCH_BATCH)
        if matches(note)
    ]
    changed = 0
    for start in range(0, len(found), REMATCH_BATCH):
        batch = found[start : start + REMATCH_BATCH]
        changed += CheckIn.objects.filter(pk__in=batch).update(in_crisis=True)
    return changed


@transaction.atomic
def forget_link_worker(*, member: User) -> None:
    """When an account is erased, as a link worker: the members who invited them no longer
    have them, their look log says "a link worker who has left 4C", and the steps they
    suggested no longer carry their name (the steps stay: they are the members')."""
    LinkWorkerConsent.objects.filter(link_worker=member).delete()
    LinkWorkerAccess.objects.filter(link_worker=member).update(link_worker=None)
    Prescription.objects.filter(prescriber=member).update(reason="From your link worker.")


# --- Check-ins and the engine ----------------------------------------------------------


@transaction.atomic
def record_check_in(
    *,
    member: User,
    mood: int,
    energy: int,
    urge: str = "",
    note: str = "",
    seed: int | None = None,
    submit_key: str | None = None,
) -> tuple[CheckIn, engine.Plan]:
    """Stores a check-in (consent first) and today's suggestions from the engine.

    Earlier suggestions the member didn't take up expire; planned ones stay.
    Once per submit (`fourc.lib.once`): a repeat of `submit_key` returns the first
    check-in, with no new suggestions (they came the first time), and changes nothing.
    """
    User.objects.select_for_update().get(pk=member.pk)  # one check-in at a time per member
    if (first := once.made(CheckIn, submit_key, member=member)) is not None:
        return _made_already(first)
    if not selectors.has_consent(member):
        raise NeedsConsent("Please agree to keeping your check-ins first.")
    check_in, created = once.create(
        CheckIn, submit_key, owner="member",
        member=member, mood=mood, energy=energy, urge=urge, note=note,
    )  # fmt: skip
    if not created:
        return _made_already(check_in)
    # The engine's untaken suggestions make way; a link worker's stay until done or skipped.
    Prescription.objects.filter(
        member=member, status=Status.SUGGESTED, prescriber__isnull=True
    ).update(status=Status.EXPIRED)
    state, catalogue, found = selectors.engine_inputs(member, check_in=check_in)
    plan = engine.suggest(state, catalogue, found, seed=check_in.pk if seed is None else seed)
    if plan.in_crisis:
        check_in.in_crisis = True
        check_in.save(update_fields=["in_crisis"])
        targets.forget(targets.IN_CRISIS)  # their posts are nobody's step now
    Prescription.objects.bulk_create(
        [
            Prescription(
                member=member,
                activity_id=s.activity.id,
                post_id=s.target.id if s.target and s.target.kind == "post" else None,
                gathering_id=s.target.id if s.target and s.target.kind == "gathering" else None,
                reason=s.reason[:300],
                score_parts=s.score_parts,
                check_in=check_in,
                mood_before=check_in.mood,
            )
            for s in plan.suggestions
        ]
    )
    return check_in, plan


def _made_already(check_in: CheckIn) -> tuple[CheckIn, engine.Plan]:
    """A repeated check-in's answer: the first one, and nothing new to suggest."""
    return check_in, engine.Plan(in_crisis=check_in.in_crisis, suggestions=())


# --- Doing them --------------------------------------------------------------------------


def plan_prescription(*, prescription: Prescription, planned_for=None) -> bool:
    """ "I'll do it": now (no time) or at a time. Returns False when it isn't open."""
    if not prescription.is_open:
        raise PrescriptionError("This one is already finished.")
    updated = Prescription.objects.filter(pk=prescription.pk, status__in=OPEN_STATUSES).update(
        status=Status.PLANNED, planned_for=planned_for
    )
    return bool(updated)


def complete_prescription(
    *, prescription: Prescription, mood_after: int | None = None, mood_before: int | None = None
) -> bool:
    """Marks it done by hand, with the mood now (kept only with consent).

    Returns False, touching nothing, when it is already done: a double tap or a second
    tab is a repeat, not a mistake. Raises when it was skipped or has expired, since
    there is nothing to finish. The conditional UPDATE keeps a race to one completion."""
    if prescription.status == Status.DONE:
        return False
    if not prescription.is_open:
        raise PrescriptionError(
            "This one was skipped or has expired, so there's nothing to finish."
        )
    fields = {"status": Status.DONE, "completed_at": timezone.now()}
    if selectors.has_consent(prescription.member):  # moods are health data: consent first
        fields["mood_after"] = mood_after
        if prescription.mood_before is None and mood_before is not None:
            fields["mood_before"] = mood_before
    return bool(
        Prescription.objects.filter(pk=prescription.pk, status__in=OPEN_STATUSES).update(**fields)
    )


DONE_NOW, FELT, ALREADY = "done", "felt", "already"


def mark_done(
    *, prescription: Prescription, mood_after: int | None = None, mood_before: int | None = None
) -> str:
    """ "Done it" with the moods. DONE_NOW when it is done now; FELT when it was done
    already (4C noticed it by itself while the card was open) and these are the first
    moods it hears of it; ALREADY otherwise (a double tap). The moods a member chose are
    never dropped while the step has none. Raises as complete_prescription does."""
    moods = {"mood_after": mood_after, "mood_before": mood_before}
    if complete_prescription(prescription=prescription, **moods):
        return DONE_NOW
    prescription.refresh_from_db()  # False may also be a race lost a moment ago
    if (
        mood_after is not None
        and prescription.mood_after is None
        and selectors.has_consent(prescription.member)
        and record_mood_after(prescription=prescription, **moods)
    ):
        return FELT
    return ALREADY


def record_mood_after(
    *, prescription: Prescription, mood_after: int, mood_before: int | None = None
) -> bool:
    """ "How do you feel now?" after a prescription was done (by hand or by itself).

    Returns False, touching nothing, when the mood after is already there: the first
    answer stands, and a repeat can't overwrite it (the UPDATE checks it is still empty).
    Raises when the step isn't done, or without consent to keep moods."""
    if prescription.status != Status.DONE:
        raise PrescriptionError("You can say how you feel once it's done.")
    if prescription.mood_after is not None:
        return False
    if not selectors.has_consent(prescription.member):
        raise NeedsConsent("Moods are kept only with your consent to keeping check-ins.")
    fields = {"mood_after": mood_after}
    if prescription.mood_before is None and mood_before is not None:
        fields["mood_before"] = mood_before  # e.g. a link worker's step, with no check-in
    return bool(
        Prescription.objects.filter(pk=prescription.pk, mood_after__isnull=True).update(**fields)
    )


def skip_prescription(*, prescription: Prescription, reason: str) -> bool:
    """ "Not now" or "Not for me" (which teaches the engine). Skipping is always fine.

    Returns False, touching nothing, when it is already skipped (the first reason
    stands). Raises when it was done or has expired: there is nothing to skip."""
    if reason not in SkipReason.values:
        raise PrescriptionError("Choose not now or not for me.")
    if prescription.status == Status.SKIPPED:
        return False
    if not prescription.is_open:
        raise PrescriptionError("This one is already finished.")
    return bool(
        Prescription.objects.filter(pk=prescription.pk, status__in=OPEN_STATUSES).update(
            status=Status.SKIPPED, skip_reason=reason
        )
    )


# --- The crisis step: "I've reached out" ------------------------------------------------

CRISIS_STEP_ONLY = (
    "This step is only about reaching a person, so 4C asks nothing else about it. When "
    "you have, you can say so with “I've reached out”. The lines are still here whenever "
    "you need them."
)


def mark_reached_out(*, prescription: Prescription) -> bool:
    """ "I've reached out": the one answer to the crisis step (the others refuse it). It
    becomes done, with no mood asked or kept: nothing about it is scored or cheered.

    Returns False, touching nothing, when it is already done (a double tap, a second
    tab). Raises for any other step, and for a crisis step a newer check-in closed. The
    conditional UPDATE keeps a race to one."""
    if not prescription.is_crisis_step:
        raise PrescriptionError(
            "“I've reached out” is only for the step towards a person. This step has its "
            "own buttons."
        )
    if prescription.status == Status.DONE:
        return False
    if not prescription.is_open:
        raise PrescriptionError(
            "This step has closed, so there's nothing to mark. If you reached out, thank "
            "you for telling us. The lines are still here whenever you need them."
        )
    return bool(
        Prescription.objects.filter(pk=prescription.pk, status__in=OPEN_STATUSES).update(
            status=Status.DONE, completed_at=timezone.now()
        )
    )


def undo_not_for_me(*, member: User, activity: Activity) -> bool:
    """ "Offer it again": the member's "not for me" to this activity become "not now", so
    the engine counts them no more (they stay skipped: what happened, happened). Only
    the member's own steps change. Returns False, changing nothing, when there was no
    "not for me" to undo (a repeat, or an activity they never set aside)."""
    return bool(
        Prescription.objects.filter(
            member=member,
            activity=activity,
            status=Status.SKIPPED,
            skip_reason=SkipReason.NOT_FOR_ME,
        ).update(skip_reason=SkipReason.NOT_NOW)
    )


# --- Automatic completion (called by the receivers of community signals) ----------------


def _complete_automatically(prescriptions) -> int:
    return prescriptions.filter(status__in=OPEN_STATUSES).update(
        status=Status.DONE, completed_at=timezone.now(), completed_automatically=True
    )


def _open_for(member: User, *actions: str):
    """Open steps that an action can complete: a suggestion left for days has gone stale
    (its mood before no longer says how they were); a planned one waits its time."""
    fresh = Q(status=Status.PLANNED) | Q(created_at__gte=timezone.now() - STALE_AFTER)
    return Prescription.objects.filter(
        fresh, member=member, status__in=OPEN_STATUSES, activity__action__in=actions
    )


def complete_on_reply(*, reply: Reply, post: Post) -> int:
    """A reply completes reply prescriptions on that post (or any post, without a target);
    "reply to someone waiting" needs the post to have been waiting until this reply."""
    member = reply.author
    was_waiting = post.author_id != member.pk and post.first_reply_at in (None, reply.created_at)
    actions = [CommunityAction.REPLY]
    if was_waiting:
        actions.append(CommunityAction.REPLY_UNANSWERED)
    open_ = _open_for(member, *actions)
    # On the post they were pointed at, any reply counts (even if someone answered first),
    # and a reply is more than the reaction a step asked for.
    on_target = _open_for(
        member, CommunityAction.REPLY, CommunityAction.REPLY_UNANSWERED, CommunityAction.REACT
    ).filter(post=post)
    return _complete_automatically(on_target) + _complete_automatically(
        open_.filter(post__isnull=True)
    )


def complete_on_reaction(*, member: User, post: Post | None, reply: Reply | None) -> int:
    target_post = post or (reply.post if reply else None)
    open_ = _open_for(member, CommunityAction.REACT)
    return _complete_automatically(open_.filter(post=target_post)) + _complete_automatically(
        open_.filter(post__isnull=True)
    )


def complete_on_post(*, post: Post) -> int:
    actions = [CommunityAction.POST]
    if post.intent == "win":
        actions.append(CommunityAction.SHARE_WIN)
    return _complete_automatically(_open_for(post.author, *actions))


def complete_on_attendance(*, member: User, gathering) -> int:
    open_ = _open_for(member, CommunityAction.ATTEND)
    return _complete_automatically(open_.filter(gathering=gathering)) + _complete_automatically(
        open_.filter(gathering__isnull=True)
    )


def prescribe_by_hand(*, member: User, activity: Activity, prescriber: User, message: str = ""):
    """A link worker's prescription (consent is checked by the caller's accessor)."""
    return Prescription.objects.create(
        member=member,
        activity=activity,
        prescriber=prescriber,
        personal_message=message,
        reason=f"From {prescriber.display_name}, your link worker.",
    )


# --- Wellbeing -------------------------------------------------------------------


@transaction.atomic
def record_wellbeing(
    *, member, life_satisfaction: int, worthwhile: int, happy: int, anxious: int
) -> WellbeingSurvey:
    """Keeps the member's answers to the four wellbeing questions (each 0 to 10).

    Needs their health-data consent, and one set of answers per 28 days: the member's row
    is locked first, so a double submit keeps one."""
    answers = {
        "life_satisfaction": life_satisfaction,
        "worthwhile": worthwhile,
        "happy": happy,
        "anxious": anxious,
    }
    for name, value in answers.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number from 0 to 10.")
        if not SCALE_MIN <= value <= SCALE_MAX:
            raise ValueError(f"{name} must be from 0 to 10.")
    if not selectors.has_consent(member):
        raise NeedsConsent(
            "Your answers are kept with your check-ins, so 4C needs your agreement first."
        )
    get_user_model().objects.select_for_update().only("pk").get(pk=member.pk)
    now = timezone.now()
    if not selectors.wellbeing_is_due(selectors.latest_wellbeing_at(member), now):
        raise NotDue("You've already answered these recently. Thank you.")
    return WellbeingSurvey.objects.create(member=member, created_at=now, **answers)


def erase_wellbeing(*, member: User) -> int:
    """Erases every wellbeing answer of the member (when they withdraw consent).
    Returns how many sets of answers went."""
    erased, _ = WellbeingSurvey.objects.filter(member=member).delete()
    return erased


# --- Link workers ----------------------------------------------------------------
# A member invites a link worker by handle and can stop their access at any time.
# With consent, the link worker sees the member's steps and mood trend (never notes)
# and can suggest a step with a personal message. Every access is logged, and the
# member sees the log.

MESSAGE_MAX = 500


def log_access(*, link_worker: User, member: User, what: str) -> LinkWorkerAccess:
    """Writes one line of the member's access log: `what` the link worker saw or did.
    Called by every page that shows a link worker the member's data, after
    selectors.get_member_for_link_worker has checked consent. Each look is its own line,
    so a repeat is a second line, as it should be."""
    return LinkWorkerAccess.objects.create(link_worker=link_worker, member=member, what=what)


def find_link_worker(*, handle: str) -> User:
    """The active member in the Link workers group with this handle, or a clear error."""
    handle = normalise_handle(handle)
    if not handle:
        raise LinkWorkerError("Type your link worker's handle, such as @jordan.")
    if not is_handle(handle):
        raise LinkWorkerError(
            f"A handle has {HANDLE_MIN} to {HANDLE_MAX} letters, numbers or underscores, "
            "such as @jordan. "
            "Your link worker can tell you theirs."
        )
    found = User.objects.filter(handle=handle, is_active=True).prefetch_related("groups").first()
    if found is None:
        raise LinkWorkerError(
            f"We couldn't find anyone with the handle @{handle}. "
            "Could you check it with your link worker?"
        )
    if not roles.is_link_worker(found):
        raise LinkWorkerError(
            f"@{handle} isn't a link worker on 4C, so they can't be invited here. "
            "Only link workers can see your steps."
        )
    return found


def invite_link_worker(*, member: User, handle: str) -> LinkWorkerConsent:
    """Gives the link worker with this handle access to the member's steps and mood
    trend (never notes). Inviting someone who already has access changes nothing."""
    link_worker = find_link_worker(handle=handle)
    if link_worker.pk == member.pk:
        raise LinkWorkerError(
            "That's your own handle. Invite the link worker you're working with."
        )
    current = selectors.active_link_worker_consents(member=member, link_worker=link_worker).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return LinkWorkerConsent.objects.create(member=member, link_worker=link_worker)
    except IntegrityError:  # invited twice at once: the other request won
        return selectors.active_link_worker_consents(member=member, link_worker=link_worker).get()


def revoke_link_worker(*, member: User, link_worker: User) -> bool:
    """Ends the link worker's access at once. Returns False when they had none."""
    return bool(
        selectors.active_link_worker_consents(member=member, link_worker=link_worker).update(
            revoked_at=timezone.now()
        )
    )


def _clean_message(message: str) -> str:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise LinkWorkerError(
            f"Your message is {len(message)} characters. Please keep it to {MESSAGE_MAX}."
        )
    try:
        validate_plain_text(message)
    except ValidationError as error:
        raise LinkWorkerError(" ".join(error.messages)) from None
    return message


@transaction.atomic
def prescribe_as_link_worker(
    *, link_worker: User, member: User, activity: Activity, message: str = ""
):
    """Suggests a step to a member who consented, with a personal message, and logs it."""
    message = _clean_message(message)
    if not activity.is_active:
        raise LinkWorkerError("That activity has been retired. Choose another from the list.")
    # Lock the consent, so a revoke at the same moment waits and this sees it.
    consent = (
        selectors.active_link_worker_consents(
            member=member, link_worker=link_worker, member__is_active=True
        )
        .select_for_update(of=("self",))
        .first()
    )
    if consent is None or not roles.is_link_worker(link_worker):
        raise NoConsent("This member hasn't given you access.")
    prescription = prescribe_by_hand(
        member=member, activity=activity, prescriber=link_worker, message=message
    )
    log_access(link_worker=link_worker, member=member, what=f"suggested “{activity.title}”")
    return prescription


@transaction.atomic
def tell_link_worker_this_week_is_hard(*, member: User, link_worker: User, now=None) -> bool:
    """The member's choice to let a link worker they invited know this week has been
    hard: a 4C notification that names the member and nothing else (no mood, no note).
    Only to an active link worker whose consent is active (NoConsent otherwise); once a
    week per link worker: a repeat within 7 days returns False and sends nothing. The
    consent is locked first, so two taps at once send one."""
    now = now or timezone.now()
    consent = (
        selectors.active_link_worker_consents(
            member=member,
            link_worker=link_worker,
            member__is_active=True,
            link_worker__is_active=True,
        )
        .select_for_update(of=("self",))
        .first()
    )
    if consent is None or not roles.is_link_worker(link_worker):
        raise NoConsent("They can't see your steps now, so 4C can't tell them.")
    already = Notification.objects.filter(
        kind=selectors.MOOD_SINKING_SHARED,
        actor=member,
        recipient=link_worker,
        created_at__gte=now - selectors.SINKING_WINDOW,
    )
    if already.exists():
        return False
    told = Notification.objects.create(
        recipient=link_worker, kind=selectors.MOOD_SINKING_SHARED, actor=member, created_at=now
    )
    community.count_unread(Notification.objects.filter(pk=told.pk), change=1)
    return True
