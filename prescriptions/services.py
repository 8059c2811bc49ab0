"""Actions on prescriptions: consent, check-ins, the engine's suggestions, doing them.

Health data (check-ins, moods, notes) is written only here, for its member.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from community.models import Post, Reply, User
from prescriptions import engine, insights, selectors
from prescriptions.models import (
    CONSENT_VERSION,
    OPEN_STATUSES,
    Activity,
    CheckIn,
    CommunityAction,
    Consent,
    Prescription,
    SkipReason,
    Status,
)

STALE_AFTER = timedelta(days=2)


class PrescriptionError(Exception):
    """An action that can't happen now; the message is safe to show the member."""


class NeedsConsent(PrescriptionError):
    pass


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
    urges, notes, the moods kept on prescriptions, wellbeing answers). Returns how many
    check-ins went."""
    Consent.objects.filter(member=member, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    mine = Prescription.objects.filter(member=member)
    mine.filter(status__in=OPEN_STATUSES).update(status=Status.EXPIRED)
    # Moods, and the engine's reasons (they repeat the urge) and score parts, go too.
    mine.update(mood_before=None, mood_after=None, completed_automatically=False, score_parts={})
    mine.filter(prescriber__isnull=True).update(reason="A small step.")
    insights.erase_wellbeing(member)
    erased, _ = CheckIn.objects.filter(member=member).delete()
    return erased


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
) -> tuple[CheckIn, engine.Plan]:
    """Stores a check-in (consent first) and today's suggestions from the engine.

    Earlier suggestions the member didn't take up expire; planned ones stay.
    """
    User.objects.select_for_update().get(pk=member.pk)  # one check-in at a time per member
    if not selectors.has_consent(member):
        raise NeedsConsent("Please agree to keeping your check-ins first.")
    check_in = CheckIn.objects.create(
        member=member, mood=mood, energy=energy, urge=urge, note=note
    )
    # The engine's untaken suggestions make way; a link worker's stay until done or skipped.
    Prescription.objects.filter(
        member=member, status=Status.SUGGESTED, prescriber__isnull=True
    ).update(status=Status.EXPIRED)
    state, catalogue, targets = selectors.engine_inputs(member, check_in=check_in)
    plan = engine.suggest(state, catalogue, targets, seed=check_in.pk if seed is None else seed)
    if plan.in_crisis:
        check_in.in_crisis = True
        check_in.save(update_fields=["in_crisis"])
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
    """Marks it done by hand, with the mood now. Completing twice changes nothing."""
    if prescription.status == Status.DONE:
        raise PrescriptionError("You've already done this one. Thank you.")
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


def record_mood_after(
    *, prescription: Prescription, mood_after: int, mood_before: int | None = None
) -> bool:
    """ "How do you feel now?" after a prescription was done (by hand or by itself)."""
    if prescription.status != Status.DONE:
        raise PrescriptionError("You can say how you feel once it's done.")
    if prescription.mood_after is not None:
        raise PrescriptionError("You've already told us how you felt. Thank you.")
    if not selectors.has_consent(prescription.member):
        raise NeedsConsent("Moods are kept only with your consent to keeping check-ins.")
    fields = {"mood_after": mood_after}
    if prescription.mood_before is None and mood_before is not None:
        fields["mood_before"] = mood_before  # e.g. a link worker's step, with no check-in
    return bool(
        Prescription.objects.filter(pk=prescription.pk, mood_after__isnull=True).update(**fields)
    )


def skip_prescription(*, prescription: Prescription, reason: str) -> bool:
    """ "Not now" or "Not for me" (which teaches the engine). Skipping is always fine."""
    if reason not in SkipReason.values:
        raise PrescriptionError("Choose not now or not for me.")
    if not prescription.is_open:
        raise PrescriptionError("This one is already finished.")
    return bool(
        Prescription.objects.filter(pk=prescription.pk, status__in=OPEN_STATUSES).update(
            status=Status.SKIPPED, skip_reason=reason
        )
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
