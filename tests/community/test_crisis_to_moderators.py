"""Crisis words reach a person: a post or reply in crisis words enters the moderators'
queue at crisis priority (words describing a method are held for review, and their
author told kindly), and the Moderators group gets an email through real SMTP at most
every 15 minutes, with counts and a link, never the words."""

import email
import email.policy
import html
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from community import moderation
from community.models import (
    HiddenReason,
    ModerationAction,
    ModerationActionKind,
    Post,
    QueueItem,
    QueuePriority,
    Reply,
)
from tests.factories import ModeratorFactory
from tests.fourc.test_mail_smtp import Inbox, free_port

pytestmark = pytest.mark.django_db

CRISIS = "I don't want to be here anymore. PRIVATE-WORDS-4412"
METHOD = "I'm going to take fifty pills tonight. PRIVATE-WORDS-4413"


@pytest.fixture
def smtp_server(settings):
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


def post_anyway(client, space, body):
    return client.post(
        f"/spaces/{space.slug}/new/",
        {"title": "Tonight", "body": body, "intent": "support", "post_anyway": "1"},
    )


def test_a_post_in_crisis_words_goes_to_the_top_of_the_queue(member_client, space):
    post_anyway(member_client, space, CRISIS)

    post = Post.objects.get()
    item = QueueItem.objects.get(post=post)
    assert not post.is_hidden  # published: people here can answer too
    assert (item.priority, item.is_crisis) == (QueuePriority.CRISIS, True)
    assert ModerationAction.objects.filter(
        post=post, action=ModerationActionKind.CRISIS_QUEUED, is_automatic=True
    ).exists()


def test_a_reply_describing_a_method_is_held_and_its_author_told_kindly(
    member_client, other_member, make_post
):
    post = make_post(other_member)

    response = member_client.post(
        post.get_absolute_url(), {"body": METHOD, "post_anyway": "1"}, follow=True
    )

    reply = Reply.objects.get()
    page = html.unescape(response.content.decode())
    assert (reply.is_hidden, reply.hidden_reason) == (True, HiddenReason.HELD)
    assert "We've held your words while a moderator looks at them" in page
    assert response.redirect_chain[-1][0] == "/help/"
    assert QueueItem.objects.get(reply=reply).is_crisis
    assert ModerationAction.objects.filter(reply=reply, action=ModerationActionKind.HELD).exists()


def test_ordinary_words_never_reach_the_queue(member_client, space):
    post_anyway(member_client, space, "My phone died on the walk.")

    assert not QueueItem.objects.exists()


def test_moderators_get_one_email_a_quarter_hour_without_the_words(
    member_client, space, smtp_server
):
    rosa = ModeratorFactory(display_name="Rosa", email="rosa@example.org")
    now = timezone.now()
    post_anyway(member_client, space, CRISIS)
    post_anyway(member_client, space, METHOD)

    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        assert moderation.alert_moderators() == 1
        assert moderation.alert_moderators() == 0  # the same quarter hour: nothing more

    [raw] = smtp_server.messages
    message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    assert message["To"] == rosa.email
    everything = raw.as_string() + "".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )
    assert "PRIVATE-WORDS" not in everything
    assert "Tonight" not in everything
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "2 posts or replies in crisis words" in text  # the held one is one of them
    assert "1 held for review" in text
    assert "/admin/community/queueitem/" in text

    with time_machine.travel(now + timedelta(minutes=20), tick=False):
        assert moderation.alert_moderators() == 0  # nothing new since: no email
        post_anyway(member_client, space, "Honestly I can't go on. Again.")
    with time_machine.travel(now + timedelta(minutes=21), tick=False):
        assert moderation.alert_moderators() == 1
    assert len(smtp_server.messages) == 2
