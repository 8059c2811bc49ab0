"""The optional "first posts reviewed" setting (FIRST_POSTS_REVIEWED, off by default):
a new member's first post waits, hidden, in the moderators' queue until a moderator
restores it; their later posts appear at once."""

import html

import pytest

from community import moderation
from community.models import (
    HiddenReason,
    ModerationAction,
    ModerationActionKind,
    Post,
    QueueItem,
)

pytestmark = pytest.mark.django_db


def write(client, space, title):
    return client.post(
        f"/spaces/{space.slug}/new/",
        {"title": title, "body": "Hello, I'm new here.", "intent": "hello"},
        follow=True,
    )


def test_off_by_default_a_first_post_appears_at_once(member_client, space, settings):
    assert settings.FIRST_POSTS_REVIEWED is False

    write(member_client, space, "Hello")

    assert not Post.objects.get().is_hidden
    assert not QueueItem.objects.exists()


def test_on_a_first_post_waits_for_a_moderator_and_later_ones_do_not(
    member_client, space, settings, moderator
):
    settings.FIRST_POSTS_REVIEWED = True

    response = write(member_client, space, "Hello")

    first = Post.objects.get()
    page = html.unescape(response.content.decode())
    assert (first.is_hidden, first.hidden_reason) == (True, HiddenReason.FIRST_POST)
    assert "A moderator reads new members' first posts before they appear" in page
    assert QueueItem.objects.get(post=first).closed_at is None
    assert ModerationAction.objects.filter(
        post=first, action=ModerationActionKind.FIRST_POST_HELD, is_automatic=True
    ).exists()

    assert moderation.restore(content=first, moderator=moderator, note="Welcome!")
    first.refresh_from_db()
    assert not first.is_hidden

    write(member_client, space, "Me again")

    assert not Post.objects.get(title="Me again").is_hidden
