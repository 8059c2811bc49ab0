"""Gatherings across time zones and clocks: the times shown, the join-link window,
the reminder selector and the attendance window, all with time-machine.

Every gathering is created at a fixed instant (CREATED) a couple of weeks before
it starts, and the clock is then moved to the instants that matter.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from community import selectors, services, signals
from community.models import GATHERING_MAX_MINUTES, RSVP, Gathering, RSVPStatus
from tests.factories import GatheringFactory, RSVPFactory, UserFactory

CREATED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
# 12:30 UTC: 02:30 on the 15th in Honolulu, 18:00 in Kolkata, 02:30 on the 16th in Kiritimati.
START = datetime(2027, 3, 15, 12, 30, tzinfo=UTC)
JOIN_URL = "https://meet.example.org/4c-quiet-room-9f7k2"
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")

HONOLULU = "Pacific/Honolulu"  # UTC-10
KOLKATA = "Asia/Kolkata"  # UTC+5:30
KIRITIMATI = "Pacific/Kiritimati"  # UTC+14


class QuietEvening(GatheringFactory):
    """Scheduled with the clock at CREATED (it must start in the future), starting at START."""

    title = "Quiet evening check-in"
    description = "A gentle hour: listen, or share if you like."
    starts_at = START
    join_url = JOIN_URL
    scheduled_at = CREATED


def _in_zone(member, zone: str):
    services.update_profile(member=member, time_zone=zone)
    return member


def _get(client, viewer, url):
    """A page as `viewer` sees it (None: a visitor). Logs in afresh at the current
    (travelled) instant, so the session never looks expired."""
    client.logout()
    if viewer is not None:
        client.force_login(viewer)
    return client.get(url)


def _text(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def _when(starts_at, minutes, zone: str) -> str:
    """What the templates say: "Monday 15 March 2027, 18:00–19:00 (Asia/Kolkata time)"."""
    local = starts_at.astimezone(ZoneInfo(zone))
    end = (starts_at + timedelta(minutes=minutes)).astimezone(ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}–{end:%H:%M} ({zone} time)"


# --- Times shown in the member's own zone ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("zone", [HONOLULU, KOLKATA, KIRITIMATI])
def test_members_see_the_start_in_their_own_time_zone_with_the_zone_named(
    client, member, link_worker, space, zone
):
    gathering = QuietEvening(host=link_worker, space=space)
    _in_zone(member, zone)
    expected = _when(START, 60, zone)

    with time_machine.travel(CREATED, tick=False):
        for url in ("/gatherings/", f"/gatherings/{gathering.pk}/", f"/spaces/{space.slug}/"):
            response = _get(client, member, url)
            assert response.status_code == 200, url
            assert expected in _text(response), url
        detail = _get(client, member, f"/gatherings/{gathering.pk}/").content.decode()

    offset = START.astimezone(ZoneInfo(zone)).isoformat()
    assert f'datetime="{offset}"' in detail


@pytest.mark.django_db
def test_the_same_gathering_falls_on_different_dates_in_honolulu_and_kiritimati(
    client, member, other_member, link_worker, space
):
    gathering = QuietEvening(host=link_worker, space=space)
    _in_zone(member, HONOLULU)
    _in_zone(other_member, KIRITIMATI)

    with time_machine.travel(CREATED, tick=False):
        honolulu = _text(_get(client, member, f"/gatherings/{gathering.pk}/"))
        kiritimati = _text(_get(client, other_member, f"/gatherings/{gathering.pk}/"))
        honolulu_list = _text(_get(client, member, "/gatherings/"))
        kiritimati_list = _text(_get(client, other_member, "/gatherings/"))

    # 12:30 UTC on the 15th: the same wall-clock time, a whole day apart.
    for page in (honolulu, honolulu_list):
        assert "Monday 15 March 2027, 02:30–03:30 (Pacific/Honolulu time)" in page
        assert "Tuesday 16 March" not in page
    for page in (kiritimati, kiritimati_list):
        assert "Tuesday 16 March 2027, 02:30–03:30 (Pacific/Kiritimati time)" in page
        assert "Monday 15 March" not in page


@pytest.mark.django_db
def test_members_in_utc_see_times_with_the_zone_named(client, link_worker, space):
    gathering = QuietEvening(host=link_worker, space=space)
    in_utc = UserFactory(time_zone="UTC")

    with time_machine.travel(CREATED, tick=False):
        page = _text(_get(client, in_utc, f"/gatherings/{gathering.pk}/"))

    assert "Monday 15 March 2027, 12:30–13:30 (UTC time)" in page


# --- Across a daylight-saving change -----------------------------------------------


@pytest.mark.django_db
def test_a_london_evening_after_the_clocks_go_forward_shows_right_in_london_and_new_york(
    client, member, other_member, link_worker, space
):
    # London goes to BST on 2027-03-28; New York went to EDT on 2027-03-14.
    before = QuietEvening(
        host=link_worker, space=space, title="Before the change",
        starts_at=datetime(2027, 3, 27, 18, 0, tzinfo=LONDON),
    )  # fmt: skip
    after = QuietEvening(
        host=link_worker, space=space, title="After the change",
        starts_at=datetime(2027, 3, 29, 18, 0, tzinfo=LONDON),
    )  # fmt: skip
    _in_zone(member, "Europe/London")
    _in_zone(other_member, "America/New_York")

    before.refresh_from_db()
    after.refresh_from_db()
    assert before.starts_at == datetime(2027, 3, 27, 18, 0, tzinfo=UTC)  # GMT
    assert after.starts_at == datetime(2027, 3, 29, 17, 0, tzinfo=UTC)  # BST
    assert after.ends_at == datetime(2027, 3, 29, 18, 0, tzinfo=UTC)

    with time_machine.travel(datetime(2027, 3, 26, 12, 0, tzinfo=UTC), tick=False):
        london_after = _text(_get(client, member, f"/gatherings/{after.pk}/"))
        london_before = _text(_get(client, member, f"/gatherings/{before.pk}/"))
        new_york_after = _text(_get(client, other_member, f"/gatherings/{after.pk}/"))
        new_york_before = _text(_get(client, other_member, f"/gatherings/{before.pk}/"))
        new_york_list = _text(_get(client, other_member, "/gatherings/"))

    assert "Monday 29 March 2027, 18:00–19:00 (Europe/London time)" in london_after
    assert "Saturday 27 March 2027, 18:00–19:00 (Europe/London time)" in london_before
    # Five hours behind London once both have changed, four in the week between.
    assert "Monday 29 March 2027, 13:00–14:00 (America/New_York time)" in new_york_after
    assert "Saturday 27 March 2027, 14:00–15:00 (America/New_York time)" in new_york_before
    assert _when(after.starts_at, 60, "America/New_York") in new_york_list
    assert _when(before.starts_at, 60, "America/New_York") in new_york_list


def _form_data(space, starts_at: str, **overrides) -> dict:
    data = {
        "title": "Spring check-in",
        "space": space.pk,
        "description": "A friendly hour for anyone who wants company.",
        "starts_at": starts_at,
        "duration_minutes": "60",
        "capacity": "",
        "format": "online",
        "join_url": JOIN_URL,
        "place": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2027-03-27T18:00", datetime(2027, 3, 27, 18, 0, tzinfo=UTC)),  # GMT, the day before
        ("2027-03-28T03:00", datetime(2027, 3, 28, 2, 0, tzinfo=UTC)),  # BST, just after
        ("2027-03-29T18:00", datetime(2027, 3, 29, 17, 0, tzinfo=UTC)),  # BST, the day after
    ],
)
def test_a_london_host_typing_a_start_gets_the_right_utc_instant(
    client, link_worker, space, typed, stored
):
    _in_zone(link_worker, "Europe/London")

    with time_machine.travel(CREATED, tick=False):
        client.force_login(link_worker)
        response = client.post("/gatherings/new/", _form_data(space, typed))

    assert response.status_code == 302
    gathering = Gathering.objects.get(title="Spring check-in")
    assert response["Location"] == f"/gatherings/{gathering.pk}/"
    assert gathering.starts_at == stored
    assert gathering.ends_at == stored + timedelta(hours=1)


@pytest.mark.django_db
def test_a_kolkata_host_typing_a_start_gets_the_right_utc_instant(client, link_worker, space):
    _in_zone(link_worker, KOLKATA)

    with time_machine.travel(CREATED, tick=False):
        client.force_login(link_worker)
        response = client.post("/gatherings/new/", _form_data(space, "2027-03-15T18:00"))

    assert response.status_code == 302
    assert Gathering.objects.get().starts_at == START


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "starts", "ends"),
    [
        # 00:30 GMT for two real hours: the clocks jump at 01:00 GMT, so it ends at 03:30 BST.
        (
            "2027-03-28T00:30",
            datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
            datetime(2027, 3, 28, 2, 30, tzinfo=UTC),
        ),
        # 00:30 BST for two real hours: the clocks go back at 01:00 UTC, so it ends at 01:30 GMT.
        (
            "2027-10-31T00:30",
            datetime(2027, 10, 30, 23, 30, tzinfo=UTC),
            datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
        ),
    ],
)
def test_a_gathering_spanning_a_clock_change_lasts_its_real_duration(
    client, member, link_worker, space, typed, starts, ends
):
    _in_zone(link_worker, "Europe/London")
    with time_machine.travel(CREATED, tick=False):
        client.force_login(link_worker)
        response = client.post(
            "/gatherings/new/", _form_data(space, typed, duration_minutes="120")
        )
    assert response.status_code == 302
    gathering = Gathering.objects.get()
    RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)

    assert gathering.starts_at == starts
    assert gathering.ends_at == ends
    assert gathering.ends_at - gathering.starts_at == timedelta(minutes=120)
    # The join link stays open for the whole two hours.
    with time_machine.travel(ends - timedelta(minutes=10), tick=False):
        assert JOIN_URL in _get(client, member, f"/gatherings/{gathering.pk}/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "2027-03-28T01:30",  # the clocks jump from 01:00 to 02:00: it never happens
        "2027-10-31T01:30",  # the clocks go back: it happens twice
    ],
)
def test_a_start_time_that_does_not_exist_once_in_the_hosts_zone_is_a_form_error(
    client, link_worker, space, typed
):
    _in_zone(link_worker, "Europe/London")

    with time_machine.travel(CREATED, tick=False):
        client.force_login(link_worker)
        response = client.post("/gatherings/new/", _form_data(space, typed))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "starts_at" in errors
    assert "Europe/London" in errors["starts_at"][0]
    assert "may not exist" in errors["starts_at"][0]
    assert "may not exist" in response.content.decode()
    assert not Gathering.objects.exists()


# --- The join link window ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Europe/London", KOLKATA])
def test_the_join_link_shows_to_a_member_with_a_place_from_15_minutes_before_until_the_end(
    client, member, link_worker, space, zone
):
    gathering = QuietEvening(host=link_worker, space=space)
    RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    _in_zone(member, zone)
    url = f"/gatherings/{gathering.pk}/"
    expected = {
        START - timedelta(hours=2): False,
        START - timedelta(minutes=16): False,
        START - timedelta(minutes=15, seconds=1): False,
        START - timedelta(minutes=15): True,
        START - timedelta(minutes=10): True,
        START: True,
        START + timedelta(minutes=30): True,
        START + timedelta(minutes=59, seconds=59): True,
        START + timedelta(minutes=60): False,  # the end
        START + timedelta(hours=3): False,
        START + timedelta(days=2): False,
    }

    seen = {}
    for instant in expected:
        with time_machine.travel(instant, tick=False):
            response = _get(client, member, url)
            assert response.status_code == 200
            seen[instant] = JOIN_URL in response.content.decode()

    assert seen == expected


@pytest.mark.django_db
def test_members_without_a_place_never_see_the_join_link(
    client, member, other_member, link_worker, space
):
    gathering = QuietEvening(host=link_worker, space=space, capacity=2)
    RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    leaver = UserFactory(time_zone=KOLKATA)
    RSVPFactory(gathering=gathering, member=leaver, taken_at=CREATED)
    with time_machine.travel(CREATED, tick=False):
        services.cancel_rsvp(gathering=gathering, member=leaver)
    RSVPFactory(gathering=gathering, member=UserFactory(), taken_at=CREATED)
    _in_zone(other_member, KIRITIMATI)
    assert (
        RSVPFactory(gathering=gathering, member=other_member, taken_at=CREATED).status
        == RSVPStatus.WAITING
    )
    stranger = UserFactory(time_zone=HONOLULU)
    url = f"/gatherings/{gathering.pk}/"

    for instant in (START - timedelta(minutes=10), START, START + timedelta(minutes=30)):
        with time_machine.travel(instant, tick=False):
            assert JOIN_URL in _get(client, member, url).content.decode()
            for viewer in (leaver, other_member, stranger):
                response = _get(client, viewer, url)
                assert response.status_code == 200
                assert JOIN_URL not in response.content.decode(), (instant, viewer)


@pytest.mark.django_db
def test_a_member_on_the_waiting_list_never_sees_the_join_link(
    client, member, other_member, link_worker, space
):
    gathering = QuietEvening(host=link_worker, space=space, capacity=1)
    RSVPFactory(gathering=gathering, member=other_member, taken_at=CREATED)
    assert (
        RSVPFactory(gathering=gathering, member=member, taken_at=CREATED).status
        == RSVPStatus.WAITING
    )
    _in_zone(member, KOLKATA)

    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        content = _get(client, member, f"/gatherings/{gathering.pk}/").content.decode()

    assert "You're on the waiting list" in content
    assert JOIN_URL not in content


@pytest.mark.django_db
def test_rsvp_by_htmx_shows_the_join_link_only_inside_the_window(
    client, member, other_member, link_worker, space
):
    gathering = QuietEvening(host=link_worker, space=space)
    url = f"/gatherings/{gathering.pk}/rsvp/"

    with time_machine.travel(START - timedelta(minutes=16), tick=False):
        client.force_login(member)
        early = client.post(url, HTTP_HX_REQUEST="true")
    with time_machine.travel(START - timedelta(minutes=10), tick=False):
        client.force_login(other_member)
        in_time = client.post(url, HTTP_HX_REQUEST="true")

    assert early.status_code == 200
    assert "You're going" in early.content.decode()
    assert JOIN_URL not in early.content.decode()
    assert in_time.status_code == 200
    assert JOIN_URL in in_time.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Europe/London", KOLKATA])
def test_the_join_link_never_appears_in_lists_the_space_page_or_calendars(
    client, member, link_worker, space, zone
):
    gathering = QuietEvening(host=link_worker, space=space)
    RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    _in_zone(member, zone)
    token = services.regenerate_calendar_token(member=member).token

    # Inside the window, where the member's own detail page does show it.
    with time_machine.travel(START - timedelta(minutes=10), tick=False):
        assert JOIN_URL in _get(client, member, f"/gatherings/{gathering.pk}/").content.decode()
        urls = [
            "/gatherings/",
            f"/gatherings/?space={space.slug}",
            "/gatherings/past/",
            f"/spaces/{space.slug}/",
            f"/posts/{gathering.discussion_id}/",
            f"/gatherings/{gathering.pk}/calendar.ics",
            f"/calendar/{token}.ics",
        ]
        for url in urls:
            response = _get(client, member, url)
            assert response.status_code == 200, url
            assert JOIN_URL.encode() not in response.content, url
            assert b"4c-quiet-room" not in response.content, url
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        response = _get(client, member, "/gatherings/past/")
        assert "Quiet evening check-in" in response.content.decode()
        assert JOIN_URL not in response.content.decode()


# --- Reminders -----------------------------------------------------------------------


def _reminded(at, lead) -> set[int]:
    with time_machine.travel(at, tick=False):
        return set(
            selectors.places_needing_reminder(at=at, lead=lead).values_list("pk", flat=True)
        )


@pytest.mark.django_db
def test_reminders_go_to_confirmed_places_only_and_not_to_cancelled_gatherings(
    member, other_member, link_worker, space
):
    _in_zone(member, HONOLULU)
    _in_zone(other_member, KIRITIMATI)
    gathering = QuietEvening(host=link_worker, space=space)
    going = {
        RSVPFactory(gathering=gathering, member=member, taken_at=CREATED).pk,
        RSVPFactory(gathering=gathering, member=other_member, taken_at=CREATED).pk,
    }
    leaver = UserFactory()
    gave_up = RSVPFactory(gathering=gathering, member=leaver, taken_at=CREATED)
    with time_machine.travel(CREATED, tick=False):
        services.cancel_rsvp(gathering=gathering, member=leaver)

    full = QuietEvening(host=link_worker, space=space, title="Full", capacity=1)
    full_going = RSVPFactory(
        gathering=full, member=UserFactory(time_zone=KOLKATA), taken_at=CREATED
    )
    waiting = RSVPFactory(gathering=full, member=UserFactory(time_zone=KOLKATA), taken_at=CREATED)
    assert waiting.status == RSVPStatus.WAITING

    called_off = QuietEvening(host=link_worker, space=space, title="Called off")
    called_off_place = RSVPFactory(gathering=called_off, member=member, taken_at=CREATED)
    with time_machine.travel(CREATED, tick=False):
        services.cancel_gathering(gathering=called_off, by=link_worker)

    later = QuietEvening(
        host=link_worker, space=space, title="Later", starts_at=START + timedelta(days=2)
    )
    RSVPFactory(gathering=later, member=member, taken_at=CREATED)

    for lead in ("24h", "1h"):
        reminded = _reminded(START - timedelta(minutes=30), lead)
        assert reminded == going | {full_going.pk}, lead
        assert gave_up.pk not in reminded
        assert waiting.pk not in reminded
        assert called_off_place.pk not in reminded


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lead", "window"), [("24h", timedelta(hours=24)), ("1h", timedelta(hours=1))]
)
def test_reminders_start_at_the_lead_and_stop_when_the_gathering_starts(
    member, other_member, link_worker, space, lead, window
):
    _in_zone(member, HONOLULU)
    _in_zone(other_member, KIRITIMATI)
    gathering = QuietEvening(host=link_worker, space=space)
    places = {
        RSVPFactory(gathering=gathering, member=member, taken_at=CREATED).pk,
        RSVPFactory(gathering=gathering, member=other_member, taken_at=CREATED).pk,
    }
    second = timedelta(seconds=1)

    # Both members, a day apart on the calendar, are reminded at the same instants.
    assert _reminded(START - window - second, lead) == set()
    assert _reminded(START - window + second, lead) == places
    assert _reminded(START - window / 2, lead) == places
    assert _reminded(START - second, lead) == places
    assert _reminded(START + second, lead) == set()  # already started
    assert _reminded(START + timedelta(minutes=30), lead) == set()


@pytest.mark.django_db
def test_the_members_time_zone_does_not_change_when_they_are_reminded(
    member, other_member, link_worker, space
):
    gathering = QuietEvening(host=link_worker, space=space)
    place = RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    at = START - timedelta(minutes=59)

    answers = []
    for zone in (HONOLULU, KOLKATA, KIRITIMATI, "UTC"):
        _in_zone(member, zone)
        answers.append((_reminded(at, "1h"), _reminded(at - timedelta(hours=2), "1h")))

    assert answers == [({place.pk}, set())] * 4


@pytest.mark.django_db
def test_reminders_count_real_hours_across_the_clocks_going_forward(
    member, other_member, link_worker, space
):
    _in_zone(member, "Europe/London")
    _in_zone(other_member, "America/New_York")
    # Noon in London on the day the clocks go forward: 11:00 UTC. A day before it,
    # in real hours, is 11:00 UTC on the 27th: 11:00 London time, not noon.
    starts_at = datetime(2027, 3, 28, 12, 0, tzinfo=LONDON)
    gathering = QuietEvening(host=link_worker, space=space, starts_at=starts_at)
    places = {
        RSVPFactory(gathering=gathering, member=member, taken_at=CREATED).pk,
        RSVPFactory(gathering=gathering, member=other_member, taken_at=CREATED).pk,
    }
    gathering.refresh_from_db()
    assert gathering.starts_at == datetime(2027, 3, 28, 11, 0, tzinfo=UTC)
    second = timedelta(seconds=1)
    day_before = datetime(2027, 3, 27, 11, 0, tzinfo=UTC)

    assert _reminded(day_before - second, "24h") == set()
    assert _reminded(day_before + second, "24h") == places
    # 11:30 UTC on the 27th (11:30 in London, still GMT) is 23.5 real hours before:
    # inside, though "the same time tomorrow" by the wall clock would be 12:30 BST.
    assert _reminded(datetime(2027, 3, 27, 11, 30, tzinfo=UTC), "24h") == places
    assert _reminded(datetime(2027, 3, 27, 10, 30, tzinfo=UTC), "24h") == set()
    hour_before = datetime(2027, 3, 28, 10, 0, tzinfo=UTC)  # 11:00 BST
    assert _reminded(hour_before - second, "1h") == set()
    assert _reminded(hour_before + second, "1h") == places
    assert _reminded(datetime(2027, 3, 28, 9, 30, tzinfo=UTC), "1h") == set()
    assert _reminded(datetime(2027, 3, 28, 10, 30, tzinfo=UTC), "1h") == places
    assert _reminded(gathering.starts_at + second, "1h") == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/London", "America/New_York", HONOLULU, KOLKATA, KIRITIMATI]
)
def test_the_reminder_answer_is_the_same_whichever_zone_the_instant_is_written_in(
    member, link_worker, space, zone
):
    """`at` is an instant: 11:30 UTC on 27 March 2027 is 23.5 real hours before a
    gathering at noon London time on the 28th (the clocks go forward in between),
    however `at` is written. Adding 24 hours to a London-zoned datetime in Python
    is wall-clock arithmetic (12:30 BST becomes the end, not 11:30 BST), so the
    window has to be computed on a UTC instant."""
    gathering = QuietEvening(
        host=link_worker, space=space, starts_at=datetime(2027, 3, 28, 12, 0, tzinfo=LONDON)
    )
    place = RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    at = datetime(2027, 3, 27, 11, 30, tzinfo=UTC).astimezone(ZoneInfo(zone))

    assert _reminded(at, "24h") == {place.pk}


# --- Attendance ----------------------------------------------------------------------


@pytest.fixture
def attended_signals():
    """Every gathering_attended signal sent during the test, as (gathering, member) pairs."""
    sent = []

    def receiver(sender, rsvp, gathering, member, **kwargs):
        sent.append((gathering.pk, member.pk))

    signals.gathering_attended.connect(receiver, weak=False)
    yield sent
    signals.gathering_attended.disconnect(receiver)


def _say_attended(client, viewer, gathering, **data):
    client.logout()
    client.force_login(viewer)
    return client.post(f"/gatherings/{gathering.pk}/attended/", data, follow=True)


CLOSED = "Attendance can be noted from the start until a day after the gathering."


@pytest.mark.django_db
def test_i_was_there_is_refused_before_the_start_and_works_from_the_start(
    client, member, link_worker, space, attended_signals
):
    _in_zone(member, KIRITIMATI)
    gathering = QuietEvening(host=link_worker, space=space)
    place = RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)

    with time_machine.travel(START - timedelta(seconds=1), tick=False):
        early = _say_attended(client, member, gathering)
        assert (
            "I was there"
            not in _get(client, member, f"/gatherings/{gathering.pk}/").content.decode()
        )
    place.refresh_from_db()
    assert early.status_code == 409  # refused: the page itself says why
    assert CLOSED in early.content.decode()
    assert place.attended_at is None
    assert attended_signals == []

    with time_machine.travel(START, tick=False):
        assert (
            "I was there" in _get(client, member, f"/gatherings/{gathering.pk}/").content.decode()
        )
        on_time = _say_attended(client, member, gathering)
    place.refresh_from_db()
    assert on_time.status_code == 200
    assert "Thank you for showing up" in on_time.content.decode()
    assert place.attended_at == START
    assert place.attendance_marked_by == member
    assert attended_signals == [(gathering.pk, member.pk)]


@pytest.mark.django_db
def test_i_was_there_works_until_24_hours_after_the_end_and_not_after(
    client, member, other_member, link_worker, space, attended_signals
):
    _in_zone(member, HONOLULU)
    _in_zone(other_member, KOLKATA)
    gathering = QuietEvening(host=link_worker, space=space)
    last_call = RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    too_late = RSVPFactory(gathering=gathering, member=other_member, taken_at=CREATED)
    window_closes = START + timedelta(hours=1) + timedelta(hours=24)

    with time_machine.travel(window_closes, tick=False):
        in_time = _say_attended(client, member, gathering)
    with time_machine.travel(window_closes + timedelta(seconds=1), tick=False):
        late = _say_attended(client, other_member, gathering)
        page = _get(client, other_member, f"/gatherings/{gathering.pk}/").content.decode()

    last_call.refresh_from_db()
    too_late.refresh_from_db()
    assert in_time.status_code == 200
    assert last_call.attended_at == window_closes
    assert late.status_code == 409
    assert CLOSED in late.content.decode()
    assert too_late.attended_at is None
    assert "I was there" not in page
    assert attended_signals == [(gathering.pk, member.pk)]


@pytest.mark.django_db
def test_attendance_on_a_cancelled_gathering_is_refused(
    client, member, link_worker, space, attended_signals
):
    gathering = QuietEvening(host=link_worker, space=space)
    place = RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    with time_machine.travel(CREATED, tick=False):
        services.cancel_gathering(gathering=gathering, by=link_worker)

    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        response = _say_attended(client, member, gathering)

    place.refresh_from_db()
    assert response.status_code == 409
    assert CLOSED in response.content.decode()
    assert place.attended_at is None
    assert attended_signals == []


@pytest.mark.django_db
def test_the_host_can_mark_a_member_with_a_place_as_there(
    client, member, link_worker, space, attended_signals
):
    _in_zone(member, KOLKATA)
    gathering = QuietEvening(host=link_worker, space=space)
    place = RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    during = START + timedelta(minutes=20)

    with time_machine.travel(during, tick=False):
        page = _get(client, link_worker, f"/gatherings/{gathering.pk}/").content.decode()
        assert "Mark Maya as there" in page
        response = _say_attended(client, link_worker, gathering, member=member.handle)

    place.refresh_from_db()
    assert response.status_code == 200
    assert "Noted: Maya was there." in response.content.decode()
    assert place.attended_at == during
    assert place.attendance_marked_by == link_worker
    assert attended_signals == [(gathering.pk, member.pk)]


@pytest.mark.django_db
def test_a_non_host_cannot_mark_someone_else_as_there(
    client, member, other_member, link_worker, space, attended_signals
):
    gathering = QuietEvening(host=link_worker, space=space)
    place = RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    RSVPFactory(gathering=gathering, member=other_member, taken_at=CREATED)

    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        client.force_login(other_member)
        response = client.post(f"/gatherings/{gathering.pk}/attended/", {"member": member.handle})

    place.refresh_from_db()
    assert response.status_code == 403
    assert place.attended_at is None
    assert attended_signals == []
    page = response.content.decode().replace("&#x27;", "'")
    assert "Only the host can note someone else's attendance." in page
    assert "<h1>This page isn't open to you</h1>" not in page
    assert gathering.title in page  # the gathering's own page, saying why


@pytest.mark.django_db
def test_marking_someone_without_a_place_or_unknown_records_nothing_and_never_500s(
    client, member, other_member, link_worker, space, attended_signals
):
    gathering = QuietEvening(host=link_worker, space=space)
    RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)

    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        client.force_login(other_member)
        no_place = client.post(f"/gatherings/{gathering.pk}/attended/")
        client.force_login(link_worker)
        unknown = client.post(f"/gatherings/{gathering.pk}/attended/", {"member": "nobody_here"})
        no_gathering = client.post("/gatherings/999999/attended/")

    assert no_place.status_code == 403
    assert unknown.status_code == 404
    assert no_gathering.status_code == 404
    assert not RSVP.objects.filter(attended_at__isnull=False).exists()
    assert attended_signals == []


@pytest.mark.django_db
def test_saying_i_was_there_twice_sends_the_signal_once(
    client, member, link_worker, space, attended_signals
):
    gathering = QuietEvening(host=link_worker, space=space)
    place = RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    first = START + timedelta(minutes=5)

    with time_machine.travel(first, tick=False):
        _say_attended(client, member, gathering)
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        repeat = _say_attended(client, member, gathering)
        by_host = _say_attended(client, link_worker, gathering, member=member.handle)
        again = services.mark_attended(gathering=gathering, member=member, by=member)

    place.refresh_from_db()
    assert again is False
    assert repeat.status_code == 200
    assert by_host.status_code == 200
    assert place.attended_at == first
    assert place.attendance_marked_by == member
    assert RSVP.objects.filter(attended_at__isnull=False).count() == 1
    assert attended_signals == [(gathering.pk, member.pk)]


def test_the_join_link_rule_lives_on_the_gathering():
    """Only a member with a place sees it, from 15 minutes before the start to the end."""

    starts = datetime(2030, 1, 2, 18, 0, tzinfo=UTC)
    gathering = Gathering(
        format="online", join_url=JOIN_URL, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    going, waiting = RSVP(status=RSVPStatus.GOING), RSVP(status=RSVPStatus.WAITING)
    opens = starts - timedelta(minutes=15)

    assert gathering.join_link_for(going, opens) == JOIN_URL
    assert gathering.join_link_for(going, gathering.ends_at - timedelta(seconds=1)) == JOIN_URL
    assert gathering.join_link_for(going, opens - timedelta(seconds=1)) == ""
    assert gathering.join_link_for(going, gathering.ends_at) == ""
    assert gathering.join_link_for(waiting, starts) == ""
    assert gathering.join_link_for(None, starts) == ""


@pytest.mark.django_db
def test_a_gathering_of_the_longest_length_still_running_is_upcoming_until_it_ends():
    # upcoming() also asks for a start after now less the longest length, so its index
    # walk starts there: a gathering of that length is listed to its last minute.
    start = timezone.now() + timedelta(hours=1)
    longest = GatheringFactory(starts_at=start, duration_minutes=GATHERING_MAX_MINUTES)
    short = GatheringFactory(starts_at=start, duration_minutes=30)
    nearly_over = start + timedelta(minutes=GATHERING_MAX_MINUTES - 1)
    over = start + timedelta(minutes=GATHERING_MAX_MINUTES)

    assert list(Gathering.objects.upcoming(nearly_over)) == [longest]
    assert list(Gathering.objects.upcoming(over)) == []
    assert set(Gathering.objects.upcoming(start + timedelta(minutes=10))) == {longest, short}
