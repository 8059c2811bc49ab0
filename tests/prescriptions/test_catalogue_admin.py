"""Moderators keep the activity catalogue in the admin (with two-factor, as all staff):
they add, change and retire activities, and the engine sees it at the next check-in.
The crisis step stays as it is. Health data is never in the admin.

(A moderator's 404 on the check-in and prescription changelists is in
test_check_in_and_feed.py; the moderators' permissions are in tests/fourc.)"""

import pytest

from prescriptions import selectors, services
from prescriptions.engine import CRISIS_SLUG
from prescriptions.models import Activity, CheckIn
from tests.factories import UserFactory
from tests.fourc.test_admin_and_roles import enrol_totp

pytestmark = pytest.mark.django_db

ACTIVITIES = "/admin/prescriptions/activity/"

CHECKBOXES = ("is_active", "is_support", "needs_link_worker", "night_unsafe", "target_at_night")

NEW_ACTIVITY = {
    "slug": "watch-a-cloud",
    "title": "Watch a cloud go by",
    "how_to": "Find a window and watch one cloud until it changes shape.",
    "energy": 1,
    "way": "take_notice",
    "technique": "opposite",
    "opposite_of": ["stay_in_bed", "numb_out"],
    "minutes": 2,
    "action": "none",
    "is_active": "on",
    "satisfaction": "pleasure",
}


@pytest.fixture
def moderator_client(client, moderator):
    enrol_totp(moderator)  # staff reach the admin only with two-factor set up
    client.force_login(moderator)
    return client


@pytest.fixture
def superuser_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    enrol_totp(user)
    client.force_login(user)
    return client


def form_data(activity: Activity, **changes) -> dict:
    """The change form as the admin shows it for this activity, with some changes."""
    data = {
        "slug": activity.slug,
        "title": activity.title,
        "how_to": activity.how_to,
        "energy": activity.energy,
        "way": activity.way,
        "technique": activity.technique,
        "opposite_of": list(activity.opposite_of),
        "minutes": activity.minutes,
        "action": activity.action,
        "is_active": "on" if activity.is_active else "",
        "satisfaction": activity.satisfaction,
        "is_support": "on" if activity.is_support else "",
        "needs_link_worker": "on" if activity.needs_link_worker else "",
        "night_unsafe": "on" if activity.night_unsafe else "",
        "target_intents": list(activity.target_intents),
        "target_author": activity.target_author,
        "target_at_night": "on" if activity.target_at_night else "",
        "target_format": activity.target_format,
    }
    data.update(changes)
    for box in CHECKBOXES:
        if not data[box]:
            del data[box]  # an unticked box is not sent
    return data


def catalogue_ids(member) -> set[int]:
    """The catalogue the engine reads at a check-in (cached between check-ins)."""
    check_in = CheckIn(member=member, mood=4, energy=2, urge="", note="")
    _, catalogue, _ = selectors.engine_inputs(member, check_in=check_in)
    return {a.id for a in catalogue}


def offered(member, seed) -> list[int]:
    services.give_consent(member=member)
    _, plan = services.record_check_in(member=member, mood=4, energy=2, seed=seed)
    return [s.activity.id for s in plan.suggestions]


# --- Add, change, retire -----------------------------------------------------------------


def test_a_moderator_reaches_the_catalogue_in_the_admin(moderator_client):
    response = moderator_client.get(ACTIVITIES)

    assert response.status_code == 200
    assert Activity.objects.get(slug=CRISIS_SLUG).title in response.content.decode()


def test_a_moderator_adds_an_activity_and_the_next_check_in_can_offer_it(moderator_client, member):
    before = catalogue_ids(member)  # the engine's catalogue is now cached

    response = moderator_client.post(f"{ACTIVITIES}add/", NEW_ACTIVITY)

    assert response.status_code == 302, response.context["adminform"].form.errors
    added = Activity.objects.get(slug="watch-a-cloud")
    assert (added.title, added.energy, added.way, added.technique, added.action) == (
        "Watch a cloud go by", 1, "take_notice", "opposite", "none",
    )  # fmt: skip
    assert added.opposite_of == ["stay_in_bed", "numb_out"]
    assert added.is_active
    assert added.id not in before
    assert catalogue_ids(member) == before | {added.id}


def test_a_moderator_changes_an_activity(moderator_client, member):
    activity = Activity.objects.filter(is_active=True, action="none").order_by("id").first()
    catalogue_ids(member)

    response = moderator_client.post(
        f"{ACTIVITIES}{activity.pk}/change/",
        form_data(activity, title="Stretch for one minute", minutes=1),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    activity.refresh_from_db()
    assert (activity.title, activity.minutes) == ("Stretch for one minute", 1)
    check_in = CheckIn(member=member, mood=4, energy=2, urge="", note="")
    _, catalogue, _ = selectors.engine_inputs(member, check_in=check_in)
    assert next(a for a in catalogue if a.id == activity.id).title == "Stretch for one minute"


def test_a_retired_activity_is_not_offered_at_the_next_check_in(
    moderator_client, member, other_member
):
    seed = 11
    first = offered(other_member, seed)  # reads the catalogue and caches it
    assert offered(UserFactory(), seed) == first  # same seed and state, same suggestions
    retired = Activity.objects.get(pk=first[0])

    response = moderator_client.post(
        f"{ACTIVITIES}{retired.pk}/change/", form_data(retired, is_active="")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    retired.refresh_from_db()
    assert retired.is_active is False
    assert retired.pk not in offered(member, seed)
    assert retired.pk not in catalogue_ids(member)


def test_retired_activities_are_kept_and_can_come_back(moderator_client, member):
    activity = Activity.objects.filter(is_active=True, action="none").order_by("id").first()
    moderator_client.post(f"{ACTIVITIES}{activity.pk}/change/", form_data(activity, is_active=""))
    assert activity.pk not in catalogue_ids(member)

    activity.refresh_from_db()
    moderator_client.post(
        f"{ACTIVITIES}{activity.pk}/change/", form_data(activity, is_active="on")
    )

    assert activity.pk in catalogue_ids(member)


# --- What a step fits, and when it is offered -----------------------------------------------


def test_a_moderator_sets_what_a_step_fits_and_when_it_is_offered(moderator_client):
    activity = Activity.objects.get(slug="one-kind-sentence-reply")

    response = moderator_client.post(
        f"{ACTIVITIES}{activity.pk}/change/",
        form_data(
            activity,
            satisfaction="pleasure",
            is_support="on",
            night_unsafe="on",
            target_intents=["win", "hello"],
            target_author="friend",
            target_at_night="on",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    activity.refresh_from_db()
    assert activity.satisfaction == "pleasure"
    assert (activity.is_support, activity.needs_link_worker, activity.night_unsafe) == (
        True, False, True,
    )  # fmt: skip
    assert activity.target_intents == ["win", "hello"]
    assert (activity.target_author, activity.target_at_night) == ("friend", True)


def test_the_change_form_offers_the_post_intents_as_boxes_to_tick(moderator_client):
    activity = Activity.objects.get(slug="well-done-reply")

    html = moderator_client.get(f"{ACTIVITIES}{activity.pk}/change/").content.decode()

    for intent in ("support", "win", "idea", "hello"):
        assert f'type="checkbox" name="target_intents" value="{intent}"' in html, intent
    assert 'name="target_intents" value="win" id="id_target_intents_1" checked' in html


def test_every_step_needs_a_satisfaction(moderator_client):
    response = moderator_client.post(f"{ACTIVITIES}add/", {**NEW_ACTIVITY, "satisfaction": ""})

    assert response.status_code == 200
    assert "satisfaction" in response.context["adminform"].form.errors
    assert not Activity.objects.filter(slug=NEW_ACTIVITY["slug"]).exists()


@pytest.mark.parametrize(
    ("action", "fit", "value"),
    [
        ("none", "target_intents", ["win"]),
        ("post", "target_author", "newcomer"),
        ("attend", "target_at_night", "on"),
        ("reply", "target_format", "online"),
        ("none", "target_format", "in_person"),
    ],
)
def test_a_fit_is_only_for_a_step_that_points_at_that_kind_of_thing(
    moderator_client, action, fit, value
):
    response = moderator_client.post(
        f"{ACTIVITIES}add/", {**NEW_ACTIVITY, "energy": 3, "action": action, fit: value}
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [fit]


@pytest.mark.parametrize(
    ("query", "lookup"),
    [
        ({"satisfaction__exact": "mastery"}, {"satisfaction": "mastery"}),
        ({"is_support__exact": "1"}, {"is_support": True}),
        ({"needs_link_worker__exact": "1"}, {"needs_link_worker": True}),
        ({"night_unsafe__exact": "1"}, {"night_unsafe": True}),
        ({"target_author__exact": "newcomer"}, {"target_author": "newcomer"}),
        ({"target_format__exact": "online"}, {"target_format": "online"}),
    ],
)
def test_moderators_can_filter_the_catalogue_by_what_steps_fit(moderator_client, query, lookup):
    response = moderator_client.get(ACTIVITIES, query)

    assert response.status_code == 200
    assert response.context["cl"].result_count == Activity.objects.filter(**lookup).count() > 0


# --- The crisis step ------------------------------------------------------------------------


def test_the_crisis_steps_change_page_shows_its_fields_read_only(moderator_client):
    crisis = Activity.objects.get(slug=CRISIS_SLUG)

    page = moderator_client.get(f"{ACTIVITIES}{crisis.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert crisis.title in html
    for field in ("slug", "title", "how_to", "energy", "action", "is_active"):
        assert f'name="{field}"' not in html, field


def test_changing_the_crisis_step_in_the_admin_changes_nothing(moderator_client):
    crisis = Activity.objects.get(slug=CRISIS_SLUG)
    before = Activity.objects.values().get(pk=crisis.pk)

    response = moderator_client.post(
        f"{ACTIVITIES}{crisis.pk}/change/",
        form_data(crisis, title="Something cheerful instead", is_active="", action="post"),
    )

    assert response.status_code == 302  # saved as it was: every field is read-only
    assert Activity.objects.values().get(pk=crisis.pk) == before


def test_the_crisis_step_cannot_be_deleted_even_by_a_superuser(superuser_client):
    crisis = Activity.objects.get(slug=CRISIS_SLUG)
    superuser_client.post(f"{ACTIVITIES}add/", NEW_ACTIVITY)
    ordinary = Activity.objects.get(slug=NEW_ACTIVITY["slug"])  # nobody was offered it yet

    assert superuser_client.get(f"{ACTIVITIES}{ordinary.pk}/delete/").status_code == 200
    assert superuser_client.get(f"{ACTIVITIES}{crisis.pk}/delete/").status_code == 403
    assert (
        superuser_client.post(f"{ACTIVITIES}{crisis.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    # Nor with the bulk action, selected with another.
    bulk = superuser_client.post(
        ACTIVITIES,
        {"action": "delete_selected", "_selected_action": [crisis.pk, ordinary.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    assert Activity.objects.filter(pk__in=[crisis.pk, ordinary.pk]).count() == 2


def test_a_moderator_cannot_delete_the_crisis_step(moderator_client):
    # Moderators retire rather than delete (they have no delete permission at all), so
    # the crisis rule itself is proved by the superuser test above; this is the cast's view.
    crisis = Activity.objects.get(slug=CRISIS_SLUG)

    assert (
        moderator_client.post(f"{ACTIVITIES}{crisis.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Activity.objects.filter(slug=CRISIS_SLUG).exists()


# --- Health data is not in the admin -------------------------------------------------------


@pytest.mark.parametrize(
    "model", ["consent", "wellbeingsurvey", "linkworkerconsent", "linkworkeraccess"]
)
def test_consents_wellbeing_answers_and_link_worker_records_are_not_in_the_admin(
    moderator_client, model
):
    assert moderator_client.get(f"/admin/prescriptions/{model}/").status_code == 404
