import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db.models import F, Min
from django.utils import timezone

from community import demo, roles, selectors
from community.models import Post, Reaction, Reply, Space, SpaceFollow, User


def _seed():
    call_command("seed_demo", stdout=io.StringIO(), force=True)


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_on_a_real_site(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="public passwords"):
        call_command("seed_demo", stdout=io.StringIO())

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_its_logins_work(client):
    _seed()
    counts = (User.objects.count(), EmailAddress.objects.count())
    _seed()

    assert (User.objects.count(), EmailAddress.objects.count()) == counts
    assert counts[0] == len(demo.DEMO_MEMBERS)
    response = client.post(
        "/accounts/login/", {"login": "maya@example.org", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    moderator = User.objects.get(email="rosa@example.org")
    assert moderator.is_staff
    assert roles.is_moderator(moderator)
    assert all(address.verified for address in EmailAddress.objects.all())


def _community_counts():
    return tuple(model.objects.count() for model in (Space, SpaceFollow, Post, Reply, Reaction))


@pytest.mark.django_db
def test_seed_demo_builds_a_living_community_once():
    _seed()
    counts = _community_counts()
    _seed()

    assert _community_counts() == counts
    assert Space.objects.count() >= 5
    assert Post.objects.count() >= 25
    assert Reply.objects.count() >= 40
    assert Post.objects.exclude(content_warning="").exists()
    assert Post.objects.filter(is_anonymous=True).exists()
    for member in User.objects.all():
        assert 2 <= SpaceFollow.objects.filter(member=member).count() <= 3
    rosa = User.objects.get(handle="rosa")
    assert len(selectors.needs_a_reply(member=rosa, limit=50).items) >= 3


@pytest.mark.django_db
def test_seed_demo_times_and_reactions_make_sense():
    _seed()
    now = timezone.now()

    assert not Reaction.objects.filter(post__author=F("member")).exists()
    assert not Reaction.objects.filter(reply__author=F("member")).exists()
    for post in Post.objects.all():
        replies = Reply.objects.filter(post=post)
        assert post.created_at <= now
        assert all(reply.created_at > post.created_at for reply in replies)
        assert post.reply_count == replies.count()
        first = replies.exclude(author=post.author).aggregate(first=Min("created_at"))["first"]
        assert post.first_reply_at == first
        latest = max([post.created_at, *(reply.created_at for reply in replies)])
        assert post.last_activity_at == latest
    created = Post.objects.aggregate(oldest=Min("created_at"))["oldest"]
    assert (now - created).days < 11
