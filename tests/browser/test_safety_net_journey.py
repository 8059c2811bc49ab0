"""The safety net in Chromium, end to end: a member writes a post in crisis words and
sees the support card, with the lines to call, before it is published; she posts it
anyway. A moderator signs in to the admin with two-factor, finds her post at the top of
the queue (crisis before an older spam report), hides it with a note; she reads a kind
notification; the moderation log holds both the automatic line and the moderator's;
and the moderators' alert reached a real SMTP server (aiosmtpd) without her words."""

import email.policy
import time

import pytest
from aiosmtpd.controller import Controller
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from community import moderation
from community import services as community_services
from community.models import (
    ModerationAction,
    ModerationActionKind,
    Post,
    QueueItem,
    QueuePriority,
    Space,
)
from tests.browser.test_community_journey import log_in
from tests.factories import PASSWORD, ModeratorFactory, UserFactory
from tests.fourc.test_admin_and_roles import enrol_totp
from tests.fourc.test_mail_smtp import Inbox, free_port

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "A heavy night at home"
BODY = "I don't want to be here anymore. I keep thinking everyone would be fine without me."
NOTE = "Hidden while we check in with Maya; she has the lines and a moderator's message."


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server, and 4C's default mailer pointed at it (the live server runs
    in this process, so the override reaches it too)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": controller.hostname, "port": controller.port, "timeout": 5},
        }
    }
    yield inbox
    controller.stop()


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now; a fresh 30-second window when this one
    is about to end, so the code is still good when the server checks it."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_crisis_words_reach_a_moderator_who_hides_them_kindly_and_the_log_keeps_both(
    live_server, browser, smtp_server
):
    space = Space.objects.create(slug="low-energy", name="Low-energy days", description="Heavy.")
    maya = UserFactory(email="maya@example.org", display_name="Maya", handle="maya")
    rosa = ModeratorFactory(email="rosa@example.org", display_name="Rosa", handle="rosa")
    secret = enrol_totp(rosa)
    # Already waiting in the queue, and older: a spam report on someone else's post.
    ade = UserFactory(display_name="Ade", handle="ade")
    spam = community_services.create_post(
        author=ade, space=space, title="Cheap pills online", body="Best prices, click here.",
        intent="idea",
    )  # fmt: skip
    community_services.report(reporter=rosa, reason="spam", post=spam)

    # Maya writes in crisis words: the card comes first, with the lines themselves.
    maya_context = browser.new_context()
    page = maya_context.new_page()
    log_in(page, live_server, "maya@example.org")
    page.goto(live_server.url + "/spaces/low-energy/")
    page.get_by_role("link", name="Write a post").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("What would you like to say?").fill(BODY)
    page.get_by_label("Looking for support").check()
    page.get_by_role("button", name="Post", exact=True).click()

    card = page.get_by_role("region", name="Before you post: are you safe right now?")
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="Call Samaritans")).to_have_attribute(
        "href", "tel:116123"
    )
    expect(card.get_by_role("link", name="Text Shout")).to_have_attribute(
        "href", "sms:85258?body=SHOUT"
    )
    expect(card.get_by_role("link", name="Talk to someone now", exact=False)).to_be_visible()
    expect(page.get_by_label("What would you like to say?")).to_have_value(BODY)
    assert not Post.objects.filter(title=TITLE).exists()  # not published yet

    card.get_by_role("button", name="Post it anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    post = Post.objects.get(title=TITLE, author=maya)
    assert not post.is_hidden
    item = QueueItem.objects.open().get(post=post)
    assert (item.priority, item.is_crisis) == (QueuePriority.CRISIS, True)

    # Rosa signs in to the admin with her password, then her authenticator's code.
    rosa_context = browser.new_context()
    admin = rosa_context.new_page()
    admin.goto(live_server.url + "/admin/")
    admin.get_by_label("Email").fill("rosa@example.org")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.locator("input[name=code]").fill(totp_code(secret))
    admin.get_by_role("button", name="Log in").click()
    expect(admin.get_by_text("4C moderation").first).to_be_visible()

    # The queue: Maya's post first (crisis), before the older spam report.
    admin.goto(live_server.url + "/admin/community/queueitem/")
    rows = admin.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Crisis")
    expect(rows.nth(0)).to_contain_text(TITLE)
    expect(rows.nth(0)).to_contain_text("Maya (@maya)")
    expect(rows.nth(1)).to_contain_text("Cheap pills online")

    # Hide, with a note asked for on the next page.
    rows.nth(0).locator("input[name=_selected_action]").check()
    admin.locator("select[name=action]").select_option("hide")
    admin.get_by_role("button", name="Run").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Hide")
    admin.get_by_label("Resolution note").fill(NOTE)
    admin.get_by_role("button", name="Hide", exact=True).click()
    expect(admin.get_by_text("Hide: 1 done.")).to_be_visible()
    post.refresh_from_db()
    assert post.is_hidden
    rows = admin.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)  # only the spam report still waits
    expect(rows.nth(0)).to_contain_text("Cheap pills online")

    # The log: the automatic line and Rosa's, newest first.
    admin.goto(live_server.url + "/admin/community/moderationaction/")
    log = admin.locator("#result_list tbody tr")
    expect(log).to_have_count(2)
    expect(log.nth(0)).to_contain_text("Hid")
    expect(log.nth(0)).to_contain_text("Rosa")
    expect(log.nth(0)).to_contain_text(NOTE)
    expect(log.nth(1)).to_contain_text("Crisis words: put in the queue")
    expect(log.nth(1)).to_contain_text("4C (automatic)")
    assert list(
        ModerationAction.objects.filter(post=post).order_by("id").values_list("action", flat=True)
    ) == [ModerationActionKind.CRISIS_QUEUED, ModerationActionKind.HIDE]
    rosa_context.close()

    # Maya hears of it kindly, in her notifications.
    page.goto(live_server.url + "/notifications/")
    notification = page.locator(".notification").first
    expect(notification).to_contain_text(f"We've hidden your post “{TITLE}”")
    expect(notification).to_contain_text("This isn't a punishment")
    expect(notification).not_to_contain_text("Rosa")
    maya_context.close()

    # With nobody looking, the moderators' alert: to Rosa, through SMTP, without the words.
    assert moderation.alert_moderators() == 1
    [raw] = smtp_server.messages
    message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    assert message["To"] == "rosa@example.org"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "1 post or reply in crisis words" in text
    assert "/admin/community/queueitem/" in text
    for words in (TITLE, BODY, "don't want to be here", "don&#x27;t want to be here"):
        for part in (text, html, message["Subject"]):
            assert words not in part
