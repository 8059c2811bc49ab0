"""The activity catalogue: what the engine relies on, and how the words sound.

The data migration `prescriptions/migrations/0002_activity_catalogue.py` has run in the
test database, so these tests look at `Activity.objects` as a member's engine would.
"""

import importlib
import re
from collections import Counter

import pytest
from django.apps import apps as django_apps

from prescriptions.models import (
    CONNECTION_WAYS,
    ENERGY_MAX,
    ENERGY_MIN,
    Activity,
    CommunityAction,
    Technique,
    Urge,
    Way,
)

catalogue = importlib.import_module("prescriptions.migrations.0002_activity_catalogue")

MIN_ACTIVITIES = 64
MIN_PER_WAY = 8
MIN_OPPOSITES_PER_URGE = 4
MIN_LOW_ENERGY_OPPOSITES_PER_URGE = 2
MIN_CONNECTIONS_AT_LOW_ENERGY = 3
MIN_PER_ACTION = 6
MIN_GATHERINGS = 3
TINY_MINUTES = {1: 5, 2: 10}  # at energy 1 and 2, steps are tiny

# The offline steps the issue names, in 4C's words.
OFFLINE_STEPS = {
    "step-outside-five-minutes": "Step outside for five minutes",
    "text-one-friend": "Text one friend",
    "curtains-and-water": "Open the curtains and drink a glass of water",
    "ten-minute-walk": "Take a ten-minute walk",
    "cook-something-simple": "Cook something simple",
    "learn-one-new-thing": "Learn one new thing",
    "thank-someone": "Thank someone",
}

# Never clinical, never bossy (VOICE.md), and no shame.
BANNED_WORDS = [
    "therapy",
    "therapist",
    "patient",
    "disorder",
    "cure",
    "symptom",
    "treatment",
    "diagnos",
    "must",
    "should",
    "don't forget",
    "failed",
    "streak",
    "you missed",
    "lazy",
]
WHOLE_WORDS_ONLY = {"must", "should"}  # so "shoulders" and "mustard" are fine
SENTENCE_END = re.compile(r"[.?]['\"]?(?:\s|$)")


def banned_pattern(word):
    end = r"\b" if word in WHOLE_WORDS_ONLY else ""
    return re.compile(r"\b" + re.escape(word) + end, re.IGNORECASE)


def all_activities():
    return list(Activity.objects.all())


def slugs(activities):
    return sorted(activity.slug for activity in activities)


# --- Size and shape -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_catalogue_has_at_least_64_activities():
    assert Activity.objects.count() >= MIN_ACTIVITIES


@pytest.mark.django_db
def test_every_activity_in_the_migration_is_stored_as_written():
    stored = {activity.slug: activity for activity in all_activities()}

    for data in catalogue.ACTIVITIES:
        activity = stored[data["slug"]]
        for field, value in data.items():
            assert getattr(activity, field) == value, (data["slug"], field)
        assert activity.is_active


@pytest.mark.django_db
def test_slugs_and_titles_are_unique():
    activities = all_activities()

    assert len({activity.slug for activity in activities}) == len(activities)
    assert len({activity.title.casefold() for activity in activities}) == len(activities)
    assert len({data["slug"] for data in catalogue.ACTIVITIES}) == len(catalogue.ACTIVITIES)


@pytest.mark.django_db
def test_titles_and_how_tos_fit_their_fields():
    for activity in all_activities():
        assert 0 < len(activity.title) <= 120, activity.slug
        assert 0 < len(activity.how_to) <= 600, activity.slug


@pytest.mark.django_db
def test_every_value_is_one_of_the_models_choices():
    for activity in all_activities():
        assert ENERGY_MIN <= activity.energy <= ENERGY_MAX, activity.slug
        assert activity.way in Way.values, activity.slug
        assert activity.technique in Technique.values, activity.slug
        assert activity.action in CommunityAction.values, activity.slug
        assert isinstance(activity.opposite_of, list), activity.slug
        assert set(activity.opposite_of) <= set(Urge.values), activity.slug
        assert len(set(activity.opposite_of)) == len(activity.opposite_of), activity.slug


# --- Balance across Ways and urges ----------------------------------------------------


@pytest.mark.django_db
def test_every_way_has_at_least_eight_activities():
    per_way = Counter(activity.way for activity in all_activities())

    for way in Way.values:
        assert per_way[way] >= MIN_PER_WAY, way


@pytest.mark.django_db
def test_opposite_action_activities_name_the_urges_they_answer_and_only_they_do():
    for activity in all_activities():
        is_opposite = activity.technique == Technique.OPPOSITE
        assert is_opposite == bool(activity.opposite_of), activity.slug


@pytest.mark.django_db
def test_every_urge_has_at_least_four_opposites_two_of_them_at_low_energy():
    activities = all_activities()

    for urge in Urge.values:
        opposites = [activity for activity in activities if urge in activity.opposite_of]
        low_energy = [activity for activity in opposites if activity.energy <= 2]
        assert len(opposites) >= MIN_OPPOSITES_PER_URGE, urge
        assert len(low_energy) >= MIN_LOW_ENERGY_OPPOSITES_PER_URGE, urge


@pytest.mark.django_db
def test_every_urge_has_a_tiny_connecting_opposite_at_energy_1():
    activities = all_activities()

    for urge in Urge.values:
        tiny_connecting = [
            activity
            for activity in activities
            if urge in activity.opposite_of
            and activity.energy == 1
            and activity.way in CONNECTION_WAYS
        ]
        assert tiny_connecting, urge


@pytest.mark.django_db
@pytest.mark.parametrize("energy", [1, 2])
def test_there_are_at_least_three_connection_activities_at_low_energy(energy):
    connecting = Activity.objects.filter(energy=energy, way__in=CONNECTION_WAYS)

    assert connecting.count() >= MIN_CONNECTIONS_AT_LOW_ENERGY


# --- Time and energy ------------------------------------------------------------------


@pytest.mark.django_db
def test_minutes_are_between_1_and_60():
    for activity in all_activities():
        assert 1 <= activity.minutes <= 60, activity.slug


@pytest.mark.django_db
def test_steps_at_energy_1_and_2_are_tiny():
    for activity in Activity.objects.filter(energy__in=TINY_MINUTES):
        assert activity.minutes <= TINY_MINUTES[activity.energy], activity.slug


@pytest.mark.django_db
def test_gatherings_need_energy_3_or_more():
    gatherings = Activity.objects.filter(action=CommunityAction.ATTEND)

    assert gatherings.exists()
    assert not gatherings.filter(energy__lt=3).exists(), slugs(gatherings.filter(energy__lt=3))


# --- Community actions ----------------------------------------------------------------


@pytest.mark.django_db
def test_every_community_action_appears_often_enough():
    per_action = Counter(activity.action for activity in all_activities())

    for action in CommunityAction.values:
        wanted = MIN_GATHERINGS if action == CommunityAction.ATTEND else MIN_PER_ACTION
        assert per_action[action] >= wanted, action


@pytest.mark.django_db
def test_community_steps_at_energy_1_are_reactions():
    at_energy_1 = Activity.objects.filter(energy=1)
    other = at_energy_1.exclude(action__in=[CommunityAction.REACT, CommunityAction.NONE])

    assert at_energy_1.filter(action=CommunityAction.REACT).exists()
    assert not other.exists(), slugs(other)


@pytest.mark.django_db
@pytest.mark.parametrize("action", [CommunityAction.REPLY, CommunityAction.REPLY_UNANSWERED])
def test_a_reply_of_one_kind_sentence_is_offered_at_energy_2(action):
    assert Activity.objects.filter(action=action, energy=2).exists()
    assert not Activity.objects.filter(action=action, energy__lt=2).exists()


@pytest.mark.django_db
def test_the_offline_steps_from_the_issue_are_all_there():
    for slug, title in OFFLINE_STEPS.items():
        activity = Activity.objects.get(slug=slug)
        assert activity.title == title
        assert activity.action == CommunityAction.NONE


@pytest.mark.django_db
def test_there_are_more_offline_steps_than_the_issue_names():
    offline = Activity.objects.filter(action=CommunityAction.NONE)

    assert offline.count() >= len(OFFLINE_STEPS) + MIN_PER_ACTION


# --- Words ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_how_tos_are_one_to_three_sentences():
    for activity in all_activities():
        sentences = len(SENTENCE_END.findall(activity.how_to.strip()))
        assert 1 <= sentences <= 3, (activity.slug, sentences)
        assert activity.how_to.strip().endswith((".", "?")), activity.slug


@pytest.mark.django_db
def test_how_tos_speak_to_you():
    for activity in all_activities():
        assert re.search(r"\byou", activity.how_to, re.IGNORECASE), activity.slug


@pytest.mark.django_db
def test_titles_read_as_short_invitations():
    for activity in all_activities():
        assert activity.title[0].isupper(), activity.slug
        assert not activity.title.endswith((".", "!", "?")), activity.slug


@pytest.mark.django_db
def test_no_clinical_bossy_or_shaming_words():
    patterns = [banned_pattern(word) for word in BANNED_WORDS]
    found = []
    for activity in all_activities():
        text = f"{activity.title} {activity.how_to}".replace("\u2019", "'")
        found += [(activity.slug, p.pattern) for p in patterns if p.search(text)]

    assert found == []


@pytest.mark.django_db
def test_there_are_no_exclamation_marks():
    shouting = [a.slug for a in all_activities() if "!" in a.title or "!" in a.how_to]

    assert shouting == []


# --- The migration itself -------------------------------------------------------------


def snapshot():
    return list(Activity.objects.order_by("pk").values())


@pytest.mark.django_db
def test_running_the_migration_again_changes_nothing():
    before = snapshot()

    catalogue.add_catalogue(django_apps, None)

    assert snapshot() == before


@pytest.mark.django_db
def test_running_the_migration_again_leaves_a_retired_activity_retired():
    Activity.objects.filter(slug="ten-minute-walk").update(is_active=False)

    catalogue.add_catalogue(django_apps, None)

    assert not Activity.objects.get(slug="ten-minute-walk").is_active


@pytest.mark.django_db
def test_reversing_the_migration_removes_only_its_own_activities():
    Activity.objects.create(
        slug="added-by-a-moderator",
        title="Feed the birds",
        how_to="Put out a few seeds and watch who comes, if you like.",
        energy=2,
        way=Way.TAKE_NOTICE,
        technique=Technique.ACTIVATION,
        minutes=5,
        action=CommunityAction.NONE,
    )

    catalogue.remove_catalogue(django_apps, None)

    # What stays: the moderator's, and the crisis step (migration 0003 owns that one).
    assert slugs(Activity.objects.all()) == ["added-by-a-moderator", "reach-out-to-someone-now"]
