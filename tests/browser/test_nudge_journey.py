"""A member chooses their emails in Chromium: Settings → Emails, a daily step at a time
of her own, a three-day break seen on the page; then, from an email's stop link opened
without signing in, she stops the daily step, and her settings say it is off."""

from datetime import time

import pytest
from playwright.sync_api import expect

from prescriptions.models import NudgeKind, NudgePreferences
from prescriptions.nudges import services
from tests.browser.test_community_journey import log_in, open_menu
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DAILY = "A small step for today, each morning (or when you choose)"


def test_a_member_chooses_a_daily_step_takes_a_break_and_stops_it_from_an_email(
    live_server, browser
):
    maya = UserFactory(email="maya@example.org", display_name="Maya", handle="maya")

    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "maya@example.org")
    open_menu(page)
    page.get_by_role("link", name="Your settings").click()
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Emails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emails from 4C")

    # A small step each day, at half past seven.
    page.get_by_label(DAILY).check()
    page.get_by_label("Send my daily step at").fill("07:30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. 4C will email you as you chose.")).to_be_visible()
    expect(page.get_by_label(DAILY)).to_be_checked()
    expect(page.get_by_label("Send my daily step at")).to_have_value("07:30")
    prefs = NudgePreferences.objects.get(member=maya)
    assert (prefs.daily_step, prefs.daily_at) == (True, time(7, 30))
    assert prefs.daily_due_at is not None

    # Three days off from every email, said on the page.
    page.get_by_role("button", name="3 days").click()
    expect(page.get_by_text("Taking a break: no emails from 4C for 3 days.")).to_be_visible()
    expect(page.get_by_text("You're taking a break: no emails until")).to_be_visible()
    expect(page.get_by_role("button", name="End the break now")).to_be_visible()
    assert NudgePreferences.objects.get(member=maya).paused_until is not None

    # The stop link in a daily step email, opened from a mail app: no session.
    token = services.stop_token(member=maya, kind=NudgeKind.DAILY_STEP)
    mail_context = browser.new_context()
    mail = mail_context.new_page()
    mail.goto(f"{live_server.url}/emails/stop/{token}/")
    expect(
        mail.get_by_text("This link came in an email about “A small step for today”")
    ).to_be_visible()
    assert NudgePreferences.objects.get(member=maya).daily_step  # opening changed nothing
    mail.get_by_role("button", name="Stop “A small step for today” emails").click()
    expect(mail.locator("p.lead[role=status]")).to_have_text(
        "Done. You won't get “A small step for today” emails any more. "
        "You can turn them on again in your email settings."
    )
    mail_context.close()

    # Back in her settings: the daily step is off, the break still on.
    page.reload()
    expect(page.get_by_label(DAILY)).not_to_be_checked()
    expect(page.get_by_text("You're taking a break: no emails until")).to_be_visible()
    context.close()
