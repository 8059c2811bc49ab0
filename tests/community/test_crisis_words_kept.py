"""`crisis_words` on posts and replies: kept true to their words at every save, and
matched again when moderators change the phrases, so the crisis rule and the steps'
targets (prescriptions.crisis, prescriptions.targets) read a column instead of matching
every recent post again."""

from datetime import timedelta
from types import SimpleNamespace

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
    # After the commit, twice: at once, and once every process knows the new phrases.
    assert len(queued("community.rematch_crisis_words")) == before + 2
    assert tasks.rematch_crisis_words() == 2  # as a worker runs it
    assert fresh(post)
    assert fresh(reply)
    assert not fresh(old)  # older words are read by nothing that asks
    assert tasks.rematch_crisis_words() == 0  # a repeat changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        services.retire_crisis_phrase(phrase=phrase, by=moderator)
    assert len(queued("community.rematch_crisis_words")) == before + 4
    assert tasks.rematch_crisis_words() == 2
    assert not fresh(post)
    assert not Reply.objects.get(pk=reply.pk).crisis_words


def test_a_rematch_never_undoes_an_edit_made_while_it_read(member, make_post, monkeypatch):
    post = make_post(member, body="Paper boats again, all night.")  # before the phrase
    moderator = ModeratorFactory()
    services.add_crisis_phrase(family=Family.HOPELESS, pattern="paper boats", by=moderator)
    real = services.safety.build
    edited = []

    def build_with_an_edit_meanwhile():
        matcher = real()

        def matches(text):
            if not edited:  # the author edits just after the task read the old words
                edited.append(True)
                monkeypatch.undo()  # the edit's own save matches as every save does
                services.edit_post(
                    post=post, editor=member, title=post.title, body="Steadier today.",
                    intent="support", content_warning="",
                )  # fmt: skip
            return matcher.matches(text)

        return SimpleNamespace(matches=matches)

    monkeypatch.setattr(services.safety, "build", build_with_an_edit_meanwhile)
    services.rematch_crisis_words()

    assert edited
    assert not fresh(post)  # the calm edit's own save stands, not the old words' match


def test_the_beat_matches_the_last_two_days_again_every_quarter_hour(member, make_post, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["crisis-words-rematch"]
    assert entry["task"] == "community.rematch_recent_crisis_words"
    assert entry["schedule"] == timedelta(minutes=15)
    post = make_post(member, body=CRISIS_WORDS)
    Post.objects.filter(pk=post.pk).update(crisis_words=False)  # saved by code without it

    assert tasks.rematch_recent_crisis_words() == 1
    assert fresh(post)
