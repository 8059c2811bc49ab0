import re

import pytest
from playwright.sync_api import expect

from community.models import Post, Space
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, email):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Your steps")
    ).to_be_visible()


def open_menu(page):
    """The member menu (Your settings, What helps, Needs a reply, Search, Log out) is a
    disclosure in the header."""
    page.locator(".member-menu > summary").click()


def test_a_warned_post_is_opened_answered_and_heard(live_server, browser):
    Space.objects.create(slug="low-energy", name="Low-energy days", description="Heavy days.")
    sam = UserFactory(email="sam@example.org", display_name="Sam", handle="sam")
    UserFactory(email="maya@example.org", display_name="Maya", handle="maya")
    UserFactory(email="ade@example.org", display_name="Ade", handle="ade")

    # Sam writes a post with a content warning.
    sam_context = browser.new_context()
    sam_page = sam_context.new_page()
    log_in(sam_page, live_server, "sam@example.org")
    sam_page.goto(live_server.url + "/spaces/low-energy/")
    sam_page.get_by_role("link", name="Write a post").click()
    sam_page.get_by_label("Title").fill("Rough night")
    sam_page.get_by_label("What would you like to say?").fill("I couldn't sleep and felt alone.")
    sam_page.get_by_label("Looking for support").check()
    sam_page.get_by_label("Content warning (optional)").fill("a hard night")
    sam_page.get_by_role("button", name="Post", exact=True).click()
    expect(sam_page.get_by_role("heading", level=1)).to_have_text("Rough night")
    post = Post.objects.get(title="Rough night")

    # Maya finds it waiting for a reply, folded behind its warning.
    maya_context = browser.new_context()
    page = maya_context.new_page()
    log_in(page, live_server, "maya@example.org")
    open_menu(page)
    page.get_by_role("link", name="Needs a reply").click()
    page.get_by_role("link", name="Rough night").click()
    body = page.get_by_text("I couldn't sleep and felt alone.")
    expect(body).to_be_hidden()
    page.get_by_text("Content warning: a hard night. Open to read.").click()
    expect(body).to_be_visible()

    # With JavaScript, the reaction count changes in place (htmx): no page load.
    page.evaluate("window.stillTheSamePage = true")
    hear = page.locator(f"#reactions-post-{post.pk}").get_by_role(
        "button", name=re.compile("I hear you")
    )
    hear.click()
    expect(hear).to_have_attribute("aria-pressed", "true")
    expect(hear).to_contain_text("1")
    expect(page.locator("#live-status")).to_have_text("You said “I hear you”. 1 in all.")
    expect(page.locator("#live-status")).to_have_count(1)
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_label("Your reply").fill("That sounds so lonely. I'm glad you posted.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("I'm glad you posted.")).to_be_visible()

    # Without JavaScript, a plain form post does the same.
    nojs_context = browser.new_context(java_script_enabled=False)
    nojs = nojs_context.new_page()
    log_in(nojs, live_server, "ade@example.org")
    nojs.goto(live_server.url + f"/posts/{post.pk}/")
    nojs.get_by_text("Content warning: a hard night. Open to read.").click()
    nojs.locator(f"#reactions-post-{post.pk}").get_by_role(
        "button", name=re.compile("I hear you")
    ).click()
    ade_hear = nojs.locator(f"#reactions-post-{post.pk}").get_by_role(
        "button", name=re.compile("I hear you")
    )
    expect(ade_hear).to_contain_text("2")
    expect(ade_hear).to_have_attribute("aria-pressed", "true")

    # Sam sees both in notifications, and the post no longer needs a reply.
    sam_page.goto(live_server.url + "/")
    sam_page.get_by_role("link", name=re.compile("Notifications")).click()
    expect(sam_page.get_by_text("Maya replied to your post")).to_be_visible()
    expect(sam_page.get_by_text("2 people said “I hear you” to your post")).to_be_visible()
    page.goto(live_server.url + "/unanswered/")
    expect(page.get_by_role("link", name="Rough night")).to_have_count(0)
    assert sam.notifications.count() == 2
    for context in (sam_context, maya_context, nojs_context):
        context.close()
