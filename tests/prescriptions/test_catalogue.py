"""The activity catalogue: what the engine relies on, and how the words sound.

The data migrations `prescriptions/migrations/0002_activity_catalogue.py` (the
catalogue), 0003 (the crisis step) and 0008 (what each step fits and when it is
offered, steps towards help and care, kinder words) have run in the test database, so
these tests look at `Activity.objects` as a member's engine would.
"""

import importlib
import re
from collections import Counter

import pytest
from django.apps import apps as django_apps

from community.models import GatheringFormat, Intent
from prescriptions.models import (
    CONNECTION_WAYS,
    CRISIS_SLUG,
    ENERGY_MAX,
    ENERGY_MIN,
    Activity,
    CommunityAction,
    Prescription,
    Satisfaction,
    TargetAuthor,
    Technique,
    Urge,
    Way,
)
from tests import reference_data
from tests.factories import PrescriptionFactory

catalogue = importlib.import_module("prescriptions.migrations.0002_activity_catalogue")
crisis_step = importlib.import_module(
    "prescriptions.migrations.0003_reach_out_and_moderator_permissions"
)
fit_and_care = importlib.import_module("prescriptions.migrations.0008_catalogue_fit_and_care")

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
    "text-one-friend": "Text someone: a friend, family, or someone here",
    "curtains-and-water": "Open the curtains and drink a glass of water",
    "ten-minute-walk": "Take a ten-minute walk",
    "cook-something-simple": "Cook something simple",
    "learn-one-new-thing": "Learn one new thing",
    "thank-someone": "Thank someone",
}

# Never clinical, never bossy (VOICE.md), and no shame. A service's proper name may be
# named: "NHS Talking Therapies" is taken out of the words before they are checked.
PROPER_NAMES = ["NHS Talking Therapies"]
BANNED_WORDS = [
    "therap",
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


def words(activity):
    return f"{activity.title} {activity.how_to}".replace("\u2019", "'")


def expected_catalogue():
    """Every activity as the catalogue migrations together leave it, by slug."""
    rows = {data["slug"]: {**data, **fit_and_care.UNTAGGED} for data in catalogue.ACTIVITIES}
    rows[CRISIS_SLUG] = {**crisis_step.REACH_OUT, **fit_and_care.UNTAGGED}
    for slug, tags in fit_and_care.TAGS.items():
        rows[slug].update(tags)
    for slug, fields in fit_and_care.WORDING.items():
        for field, (before, after) in fields.items():
            assert rows[slug][field] == before, (slug, field)
            rows[slug][field] = after
    for data in fit_and_care.NEW_ACTIVITIES:
        rows[data["slug"]] = dict(data)
    return rows


# --- Size and shape -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_catalogue_has_at_least_64_activities():
    assert Activity.objects.count() >= MIN_ACTIVITIES


@pytest.mark.django_db
def test_every_activity_in_the_migrations_is_stored_as_written():
    stored = {activity.slug: activity for activity in all_activities()}
    expected = expected_catalogue()

    assert sorted(stored) == sorted(expected)
    for slug, data in expected.items():
        for field, value in data.items():
            assert getattr(stored[slug], field) == value, (slug, field)
        assert stored[slug].is_active, slug


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


# --- What a step points at fits its words ---------------------------------------------

# Each step on a post or a gathering, by what it fits: the fields it has (the others are
# empty) and words that say so. A new step on a post or a gathering goes in one row.
NO_FIT = {"target_intents": [], "target_author": "", "target_at_night": False, "target_format": ""}
# Words that name a kind: a step that fits any post or any gathering never says them.
ANY_POST = r"\bwin|someone new|\bhello|late at night|\bhard\b|chatted|talked|idea"
ANY_GATHERING = r"in-person|in person|online|from home"
FITS = [
    (
        "a post from someone finding things hard",
        {"target_intents": ["support"]},
        [
            "hear-you-reaction",
            "me-too-reaction",
            "sit-up-and-send-strength",
            "not-alone-reply",
            "ask-a-gentle-question",
            "listen-in-writing",
            "say-what-you-hear",
            "share-what-helped-you",
            "share-your-story-with-someone-waiting",
        ],
        r"\bhard\b|how they feel|sounds like your day|how are you|without trying to fix"
        r"|tiring|been through|lived through",
    ),
    ("a win", {"target_intents": ["win"]}, ["cheer-a-small-win", "well-done-reply"], r"\bwin\b"),
    ("an idea that helped", {"target_intents": ["idea"]}, ["thank-a-helpful-post"], r"helped"),
    ("a hello", {"target_intents": ["hello"]}, ["hello-to-someone-waiting"], r"say hello"),
    (
        "a newcomer's hello",
        {"target_intents": ["hello"], "target_author": "newcomer"},
        ["welcome-a-newcomer-reaction", "welcome-someone-by-name"],
        r"a hello from someone new",
    ),
    (
        "someone the member has talked with",
        {"target_author": "friend"},
        ["reply-to-a-familiar-face"],
        r"you've (talked|chatted) with",
    ),
    (
        "a post written at night, by someone who may have had a hard night or said hello",
        {"target_intents": ["support", "hello"], "target_at_night": True},
        ["good-morning-to-a-late-night-post"],
        r"written late at night.*how are you now",
    ),
    (
        "any post",
        {},
        [
            "read-slowly-and-react",
            "three-kind-reactions",
            "one-kind-sentence-reply",
            "first-reply-one-sentence",
            "answer-the-longest-wait",
        ],
        None,
        ANY_POST,
    ),
    (
        "an in-person gathering",
        {"target_format": GatheringFormat.IN_PERSON},
        ["go-to-an-in-person-gathering"],
        r"in-person",
    ),
    (
        "an online gathering",
        {"target_format": GatheringFormat.ONLINE},
        ["join-an-online-gathering"],
        r"\bonline\b",
    ),
    (
        "any gathering",
        {},
        [
            "join-a-gathering-and-listen",
            "go-to-the-gathering-you-said-yes-to",
            "join-a-gathering-and-say-hello",
            "say-how-your-week-was-at-a-gathering",
        ],
        None,
        ANY_GATHERING,
    ),
]
POINTING_ACTIONS = [
    CommunityAction.REACT,
    CommunityAction.REPLY,
    CommunityAction.REPLY_UNANSWERED,
    CommunityAction.ATTEND,
]


def fits_of(activity):
    return {field: getattr(activity, field) for field in NO_FIT}


@pytest.mark.django_db
def test_every_step_that_points_at_something_has_its_row_in_the_fits_table():
    pointing = Activity.objects.filter(action__in=POINTING_ACTIONS)
    in_the_table = [slug for fit_row in FITS for slug in fit_row[2]]

    assert sorted(in_the_table) == slugs(pointing)


@pytest.mark.django_db
@pytest.mark.parametrize("fit_row", FITS, ids=[fit_row[0] for fit_row in FITS])
def test_a_step_fits_what_its_words_say(fit_row):
    _, fit, row, says, *never_says = fit_row
    for slug in row:
        activity = Activity.objects.get(slug=slug)
        assert fits_of(activity) == {**NO_FIT, **fit}, slug
        if says:
            assert re.search(says, words(activity), re.IGNORECASE), slug
        for kinds in never_says:  # fits any: its words name no kind
            assert not re.search(kinds, words(activity), re.IGNORECASE), slug


@pytest.mark.django_db
def test_fits_are_the_communitys_own_choices():
    for activity in all_activities():
        assert set(activity.target_intents) <= set(Intent.values), activity.slug
        assert activity.target_author in TargetAuthor.values, activity.slug
        assert activity.target_format in ["", *GatheringFormat.values], activity.slug


@pytest.mark.django_db
def test_a_step_that_points_at_nothing_has_no_fit():
    for activity in Activity.objects.exclude(action__in=POINTING_ACTIONS):
        assert fits_of(activity) == NO_FIT, activity.slug


@pytest.mark.django_db
def test_only_gathering_steps_fit_a_format_and_only_post_steps_fit_a_post():
    for activity in Activity.objects.filter(action=CommunityAction.ATTEND):
        assert fits_of(activity) | {"target_format": ""} == NO_FIT, activity.slug
    for activity in Activity.objects.filter(action__in=POINTING_ACTIONS[:3]):
        assert activity.target_format == "", activity.slug


# --- Never at night: doors, calls, visits, anywhere outside -----------------------------

NIGHT_UNSAFE = [
    # Outside, or needing daylight.
    "curtains-and-water",
    "get-dressed",
    "stand-in-the-daylight",
    "step-outside-five-minutes",
    "walk-to-the-end-of-the-road",
    "ten-minute-walk",
    "thirty-minute-walk",
    "brisk-walk-swim-or-cycle",
    "sit-somewhere-green",
    "spend-time-in-a-park",
    "do-some-gardening",
    "somewhere-green-or-beautiful",
    # Calls, doors and visits.
    "call-someone-five-minutes",
    "check-in-on-a-neighbour",
    "cook-for-someone",
    "contact-your-gp",
    "meet-someone-and-say-how-you-are",
    "ask-for-help-with-something-heavy",
    # Going to places.
    "talk-to-a-pharmacist",
    "visit-a-library",
    "go-to-an-in-person-gathering",
    "help-out-for-an-hour",
    "try-a-taster-class",
    "go-to-a-support-group",
    "go-to-an-appointment",
]
# Words that mean going out, a door, a call or a visit.
OUT_AND_ABOUT = (
    r"\bknock|\bdoor\b|\bcall\b|\bvisit|\bwalk\b|outside|\bgo (to|into|along)\b|\bmeet\b"
    r"|\bpark\b|garden|daylight|\bpharmacy|\btrip\b|while it's light"
)
# Steps whose words say so, yet are kind at any hour, and why.
NIGHT_SAFE_ALL_THE_SAME = {
    CRISIS_SLUG: "the lines on the help page are there at night",
    "walk-round-your-home": "indoors",
    "wash-your-face": "goes to the sink",
    "well-done-reply": "someone else's getting outside, in an example",
    "mend-one-thing": "a squeaky door at home is only an example",
    "share-something-outside": "shares a walk that was earlier",
    "ask-for-one-small-thing": "asks, by message, for help later",
    "ask-someone-to-do-something-with-you": "plans a walk for another day",
    "choose-one-thing-for-tomorrow": "plans tomorrow",
    "go-to-the-gathering-you-said-yes-to": "the gathering sets the time, not the step",
}


@pytest.mark.django_db
def test_steps_unkind_at_night_are_never_offered_then():
    assert slugs(Activity.objects.filter(night_unsafe=True)) == sorted(NIGHT_UNSAFE)


@pytest.mark.django_db
def test_every_door_call_visit_and_outside_step_is_night_unsafe():
    missed = [
        activity.slug
        for activity in all_activities()
        if re.search(OUT_AND_ABOUT, words(activity), re.IGNORECASE)
        and not activity.night_unsafe
        and activity.slug not in NIGHT_SAFE_ALL_THE_SAME
    ]

    assert missed == []


@pytest.mark.django_db
def test_the_crisis_step_is_there_at_any_hour():
    assert not Activity.objects.get(slug=CRISIS_SLUG).night_unsafe


# --- Steps towards support and help -----------------------------------------------------

SUPPORT_STEPS = [
    CRISIS_SLUG,
    "tell-one-person-how-you-are",
    "ask-someone-to-check-in-on-you",
    "save-a-support-number",
    "message-your-link-worker",
    "post-a-word-about-how-you-are",
    "ask-for-one-small-thing",
    "note-for-your-gp",
    "post-how-today-is",
    "post-whats-on-your-mind",
    "contact-your-gp",
    "refer-yourself-to-talking-therapies",
    "talk-to-a-pharmacist",
    "meet-someone-and-say-how-you-are",
    "say-how-your-week-was-at-a-gathering",
    "find-a-support-group",
    "go-to-a-support-group",
    "ask-for-help-with-something-heavy",
    "go-to-an-appointment",
]
TOWARDS_HELP = (
    r"how (you|things|today|your week)|\bhelp|support|\bGP\b|pharmacist|trust|check in on you"
    r"|going round"
)
MIN_SUPPORT_PER_ENERGY = 2


def support_steps():
    """Support steps the engine may offer anyone: not the crisis step (offered only in
    a crisis) and none that needs a link worker."""
    return Activity.objects.filter(is_support=True, needs_link_worker=False).exclude(
        slug=CRISIS_SLUG
    )


@pytest.mark.django_db
def test_the_support_steps_are_the_ones_towards_support_or_help():
    support = Activity.objects.filter(is_support=True)

    assert slugs(support) == sorted(SUPPORT_STEPS)
    for activity in support:
        assert re.search(TOWARDS_HELP, words(activity), re.IGNORECASE), activity.slug


@pytest.mark.django_db
@pytest.mark.parametrize("energy", range(ENERGY_MIN, ENERGY_MAX + 1))
def test_every_energy_has_two_support_steps_without_a_link_worker(energy):
    assert support_steps().filter(energy=energy).count() >= MIN_SUPPORT_PER_ENERGY


@pytest.mark.django_db
@pytest.mark.parametrize("energy", [1, 2])
def test_a_low_energy_night_still_has_two_support_steps(energy):
    at_night = support_steps().filter(energy=energy, night_unsafe=False)

    assert at_night.count() >= MIN_SUPPORT_PER_ENERGY


@pytest.mark.django_db
def test_a_step_that_needs_a_link_worker_is_a_support_step_that_names_them():
    needing = Activity.objects.filter(needs_link_worker=True)

    assert slugs(needing) == ["message-your-link-worker"]
    for activity in needing:
        assert activity.is_support
        assert "link worker" in activity.title.lower()


@pytest.mark.django_db
def test_nhs_talking_therapies_is_named_and_the_help_seeking_steps_are_there():
    for slug in (
        "contact-your-gp",
        "refer-yourself-to-talking-therapies",
        "talk-to-a-pharmacist",
        "message-your-link-worker",
        "tell-one-person-how-you-are",
        "post-a-word-about-how-you-are",
    ):
        assert Activity.objects.get(slug=slug).is_support, slug
    assert (
        "NHS Talking Therapies"
        in Activity.objects.get(slug="refer-yourself-to-talking-therapies").title
    )
    assert (
        Activity.objects.get(slug="post-a-word-about-how-you-are").action == CommunityAction.POST
    )


# --- Mastery and pleasure -------------------------------------------------------------


@pytest.mark.django_db
def test_every_activity_gives_mastery_or_pleasure():
    for activity in all_activities():
        assert activity.satisfaction in Satisfaction.values, activity.slug


@pytest.mark.django_db
@pytest.mark.parametrize("energy", range(ENERGY_MIN, ENERGY_MAX + 1))
def test_every_energy_offers_both_mastery_and_pleasure(energy):
    kinds = set(Activity.objects.filter(energy=energy).values_list("satisfaction", flat=True))

    assert kinds == set(Satisfaction.values)


# --- Care, things to look forward to, green and creative steps -------------------------

CARE_STEPS = {
    "wash-or-shower": "wash",
    "eat-something": "eat",
    "take-your-medication": "medication",
    "get-dressed": "slept in",
    "wind-down-before-bed": "before bed",
    "plan-one-thing-to-look-forward-to": "look forward",
    "what-matters-to-you": "matters to you",
    "look-at-the-sky": "sky",
    "water-a-plant": "plant",
    "sit-somewhere-green": "green",
    "doodle-for-five-minutes": "doodle",
    "write-three-lines": "write",
    "fold-something-from-paper": "fold",
    "make-something-with-your-hands": "making something",
}
QUIET_WAYS = [Way.BE_ACTIVE, Way.TAKE_NOTICE, Way.KEEP_LEARNING]
MIN_OFFLINE_PER_QUIET_WAY = 4


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "word"), CARE_STEPS.items())
def test_care_green_and_creative_steps_are_there_done_by_hand(slug, word):
    activity = Activity.objects.get(slug=slug)

    assert word in words(activity).lower()
    assert activity.action == CommunityAction.NONE


@pytest.mark.django_db
@pytest.mark.parametrize("energy", [1, 2])
@pytest.mark.parametrize("way", QUIET_WAYS)
def test_moving_noticing_and_learning_have_steps_for_any_hour_at_low_energy(energy, way):
    steps = Activity.objects.filter(
        energy=energy,
        way=way,
        action=CommunityAction.NONE,
        night_unsafe=False,
        needs_link_worker=False,
    )

    assert steps.count() >= MIN_OFFLINE_PER_QUIET_WAY, slugs(steps)


@pytest.mark.django_db
@pytest.mark.parametrize("energy", [1, 2])
@pytest.mark.parametrize("at_night", [False, True])
def test_no_way_is_half_of_what_a_low_energy_day_can_offer(energy, at_night):
    pool = Activity.objects.filter(energy__lte=energy, needs_link_worker=False).exclude(
        slug=CRISIS_SLUG
    )
    if at_night:
        pool = pool.filter(night_unsafe=False)
    per_way = Counter(pool.values_list("way", flat=True))

    assert set(per_way) == set(Way.values)
    assert max(per_way.values()) * 2 < pool.count(), per_way


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
        text = words(activity)
        for name in PROPER_NAMES:
            text = text.replace(name, "")
        found += [(activity.slug, p.pattern) for p in patterns if p.search(text)]

    assert found == []


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("Refer yourself to NHS Talking Therapies", True),
        ("Try talking therapies", False),
        ("A little therapy for your day", False),
        ("Ask your therapist", False),
        ("Roll your shoulders", True),
        ("You should rest", False),
        ("You must come", False),
        ("A cure for the blues", False),
    ],
)
def test_the_banned_words_rule_itself(text, allowed):
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    found = [word for word in BANNED_WORDS if banned_pattern(word).search(text)]

    assert (found == []) is allowed, found


@pytest.mark.django_db
def test_there_are_no_exclamation_marks():
    shouting = [a.slug for a in all_activities() if "!" in a.title or "!" in a.how_to]

    assert shouting == []


# --- The migrations themselves ---------------------------------------------------------


def snapshot():
    return list(Activity.objects.order_by("pk").values())


def by_slug():
    """Every activity's fields but its id, by slug (an activity added again gets a new id)."""
    rows = {}
    for row in Activity.objects.values():
        del row["id"]
        rows[row.pop("slug")] = row
    return rows


@pytest.mark.django_db
def test_running_the_catalogue_migrations_again_in_order_changes_nothing():
    before = snapshot()

    reference_data.put_back()  # 0002, the crisis step of 0003, then 0008, as after a flush

    assert snapshot() == before


@pytest.mark.django_db
def test_running_0008_again_changes_nothing():
    before = snapshot()

    fit_and_care.forwards(django_apps, None)
    fit_and_care.forwards(django_apps, None)

    assert snapshot() == before


@pytest.mark.django_db
def test_running_the_migration_again_leaves_a_retired_activity_retired():
    Activity.objects.filter(slug="ten-minute-walk").update(is_active=False)

    catalogue.add_catalogue(django_apps, None)

    assert not Activity.objects.get(slug="ten-minute-walk").is_active


def moderators_own_activity(**fields):
    """An activity a moderator added in the admin: no migration's to change or remove."""
    return Activity.objects.create(
        slug="added-by-a-moderator",
        title="Feed the birds",
        how_to="Put out a few seeds and watch who comes, if you like.",
        energy=2,
        way=Way.TAKE_NOTICE,
        technique=Technique.ACTIVATION,
        minutes=5,
        action=CommunityAction.NONE,
        **fields,
    )


@pytest.mark.django_db
def test_reversing_the_migrations_removes_only_their_own_activities():
    moderators_own_activity()

    fit_and_care.backwards(django_apps, None)
    catalogue.remove_catalogue(django_apps, None)

    # What stays: the moderator's, and the crisis step (migration 0003 owns that one).
    assert slugs(Activity.objects.all()) == ["added-by-a-moderator", "reach-out-to-someone-now"]


@pytest.mark.django_db
def test_reversing_0008_puts_back_what_0002_and_0003_wrote_and_removes_what_it_added():
    fit_and_care.backwards(django_apps, None)

    stored = by_slug()
    written = {data["slug"]: data for data in catalogue.ACTIVITIES}
    written[CRISIS_SLUG] = crisis_step.REACH_OUT
    assert sorted(stored) == sorted(written)
    for slug, data in written.items():
        for field, value in {**data, **fit_and_care.UNTAGGED}.items():
            if field != "slug":
                assert stored[slug][field] == value, (slug, field)


@pytest.mark.django_db
def test_reversing_0008_and_running_it_again_gives_the_same_catalogue():
    before = by_slug()

    fit_and_care.backwards(django_apps, None)
    fit_and_care.backwards(django_apps, None)  # twice is the same as once
    fit_and_care.forwards(django_apps, None)

    assert by_slug() == before


@pytest.mark.django_db
def test_0008_leaves_a_moderators_own_words_as_they_are_both_ways():
    Activity.objects.filter(slug="text-one-friend").update(title="Text a cousin")

    fit_and_care.backwards(django_apps, None)
    assert Activity.objects.get(slug="text-one-friend").title == "Text a cousin"
    fit_and_care.forwards(django_apps, None)
    assert Activity.objects.get(slug="text-one-friend").title == "Text a cousin"


@pytest.mark.django_db
def test_reversing_0008_retires_an_added_step_a_member_was_given_and_keeps_their_step():
    given = Activity.objects.get(slug="eat-something")
    prescription = PrescriptionFactory(activity=given)

    fit_and_care.backwards(django_apps, None)

    given.refresh_from_db()
    assert not given.is_active
    assert Prescription.objects.filter(pk=prescription.pk).exists()
    assert not Activity.objects.filter(slug="look-at-the-sky").exists()


@pytest.mark.django_db
def test_0008_leaves_a_moderators_own_activity_alone():
    moderators_own_activity(
        satisfaction="pleasure",
        night_unsafe=True,
    )
    before = Activity.objects.values().get(slug="added-by-a-moderator")

    fit_and_care.backwards(django_apps, None)
    fit_and_care.forwards(django_apps, None)

    assert Activity.objects.values().get(slug="added-by-a-moderator") == before
