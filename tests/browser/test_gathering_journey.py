import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from community import roles, services
from community.models import Space
from tests.browser.test_community_journey import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

JOIN_URL = "https://meet.example.org/4c-evening"


def test_a_member_rsvps_waits_for_the_join_link_and_downloads_the_calendar(
    live_server, browser, tmp_path
):
    space = Space.objects.create(slug="low-energy", name="Low-energy days", description="Heavy.")
    host = UserFactory(display_name="Rosa", handle="rosa")
    services.assign_role(member=host, role=roles.MODERATORS)
    UserFactory(
        email="maya@example.org", display_name="Maya", handle="maya", time_zone="Asia/Kolkata"
    )
    starts_at = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    gathering = services.create_gathering(
        host=host, space=space, title="Evening chat", description="An easy hour together.",
        starts_at=starts_at, duration_minutes=60, capacity=6, format="online", join_url=JOIN_URL,
    )  # fmt: skip

    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "maya@example.org")
    page.get_by_role("link", name="Gatherings").click()
    page.get_by_role("link", name="Evening chat").click()
    expect(page.get_by_text("(Asia/Kolkata time)").first).to_be_visible()
    page.get_by_role("button", name="I'll be there").click()
    expect(page.locator(".rsvp__status")).to_contain_text("You're going.")
    expect(
        page.get_by_text("The join link appears here 15 minutes before the start.")
    ).to_be_visible()
    assert JOIN_URL not in page.content()

    with time_machine.travel(starts_at - timedelta(minutes=10), tick=True):
        page.reload()
        expect(page.get_by_role("link", name="Join the gathering now")).to_have_attribute(
            "href", JOIN_URL
        )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to your calendar (.ics)").click()
    path = tmp_path / "gathering.ics"
    download_info.value.save_as(path)
    event = Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == starts_at
    assert str(event["summary"]) == "Evening chat"
    assert JOIN_URL not in path.read_text()
    assert gathering.pk
    context.close()


def test_a_place_refused_meanwhile_says_why_in_place(live_server, browser):
    """A refusal comes back with its real status (409) and the "Your place" section
    saying why; base.html's htmx config swaps it in, with no page load, and the polite
    live region says it too."""
    space = Space.objects.create(slug="low-energy", name="Low-energy days", description="Heavy.")
    host = UserFactory(display_name="Rosa", handle="rosa")
    services.assign_role(member=host, role=roles.MODERATORS)
    UserFactory(email="maya@example.org", display_name="Maya", handle="maya")
    gathering = services.create_gathering(
        host=host, space=space, title="Evening chat", description="An easy hour together.",
        starts_at=timezone.now() + timedelta(days=2), duration_minutes=60, capacity=6,
        format="online", join_url=JOIN_URL,
    )  # fmt: skip

    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "maya@example.org")
    page.goto(live_server.url + gathering.get_absolute_url())
    page.evaluate("window.stillThisPage = true")
    services.cancel_gathering(gathering=gathering, by=host)  # meanwhile

    with page.expect_response(lambda r: r.url.endswith("/rsvp/")) as answer:
        page.get_by_role("button", name="I'll be there").click()

    assert answer.value.status == 409
    rsvp = page.locator("#rsvp")
    expect(rsvp).to_contain_text("This gathering was cancelled.")
    expect(rsvp.get_by_role("button", name="I'll be there")).to_have_count(0)
    expect(page.locator("#live-status")).to_have_text(re.compile("This gathering was cancelled."))
    assert page.evaluate("window.stillThisPage") is True
    context.close()
