"""Take a break also hides the spaces a member chooses, for the break's length: the home
page, the space list and Needs a reply leave them out, with a note and "show them
again"; the space's own page still opens."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from community import services as community
from community.models import HiddenSpace
from prescriptions.nudges import services
from tests.factories import PostFactory, SpaceFactory, SpaceFollowFactory
from tests.queries import assert_same_queries_for_one_and_many

pytestmark = pytest.mark.django_db

BREAK_URL = "/settings/notifications/break/"
NOTE = "Hidden during your break: Work worries."


@pytest.fixture
def spaces(member, other_member):
    """Two spaces Maya follows, each with a post of Sam's waiting for a reply."""
    work = SpaceFactory(slug="work", name="Work worries", order=1)
    calm = SpaceFactory(slug="calm", name="Calm corner", order=2)
    for space, title in ((work, "Deadline dread"), (calm, "A quiet walk")):
        SpaceFollowFactory(member=member, space=space)
        PostFactory(author=other_member, space=space, title=title)
    return {"work": work, "calm": calm}


def pages(client) -> dict[str, str]:
    return {url: client.get(url).content.decode() for url in ("/", "/spaces/", "/unanswered/")}


def test_a_break_with_spaces_hides_them_from_the_lists_until_it_ends(
    member_client, member, spaces
):
    taken = member_client.post(BREAK_URL, {"days": "3", "spaces": [spaces["work"].pk]})

    assert taken.status_code == 302
    for url, page in pages(member_client).items():
        assert "Deadline dread" not in page, url
        assert 'href="/spaces/work/"' not in page, url
        assert NOTE in page, url
        assert "Calm corner" in page or "A quiet walk" in page, url
    assert member_client.get("/spaces/work/").status_code == 200  # still opens
    assert NOTE in member_client.get("/settings/notifications/").content.decode()

    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        for url, page in pages(member_client).items():
            assert "Deadline dread" in page or 'href="/spaces/work/"' in page, url
            assert "Hidden during your break" not in page, url


def test_show_them_again_brings_the_spaces_back_and_the_break_goes_on(
    member_client, member, spaces
):
    member_client.post(BREAK_URL, {"days": "7", "spaces": [spaces["work"].pk]})

    shown = member_client.post(
        "/settings/hidden-spaces/show/", {"next": "/unanswered/"}, follow=True
    )

    page = shown.content.decode()
    assert shown.redirect_chain == [("/unanswered/", 302)]
    assert "Your spaces are back in your lists." in page
    assert "Deadline dread" in page
    assert not HiddenSpace.objects.filter(member=member).exists()
    assert services.preferences_for(member).paused_until > timezone.now()


def test_ending_the_break_brings_the_spaces_back(member_client, member, spaces):
    member_client.post(BREAK_URL, {"days": "7", "spaces": [spaces["work"].pk]})

    member_client.post(f"{BREAK_URL}end/")

    assert "Deadline dread" in member_client.get("/unanswered/").content.decode()
    assert not HiddenSpace.objects.filter(member=member).exists()


def test_a_new_break_replaces_the_spaces_chosen_before(member, spaces):
    services.take_a_break(member=member, days=7, spaces=[spaces["work"], spaces["calm"]])
    services.take_a_break(member=member, days=1, spaces=[spaces["calm"]])

    [hidden] = HiddenSpace.objects.filter(member=member)
    assert hidden.space == spaces["calm"]
    assert hidden.until == services.preferences_for(member).paused_until


def test_a_break_taken_from_an_email_leaves_hidden_spaces_as_they_are(member, spaces):
    services.take_a_break(member=member, days=7, spaces=[spaces["work"]])
    services.take_a_break(member=member, days=3)  # the stop page offers no spaces

    assert list(HiddenSpace.objects.filter(member=member).values_list("space", flat=True)) == [
        spaces["work"].pk
    ]


def test_a_space_that_is_not_offered_is_refused_and_nothing_changes(member_client, member, spaces):
    spaces["work"].is_archived = True
    spaces["work"].save(update_fields=["is_archived"])

    response = member_client.post(BREAK_URL, {"days": "3", "spaces": [spaces["work"].pk]})

    assert response.status_code == 400
    assert "One of those spaces isn&#x27;t open any more." in response.content.decode()
    assert services.preferences_for(member).paused_until is None
    assert not HiddenSpace.objects.exists()
    bad = member_client.post(BREAK_URL, {"days": "3", "spaces": ["not-a-number"]})
    assert bad.status_code == 400


def test_the_settings_page_offers_the_open_spaces_to_hide(member_client, spaces):
    page = member_client.get("/settings/notifications/").content.decode()

    assert "Also hide these spaces from my lists while I" in page
    assert f'name="spaces" value="{spaces["work"].pk}"' in page


def test_other_members_still_see_the_spaces(client, other_member, member, spaces):
    community.hide_spaces(
        member=member, spaces=[spaces["work"]], until=timezone.now() + timedelta(days=1)
    )
    client.force_login(other_member)

    assert 'href="/spaces/work/"' in client.get("/spaces/").content.decode()


def test_the_home_page_costs_the_same_with_1_and_50_hidden_spaces(
    member_client, member, other_member, django_assert_num_queries
):
    until = timezone.now() + timedelta(days=3)
    hidden = []

    def add_item(i):
        space = SpaceFactory(slug=f"room-{i}", name=f"Room {i}")
        SpaceFollowFactory(member=member, space=space)
        PostFactory(author=other_member, space=space, title=f"Post {i}")
        if i % 2:
            hidden.append(space)
            community.hide_spaces(member=member, spaces=hidden, until=until)

    page = assert_same_queries_for_one_and_many(
        member_client, "/", add_item, django_assert_num_queries
    )

    assert "Hidden during your break: Room 1, Room 11, Room 13," in page  # by name
    assert "Post 48" in page
    assert "Post 49" not in page
