"""Steps that complete by themselves: the community's signals (a post, a reply, a
reaction, attendance) reach prescriptions' receivers, which complete the member's open
steps of that action, and only theirs."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from community import services as community
from prescriptions import services
from prescriptions.models import Activity, CommunityAction, Prescription, SkipReason, Status
from tests.factories import GatheringFactory, PrescriptionFactory, UserFactory

pytestmark = pytest.mark.django_db

MOOD_BEFORE = 4
SOON = timedelta(hours=2)  # gatherings start before the steps go stale


def step(member, action, *, post=None, gathering=None) -> Prescription:
    """An open step of this action, stored as record_check_in stores the engine's.

    Written directly: record_check_in lets the engine choose the activity and its
    target (from the catalogue, the community and a seed), and no service takes a chosen
    one, so a test that needs one particular step places it as the engine would."""
    activity = Activity.objects.filter(action=action, is_active=True).order_by("id").first()
    assert activity is not None, f"the catalogue has no {action} step"
    return PrescriptionFactory(
        member=member, activity=activity, post=post, gathering=gathering, mood_before=MOOD_BEFORE
    )


def status(p: Prescription) -> str:
    p.refresh_from_db()
    return p.status


def assert_done_by_itself(p: Prescription) -> None:
    p.refresh_from_db()
    assert p.status == Status.DONE
    assert p.completed_automatically is True
    assert p.completed_at is not None
    # "How do you feel now?" is the member's to answer: nothing is filled in for them.
    assert p.mood_after is None
    assert p.mood_before == MOOD_BEFORE


def in_the_gathering(gathering):
    """Ten minutes after the start: attendance can be noted."""
    return time_machine.travel(gathering.starts_at + timedelta(minutes=10), tick=False)


# --- Posts ---------------------------------------------------------------------------------


def test_writing_a_post_completes_a_write_a_post_step(consented, make_post):
    p = step(consented, CommunityAction.POST)

    make_post(consented, intent="support")

    assert_done_by_itself(p)


def test_sharing_a_win_completes_a_share_a_win_step_and_a_write_a_post_step(consented, make_post):
    win = step(consented, CommunityAction.SHARE_WIN)
    write = step(consented, CommunityAction.POST)

    make_post(consented, title="I went outside", intent="win")

    assert_done_by_itself(win)
    assert_done_by_itself(write)


@pytest.mark.parametrize("intent", ["support", "idea", "hello"])
def test_a_post_that_is_not_a_win_does_not_complete_a_share_a_win_step(
    consented, make_post, intent
):
    win = step(consented, CommunityAction.SHARE_WIN)
    write = step(consented, CommunityAction.POST)

    make_post(consented, intent=intent)

    assert status(win) == Status.SUGGESTED
    assert_done_by_itself(write)  # the post did reach prescriptions


# --- Gatherings ----------------------------------------------------------------------------


def test_taking_a_place_is_not_yet_attending(consented):
    gathering = GatheringFactory(starts_in=SOON)
    p = step(consented, CommunityAction.ATTEND, gathering=gathering)

    community.rsvp(gathering=gathering, member=consented)

    assert status(p) == Status.SUGGESTED


@pytest.mark.parametrize("marked_by", ["host", "member"])
def test_an_attend_step_for_a_gathering_completes_when_attendance_is_marked(
    consented, host, marked_by
):
    gathering = GatheringFactory(host=host, starts_in=SOON)
    p = step(consented, CommunityAction.ATTEND, gathering=gathering)
    community.rsvp(gathering=gathering, member=consented)

    with in_the_gathering(gathering):
        by = host if marked_by == "host" else consented
        assert community.mark_attended(gathering=gathering, member=consented, by=by)

    assert_done_by_itself(p)


def test_an_attend_step_for_one_gathering_is_not_completed_by_attending_another(consented):
    pointed_at = GatheringFactory(starts_in=SOON, title="Tea and quiet")
    other = GatheringFactory(starts_in=SOON, title="Walk and talk")
    p = step(consented, CommunityAction.ATTEND, gathering=pointed_at)
    community.rsvp(gathering=other, member=consented)

    with in_the_gathering(other):
        community.mark_attended(gathering=other, member=consented, by=consented)

    assert status(p) == Status.SUGGESTED


def test_an_attend_step_without_a_gathering_completes_with_any_gathering_attended(consented, host):
    gathering = GatheringFactory(host=host, starts_in=SOON)
    p = step(consented, CommunityAction.ATTEND)
    community.rsvp(gathering=gathering, member=consented)

    with in_the_gathering(gathering):
        community.mark_attended(gathering=gathering, member=consented, by=host)

    assert_done_by_itself(p)


# --- Replies -------------------------------------------------------------------------------


def test_a_reply_step_without_a_post_completes_with_any_reply(consented, other_member, make_post):
    post = make_post(other_member)
    community.post_reply(author=other_member, post=post, body="Anyone?")  # answered or not
    p = step(consented, CommunityAction.REPLY)

    community.post_reply(author=consented, post=post, body="Same here.")

    assert_done_by_itself(p)


def test_a_reply_step_for_a_post_completes_with_a_reply_to_that_post_and_not_elsewhere(
    consented, other_member, make_post
):
    pointed_at = make_post(other_member, title="Anyone else awake?")
    elsewhere = make_post(other_member, title="Small wins thread")
    p = step(consented, CommunityAction.REPLY, post=pointed_at)

    community.post_reply(author=consented, post=elsewhere, body="Well done.")
    assert status(p) == Status.SUGGESTED

    community.post_reply(author=consented, post=pointed_at, body="I'm awake too.")
    assert_done_by_itself(p)


def test_a_needs_a_reply_step_completes_with_a_reply_to_a_post_nobody_had_answered(
    consented, other_member, make_post
):
    waiting = make_post(other_member)
    p = step(consented, CommunityAction.REPLY_UNANSWERED)

    community.post_reply(author=consented, post=waiting, body="I hear you.")

    assert_done_by_itself(p)


def test_a_needs_a_reply_step_is_not_completed_by_a_reply_to_a_post_already_answered(
    consented, other_member, make_post
):
    answered = make_post(other_member)
    community.post_reply(author=UserFactory(), post=answered, body="Sending strength.")
    p = step(consented, CommunityAction.REPLY_UNANSWERED)

    community.post_reply(author=consented, post=answered, body="Me too.")

    assert status(p) == Status.SUGGESTED


def test_the_authors_own_replies_do_not_stop_a_post_from_waiting(
    consented, other_member, make_post
):
    waiting = make_post(other_member)
    community.post_reply(author=other_member, post=waiting, body="Still here, still stuck.")
    p = step(consented, CommunityAction.REPLY_UNANSWERED)

    community.post_reply(author=consented, post=waiting, body="I see you.")

    assert_done_by_itself(p)


def test_replying_in_ones_own_thread_does_not_complete_a_needs_a_reply_step(consented, make_post):
    mine = make_post(consented)
    p = step(consented, CommunityAction.REPLY_UNANSWERED)

    community.post_reply(author=consented, post=mine, body="Adding a little more.")

    assert status(p) == Status.SUGGESTED


def test_a_needs_a_reply_step_pointed_at_a_post_completes_even_if_someone_answered_first(
    consented, other_member, make_post
):
    pointed_at = make_post(other_member)
    p = step(consented, CommunityAction.REPLY_UNANSWERED, post=pointed_at)
    community.post_reply(author=UserFactory(), post=pointed_at, body="You're not alone.")

    community.post_reply(author=consented, post=pointed_at, body="Nor me.")

    assert_done_by_itself(p)


def test_a_reply_completes_a_react_step_for_that_post_but_not_for_another(
    consented, other_member, make_post
):
    pointed_at = make_post(other_member, title="First")
    other = make_post(other_member, title="Second")
    react_here = step(consented, CommunityAction.REACT, post=pointed_at)
    react_there = step(consented, CommunityAction.REACT, post=other)

    community.post_reply(author=consented, post=pointed_at, body="Thinking of you.")

    assert_done_by_itself(react_here)
    assert status(react_there) == Status.SUGGESTED


# --- Only open, fresh steps of this member -----------------------------------------------


def close(steps: list[Prescription], how: str, member) -> None:
    if how == "expired":  # a later check-in lets the engine's untaken suggestions expire
        services.record_check_in(member=member, mood=5, energy=3)
    for p in steps:
        if how == "skipped":
            services.skip_prescription(prescription=p, reason=SkipReason.NOT_NOW)
        elif how == "done by hand":
            services.complete_prescription(prescription=p, mood_after=6)


@pytest.mark.parametrize("how", ["skipped", "expired", "done by hand"])
def test_a_skipped_expired_or_done_step_is_never_completed_by_an_action(
    consented, other_member, host, make_post, how
):
    post = make_post(other_member)
    gathering = GatheringFactory(host=host, starts_in=SOON)
    steps = [
        step(consented, CommunityAction.POST),
        step(consented, CommunityAction.SHARE_WIN),
        step(consented, CommunityAction.REPLY),
        step(consented, CommunityAction.REPLY_UNANSWERED),
        step(consented, CommunityAction.REACT, post=post),
        step(consented, CommunityAction.ATTEND, gathering=gathering),
    ]
    close(steps, how, consented)
    ids = [p.pk for p in steps]
    before = list(Prescription.objects.filter(pk__in=ids).order_by("pk").values())
    assert {row["status"] for row in before} == {
        {"skipped": Status.SKIPPED, "expired": Status.EXPIRED, "done by hand": Status.DONE}[how]
    }
    community.rsvp(gathering=gathering, member=consented)

    make_post(consented, title="A good day", intent="win")
    community.post_reply(author=consented, post=post, body="Here with you.")
    community.set_reaction(member=consented, kind="hear", on=True, post=post)
    with in_the_gathering(gathering):
        community.mark_attended(gathering=gathering, member=consented, by=host)

    assert list(Prescription.objects.filter(pk__in=ids).order_by("pk").values()) == before


def test_a_suggestion_left_for_more_than_two_days_is_stale_but_a_planned_one_still_completes(
    consented, make_post
):
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        stale = step(consented, CommunityAction.POST)
        planned = step(consented, CommunityAction.POST)
        services.plan_prescription(prescription=planned)

    make_post(consented)

    assert status(stale) == Status.SUGGESTED
    assert_done_by_itself(planned)


def test_another_members_actions_never_complete_this_members_steps(
    consented, other_member, host, make_post
):
    post = make_post(UserFactory(), title="Anyone else awake?")
    gathering = GatheringFactory(host=host, starts_in=SOON)
    mine = [
        step(consented, CommunityAction.POST),
        step(consented, CommunityAction.SHARE_WIN),
        step(consented, CommunityAction.REPLY),
        step(consented, CommunityAction.REPLY, post=post),
        step(consented, CommunityAction.REPLY_UNANSWERED),
        step(consented, CommunityAction.REPLY_UNANSWERED, post=post),
        step(consented, CommunityAction.REACT),
        step(consented, CommunityAction.REACT, post=post),
        step(consented, CommunityAction.ATTEND),
        step(consented, CommunityAction.ATTEND, gathering=gathering),
    ]
    theirs = step(other_member, CommunityAction.REPLY_UNANSWERED, post=post)
    community.rsvp(gathering=gathering, member=other_member)

    make_post(other_member, title="I made tea", intent="win")
    community.post_reply(author=other_member, post=post, body="I am.")
    community.set_reaction(member=other_member, kind="hear", on=True, post=post)
    with in_the_gathering(gathering):
        community.mark_attended(gathering=gathering, member=other_member, by=host)

    assert [status(p) for p in mine] == [Status.SUGGESTED] * len(mine)
    assert_done_by_itself(theirs)  # their actions did reach prescriptions
