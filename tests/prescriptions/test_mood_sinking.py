"""A week of sinking mood (selectors.mood_sinking): the rule's both sides and its edges."""

from datetime import UTC, datetime, timedelta

import pytest

from prescriptions import selectors
from tests.factories import UserFactory

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def moods(member, *values, start=NOW - timedelta(days=6), every=timedelta(hours=12)):
    from prescriptions.models import CheckIn

    for i, mood in enumerate(values):
        CheckIn.objects.create(member=member, mood=mood, energy=3, created_at=start + i * every)


@pytest.mark.django_db
def test_a_drop_of_two_points_between_the_first_and_latest_three_is_a_sinking_week(member):
    moods(member, 6, 6, 6, 4, 4, 4)

    assert selectors.mood_sinking(member, now=NOW)


@pytest.mark.django_db
def test_a_drop_just_short_of_two_points_is_not(member):
    moods(member, 6, 6, 6, 4, 4, 5)  # averages 6 and 4.33

    assert not selectors.mood_sinking(member, now=NOW)


@pytest.mark.django_db
def test_a_rising_or_steady_week_is_not(member, other_member):
    moods(member, 2, 2, 2, 7, 7, 7)
    moods(other_member, 5, 5, 5, 5, 5)

    assert not selectors.mood_sinking(member, now=NOW)
    assert not selectors.mood_sinking(other_member, now=NOW)


@pytest.mark.django_db
def test_three_check_ins_are_too_few_to_say_and_four_are_enough(member, other_member):
    moods(member, 9, 5, 1)
    moods(other_member, 9, 9, 9, 3)  # 9, 9, 9 then 9, 9, 3: exactly two points

    assert not selectors.mood_sinking(member, now=NOW)
    assert selectors.mood_sinking(other_member, now=NOW)


@pytest.mark.django_db
def test_a_check_in_exactly_a_week_old_counts_and_an_older_one_does_not(member, other_member):
    week_ago = NOW - timedelta(days=7)
    moods(member, 6, start=week_ago)
    moods(member, 6, 6, 4, 4, 4, start=NOW - timedelta(days=1))
    moods(other_member, 6, start=week_ago - timedelta(seconds=1))  # the week ended for it
    moods(other_member, 6, 6, 4, 4, 4, start=NOW - timedelta(days=1))

    assert selectors.mood_sinking(member, now=NOW)
    assert not selectors.mood_sinking(other_member, now=NOW)  # 6, 6, 4 then 4, 4, 4


@pytest.mark.django_db
def test_a_hard_week_long_ago_is_not_this_week(member):
    moods(member, 9, 9, 9, 3, 3, 3, start=NOW - timedelta(days=20))

    assert not selectors.mood_sinking(member, now=NOW)
    assert selectors.mood_sinking(member, now=NOW - timedelta(days=15))


@pytest.mark.django_db
def test_the_first_three_are_the_weeks_earliest_even_when_entered_out_of_order(member):
    moods(member, 3, 3, 3, start=NOW - timedelta(hours=3), every=timedelta(minutes=1))
    moods(member, 8, 8, 8, start=NOW - timedelta(days=5), every=timedelta(minutes=1))

    assert selectors.mood_sinking(member, now=NOW)


@pytest.mark.django_db
def test_one_query_tells_many_members_apart(django_assert_num_queries):
    sinking = [UserFactory() for _ in range(3)]
    steady = [UserFactory() for _ in range(3)]
    for m in sinking:
        moods(m, 8, 7, 8, 5, 5, 4)
    for m in steady:
        moods(m, 5, 5, 6, 5, 5, 6)

    with django_assert_num_queries(1):
        found = selectors.members_sinking([m.pk for m in sinking + steady], now=NOW)

    assert found == {m.pk for m in sinking}
    with django_assert_num_queries(0):
        assert selectors.members_sinking([], now=NOW) == set()


@pytest.mark.django_db
def test_one_members_week_never_counts_for_another(member, other_member):
    moods(member, 8, 8, 8)
    moods(other_member, 2, 2, 2, 2)

    assert not selectors.mood_sinking(member, now=NOW)
    assert not selectors.mood_sinking(other_member, now=NOW)
