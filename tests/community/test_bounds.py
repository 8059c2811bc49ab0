"""Bounds: every 500 the robustness review found on gatherings and page links is a
400 with a clear word, and what the host typed stays in the form.

Capacities beyond any column, starts in year 9999 (in UTC and in a far-west zone,
on create and on edit), line breaks in titles, a stored line break in the .ics, and
correctly signed page links of the wrong shape on every paginated page.
"""

import html
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from community import calendar, services
from community.models import Gathering
from fourc.lib.pagination import _SIGNER
from tests.factories import GatheringFactory, HostFactory

PAGO_PAGO = "Pacific/Pago_Pago"  # UTC-11: 9999-12-31 23:00 there is past year 9999 in UTC


def _soon() -> str:
    return (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


def _details(space, **changes) -> dict:
    data = {
        "title": "Quiet evening check-in",
        "space": space.pk,
        "description": "A gentle hour: listen, or share if you like.",
        "starts_at": _soon(),
        "duration_minutes": "480",
        "capacity": "",
        "format": "online",
        "join_url": "https://meet.example.org/4c-quiet",
        "place": "",
    }
    return data | changes


def _page(response) -> str:
    return html.unescape(response.content.decode())


# --- Gatherings: capacity, start, title --------------------------------------------


BAD_DETAILS = [
    ({"capacity": "2147483648"}, "Up to 500 places", "2147483648"),
    ({"capacity": "99999999999999999999"}, "Up to 500 places", "99999999999999999999"),
    ({"capacity": "501"}, "Up to 500 places", "501"),
    ({"starts_at": "9999-12-31T23:00"}, "within the next two years", "9999-12-31T23:00"),
    ({"title": "Quiet evening\ncheck-in"}, "keep the title on one line", "Quiet evening"),
    ({"title": "Quiet evening\r\ncheck-in"}, "keep the title on one line", "Quiet evening"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "message", "kept"), BAD_DETAILS)
def test_creating_a_gathering_out_of_bounds_is_a_400_that_keeps_what_was_typed(
    host_client, space, change, message, kept
):
    response = host_client.post("/gatherings/new/", _details(space, **change))

    assert response.status_code == 400
    assert message in _page(response)
    assert kept in _page(response)
    assert not Gathering.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "message", "kept"), BAD_DETAILS)
def test_editing_a_gathering_out_of_bounds_is_a_400_that_keeps_what_was_typed(
    host_client, host, space, change, message, kept
):
    gathering = GatheringFactory(host=host, space=space, capacity=8)

    response = host_client.post(f"/gatherings/{gathering.pk}/edit/", _details(space, **change))

    assert response.status_code == 400
    assert message in _page(response)
    assert kept in _page(response)
    gathering.refresh_from_db()
    assert (gathering.title, gathering.capacity, gathering.sequence) == (
        "Evening chat",
        8,
        0,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/gatherings/new/", "edit"])
def test_a_year_9999_start_from_a_far_west_time_zone_is_a_400(host_client, host, space, url):
    services.update_profile(member=host, time_zone=PAGO_PAGO)
    if url == "edit":
        url = f"/gatherings/{GatheringFactory(host=host, space=space).pk}/edit/"

    response = host_client.post(url, _details(space, starts_at="9999-12-31T23:00"))

    assert response.status_code == 400
    assert "within the next two years" in _page(response)
    assert "9999-12-31T23:00" in _page(response)


@pytest.mark.django_db
def test_five_hundred_places_and_a_start_just_inside_two_years_are_fine(host_client, space):
    starts = (timezone.localtime() + timedelta(days=700)).strftime("%Y-%m-%dT%H:%M")

    response = host_client.post(
        "/gatherings/new/", _details(space, capacity="500", starts_at=starts)
    )

    assert response.status_code == 302
    assert Gathering.objects.get().capacity == 500


@pytest.mark.django_db
@pytest.mark.parametrize(
    "details",
    [
        {"capacity": 2147483648},
        {"capacity": 0},
        {"starts_at": timezone.now() + timedelta(days=3 * 365)},
        {"title": "Two\nlines"},
    ],
)
def test_the_service_refuses_out_of_bounds_details_too(space, details):
    fields = {
        "host": HostFactory(),
        "space": space,
        "title": "Evening chat",
        "description": "A gentle hour.",
        "starts_at": timezone.now() + timedelta(days=3),
        "duration_minutes": 60,
        "format": "online",
        "join_url": "https://meet.example.org/4c",
    }
    with pytest.raises(services.GatheringOutOfBounds):
        services.create_gathering(**fields | details)
    gathering = GatheringFactory(space=space)
    with pytest.raises(services.GatheringOutOfBounds):
        services.edit_gathering(gathering=gathering, editor=gathering.host, **details)
    assert not Gathering.objects.exclude(pk=gathering.pk).exists()


# --- The .ics: no stored text can break it ----------------------------------------------

# (PostgreSQL itself refuses NUL and lone surrogates; the hypothesis test below covers them.)
NASTY = "Quiet\r\nevening\nX-INJECTED:yes\x07\x1b\x7f\u2028\x0bend"


@pytest.mark.django_db
def test_a_stored_line_break_or_control_character_never_breaks_the_ics(member_client, space):
    gathering = GatheringFactory(space=space, format="in_person")
    Gathering.objects.filter(pk=gathering.pk).update(title=NASTY, description=NASTY, place=NASTY)

    response = member_client.get(f"/gatherings/{gathering.pk}/calendar.ics")

    assert response.status_code == 200
    raw = response.content
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    parsed = Calendar.from_ical(raw)
    assert all(component.errors == [] for component in parsed.walk())
    assert "X-INJECTED" not in parsed.walk("VEVENT")[0]
    assert str(parsed["x-wr-calname"]) == "Quiet evening X-INJECTED:yes end"
    event = parsed.walk("VEVENT")[0]
    assert str(event["summary"]) == "Quiet evening X-INJECTED:yes end"
    assert str(event["location"]) == "Quiet evening X-INJECTED:yes end"
    assert str(event["description"]).startswith("Quiet\nevening\nX-INJECTED:yes\n\nend")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_in_any_field_makes_a_calendar_that_parses_back(text):
    single, multi = calendar.one_line(text), calendar.lines(text)
    cal = Calendar()
    cal.add("prodid", calendar.PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", single)
    raw = cal.to_ical()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert str(Calendar.from_ical(raw)["x-wr-calname"]) == single
    assert "\n" not in single
    assert "\r" not in single
    assert "\r" not in multi


# --- Signed page links of the wrong shape -------------------------------------------------

SHAPES = [
    [None, None],
    [None, None, None, None],
    [],
    [1],
    [1, 2, 3],
    ["x", "y"],
    [True, False],
    [[1], {"a": 1}],
    [1e308, 1],
    [10**30, 10**30],
    ["9999-12-31T23:59:59-11:00", 1],
    ["2026-01-01T00:00:00", 1],
    [1.5, "x", None, None],
    [None, 1, None, None],
    [0.5, 10**30, None, None],
    "a string",
    {"a": 1},
    None,
    5,
]


def _signed(value) -> str:
    return _SIGNER.sign_object(value, compress=True)


@pytest.fixture
def paginated_urls(member, space, make_post):
    post = make_post(member, title="Hello there", body="Hello, a quiet hello.")
    return [
        f"/spaces/{space.slug}/",
        f"/posts/{post.pk}/",
        "/unanswered/",
        "/notifications/",
        "/search/?q=hello",
        "/gatherings/",
        "/gatherings/past/",
    ]


def _with_cursor(url: str, value) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}after={_signed(value)}"


@pytest.mark.django_db
@pytest.mark.parametrize("shape", SHAPES, ids=repr)
def test_a_signed_page_link_of_the_wrong_shape_is_a_400_on_every_paginated_page(
    member_client, paginated_urls, shape
):
    for url in paginated_urls:
        response = member_client.get(_with_cursor(url, shape))

        assert response.status_code == 400, url
        assert "That page link is broken" in _page(response), url


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=json_values | st.lists(json_values, min_size=1, max_size=4))
def test_signed_page_links_of_any_shape_never_give_a_500(member_client, paginated_urls, value):
    for url in paginated_urls:
        response = member_client.get(_with_cursor(url, value))

        assert response.status_code in (200, 400), (url, value)
