"""The engine's targets, read from the database: what a member may be pointed at.

The community-wide targets are cached for a minute; these tests also prove that
anything making a cached target wrong (hidden, removed, locked, answered, deleted,
cancelled, full, archived) takes it out at once, even from a check-in that read it
just before, and that a member costs the same queries whatever the size of the
community.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import roles
from community import services as community
from community.models import SpaceRead
from prescriptions import selectors, services, tasks
from prescriptions import targets as targets_module
from prescriptions.models import CheckIn
from tests.factories import (
    GatheringFactory,
    HostFactory,
    ModeratorFactory,
    RSVPFactory,
    SpaceFactory,
    UserFactory,
)

HEAVY = "keep_to_myself"


def targets(member):
    check_in = CheckIn(member=member, mood=4, energy=2, urge=HEAVY, note="")
    _, _, found = selectors.engine_inputs(member, check_in=check_in)
    return found


def waiting_ids(member):
    return [t.id for t in targets(member).waiting_posts]


def gathering_ids(member):
    return [t.id for t in targets(member).gatherings]


# --- Posts waiting for a reply ---------------------------------------------------------


@pytest.mark.django_db
def test_a_post_waiting_for_a_reply_is_a_target_but_never_the_members_own(
    member, other_member, make_post
):
    theirs = make_post(other_member)
    mine = make_post(member)

    assert waiting_ids(member) == [theirs.pk]
    assert mine.pk in waiting_ids(other_member)


@pytest.mark.django_db
@pytest.mark.parametrize("anonymous", [False, True])
@pytest.mark.parametrize("direction", ["they blocked", "blocked them"])
def test_a_blocked_members_post_is_never_a_target_even_anonymous(
    member, other_member, make_post, anonymous, direction
):
    post = make_post(other_member, is_anonymous=anonymous)
    assert waiting_ids(member) == [post.pk]  # cached now

    if direction == "they blocked":
        community.block_member(blocker=other_member, blocked=member)
    else:
        community.block_member(blocker=member, blocked=other_member)

    assert waiting_ids(member) == []


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["hidden", "removed", "locked", "answered", "archived"])
def test_a_cached_target_that_stops_waiting_or_showing_goes_at_once(
    member, other_member, moderator, make_post, space, change
):
    post = make_post(other_member)
    assert waiting_ids(member) == [post.pk]  # the pool is in the cache now

    if change == "hidden":
        community.hide_content(content=post, moderator=moderator)
    elif change == "removed":
        community.remove_post(post=post, member=other_member)
    elif change == "locked":
        community.set_post_flag(post=post, moderator=moderator, flag="is_locked", value=True)
    elif change == "answered":
        community.post_reply(author=UserFactory(), post=post, body="I'm here.")
    else:
        space.is_archived = True
        space.save()

    assert waiting_ids(member) == []


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["by a moderator", "with its author"])
def test_a_deleted_post_goes_at_once(member, other_member, make_post, how):
    post = make_post(other_member)
    assert waiting_ids(member) == [post.pk]

    if how == "by a moderator":
        post.delete()
    else:
        other_member.delete()

    assert waiting_ids(member) == []


@pytest.mark.django_db
def test_a_pool_read_before_a_change_is_never_taken_for_current(
    member, other_member, moderator, make_post
):
    post = make_post(other_member)
    targets(member)
    read_before = cache.get(targets_module.WAITING)

    community.hide_content(content=post, moderator=moderator)
    # A slow check-in that read the posts before the change stores what it read.
    cache.set(targets_module.WAITING, read_before, 60)

    assert waiting_ids(member) == []


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["a crisis check-in", "a reply in crisis words"])
def test_a_crisis_takes_its_authors_waiting_posts_out_at_once_without_a_new_pool(
    member, other_member, make_post, how, django_assert_num_queries
):
    post = make_post(other_member)
    assert waiting_ids(member) == [post.pk]  # the pools are in the cache now

    if how == "a crisis check-in":
        services.give_consent(member=other_member)
        services.record_check_in(member=other_member, mood=1, energy=1, note="I want to die.")
    else:
        # In their own thread: nobody answered it, so only the crisis moves anything.
        community.post_reply(author=other_member, post=post, body="I want to die.")

    # The one of every check-in, and the crisis set built again (two queries): the
    # waiting pool is kept, and read against it.
    with django_assert_num_queries(3):
        assert waiting_ids(member) == []


@pytest.mark.django_db
@pytest.mark.parametrize("calmer", ["post", "reply"])
def test_removing_calmer_words_after_crisis_words_takes_the_authors_posts_out_at_once(
    member, other_member, make_post, calmer
):
    waiting = make_post(other_member)
    if calmer == "post":  # the crisis words, then calmer ones, of the same kind
        make_post(other_member, title="Crisis", body="I want to die.")
        later = make_post(other_member, title="Calmer", body="A better hour.")
    else:
        thread = make_post(member)
        community.post_reply(author=other_member, post=thread, body="I want to die.")
        later = community.post_reply(author=other_member, post=thread, body="Better now.")
    assert waiting.pk in waiting_ids(member)  # calmer words came last: not in crisis

    if calmer == "post":
        community.remove_post(post=later, member=other_member)
    else:
        community.remove_reply(reply=later, member=other_member)

    assert waiting.pk not in waiting_ids(member)  # the crisis words are the latest again


@pytest.mark.django_db
def test_a_post_edited_into_crisis_words_goes_at_once(member, other_member, make_post):
    with time_machine.travel(timezone.now() - timedelta(days=5)):
        post = make_post(other_member)
    assert waiting_ids(member) == [post.pk]

    community.edit_post(
        post=post, editor=other_member, title=post.title, body="I want to die.",
        intent=post.intent, content_warning="",
    )  # fmt: skip

    assert waiting_ids(member) == []  # written five days ago: its author is not "in crisis now"


@pytest.mark.django_db
def test_a_change_of_the_crisis_phrases_reaches_the_targets_at_once(
    member, other_member, make_post
):
    post = make_post(other_member, body="The silver harbour again.")
    assert waiting_ids(member) == [post.pk]

    community.add_crisis_phrase(family="hopeless", pattern="silver harbour", by=ModeratorFactory())
    community.rematch_crisis_words()  # the task queued after the commit

    assert waiting_ids(member) == []


@pytest.mark.django_db
def test_the_beats_refresh_spares_check_ins_the_building(
    member, other_member, make_post, moderator, django_assert_num_queries
):
    first = make_post(other_member)
    targets(member)  # this process's copies, a minute from now too old
    later = timezone.now() + timedelta(seconds=targets_module.POOL_SECONDS + 1)
    with time_machine.travel(later):
        second = make_post(other_member, title="Still here")
        # The minute-long values; the prior, built a minute ago, lives ten.
        assert tasks.refresh_shared_values() == sorted(
            [*targets_module.POOLS, targets_module.CATALOGUE]
        )
        targets_module._copies.clear()  # as in another process

        # Only the one of every check-in: the young copies come from the cache.
        with django_assert_num_queries(1):
            assert waiting_ids(member) == [first.pk, second.pk]

        community.hide_content(content=first, moderator=moderator)  # forgets, as ever
        assert waiting_ids(member) == [second.pk]


@pytest.mark.django_db
def test_the_beat_builds_the_long_lived_prior_only_when_it_would_grow_too_old():
    every = timedelta(seconds=30)  # settings.CELERY_BEAT_SCHEDULE's shared-values-refresh
    minute_long = sorted([*targets_module.POOLS, targets_module.CATALOGUE])
    start = timezone.now()
    with time_machine.travel(start):
        assert targets_module.PRIOR in selectors.refresh_shared_values(every=every)

    # Each refresh builds the minute-long values again, not the ten-minute prior...
    for seconds in (30, 60, selectors.PRIOR_SECONDS - 61):
        with time_machine.travel(start + timedelta(seconds=seconds)):
            assert selectors.refresh_shared_values(every=every) == minute_long

    # ... until it would be too old before the refresh after next.
    due = start + timedelta(seconds=selectors.PRIOR_SECONDS - 2 * every.seconds)
    with time_machine.travel(due):
        assert selectors.refresh_shared_values(every=every) == sorted(
            [*minute_long, targets_module.PRIOR]
        )


@pytest.mark.django_db
def test_a_refresh_overtaken_by_a_change_keeps_no_copy(
    member, other_member, make_post, monkeypatch
):
    make_post(other_member)
    targets(member)
    stored = cache.get(targets_module.WAITING)
    build, seconds = targets_module.POOLS[targets_module.WAITING]

    def build_then_a_change():
        rows = build()
        targets_module.forget(targets_module.WAITING)  # a post hidden while it built
        return rows

    monkeypatch.setitem(
        targets_module.POOLS, targets_module.WAITING, (build_then_a_change, seconds)
    )
    tasks.refresh_shared_values()

    assert cache.get(targets_module.WAITING) == stored  # the overtaken copy wasn't stored


@pytest.mark.django_db
def test_a_new_post_joins_the_targets_within_a_minute(member, other_member, make_post):
    first = make_post(other_member)
    assert waiting_ids(member) == [first.pk]

    second = make_post(other_member, title="Still here")

    with time_machine.travel(timezone.now() + timedelta(seconds=targets_module.POOL_SECONDS + 1)):
        assert waiting_ids(member) == [first.pk, second.pk]


@pytest.mark.django_db
def test_an_answer_elsewhere_keeps_the_pool(
    member, other_member, make_post, django_assert_num_queries
):
    waiting = make_post(other_member)
    answered = make_post(other_member, title="Answered already")
    community.post_reply(author=UserFactory(), post=answered, body="Hello.")
    targets(member)  # fills the cache

    community.post_reply(author=UserFactory(), post=answered, body="Me too.")

    # The member's rows (steps, crisis words with recent check-ins, facts, friends'
    # posts): no pool to rebuild.
    with django_assert_num_queries(1):
        assert [t.id for t in targets(member).waiting_posts] == [waiting.pk]


@pytest.mark.django_db
def test_waiting_posts_come_from_spaces_the_member_follows_or_has_read(
    member, member_client, other_member, make_post
):
    elsewhere, followed, read = SpaceFactory.create_batch(3)
    oldest = make_post(other_member, space=elsewhere)
    in_followed = make_post(other_member, space=followed)
    in_read = make_post(other_member, space=read)
    # A newcomer who knows no space yet is shown the whole community.
    assert waiting_ids(member) == [oldest.pk, in_followed.pk, in_read.pk]

    community.follow_space(member=member, space=followed)
    member_client.get(f"/spaces/{read.slug}/")

    assert waiting_ids(member) == [in_followed.pk, in_read.pk]


@pytest.mark.django_db
def test_a_waiting_gatherings_discussion_is_not_a_target(member, space):
    GatheringFactory(space=space)

    assert waiting_ids(member) == []


# --- Reading a space -----------------------------------------------------------------------


@pytest.mark.django_db
def test_reading_a_post_marks_its_space_read_once_an_hour(
    member, member_client, other_member, make_post, space
):
    post = make_post(other_member)

    member_client.get(post.get_absolute_url())
    first = SpaceRead.objects.get(member=member, space=space).read_at
    with CaptureQueriesContext(connection) as again:
        member_client.get(post.get_absolute_url())

    assert SpaceRead.objects.get(member=member, space=space).read_at == first
    assert not [q for q in again.captured_queries if "space_read" in q["sql"]]


@pytest.mark.django_db
def test_reading_works_while_the_cache_is_down(
    member, member_client, other_member, make_post, monkeypatch
):
    post = make_post(other_member)

    def down(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(cache, "add", down)

    assert member_client.get(post.get_absolute_url()).status_code == 200
    assert not SpaceRead.objects.exists()


@pytest.mark.django_db
def test_withdrawing_consent_forgets_which_spaces_were_read(
    member, member_client, other_member, make_post
):
    services.give_consent(member=member)
    member_client.get(make_post(other_member).get_absolute_url())
    assert SpaceRead.objects.filter(member=member).exists()

    services.withdraw_consent(member=member)

    assert not SpaceRead.objects.filter(member=member).exists()


@pytest.mark.django_db
def test_visitors_mark_nothing(client, other_member, make_post):
    client.get(make_post(other_member).get_absolute_url())

    assert not SpaceRead.objects.exists()


# --- Gatherings ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_gathering_this_week_with_places_is_a_target(member, space):
    soon = GatheringFactory(space=space, capacity=5)
    GatheringFactory(space=space, starts_in=timedelta(days=8))

    assert gathering_ids(member) == [soon.pk]


@pytest.mark.django_db
def test_a_gathering_that_fills_up_goes_at_once(member, space):
    gathering = GatheringFactory(space=space, capacity=1)
    assert gathering_ids(member) == [gathering.pk]

    community.rsvp(gathering=gathering, member=UserFactory())

    assert gathering_ids(member) == []


@pytest.mark.django_db
def test_a_cancelled_gathering_goes_at_once(member, space):
    host = HostFactory()
    gathering = GatheringFactory(host=host, space=space)
    assert gathering_ids(member) == [gathering.pk]

    community.cancel_gathering(gathering=gathering, by=host)

    assert gathering_ids(member) == []


@pytest.mark.django_db
def test_no_gathering_they_host_hold_a_place_in_or_whose_host_is_blocked(member, space):
    community.assign_role(member=member, role=roles.HOSTS)
    mine = GatheringFactory(host=member, space=space, title="Mine")
    going = GatheringFactory(space=space, title="Going")
    blocked_host = HostFactory()
    blocked = GatheringFactory(host=blocked_host, space=space, title="Blocked")
    open_one = GatheringFactory(space=space)
    assert set(gathering_ids(member)) == {going.pk, blocked.pk, open_one.pk}
    assert mine.pk in gathering_ids(UserFactory())

    community.rsvp(gathering=going, member=member)
    community.block_member(blocker=blocked_host, blocked=member)

    assert gathering_ids(member) == [open_one.pk]


@pytest.mark.django_db
def test_a_gathering_that_started_is_not_a_target(member, space):
    gathering = GatheringFactory(space=space, starts_in=timedelta(hours=1))
    assert gathering_ids(member) == [gathering.pk]

    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert gathering_ids(member) == []  # even from the cached pool


# --- People they've talked with -----------------------------------------------------------


@pytest.mark.django_db
def test_a_recent_named_post_by_someone_they_talked_with_is_a_target(
    member, other_member, make_post
):
    stranger = UserFactory()
    their_question = make_post(member)
    community.post_reply(author=other_member, post=their_question, body="Same here.")
    named = make_post(other_member, title="My garden")
    make_post(other_member, title="Quietly", is_anonymous=True)
    make_post(stranger, title="Stranger")

    assert [t.id for t in targets(member).friends_posts] == [named.pk]

    community.block_member(blocker=member, blocked=other_member)

    assert targets(member).friends_posts == ()


@pytest.mark.django_db
def test_a_friends_gathering_discussion_is_not_a_friends_post(member, space, make_post):
    host = HostFactory()
    community.post_reply(author=host, post=make_post(member), body="Same here.")
    gathering = GatheringFactory(host=host, space=space)

    assert gathering.discussion_id
    assert targets(member).friends_posts == ()
    assert gathering_ids(member) == [gathering.pk]


@pytest.mark.django_db
def test_friends_are_those_of_the_last_replies_each_way(member, make_post):
    """The people someone talked with lately: those in their last PARTNER_REPLIES named
    replies each way, so a check-in costs the same however sociable they are."""
    limit = targets_module.PARTNER_REPLIES
    mine = make_post(member)
    people = [UserFactory() for _ in range(limit + 1)]
    for i, person in enumerate(people):
        with time_machine.travel(timezone.now() + timedelta(minutes=i)):
            community.post_reply(author=person, post=mine, body="Same here.")
    later = timezone.now() + timedelta(hours=1)
    posts = {}
    for i, person in enumerate(reversed(people)):  # the first replier's post is the newest
        with time_machine.travel(later + timedelta(minutes=i)):
            posts[person] = make_post(person, title=f"By {i}")

    with time_machine.travel(later + timedelta(hours=1)):
        found = {t.id for t in targets(member).friends_posts}

    # The newest TARGETS_PER_KIND of the last `limit` repliers' posts; the first replier,
    # now outside the last `limit`, no longer counts, though theirs is the newest post.
    assert posts[people[0]].pk not in found
    assert len(found) == min(limit, targets_module.TARGETS_PER_KIND)
    assert found <= {posts[person].pk for person in people[1:]}


# --- Cost ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("many", [1, 50])
def test_a_member_costs_the_same_queries_however_big_the_community(
    member, make_post, space, many, django_assert_num_queries
):
    friend = UserFactory()
    community.post_reply(author=friend, post=make_post(member), body="Hi")
    community.follow_space(member=member, space=space)
    for i in range(many):
        other = UserFactory()
        make_post(other, title=f"Waiting {i}")
        make_post(friend, title=f"Friend's {i}")
        community.block_member(blocker=member, blocked=UserFactory())
        community.follow_space(member=member, space=SpaceFactory(slug=f"space-{i}"))
        RSVPFactory(gathering=GatheringFactory(space=space, title=f"G{i}"), member=member)
    targets(member)  # the community-wide pool is cached from here on

    # The member's rows (steps, crisis words with recent check-ins, facts, friends'
    # posts; who is in crisis now is shared, cached with the pools).
    with django_assert_num_queries(1):
        found = targets(member)

    # Strangers' posts and the friend's wait for a reply too.
    assert len(found.waiting_posts) == min(2 * many, targets_module.TARGETS_PER_KIND)
    assert len(found.friends_posts) == min(many, targets_module.TARGETS_PER_KIND)


@pytest.mark.django_db
def test_targets_are_read_while_the_cache_is_down(member, other_member, make_post, monkeypatch):
    post = make_post(other_member)

    def down(*args, **kwargs):
        raise ConnectionError("the cache is down")

    for name in ("get_many", "set", "add", "incr"):
        monkeypatch.setattr(cache, name, down)

    assert waiting_ids(member) == [post.pk]
    community.hide_content(content=post, moderator=ModeratorFactory())  # forgets, quietly
    assert waiting_ids(member) == []
