import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from community.models import User
from tests.browser.test_community_journey import open_menu

PASSWORD = "willow-harbour-calm-8"

# A live server needs real transactions; conftest puts the reference data back.
pytestmark = pytest.mark.django_db(transaction=True)


def confirmation_path() -> str:
    body = mail.outbox[-1].body
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body).group(1)


def test_a_newcomer_joins_confirms_logs_in_and_finds_help_in_one_click(live_server, page):
    page.goto(live_server.url)
    page.get_by_role("link", name="Join 4C").first.click()

    page.get_by_label("Display name").fill("Maya")
    page.get_by_label("Email").fill("maya@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("I've read the community guidelines").check()
    page.get_by_role("button", name="Join 4C").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    page.goto(live_server.url + confirmation_path())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Hello, Maya.")).to_be_visible()
    expect(page.get_by_role("heading", name="One small thing first")).to_have_count(0)
    assert User.objects.get(email="maya@example.org").has_verified_email

    open_menu(page)
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("maya@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Maya.")).to_be_visible()

    page.get_by_role("link", name="Get help now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help now")
    expect(page.get_by_text("Call 116 123")).to_be_visible()


def test_sign_up_prefills_the_browsers_time_zone(live_server, browser):
    context = browser.new_context(timezone_id="Pacific/Auckland")
    page = context.new_page()

    page.goto(live_server.url + "/accounts/signup/")

    expect(page.get_by_label("Time zone")).to_have_value("Pacific/Auckland")
    context.close()


def test_sign_up_works_with_javascript_off(live_server, browser):
    context = browser.new_context(java_script_enabled=False, timezone_id="Asia/Kolkata")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/signup/")
    # Without JavaScript nothing guesses: the member picks their zone themselves.
    expect(page.get_by_label("Time zone")).to_have_value("UTC")

    page.get_by_label("Display name").fill("Sam")
    page.get_by_label("Email").fill("sam@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill("not the same password")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_label("I've read the community guidelines").check()
    page.get_by_role("button", name="Join 4C").click()

    # Bad input: a clear message, and what was typed is still there.
    expect(page.get_by_text("You must type the same password each time.")).to_be_visible()
    expect(page.get_by_label("Display name")).to_have_value("Sam")
    expect(page.get_by_label("Email")).to_have_value("sam@example.org")
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
    expect(page.get_by_label("I've read the community guidelines")).to_be_checked()

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Join 4C").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert User.objects.get(email="sam@example.org").time_zone == "America/New_York"
    context.close()
