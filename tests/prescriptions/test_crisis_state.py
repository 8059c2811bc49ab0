"""The one crisis rule (prescriptions.crisis): in crisis while the
latest check-in was a crisis one, or the latest post or reply of the last two days is
in crisis words; each lifted by a calmer one. The feed, the engine and every "how do
you feel now?" ask it."""

import html
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from community import services as community
from prescriptions import crisis, services
from prescriptions.models import CRISIS_SLUG, CheckIn
from tests.factories import CheckInFactory

CRISIS_WORDS = "I want to die."


@pytest.mark.django_db
def test_a_member_with_calm_words_is_not_in_crisis(member, make_post):
    CheckInFactory(member=member, note="Tired, but OK.")
    make_post(member, body="A slow day.")

    assert crisis.crisis_state(member) == crisis.NOT_IN_CRISIS


@pytest.mark.django_db
def test_a_crisis_check_in_counts_from_its_time_until_a_calmer_one(member):
    crisis_check_in = CheckInFactory(member=member, note=CRISIS_WORDS)

    state = crisis.crisis_state(member)
    assert (state.in_crisis, state.since) == (True, crisis_check_in.created_at)

    with time_machine.travel(timezone.now() + timedelta(days=5)):
        # No window for a check-in: it stands until the member says otherwise.
        assert crisis.crisis_state(member).in_crisis
        CheckInFactory(member=member, note="A little better today.")
        assert not crisis.crisis_state(member).in_crisis


@pytest.mark.django_db
def test_words_in_crisis_after_a_calm_check_in_count_from_when_they_were_written(
    member, other_member, make_post
):
    CheckInFactory(member=member, note="Fine.")
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        reply = community.post_reply(
            author=member, post=make_post(other_member), body=CRISIS_WORDS
        )
        assert crisis.crisis_state(member).since == reply.created_at


@pytest.mark.django_db
def test_since_is_the_earliest_of_the_signs_that_still_stand(member, other_member, make_post):
    crisis_check_in = CheckInFactory(member=member, note=CRISIS_WORDS)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        community.post_reply(author=member, post=make_post(other_member), body=CRISIS_WORDS)

        assert crisis.crisis_state(member).since == crisis_check_in.created_at


@pytest.mark.django_db
def test_words_older_than_two_days_say_little_about_today(member, make_post):
    make_post(member, body=CRISIS_WORDS)

    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        assert not crisis.crisis_state(member).in_crisis


@pytest.mark.django_db
def test_the_check_in_being_made_counts_by_its_note(member):
    services.give_consent(member=member)
    being_made = CheckIn(member=member, mood=2, energy=1, note=CRISIS_WORDS)
    being_made.created_at = timezone.now()

    assert crisis.crisis_state(member, check_in=being_made).in_crisis
    assert not crisis.crisis_state(member).in_crisis  # nothing stored says so


@pytest.mark.django_db
def test_one_query_with_the_check_in_given_two_without(member, django_assert_num_queries):
    latest = CheckInFactory(member=member)

    with django_assert_num_queries(1):
        crisis.crisis_state(member, check_in=latest)
    with django_assert_num_queries(2):
        crisis.crisis_state(member)


@pytest.mark.django_db
def test_words_in_crisis_after_a_calm_check_in_turn_the_feed_to_help(
    member_client, member, other_member, make_post
):
    CheckInFactory(member=member, mood=6, energy=4)
    assert "Small is enough" in member_client.get("/prescriptions/").content.decode()

    community.post_reply(author=member, post=make_post(other_member), body=CRISIS_WORDS)

    feed = member_client.get("/prescriptions/")
    page = html.unescape(feed.content.decode())
    assert "It sounds like things are really hard right now" in page
    assert "Small is enough" not in page
    # The calm check-in's steps wait: nothing cheerful now.
    assert feed.context["open"] == []


@pytest.mark.django_db
def test_in_crisis_the_feed_shows_only_the_step_towards_a_person(member_client, member):
    CheckInFactory(member=member, mood=6, energy=4)  # earlier steps, still open
    CheckInFactory(member=member, note=CRISIS_WORDS)

    feed = member_client.get("/prescriptions/")

    assert [p.activity.slug for p in feed.context["open"]] == [CRISIS_SLUG]


# --- A low day: the supportive mode --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("mood", "low"), [(0, True), (2, True), (3, False), (8, False)])
def test_mood_two_or_less_is_a_low_day(member, mood, low):
    latest = CheckInFactory(member=member, mood=mood)

    assert crisis.supportive_mode(member, check_in=latest) is low


@pytest.mark.django_db
def test_three_lowish_check_ins_of_the_last_five_are_a_low_stretch(member):
    for mood in (3, 7, 3):
        CheckInFactory(member=member, mood=mood)
    assert not crisis.supportive_mode(member, check_in=CheckInFactory(member=member, mood=6))

    latest = CheckInFactory(member=member, mood=3)  # 3, 6, 3, 7, 3: three of five

    assert crisis.supportive_mode(member, check_in=latest)


@pytest.mark.django_db
def test_three_days_after_a_crisis_check_in_are_gentle(member):
    CheckInFactory(member=member, note=CRISIS_WORDS)

    with time_machine.travel(timezone.now() + timedelta(hours=71)):
        assert crisis.supportive_mode(member, check_in=CheckInFactory(member=member, mood=8))
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        assert not crisis.supportive_mode(member, check_in=CheckInFactory(member=member, mood=8))


@pytest.mark.django_db
def test_the_check_in_being_made_counts_before_it_is_stored(member):
    being_made = CheckIn(member=member, mood=1, energy=2)

    assert crisis.supportive_mode(member, check_in=being_made)


@pytest.mark.django_db
def test_everyone_in_crisis_is_the_same_rule_for_the_whole_community(
    member, other_member, make_post
):
    calm = CheckInFactory(mood=7).member
    CheckInFactory(member=member, note=CRISIS_WORDS)
    make_post(other_member, body=CRISIS_WORDS)

    assert crisis.everyone_in_crisis() == {member.pk, other_member.pk}
    assert calm.pk not in crisis.everyone_in_crisis()
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        CheckInFactory(member=member, note="Steadier today.")
        assert crisis.everyone_in_crisis() == set()


@pytest.mark.django_db
@pytest.mark.parametrize("hours_ago", [1, 47, 49, 71, 73, 200])
def test_the_engine_asks_both_rules_in_one_query_and_hears_the_same(
    member, other_member, make_post, hours_ago, django_assert_num_queries
):
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=hours_ago)):
        CheckInFactory(member=member, mood=3, note=CRISIS_WORDS)
        make_post(member, body=CRISIS_WORDS)
        community.post_reply(author=member, post=make_post(other_member), body="Thank you.")
    with time_machine.travel(now - timedelta(hours=hours_ago / 2)):
        CheckInFactory(member=member, mood=3)
    answers = set()
    for mood, note in [(1, ""), (3, ""), (7, ""), (7, CRISIS_WORDS)]:
        being_made = CheckIn(member=member, mood=mood, energy=3, note=note, created_at=now)
        with django_assert_num_queries(1):
            both = crisis.crisis_and_low_day(member, check_in=being_made, now=now)
        assert both == (
            crisis.crisis_state(member, check_in=being_made, now=now),
            crisis.supportive_mode(member, check_in=being_made, now=now),
        )
        answers.add((both[0].in_crisis, both[1]))
    # Words of the last two days say crisis whatever the check-in; older ones don't.
    assert (answers == {(True, True)}) == (hours_ago < 48)


@pytest.mark.django_db
def test_a_note_in_crisis_words_makes_a_crisis_check_in_whoever_saves_it(member):
    assert CheckInFactory(member=member, note=CRISIS_WORDS).in_crisis
    calm = CheckInFactory(member=member, note="A slow day.")
    assert not calm.in_crisis
    calm.note = CRISIS_WORDS
    calm.save(update_fields=["note"])
    assert CheckIn.objects.get(pk=calm.pk).in_crisis


@pytest.mark.django_db
def test_a_new_phrase_reaches_the_latest_check_in_for_everyone_as_for_one(member, other_member):
    from community import tasks
    from tests.factories import ModeratorFactory

    now = timezone.now()
    with time_machine.travel(now - timedelta(days=40)):  # whatever its age
        older = CheckInFactory(member=other_member, note="The copper kettle again.")
        CheckInFactory(member=other_member, note="Steadier.")
        latest = CheckInFactory(member=member, note="The copper kettle again.")
    assert crisis.everyone_in_crisis() == set()

    community.add_crisis_phrase(family="hopeless", pattern="copper kettle", by=ModeratorFactory())
    tasks.rematch_crisis_words()  # queued after the commit; check-ins follow the posts

    assert crisis.everyone_in_crisis() == {member.pk}
    assert crisis.crisis_state(member).in_crisis
    assert CheckIn.objects.get(pk=latest.pk).in_crisis
    assert not CheckIn.objects.get(pk=older.pk).in_crisis  # a calmer one came after
