"""Gatherings: taking a place, the waiting list, cancellation, bad input and query counts.

State is built through the services; pages are read through the test client.
Times entered in forms are in the host's own time zone (Europe/London for the
members the factory makes).
"""

import html
import io
import re
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from community import notifications, roles, services
from community.models import (
    RSVP,
    Gathering,
    GatheringStatus,
    Notification,
    Post,
    RSVPStatus,
)
from tests.factories import (
    DESCRIPTION,
    JOIN_URL,
    GatheringFactory,
    HostFactory,
    LinkWorkerFactory,
    ModeratorFactory,
    RSVPFactory,
    SpaceFactory,
    UserFactory,
)
from tests.queries import assert_same_queries_for_one_and_many

LONDON = ZoneInfo("Europe/London")


# --- Helpers --------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_of(response) -> str:
    return html.unescape(response.content.decode())


def text_of(page: str) -> str:
    """What a reader sees: the markup's text, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", page).split())


def section(page: str, heading_id: str) -> str:
    """The text of the <section> labelled by `heading_id`."""
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


def going_section(page: str) -> str:
    return section(page, "going-heading")


def detail_url(gathering) -> str:
    return f"/gatherings/{gathering.pk}/"


def status_of(gathering, member) -> str:
    return RSVP.objects.get(gathering=gathering, member=member).status


def local(moment) -> str:
    """A datetime as a host in London types it into the form."""
    return timezone.localtime(moment, LONDON).strftime("%Y-%m-%dT%H:%M")


def form_data(space, /, **overrides) -> dict:
    data = {
        "title": "Evening chat",
        "space": space.pk,
        "description": DESCRIPTION,
        "starts_at": local(timezone.now() + timedelta(days=3)),
        "duration_minutes": "60",
        "capacity": "8",
        "format": "online",
        "join_url": JOIN_URL,
        "place": "",
    }
    data.update(overrides)
    return data


def input_value(page: str, name: str) -> str:
    """The value an <input name=...> shows ("" when it has none)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


@pytest.fixture
def gathering(host, space):
    return GatheringFactory(host=host, space=space)


# --- 1. Taking a place through the views ---------------------------------------


@pytest.mark.django_db
def test_a_plain_post_takes_a_place_and_the_page_says_youre_going(
    member_client, member, gathering
):
    response = member_client.post(f"/gatherings/{gathering.pk}/rsvp/")

    assert response.status_code == 302
    assert response["Location"] == detail_url(gathering)
    assert status_of(gathering, member) == RSVPStatus.GOING
    page = page_of(member_client.get(detail_url(gathering)))
    assert "You're going. We'll keep your place." in page
    assert "You're going." in section(page, "rsvp-heading")
    assert "Maya" in going_section(page)
    assert "Give up my place" in page


@pytest.mark.django_db
def test_with_htmx_taking_a_place_answers_with_the_rsvp_section_only(
    member_client, member, gathering
):
    response = member_client.post(f"/gatherings/{gathering.pk}/rsvp/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    fragment = page_of(response)
    assert fragment.lstrip().startswith('<section class="card card--soft rsvp" id="rsvp"')
    assert "You're going." in fragment
    assert "Give up my place" in fragment
    assert "<html" not in fragment
    assert "<!doctype" not in fragment.lower()
    assert status_of(gathering, member) == RSVPStatus.GOING


@pytest.mark.django_db
def test_taking_a_place_twice_keeps_one_place(member_client, member, gathering):
    member_client.post(f"/gatherings/{gathering.pk}/rsvp/")
    response = member_client.post(f"/gatherings/{gathering.pk}/rsvp/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert RSVP.objects.filter(gathering=gathering, member=member).count() == 1
    assert status_of(gathering, member) == RSVPStatus.GOING
    page = page_of(member_client.get(detail_url(gathering)))
    assert going_section(page).count("Maya") == 1


@pytest.mark.django_db
def test_a_private_place_keeps_the_name_off_whos_going_for_others_but_the_host_sees_it(
    member_client, member, other_member, host_client, gathering
):
    response = member_client.post(f"/gatherings/{gathering.pk}/rsvp/", {"is_private": "on"})

    assert response.status_code == 302
    assert RSVP.objects.get(gathering=gathering, member=member).is_private
    own = page_of(member_client.get(detail_url(gathering)))
    assert "You're going. Your name is off the list." in text_of(own)

    others = going_section(page_of(client_for(other_member).get(detail_url(gathering))))
    assert "Maya" not in others
    assert "and 1 more who'd rather not be listed" in others

    hosts = going_section(page_of(host_client.get(detail_url(gathering))))
    assert "Maya" in hosts
    assert "(private)" in hosts
    assert "rather not be listed" not in hosts


@pytest.mark.django_db
def test_giving_up_a_place_works_with_a_plain_post_and_with_htmx(
    member_client, member, other_member, gathering
):
    member_client.post(f"/gatherings/{gathering.pk}/rsvp/")

    response = member_client.post(f"/gatherings/{gathering.pk}/leave/")

    assert response.status_code == 302
    assert status_of(gathering, member) == RSVPStatus.CANCELLED
    page = page_of(member_client.get(detail_url(gathering)))
    assert "You've given up your place" in page
    assert "I'll be there" in section(page, "rsvp-heading")
    assert "Maya" not in going_section(page)

    sams = client_for(other_member)
    sams.post(f"/gatherings/{gathering.pk}/rsvp/")
    fragment = page_of(sams.post(f"/gatherings/{gathering.pk}/leave/", HTTP_HX_REQUEST="true"))
    assert fragment.lstrip().startswith('<section class="card card--soft rsvp" id="rsvp"')
    assert "I'll be there" in fragment
    assert status_of(gathering, other_member) == RSVPStatus.CANCELLED


@pytest.mark.django_db
def test_taking_a_place_again_after_giving_it_up_reuses_the_one_row(
    member_client, member, gathering
):
    member_client.post(f"/gatherings/{gathering.pk}/rsvp/")
    member_client.post(f"/gatherings/{gathering.pk}/leave/")
    member_client.post(f"/gatherings/{gathering.pk}/rsvp/")

    assert RSVP.objects.filter(gathering=gathering, member=member).count() == 1
    assert status_of(gathering, member) == RSVPStatus.GOING


# --- 2. Capacity and the waiting list ------------------------------------------


@pytest.mark.django_db
def test_with_two_places_the_third_member_joins_the_waiting_list(
    member_client, member, host, space
):
    gathering = GatheringFactory(host=host, space=space, capacity=2)
    first, second = UserFactory(), UserFactory()
    services.rsvp(gathering=gathering, member=first)
    services.rsvp(gathering=gathering, member=second)

    response = member_client.post(f"/gatherings/{gathering.pk}/rsvp/")

    assert response.status_code == 302
    assert status_of(gathering, member) == RSVPStatus.WAITING
    assert RSVP.objects.filter(gathering=gathering, status=RSVPStatus.GOING).count() == 2
    page = page_of(member_client.get(detail_url(gathering)))
    assert "you're on the waiting list" in page
    assert "You're on the waiting list." in section(page, "rsvp-heading")
    assert "Leave the waiting list" in page
    assert "Full, 1 on the waiting list" in page
    assert "Maya" not in going_section(page)


@pytest.mark.django_db
def test_a_full_gathering_offers_to_join_the_waiting_list(member_client, host, space):
    gathering = GatheringFactory(host=host, space=space, capacity=1)
    services.rsvp(gathering=gathering, member=UserFactory())

    page = page_of(member_client.get(detail_url(gathering)))

    rsvp = section(page, "rsvp-heading")
    assert "It's full for now, but you can join the waiting list." in rsvp
    assert "Join the waiting list" in rsvp
    assert "I'll be there" not in rsvp
    assert "Full" in page


@pytest.mark.django_db
def test_when_a_going_member_gives_up_the_first_on_the_waiting_list_by_join_time_is_promoted(
    member, other_member, host, space
):
    gathering = GatheringFactory(host=host, space=space, title="Tuesday chat", capacity=2)
    first, second = UserFactory(), UserFactory()
    services.rsvp(gathering=gathering, member=first)
    services.rsvp(gathering=gathering, member=second)
    # Sam joins the waiting list first (the older row), steps off and joins again,
    # so Maya, who joined in between, is now first by join time.
    services.rsvp(gathering=gathering, member=other_member)
    services.rsvp(gathering=gathering, member=member)
    services.cancel_rsvp(gathering=gathering, member=other_member)
    services.rsvp(gathering=gathering, member=other_member)
    assert status_of(gathering, member) == status_of(gathering, other_member) == "waiting"

    response = client_for(first).post(f"/gatherings/{gathering.pk}/leave/")

    assert response.status_code == 302
    assert status_of(gathering, first) == RSVPStatus.CANCELLED
    assert status_of(gathering, member) == RSVPStatus.GOING
    assert status_of(gathering, other_member) == RSVPStatus.WAITING
    assert RSVP.objects.get(gathering=gathering, member=member).waitlisted_at is None
    promoted = Notification.objects.get(kind=notifications.GATHERING_PROMOTED)
    assert promoted.recipient == member
    assert promoted.gathering == gathering
    assert promoted.actor == host
    assert not Notification.objects.filter(recipient=other_member).exists()

    mayas = client_for(member)
    page = page_of(mayas.get("/notifications/"))
    assert "A place opened up: you're now going to “Tuesday chat”" in text_of(page)
    assert f'href="{detail_url(gathering)}"' in page
    assert "You're going." in page_of(mayas.get(detail_url(gathering)))


@pytest.mark.django_db
def test_leaving_the_waiting_list_promotes_nobody(member, other_member, host, space):
    gathering = GatheringFactory(host=host, space=space, capacity=1)
    services.rsvp(gathering=gathering, member=UserFactory())
    services.rsvp(gathering=gathering, member=member)
    services.rsvp(gathering=gathering, member=other_member)

    client_for(member).post(f"/gatherings/{gathering.pk}/leave/")

    assert status_of(gathering, member) == RSVPStatus.CANCELLED
    assert status_of(gathering, other_member) == RSVPStatus.WAITING
    assert not Notification.objects.filter(kind=notifications.GATHERING_PROMOTED).exists()


@pytest.mark.django_db
def test_raising_the_capacity_by_editing_promotes_from_the_waiting_list(
    member, other_member, host, host_client, space
):
    gathering = GatheringFactory(host=host, space=space, capacity=1)
    services.rsvp(gathering=gathering, member=UserFactory())
    services.rsvp(gathering=gathering, member=member)
    services.rsvp(gathering=gathering, member=other_member)

    response = host_client.post(
        f"/gatherings/{gathering.pk}/edit/",
        form_data(space, starts_at=local(gathering.starts_at), capacity="2"),
    )

    assert response.status_code == 302
    gathering.refresh_from_db()
    assert gathering.capacity == 2
    assert gathering.sequence == 1
    assert status_of(gathering, member) == RSVPStatus.GOING
    assert status_of(gathering, other_member) == RSVPStatus.WAITING
    assert list(
        Notification.objects.filter(kind=notifications.GATHERING_PROMOTED).values_list(
            "recipient", flat=True
        )
    ) == [member.pk]
    assert "A place opened up" in page_of(client_for(member).get("/notifications/"))


@pytest.mark.django_db
def test_no_place_in_a_gathering_that_has_ended(member_client, member, gathering):
    with time_machine.travel(gathering.ends_at + timedelta(minutes=5)):
        response = member_client.post(f"/gatherings/{gathering.pk}/rsvp/")
        assert response.status_code == 409  # the page itself, saying why
        page = page_of(response)
        assert "This gathering has already happened." in page
        assert "This gathering has finished." in section(page, "rsvp-heading")
        assert "I'll be there" not in page

        fragment = member_client.post(f"/gatherings/{gathering.pk}/rsvp/", HTTP_HX_REQUEST="true")
        assert fragment.status_code == 409
        assert "This gathering has finished." in page_of(fragment)

    assert not RSVP.objects.filter(gathering=gathering, member=member).exists()


@pytest.mark.django_db
def test_no_place_in_a_cancelled_gathering(member_client, member, host, gathering):
    services.cancel_gathering(gathering=gathering, by=host)

    response = member_client.post(f"/gatherings/{gathering.pk}/rsvp/")

    assert response.status_code == 409  # the page itself, saying why
    page = page_of(response)
    assert "This gathering was cancelled." in page
    assert "I'll be there" not in page
    fragment = member_client.post(f"/gatherings/{gathering.pk}/rsvp/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 409
    assert "This gathering was cancelled." in page_of(fragment)
    assert not RSVP.objects.filter(gathering=gathering, member=member).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("closed", ["cancelled", "ended"])
def test_with_htmx_a_refused_place_is_the_section_saying_why_with_a_409(
    member_client, host, gathering, closed
):
    """The real status, the section in the body (base.html's htmx-config swaps 409s),
    and the words again in the live region."""
    if closed == "cancelled":
        services.cancel_gathering(gathering=gathering, by=host)
        at = timezone.now()
        why = "This gathering was cancelled."
    else:
        at = gathering.ends_at + timedelta(minutes=5)
        why = "This gathering has already happened."

    with time_machine.travel(at):
        response = member_client.post(f"/gatherings/{gathering.pk}/rsvp/", HTTP_HX_REQUEST="true")

    assert response.status_code == 409
    fragment = page_of(response)
    assert fragment.lstrip().startswith('<section class="card card--soft rsvp" id="rsvp"')
    assert why in section(fragment, "rsvp-heading")
    assert re.search(r'<div id="live-status"[^>]*hx-swap-oob="true">' + re.escape(why), fragment)


# --- 3. The last place under concurrency ---------------------------------------


def race(gathering, members) -> list[BaseException]:
    """Each member calls `services.rsvp` in their own thread and connection, released
    together by a barrier. Returns what went wrong."""
    barrier = threading.Barrier(len(members))
    errors: list[BaseException] = []

    def take_a_place(member):
        try:
            connection.ensure_connection()  # connect first, so the race is on the place
            barrier.wait(timeout=10)
            services.rsvp(gathering=gathering, member=member)
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_a_place, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_members_taking_the_last_place_at_the_same_moment_end_one_going_one_waiting(
    reference_data,
):
    host = HostFactory()
    space = SpaceFactory(slug="race")
    capacity = 2
    for round_ in range(5):
        gathering = GatheringFactory(
            host=host, space=space, title=f"Round {round_}", capacity=capacity
        )
        services.rsvp(gathering=gathering, member=UserFactory())  # one place left
        racers = [UserFactory(), UserFactory()]

        assert race(gathering, racers) == []

        statuses = sorted(status_of(gathering, racer) for racer in racers)
        assert statuses == [RSVPStatus.GOING, RSVPStatus.WAITING], f"round {round_}"
        going = RSVP.objects.filter(gathering=gathering, status=RSVPStatus.GOING).count()
        assert going == capacity, f"round {round_}"


@pytest.mark.django_db(transaction=True)
def test_many_members_rushing_for_few_places_never_overfill_the_gathering(reference_data):
    host = HostFactory()
    space = SpaceFactory(slug="rush")
    gathering = GatheringFactory(host=host, space=space, capacity=2)
    racers = [UserFactory() for _ in range(6)]

    assert race(gathering, racers) == []

    places = RSVP.objects.filter(gathering=gathering)
    assert places.filter(status=RSVPStatus.GOING).count() == 2
    assert places.filter(status=RSVPStatus.WAITING).count() == 4
    assert places.filter(status=RSVPStatus.WAITING, waitlisted_at__isnull=True).count() == 0


# --- 4. Cancellation by the host -----------------------------------------------


@pytest.mark.django_db
def test_the_host_cancels_and_everyone_going_or_waiting_is_told_but_not_the_host(
    member, other_member, host, host_client, space
):
    gathering = GatheringFactory(host=host, space=space, title="Sunday slow start", capacity=2)
    services.rsvp(gathering=gathering, member=host)
    services.rsvp(gathering=gathering, member=member)  # going
    services.rsvp(gathering=gathering, member=other_member)  # waiting
    left = UserFactory()
    services.rsvp(gathering=gathering, member=left)
    services.cancel_rsvp(gathering=gathering, member=left)
    assert status_of(gathering, other_member) == RSVPStatus.WAITING

    confirm = host_client.get(f"/gatherings/{gathering.pk}/cancel/")
    assert confirm.status_code == 200
    assert "Yes, cancel it" in page_of(confirm)
    gathering.refresh_from_db()
    assert gathering.status == GatheringStatus.SCHEDULED  # a GET changes nothing

    response = host_client.post(f"/gatherings/{gathering.pk}/cancel/")

    assert response.status_code == 302
    assert response["Location"] == detail_url(gathering)
    gathering.refresh_from_db()
    assert gathering.status == GatheringStatus.CANCELLED
    assert gathering.sequence == 1
    told = Notification.objects.filter(kind=notifications.GATHERING_CANCELLED)
    assert sorted(told.values_list("recipient", flat=True)) == sorted([member.pk, other_member.pk])
    assert all(n.gathering_id == gathering.pk and n.actor_id == host.pk for n in told)

    page = page_of(host_client.get(detail_url(gathering)))
    assert "Everyone with a place has been told." in page
    assert "Cancelled" in page
    assert "Edit the gathering" not in page
    for who in (member, other_member):
        said = page_of(client_for(who).get("/notifications/"))
        assert "“Sunday slow start” was cancelled by its host" in text_of(said)
    assert "was cancelled" not in page_of(client_for(left).get("/notifications/"))


@pytest.mark.django_db
def test_a_cancelled_gathering_shows_cancelled_everywhere_and_refuses_new_places_kindly(
    member_client, member, other_member, host, space
):
    gathering = GatheringFactory(host=host, space=space, title="Sunday slow start")
    services.rsvp(gathering=gathering, member=other_member)
    services.cancel_gathering(gathering=gathering, by=host)

    page = page_of(member_client.get(detail_url(gathering)))
    assert '<span class="badge">Cancelled</span>' in page
    assert "This gathering was cancelled." in section(page, "rsvp-heading")
    assert "I'll be there" not in page

    response = member_client.post(f"/gatherings/{gathering.pk}/rsvp/", follow=True)
    assert response.status_code == 409  # refused: the page itself says why
    assert "This gathering was cancelled." in page_of(response)
    assert not RSVP.objects.filter(gathering=gathering, member=member).exists()
    # A second cancel is harmless and tells nobody twice.
    again = client_for(host).post(f"/gatherings/{gathering.pk}/cancel/")
    assert again.status_code == 302
    assert Notification.objects.filter(kind=notifications.GATHERING_CANCELLED).count() == 1


@pytest.mark.django_db
def test_a_place_in_a_cancelled_gathering_cannot_be_given_up(member, host, gathering):
    """The page offers no "Give up my place" once cancelled; a stale form must not turn
    the place into "not going" (the member's calendar feed lists only confirmed places,
    so the cancellation would vanish from it instead of showing STATUS:CANCELLED)."""
    services.rsvp(gathering=gathering, member=member)
    services.cancel_gathering(gathering=gathering, by=host)
    mayas = client_for(member)

    response = mayas.post(f"/gatherings/{gathering.pk}/leave/", follow=True)

    assert response.status_code == 409
    assert status_of(gathering, member) == RSVPStatus.GOING
    page = page_of(response)
    assert "You've given up your place" not in page
    assert "This gathering was cancelled." in page


@pytest.mark.django_db
def test_a_place_in_a_gathering_that_has_ended_cannot_be_given_up(member, host, gathering):
    services.rsvp(gathering=gathering, member=member)
    mayas = client_for(member)

    with time_machine.travel(gathering.ends_at + timedelta(hours=1)):
        response = mayas.post(f"/gatherings/{gathering.pk}/leave/", follow=True)

    assert response.status_code == 409
    assert status_of(gathering, member) == RSVPStatus.GOING
    assert "You've given up your place" not in page_of(response)


# --- 5. Bad input and permissions ----------------------------------------------

BAD_INPUT = [
    # (case, overrides, field, what the member reads)
    ("start in the past", {"starts_at": "past"}, "starts_at", ["a time in the future"]),
    ("malformed start", {"starts_at": "tomorrow"}, "starts_at", ["Enter a date and time"]),
    ("duration 0", {"duration_minutes": "0"}, "duration_minutes", ["at least a minute"]),
    ("duration 481", {"duration_minutes": "481"}, "duration_minutes", ["480 minutes"]),
    ("capacity 0", {"capacity": "0"}, "capacity", ["At least one place"]),
    ("http link", {"join_url": "http://meet.example.org/4c"}, "join_url", ["https://"]),
    (
        "javascript link",
        {"join_url": "javascript:alert(1)"},
        "join_url",
        ["https://", "Enter a valid URL"],
    ),
    ("online without a link", {"join_url": ""}, "join_url", ["needs a join link"]),
    (
        "in person without a place",
        {"format": "in_person", "join_url": "", "place": ""},
        "place",
        ["Say where people should come"],
    ),
    ("unknown space", {"space": "999999"}, "space", ["Choose one of the spaces"]),
    ("empty title", {"title": ""}, "title", ["This is empty"]),
    ("NUL in the title", {"title": "Evening\x00chat"}, "title", ["control character", "Null"]),
]


def bad_form(space, overrides) -> dict:
    if overrides.get("starts_at") == "past":
        overrides = {**overrides, "starts_at": local(timezone.now() - timedelta(hours=1))}
    return form_data(space, **overrides)


def assert_refused_on_the_right_field(response, data, field, messages):
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {field}, errors
    assert any(said in error for error in errors[field] for said in messages), errors[field]
    page = page_of(response)
    assert any(said in page for said in messages)
    # What the host typed is still there.
    for name in ("title", "starts_at", "duration_minutes", "capacity", "join_url", "place"):
        assert input_value(page, name) == str(data[name]), name
    assert DESCRIPTION in page
    if field != "space":
        assert re.search(rf'<option value="{data["space"]}"[^>]*selected', page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "messages"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_on_a_new_gathering_is_a_clear_400_and_nothing_is_made(
    host_client, space, overrides, field, messages
):
    data = bad_form(space, overrides)

    response = host_client.post("/gatherings/new/", data)

    assert_refused_on_the_right_field(response, data, field, messages)
    assert not Gathering.objects.exists()
    assert not Post.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "messages"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_on_an_edit_is_a_clear_400_and_nothing_changes(
    host_client, gathering, space, overrides, field, messages
):
    before = Gathering.objects.values().get(pk=gathering.pk)
    data = bad_form(space, {**overrides, "title": overrides.get("title", "A new title")})

    response = host_client.post(f"/gatherings/{gathering.pk}/edit/", data)

    assert_refused_on_the_right_field(response, data, field, messages)
    assert Gathering.objects.values().get(pk=gathering.pk) == before


@pytest.mark.django_db
def test_a_good_form_makes_a_gathering_at_the_time_the_host_typed_in_their_zone(
    host_client, host, space
):
    starts = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)

    response = host_client.post("/gatherings/new/", form_data(space, starts_at=local(starts)))

    gathering = Gathering.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(gathering)
    assert gathering.host == host
    assert gathering.starts_at == starts
    assert gathering.ends_at == starts + timedelta(minutes=60)
    assert gathering.capacity == 8
    assert gathering.discussion is not None


@pytest.mark.django_db
def test_a_member_who_is_not_a_host_cannot_make_a_gathering(member_client, space):
    assert member_client.get("/gatherings/new/").status_code == 403
    assert member_client.post("/gatherings/new/", form_data(space)).status_code == 403
    assert not Gathering.objects.exists()


@pytest.mark.django_db
def test_a_member_made_a_host_can_make_a_gathering(member_client, member, space):
    services.assign_role(member=member, role=roles.HOSTS)

    assert member_client.get("/gatherings/new/").status_code == 200
    response = member_client.post("/gatherings/new/", form_data(space))

    assert response.status_code == 302
    assert Gathering.objects.get().host == member


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/gatherings/{pk}/"),
        ("get", "/gatherings/{pk}/edit/"),
        ("post", "/gatherings/{pk}/edit/"),
        ("post", "/gatherings/{pk}/rsvp/"),
        ("post", "/gatherings/{pk}/leave/"),
        ("get", "/gatherings/{pk}/cancel/"),
        ("post", "/gatherings/{pk}/cancel/"),
        ("get", "/gatherings/{pk}/calendar.ics"),
    ],
)
def test_an_unknown_gathering_is_a_404(host_client, space, gathering, method, path):
    unknown = gathering.pk + 1000

    response = getattr(host_client, method)(path.format(pk=unknown), form_data(space))

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/gatherings/{pk}/edit/"),
        ("post", "/gatherings/{pk}/edit/"),
        ("get", "/gatherings/{pk}/cancel/"),
        ("post", "/gatherings/{pk}/cancel/"),
    ],
)
def test_another_hosts_gathering_cannot_be_edited_or_cancelled(
    host_client, other_member, space, method, path
):
    services.assign_role(member=other_member, role=roles.HOSTS)
    theirs = GatheringFactory(host=other_member, space=space, title="Sam's chat")
    services.rsvp(gathering=theirs, member=UserFactory())
    before = Gathering.objects.values().get(pk=theirs.pk)

    response = getattr(host_client, method)(
        path.format(pk=theirs.pk), form_data(space, title="Taken over")
    )

    assert response.status_code == 403
    assert Gathering.objects.values().get(pk=theirs.pk) == before
    assert not Notification.objects.filter(kind=notifications.GATHERING_CANCELLED).exists()


# --- 6. Query counts --------------------------------------------------------------


def varied_gathering(i, *, space, starts_in):
    """Gathering i, by its own host (every third a moderator, every third a link worker,
    who carry a badge): some capped, some in person, some with (private) places and a
    waiting list."""
    gathering = GatheringFactory(
        host=(HostFactory, ModeratorFactory, LinkWorkerFactory)[i % 3](),
        space=space,
        title=f"Gathering {i}",
        starts_in=starts_in,
        capacity=None if i % 3 == 0 else 2,
        format="in_person" if i % 4 == 1 else "online",
    )
    for n in range(i % 4):
        RSVPFactory(gathering=gathering, is_private=n == 1)
    return gathering


@pytest.mark.django_db
def test_upcoming_gatherings_cost_the_same_for_1_and_50(member_client, django_assert_num_queries):
    viewer = member_client  # gatherings are for members

    def add_item(i):
        varied_gathering(i, space=SpaceFactory(), starts_in=timedelta(days=1, hours=i))

    page = html.unescape(
        assert_same_queries_for_one_and_many(
            viewer, "/gatherings/", add_item, django_assert_num_queries
        )
    )

    assert page.count('class="card gathering-card"') == 25
    assert "Gathering 0" in page
    assert "Full: waiting list open" in page
    assert "Later gatherings" in page
    assert "</span>Moderator</span>" in page
    assert "</span>Link worker</span>" in page


@pytest.mark.django_db
def test_past_gatherings_cost_the_same_for_1_and_50(member_client, django_assert_num_queries):
    viewer = member_client

    def add_item(i):
        gathering = varied_gathering(
            i, space=SpaceFactory(), starts_in=timedelta(hours=1, minutes=i)
        )
        if i % 7 == 3:
            services.cancel_gathering(gathering=gathering, by=gathering.host)

    later = timezone.now() + timedelta(days=2)  # after they have all ended
    page = html.unescape(
        assert_same_queries_for_one_and_many(
            viewer, "/gatherings/past/", add_item, django_assert_num_queries, at=later
        )
    )

    assert page.count('class="card gathering-card"') == 25
    assert "Gathering 49" in page
    assert "Earlier gatherings" in page


@pytest.mark.django_db
def test_a_space_page_costs_the_same_for_1_and_50_upcoming_gatherings(
    member_client, space, member, django_assert_num_queries
):
    viewer = member_client  # a visitor to an open space sees no gatherings
    services.create_post(author=member, space=space, title="Hello", body="Hi all.", intent="hello")

    def add_item(i):
        varied_gathering(i, space=space, starts_in=timedelta(days=1, hours=i))

    page = html.unescape(
        assert_same_queries_for_one_and_many(
            viewer, f"/spaces/{space.slug}/", add_item, django_assert_num_queries
        )
    )

    coming_up = section(page, "space-gatherings")
    assert coming_up.count('class="card gathering-card"') == 3
    assert "Gathering 0" in coming_up


@pytest.fixture(params=["member", "host"])
def detail_viewer(request, client, member, host):
    client.force_login(member if request.param == "member" else host)
    return request.param, client


@pytest.mark.django_db
def test_a_gathering_page_costs_the_same_for_1_and_50_attendees(
    detail_viewer, member, host, space, django_assert_num_queries
):
    who, client = detail_viewer
    gathering = GatheringFactory(host=host, space=space, capacity=40)

    def add_item(i):
        """Maya first, then members of their own; every fourth private; from the 41st on,
        the waiting list."""
        someone = (UserFactory, ModeratorFactory, LinkWorkerFactory)[i % 3]
        services.rsvp(
            gathering=gathering, member=member if i == 0 else someone(), is_private=i % 4 == 1
        )

    page = html.unescape(
        assert_same_queries_for_one_and_many(
            client, detail_url(gathering), add_item, django_assert_num_queries
        )
    )

    private = len([i for i in range(40) if i % 4 == 1])
    going = going_section(page)
    assert "Full, 10 on the waiting list" in page
    assert "</span>Moderator</span>" in going
    assert "</span>Link worker</span>" in going
    if who == "host":
        assert going.count("<li>") == 40
        assert going.count("(private)") == private
    else:
        assert going.count("<li>") == 40 - private
        assert f"and {private} more who'd rather not be listed" in going
    if who == "member":
        assert "You're going." in page


# --- 7. Demo --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_has_upcoming_gatherings_one_nearly_full_and_a_past_one():
    call_command("seed_demo", force=True, stdout=io.StringIO())
    now = timezone.now()

    upcoming = list(Gathering.objects.upcoming(now))
    assert len(upcoming) >= 3
    places_left = [
        g.capacity - RSVP.objects.filter(gathering=g, status=RSVPStatus.GOING).count()
        for g in upcoming
        if g.capacity is not None
    ]
    assert any(left <= 2 for left in places_left), places_left
    assert Gathering.objects.past(now).exists()
