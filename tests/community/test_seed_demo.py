import io
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db.models import F, Min
from django.utils import timezone

from community import demo, roles, selectors
from community.models import Gathering, Post, Reaction, Reply, Space, SpaceFollow, User

LONDON = demo.DEMO_ZONE


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


@pytest.mark.django_db
@pytest.mark.parametrize("day", range(7))
def test_what_the_demo_names_for_a_weekday_falls_on_that_weekday_in_london(day):
    """Seeded at half past midnight in London (still the day before in UTC), on each
    day of one week: every gathering or post whose title starts with a weekday is on it
    there, and last week's evening chat was a Tuesday evening."""
    seeded_at = datetime(2026, 6, 1 + day, 23, 30, tzinfo=UTC)
    with time_machine.travel(seeded_at, tick=False):
        _seed()

    named = [
        *((g.title, g.starts_at) for g in Gathering.objects.all()),
        *((p.title, p.created_at) for p in Post.objects.all()),
    ]
    named = [(title, at) for title, at in named if title.split()[0] in demo.WEEKDAYS]
    assert {title.split()[0] for title, _ in named} == {"Tuesday", "Sunday"}
    for title, at in named:
        assert f"{at.astimezone(LONDON):%A}" == title.split()[0], title
    rainy = Post.objects.get(title="Rainy Sunday hello")
    assert f"{rainy.created_at.astimezone(LONDON):%A}" == "Sunday"
    assert rainy.created_at < seeded_at
    past = Gathering.objects.get(title=demo.DEMO_PAST_GATHERING).starts_at.astimezone(LONDON)
    assert (f"{past:%A}", past.hour) == ("Tuesday", 19)
    assert past < seeded_at
    for gathering in Gathering.objects.exclude(title=demo.DEMO_PAST_GATHERING):
        assert gathering.starts_at > seeded_at


@pytest.mark.django_db
def test_a_second_seed_demo_keeps_members_logged_in(client):
    _seed()
    login = {"login": "maya@example.org", "password": demo.DEMO_PASSWORD}
    assert client.post("/accounts/login/", login).status_code == 302
    assert client.get("/notifications/").status_code == 200
    password = User.objects.get(handle="maya").password

    _seed()

    assert User.objects.get(handle="maya").password == password
    assert client.get("/notifications/").status_code == 200


@pytest.mark.django_db
def test_seed_demo_puts_back_a_changed_demo_password():
    _seed()
    maya = User.objects.get(handle="maya")
    maya.set_password("something-else-entirely")
    maya.save(update_fields=["password"])

    _seed()

    maya.refresh_from_db()
    assert maya.check_password(demo.DEMO_PASSWORD)
