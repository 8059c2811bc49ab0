"""`crisis_words` on posts and replies: kept true to their words at every save, and
matched again when moderators change the phrases, so the crisis rule and the steps'
targets (prescriptions.crisis, prescriptions.targets) read a column instead of matching
every recent post again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services, tasks
from community.models import Post, Reply
from community.safety import Family
from tests.broker import queued
from tests.factories import ModeratorFactory

pytestmark = pytest.mark.django_db

CRISIS_WORDS = "I want to die."
NEW_PHRASE_WORDS = "The grey lantern again, every night."


def fresh(content):
    return type(content).objects.get(pk=content.pk).crisis_words


def test_a_post_and_a_reply_in_crisis_words_say_so_when_written(member, other_member, space):
    calm = services.create_post(
        author=member, space=space, title="A slow day", body="Tea helped.", intent="support"
    )
    post = services.create_post(
        author=member, space=space, title="Tonight", body=CRISIS_WORDS, intent="support"
    )
    reply = services.post_reply(author=other_member, post=calm, body=CRISIS_WORDS)
    calm_reply = services.post_reply(author=other_member, post=calm, body="I hear you.")

    assert (fresh(calm), fresh(post), fresh(reply), fresh(calm_reply)) == (
        False,
        True,
        True,
        False,
    )


def test_the_title_counts_too(member, space):
    post = services.create_post(
        author=member, space=space, title="I want to die", body="That's all.", intent="support"
    )
    assert fresh(post)


def test_an_edit_keeps_it_true_both_ways(member, other_member, make_post):
    post = make_post(member, body="A slow day.")
    reply = services.post_reply(author=other_member, post=post, body="Here with you.")

    services.edit_post(
        post=post, editor=member, title=post.title, body=CRISIS_WORDS, intent="support",
        content_warning="",
    )  # fmt: skip
    services.edit_reply(reply=reply, editor=other_member, body=CRISIS_WORDS)
    assert fresh(post)
    assert fresh(reply)

    services.edit_post(
        post=post, editor=member, title=post.title, body="Steadier now.", intent="support",
        content_warning="",
    )  # fmt: skip
    services.edit_reply(reply=reply, editor=other_member, body="Glad you're here.")
    assert not fresh(post)
    assert not fresh(reply)


def test_a_save_that_doesnt_write_the_words_leaves_it_alone(member, make_post):
    post = make_post(member, body=CRISIS_WORDS)
    Post.objects.filter(pk=post.pk).update(crisis_words=False)  # as if matched before a change
    post.is_locked = True
    post.save(update_fields=["is_locked"])  # no words written: not matched again
    assert not fresh(post)

    post.save(update_fields=["body"])
    assert fresh(post)


def test_a_change_of_the_phrases_matches_recent_words_again(
    member, other_member, make_post, django_capture_on_commit_callbacks
):
    moderator = ModeratorFactory()
    post = make_post(member, body=NEW_PHRASE_WORDS)
    reply = services.post_reply(author=other_member, post=post, body=NEW_PHRASE_WORDS)
    old = make_post(member, title="Long ago", body=NEW_PHRASE_WORDS)
    Post.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=services.CRISIS_REMATCH_DAYS + 1)
    )
    assert not fresh(post)
    assert not fresh(reply)
    before = len(queued("community.rematch_crisis_words"))

    with django_capture_on_commit_callbacks(execute=True):
        phrase = services.add_crisis_phrase(
            family=Family.HOPELESS, pattern="grey lantern", by=moderator
        )
    assert len(queued("community.rematch_crisis_words")) == before + 1  # after the commit
    assert tasks.rematch_crisis_words() == 2  # as a worker runs it
    assert fresh(post)
    assert fresh(reply)
    assert not fresh(old)  # older words are read by nothing that asks
    assert tasks.rematch_crisis_words() == 0  # a repeat changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        services.retire_crisis_phrase(phrase=phrase, by=moderator)
    assert len(queued("community.rematch_crisis_words")) == before + 2
    assert tasks.rematch_crisis_words() == 2
    assert not fresh(post)
    assert not Reply.objects.get(pk=reply.pk).crisis_words
