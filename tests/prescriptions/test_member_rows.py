"""A check-in reads its member's own rows in one query (prescriptions/rows.py,
selectors.MEMBER_NOW): their steps, their words and check-ins, their facts, their
friends' posts, each kind in the one shape, and nobody else's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services as community
from prescriptions import crisis, rows, selectors, targets
from prescriptions.models import Prescription
from tests.factories import (
    ActivityFactory,
    BlockFactory,
    CheckInFactory,
    PrescriptionFactory,
    SpaceFollowFactory,
    UserFactory,
)

NONE6 = (None,) * 6  # a Row's columns of a friend's post


def member_now(member, now):
    return rows.read(
        selectors.MEMBER_NOW.run(
            member=member,
            since=now - timedelta(days=selectors.LEARNING_DAYS),
            signs_since=crisis.signs_since(now),
            friends_since=targets.friends_since(now),
        )
    )


def everything_of(member, other_member, make_post):
    """One of each kind of row for `member` (`other_member` a friend of theirs)."""
    step = PrescriptionFactory(
        member=member,
        activity=ActivityFactory(way="give"),
        status="done",
        mood_before=3,
        mood_after=6,
    )
    check_in = CheckInFactory(member=member, mood=2, note="A hard day.")
    post = make_post(member, title="Mine", body="I want to die.")
    reply = community.post_reply(author=member, post=make_post(other_member), body="Same here.")
    follow = SpaceFollowFactory(member=member)
    BlockFactory(blocker=UserFactory(), blocked=member)
    friends = make_post(other_member, title="A small win", intent="win")
    return step, check_in, post, reply, follow, friends


@pytest.mark.django_db
def test_every_kind_comes_back_in_one_query_in_its_columns(
    member, other_member, make_post, django_assert_num_queries
):
    step, check_in, post, reply, follow, friends = everything_of(member, other_member, make_post)
    now = timezone.now()

    with django_assert_num_queries(1):
        found = member_now(member, now)

    by_kind = {}
    for row in found:
        by_kind.setdefault(row.kind, []).append(row)
    # (The check-in's own suggestions are steps too.)
    assert (
        rows.Row("step", step.created_at, step.activity_id, 3, None, "give", "done", "", *NONE6)
        in by_kind["step"]
    )
    assert by_kind["check_in"] == [
        rows.Row("check_in", check_in.created_at, check_in.pk, 2, False, None, None, None, *NONE6)
    ]
    assert [(r.ref, r.flag) for r in by_kind["post"]] == [(post.pk, True)]
    assert [(r.ref, r.flag) for r in by_kind["reply"]] == [(reply.pk, False)]
    assert [r.ref for r in by_kind[targets.FOLLOWED]] == [follow.space_id]
    assert len(by_kind[targets.BLOCKED]) == 1
    # The member replied to the friend's first post: their newest is a friend's post.
    (friend_row,) = [r for r in by_kind[targets.FRIEND_POST] if r.ref == friends.pk]
    assert friend_row._replace(at=None) == rows.Row(
        targets.FRIEND_POST, None, friends.pk, None, False, None, None, None,
        "A small win", friends.space.name, "win", other_member.time_zone, False, other_member.pk,
    )  # fmt: skip


@pytest.mark.django_db
def test_another_members_rows_never_come_back(member, other_member, make_post):
    everything_of(other_member, UserFactory(), make_post)

    assert member_now(member, timezone.now()) == []


@pytest.mark.django_db
def test_the_rules_read_the_same_from_the_one_query_as_from_their_own(
    member, other_member, make_post
):
    everything_of(member, other_member, make_post)
    now = timezone.now()
    check_in = CheckInFactory.build(member=member, mood=5, energy=3, created_at=now)
    found = member_now(member, now)

    assert targets.member_facts(member, rows=found) == targets.member_facts(member)
    assert crisis.crisis_and_low_day(
        member, check_in=check_in, now=now, signs=found
    ) == crisis.crisis_and_low_day(member, check_in=check_in, now=now)
    assert crisis.crisis_and_low_day(member, check_in=check_in, now=now)[0].in_crisis


@pytest.mark.django_db
def test_old_steps_stay_out(member):
    PrescriptionFactory(member=member)
    Prescription.objects.update(
        created_at=timezone.now() - timedelta(days=selectors.LEARNING_DAYS + 1)
    )

    assert member_now(member, timezone.now()) == []


def test_a_branch_refuses_a_column_the_shape_has_not():
    with pytest.raises(ValueError, match="mood"):
        rows.branch(Prescription.objects.all(), "step", mood="mood_before")


@pytest.mark.django_db
def test_the_communitys_prior_is_the_mean_lift_of_steps_done_with_both_moods():
    talk = ActivityFactory(way="connect")
    call = ActivityFactory(way="connect")
    walk = ActivityFactory(way="be_active")
    for activity, before, after in ((talk, 2, 4), (talk, 3, 4), (call, 4, 3), (walk, 1, 5)):
        PrescriptionFactory(activity=activity, status="done", mood_before=before, mood_after=after)
    PrescriptionFactory(activity=walk, status="done", mood_before=2)  # no lift: no after
    PrescriptionFactory(activity=walk, status="skipped", mood_before=1, mood_after=5)
    PrescriptionFactory(activity=ActivityFactory(way="give"))  # never done

    by_activity, by_way = selectors._community_prior()

    assert by_activity == {talk.pk: (1.5, 2), call.pk: (-1.0, 1), walk.pk: (4.0, 1)}
    assert by_way == {"connect": (2 / 3, 3), "be_active": (4.0, 1)}


def test_each_member_shares_the_communitys_prior_until_it_is_built_again():
    # The engine works out each activity's prior once for the same dicts
    # (engine._community_priors), so every member's state gets the same dicts from one
    # shared prior, and new dicts from a prior built again.
    prior = ({7: (1.5, 4)}, {"connect": (0.5, 10)})
    rebuilt = ({7: (-1.0, 5)}, {"connect": (0.5, 10)})

    first, again = selectors._prior_fields(prior), selectors._prior_fields(prior)
    after = selectors._prior_fields(rebuilt)

    assert again is first
    assert first["community_activity_lift"] == {7: 1.5}
    assert first["community_activity_times"] == {7: 4}
    assert first["community_way_lift"] == {"connect": 0.5}
    assert after["community_activity_lift"] == {7: -1.0}
    assert after["community_activity_times"] == {7: 5}
