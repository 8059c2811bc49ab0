"""Calendars: the .ics download per gathering and the private per-member feed, parsed
with `icalendar`, strictly, before and after edits and cancellations."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar

from community import services
from community.models import CalendarToken, RSVPStatus
from tests.factories import GatheringFactory, RSVPFactory, UserFactory

CREATED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
START = datetime(2027, 3, 15, 18, 0, tzinfo=UTC)
JOIN_URL = "https://meet.example.org/4c-calendar-room-3xq8"
LONG_TITLE = "Café evening – a gentle check-in ☕ for low-energy days, everyone is welcome"
LONG_DESCRIPTION = (
    "Bring a drink, or don't. We'll go round once and say how the week went; "
    "passing is always fine.\n\nNo advice unless asked — ünïcødé and emoji 🌱 too, "
    "and a line long enough that it must be folded more than once in the calendar."
)


class EveningCheckIn(GatheringFactory):
    """Scheduled with the clock at CREATED, starting at START, for an hour and a half."""

    title = "Evening check-in"
    description = "A gentle hour and a half together."
    starts_at = START
    duration_minutes = 90
    join_url = JOIN_URL
    scheduled_at = CREATED


def _events(raw: bytes) -> list:
    return Calendar.from_ical(raw).walk("VEVENT")


def _event_for(raw: bytes, gathering):
    matches = [e for e in _events(raw) if str(e["summary"]) == gathering.title]
    assert len(matches) == 1, [str(e["summary"]) for e in _events(raw)]
    return matches[0]


def _utc_stamp(instant) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _assert_strict(raw: bytes) -> Calendar:
    """RFC 5545 framing: CRLF line ends, lines folded to 75 octets, parses with no
    property errors, and the required properties are there."""
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert lines, raw
    too_long = [line for line in lines if len(line) > 75]
    assert too_long == []
    raw.decode("utf-8")  # whole; folding never splits a character
    calendar = Calendar.from_ical(raw)
    for component in calendar.walk():
        assert component.errors == [], (component.name, component.errors)
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"]).startswith("-//")
    for event in calendar.walk("VEVENT"):
        for required in ("uid", "dtstamp", "dtstart", "dtend", "summary", "sequence", "status"):
            assert required in event, required
    return calendar


def _get_ics(client, gathering):
    """The gathering's own .ics, as a member downloads it: signed in afresh, at the
    test's (travelled) time, since the download is for members."""
    client.force_login(UserFactory())
    return client.get(f"/gatherings/{gathering.pk}/calendar.ics")


def _download(client, gathering):
    response = _get_ics(client, gathering)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return response.content


def _feed(client, token):
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return response.content


# --- The single-gathering download ---------------------------------------------------


@pytest.mark.django_db
def test_the_ics_download_is_one_confirmed_event_at_the_stored_utc_instants(
    client, link_worker, space
):
    gathering = EveningCheckIn(host=link_worker, space=space)

    with time_machine.travel(CREATED, tick=False):
        response = _get_ics(client, gathering)

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "text/calendar"
    assert "attachment" in response["Content-Disposition"]
    assert ".ics" in response["Content-Disposition"]
    calendar = _assert_strict(response.content)
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"]) == "-//4C//Gatherings//EN"
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == gathering.starts_at == START
    assert end == gathering.ends_at == START + timedelta(minutes=90)
    assert start.utcoffset() == timedelta(0)
    assert end.utcoffset() == timedelta(0)
    assert f"DTSTART:{_utc_stamp(START)}".encode() in response.content
    assert f"DTEND:{_utc_stamp(START + timedelta(minutes=90))}".encode() in response.content
    assert str(event["summary"]) == "Evening check-in"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["uid"])
    assert event.decoded("sequence") == 0
    assert JOIN_URL.encode() not in response.content


@pytest.mark.django_db
def test_a_gathering_set_in_london_summer_time_is_written_as_its_utc_instant(
    client, link_worker, space
):
    gathering = EveningCheckIn(
        host=link_worker,
        space=space,
        starts_at=datetime(2027, 3, 29, 18, 0, tzinfo=ZoneInfo("Europe/London")),
    )

    with time_machine.travel(CREATED, tick=False):
        raw = _download(client, gathering)

    event = _assert_strict(raw).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2027, 3, 29, 17, 0, tzinfo=UTC)
    assert b"DTSTART:20270329T170000Z" in raw
    assert b"DTEND:20270329T183000Z" in raw


@pytest.mark.django_db
def test_a_gathering_across_the_clocks_going_forward_keeps_its_length_in_the_calendar(
    client, link_worker, space
):
    # 00:30 GMT on 28 March 2027 for 120 minutes: the clocks jump at 01:00 GMT.
    gathering = EveningCheckIn(
        host=link_worker, space=space, duration_minutes=120,
        starts_at=datetime(2027, 3, 28, 0, 30, tzinfo=ZoneInfo("Europe/London")),
    )  # fmt: skip

    with time_machine.travel(CREATED, tick=False):
        event = _assert_strict(_download(client, gathering)).walk("VEVENT")[0]

    assert event.decoded("dtstart") == datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=120)


@pytest.mark.django_db
def test_the_uid_is_stable_across_downloads_and_edits_and_unique_per_gathering(
    client, link_worker, space
):
    gathering = EveningCheckIn(host=link_worker, space=space)
    other = EveningCheckIn(host=link_worker, space=space, title="Another evening")

    with time_machine.travel(CREATED, tick=False):
        first = _events(_download(client, gathering))[0]
        second = _events(_download(client, gathering))[0]
        services.edit_gathering(
            gathering=gathering, editor=link_worker, title="Evening check-in (moved)",
            starts_at=START + timedelta(days=1),
        )  # fmt: skip
        edited = _events(_download(client, gathering))[0]
        another = _events(_download(client, other))[0]

    assert str(first["uid"]) == str(second["uid"]) == str(edited["uid"])
    assert str(another["uid"]) != str(first["uid"])
    assert str(edited["summary"]) == "Evening check-in (moved)"
    assert edited.decoded("dtstart") == START + timedelta(days=1)
    assert edited.decoded("sequence") > first.decoded("sequence")


@pytest.mark.django_db
def test_an_unknown_gathering_has_no_calendar(member_client):
    assert member_client.get("/gatherings/999999/calendar.ics").status_code == 404


@pytest.mark.django_db
def test_a_cancelled_gathering_downloads_as_cancelled(client, link_worker, space):
    gathering = EveningCheckIn(host=link_worker, space=space)
    with time_machine.travel(CREATED, tick=False):
        services.cancel_gathering(gathering=gathering, by=link_worker)
        raw = _download(client, gathering)

    event = _assert_strict(raw).walk("VEVENT")[0]
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("sequence") == 1


# --- The private feed ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_feed_has_one_event_per_place_at_the_stored_instants(
    client, member, link_worker, space
):
    first = EveningCheckIn(host=link_worker, space=space, title="First")
    second = EveningCheckIn(
        host=link_worker,
        space=space,
        title="Second",
        starts_at=START + timedelta(days=7),
        duration_minutes=45,
    )
    for gathering in (first, second):
        RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    token = services.regenerate_calendar_token(member=member).token

    with time_machine.travel(CREATED, tick=False):
        response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "text/calendar"
    calendar = _assert_strict(response.content)
    assert str(calendar["prodid"]) == "-//4C//Gatherings//EN"
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    uids = {str(e["uid"]) for e in events}
    assert len(uids) == 2
    for gathering in (first, second):
        event = _event_for(response.content, gathering)
        assert event.decoded("dtstart") == gathering.starts_at
        assert event.decoded("dtend") == gathering.ends_at
        assert event.decoded("dtstart").utcoffset() == timedelta(0)
        assert str(event["status"]) == "CONFIRMED"
    assert JOIN_URL.encode() not in response.content


@pytest.mark.django_db
def test_the_feed_and_the_download_agree_on_the_uid(client, member, link_worker, space):
    gathering = EveningCheckIn(host=link_worker, space=space)
    RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    token = services.regenerate_calendar_token(member=member).token

    with time_machine.travel(CREATED, tick=False):
        from_feed = _event_for(_feed(client, token), gathering)
        from_download = _events(_download(client, gathering))[0]

    assert str(from_feed["uid"]) == str(from_download["uid"])


@pytest.mark.django_db
def test_after_an_edit_the_feed_has_the_new_time_a_higher_sequence_and_the_same_uid(
    client, member, link_worker, space
):
    gathering = EveningCheckIn(
        host=link_worker, space=space, title=LONG_TITLE, description=LONG_DESCRIPTION
    )
    RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    token = services.regenerate_calendar_token(member=member).token

    with time_machine.travel(CREATED, tick=False):
        before = _event_for(_assert_strict_raw(client, token), gathering)
    moved = datetime(2027, 3, 29, 18, 0, tzinfo=ZoneInfo("Europe/London"))  # after BST starts
    with time_machine.travel(CREATED + timedelta(days=1), tick=False):
        services.edit_gathering(
            gathering=gathering, editor=link_worker, starts_at=moved, duration_minutes=60
        )
        raw = _assert_strict_raw(client, token)

    after = _event_for(raw, gathering)
    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("sequence") > before.decoded("sequence")
    assert after.decoded("dtstart") == datetime(2027, 3, 29, 17, 0, tzinfo=UTC)
    assert after.decoded("dtend") == datetime(2027, 3, 29, 18, 0, tzinfo=UTC)
    assert b"DTSTART:20270329T170000Z" in raw
    assert str(after["status"]) == "CONFIRMED"
    assert str(after["summary"]) == LONG_TITLE
    assert str(after["description"]).startswith(LONG_DESCRIPTION)


def _assert_strict_raw(client, token) -> bytes:
    raw = _feed(client, token)
    _assert_strict(raw)
    return raw


@pytest.mark.django_db
def test_after_a_cancellation_the_feed_keeps_the_event_as_cancelled_with_a_higher_sequence(
    client, member, link_worker, space
):
    gathering = EveningCheckIn(
        host=link_worker, space=space, title=LONG_TITLE, description=LONG_DESCRIPTION
    )
    RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    token = services.regenerate_calendar_token(member=member).token

    with time_machine.travel(CREATED, tick=False):
        before = _event_for(_assert_strict_raw(client, token), gathering)
        services.edit_gathering(gathering=gathering, editor=link_worker, capacity=10)
        edited = _event_for(_assert_strict_raw(client, token), gathering)
        services.cancel_gathering(gathering=gathering, by=link_worker)
        raw = _assert_strict_raw(client, token)

    cancelled = _event_for(raw, gathering)
    assert str(cancelled["status"]) == "CANCELLED"
    assert str(cancelled["uid"]) == str(before["uid"])
    assert before.decoded("sequence") < edited.decoded("sequence") < cancelled.decoded("sequence")
    assert cancelled.decoded("dtstart") == gathering.starts_at
    assert b"STATUS:CANCELLED\r\n" in raw


@pytest.mark.django_db
def test_the_feed_lists_only_the_members_confirmed_places_from_the_last_30_days_on(
    client, member, other_member, link_worker, space
):
    viewed_at = datetime(2027, 4, 30, 12, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    # Ended 30 days and an hour before the feed is read: gone. 30 days less an hour: kept.
    too_old = EveningCheckIn(
        host=link_worker, space=space, title="Too old",
        starts_at=viewed_at - timedelta(days=30) - 2 * hour, duration_minutes=60,
    )  # fmt: skip
    recent = EveningCheckIn(
        host=link_worker, space=space, title="Recent",
        starts_at=viewed_at - timedelta(days=30), duration_minutes=60,
    )  # fmt: skip
    going = EveningCheckIn(
        host=link_worker, space=space, title="Going", starts_at=viewed_at + 24 * hour
    )
    waiting = EveningCheckIn(
        host=link_worker, space=space, title="Waiting", starts_at=viewed_at + 24 * hour, capacity=1
    )
    gave_up = EveningCheckIn(
        host=link_worker, space=space, title="Gave up", starts_at=viewed_at + 48 * hour
    )
    not_mine = EveningCheckIn(
        host=link_worker, space=space, title="Not mine", starts_at=viewed_at + 48 * hour
    )
    called_off = EveningCheckIn(
        host=link_worker, space=space, title="Called off", starts_at=viewed_at + 72 * hour
    )
    for gathering in (too_old, recent, going, gave_up, called_off):
        RSVPFactory(gathering=gathering, member=member, taken_at=CREATED)
    RSVPFactory(gathering=waiting, member=other_member, taken_at=CREATED)
    assert (
        RSVPFactory(gathering=waiting, member=member, taken_at=CREATED).status
        == RSVPStatus.WAITING
    )
    RSVPFactory(gathering=not_mine, member=other_member, taken_at=CREATED)
    with time_machine.travel(CREATED, tick=False):
        services.cancel_rsvp(gathering=gave_up, member=member)
        services.cancel_gathering(gathering=called_off, by=link_worker)
    token = services.regenerate_calendar_token(member=member).token

    with time_machine.travel(viewed_at, tick=False):
        raw = _feed(client, token)

    calendar = _assert_strict(raw)
    statuses = {str(e["summary"]): str(e["status"]) for e in calendar.walk("VEVENT")}
    assert statuses == {"Recent": "CONFIRMED", "Going": "CONFIRMED", "Called off": "CANCELLED"}
    assert recent.ends_at == viewed_at - timedelta(days=30) + hour
    assert too_old.ends_at == viewed_at - timedelta(days=30) - hour


@pytest.mark.django_db
def test_one_members_feed_never_shows_another_members_places(
    client, member, other_member, link_worker, space
):
    mine = EveningCheckIn(host=link_worker, space=space, title="Mine")
    theirs = EveningCheckIn(host=link_worker, space=space, title="Theirs")
    RSVPFactory(gathering=mine, member=member, taken_at=CREATED)
    RSVPFactory(gathering=theirs, member=other_member, taken_at=CREATED)
    my_token = services.regenerate_calendar_token(member=member).token
    their_token = services.regenerate_calendar_token(member=other_member).token

    with time_machine.travel(CREATED, tick=False):
        my_feed = {str(e["summary"]) for e in _events(_feed(client, my_token))}
        their_feed = {str(e["summary"]) for e in _events(_feed(client, their_token))}

    assert my_feed == {"Mine"}
    assert their_feed == {"Theirs"}


@pytest.mark.django_db
def test_an_empty_feed_is_still_a_valid_calendar(client, member):
    token = services.regenerate_calendar_token(member=member).token

    with time_machine.travel(CREATED, tick=False):
        calendar = _assert_strict(_feed(client, token))

    assert calendar.walk("VEVENT") == []


# --- The feed's secret token ---------------------------------------------------------


@pytest.mark.django_db
def test_regenerating_the_token_retires_the_old_url_and_revoking_retires_the_new(
    client, member, link_worker, space
):
    RSVPFactory(
        gathering=EveningCheckIn(host=link_worker, space=space), member=member, taken_at=CREATED
    )
    old = services.regenerate_calendar_token(member=member).token
    with time_machine.travel(CREATED, tick=False):
        assert client.get(f"/calendar/{old}.ics").status_code == 200

        new = services.regenerate_calendar_token(member=member).token
        assert new != old
        assert client.get(f"/calendar/{old}.ics").status_code == 404
        assert client.get(f"/calendar/{new}.ics").status_code == 200

        assert services.revoke_calendar_token(member=member) is True
        assert client.get(f"/calendar/{new}.ics").status_code == 404
        assert not CalendarToken.objects.filter(member=member).exists()
        assert services.revoke_calendar_token(member=member) is False


@pytest.mark.django_db
def test_an_inactive_members_feed_is_gone(client, member, link_worker, space):
    RSVPFactory(
        gathering=EveningCheckIn(host=link_worker, space=space), member=member, taken_at=CREATED
    )
    token = services.regenerate_calendar_token(member=member).token
    member.is_active = False
    member.save(update_fields=["is_active"])

    with time_machine.travel(CREATED, tick=False):
        assert client.get(f"/calendar/{token}.ics").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    [
        "nope",
        "A" * 43,
        "x" * 500,
        "not a token",
        "%27%3B--",
        "%C3%BC%C3%B1%C3%AF",
        "..",
        "%00",
        "abc%00def",
    ],
)
def test_an_unknown_or_malformed_token_is_a_404_never_a_500(client, member, token):
    services.regenerate_calendar_token(member=member)
    client.raise_request_exception = False

    with time_machine.travel(CREATED, tick=False):
        response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 404


@pytest.mark.django_db
def test_the_calendar_settings_page_needs_a_login(client, db):
    response = client.get("/settings/calendar/")

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.django_db
def test_the_calendar_settings_page_makes_shows_and_switches_off_the_feed_url(
    client, member, link_worker, space
):
    RSVPFactory(
        gathering=EveningCheckIn(host=link_worker, space=space), member=member, taken_at=CREATED
    )

    with time_machine.travel(CREATED, tick=False):
        client.force_login(member)
        assert ".ics" not in client.get("/settings/calendar/").content.decode()

        made = client.post("/settings/calendar/", {"action": "regenerate"})
        assert made.status_code == 302
        token = CalendarToken.objects.get(member=member).token
        page = client.get("/settings/calendar/").content.decode()
        assert f"http://testserver/calendar/{token}.ics" in page
        assert client.get(f"/calendar/{token}.ics").status_code == 200

        client.post("/settings/calendar/", {"action": "regenerate"})
        fresh = CalendarToken.objects.get(member=member).token
        assert fresh != token
        assert f"/calendar/{fresh}.ics" in client.get("/settings/calendar/").content.decode()
        assert client.get(f"/calendar/{token}.ics").status_code == 404

        client.post("/settings/calendar/", {"action": "revoke"})
        assert ".ics" not in client.get("/settings/calendar/").content.decode()
        assert client.get(f"/calendar/{fresh}.ics").status_code == 404


@pytest.mark.django_db
def test_each_member_sees_only_their_own_feed_url(client, member, other_member):
    mine = services.regenerate_calendar_token(member=member).token
    theirs = services.regenerate_calendar_token(member=other_member).token

    with time_machine.travel(CREATED, tick=False):
        client.force_login(member)
        page = client.get("/settings/calendar/").content.decode()

    assert mine in page
    assert theirs not in page
