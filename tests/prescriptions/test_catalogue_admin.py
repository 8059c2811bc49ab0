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
    }
    data.update(changes)
    if not data["is_active"]:
        del data["is_active"]  # an unticked box is not sent
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
