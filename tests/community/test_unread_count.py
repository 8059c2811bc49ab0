"""The header's unread count is kept on the member's row (User.unread_notifications):
every service that changes what the inbox shows keeps it equal to the exact count,
the inbox page and a nightly task correct it, and pages read it for free."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import deletion, moderation, selectors, services
from community.backends import MEMBER_BY_ID
from community.models import Notification, ReactionKind, User
from community.tasks import reconcile_unread_counts
from tests.factories import NotificationFactory, PostFactory, UserFactory
from tests.fourc.test_admin_and_roles import enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    boss = User.objects.create_superuser("boss@example.org", "a-long-pass-phrase")
    enrol_totp(boss)
    client.force_login(boss)
    return client


def counted(member: User) -> int:
    """The kept count, once checked against the exact one."""
    member.refresh_from_db(fields=["unread_notifications"])
    assert member.unread_notifications == selectors.unread_notification_count(member)
    return member.unread_notifications


@pytest.fixture
def replies(member, other_member, make_post):
    """Maya's post with two replies from Sam: two unread notifications."""
    post = make_post(member)
    return post, [
        services.post_reply(author=other_member, post=post, body=body) for body in ("One", "Two")
    ]


def test_new_replies_and_mentions_count(member, other_member, make_post, replies):
    assert counted(member) == 2

    make_post(other_member, body="Thinking of you @maya")

    assert counted(member) == 3
    assert counted(other_member) == 0


def test_reactions_merge_into_one_count(member, other_member, make_post):
    post = make_post(member)
    third = UserFactory()
    hear = ReactionKind.values[0]

    services.set_reaction(member=other_member, kind=hear, on=True, post=post)
    services.set_reaction(member=third, kind=hear, on=True, post=post)
    assert counted(member) == 1  # "2 people said ..." is one notification

    services.set_reaction(member=third, kind=hear, on=False, post=post)
    assert counted(member) == 1
    services.set_reaction(member=other_member, kind=hear, on=False, post=post)
    assert counted(member) == 0


def test_reading_one_and_all_counts_down(member, replies):
    first = Notification.objects.filter(recipient=member).first()

    assert services.mark_notification_read(member=member, notification_id=first.pk)
    assert counted(member) == 1
    assert not services.mark_notification_read(member=member, notification_id=first.pk)
    assert counted(member) == 1

    services.mark_all_notifications_read(member=member)
    assert counted(member) == 0


def test_a_hidden_or_removed_post_takes_its_news_away_and_restoring_brings_it_back(
    member, other_member, moderator, make_post
):
    post = make_post(other_member)
    services.follow_post(member=member, post=post)
    services.post_reply(author=UserFactory(), post=post, body="Here")
    assert counted(member) == 1

    moderation.hide(content=post, moderator=moderator, note="Too raw.")
    assert counted(member) == 0
    assert counted(other_member) == 1  # the moderators' word to the author stays

    moderation.restore(content=post, moderator=moderator, note="Fine after all.")
    assert counted(member) == 1

    services.remove_post(post=post, member=other_member)
    assert counted(member) == 0


def test_a_hidden_or_removed_reply_takes_its_news_away(member, other_member, moderator, replies):
    _, (one, two) = replies

    moderation.hide(content=one, moderator=moderator, note="Unkind.")
    assert counted(member) == 1
    moderation.restore(content=one, moderator=moderator, note="Misread.")
    assert counted(member) == 2

    services.remove_reply(reply=two, member=other_member)
    assert counted(member) == 1


def test_words_held_as_they_are_posted_are_never_counted(member, other_member, make_post):
    post = make_post(member)

    services.post_reply(
        author=other_member, post=post, body="I'm going to take fifty pills tonight"
    )

    assert counted(member) == 0


def test_a_block_takes_named_news_away_and_an_unblock_brings_it_back(
    member, other_member, replies
):
    services.block_member(blocker=member, blocked=other_member)
    assert counted(member) == 0

    services.unblock_member(blocker=member, blocked=other_member)
    assert counted(member) == 2


def test_closing_a_space_in_the_admin_takes_its_news_away(
    superuser_client, member, space, replies
):
    url = f"/admin/community/space/{space.pk}/change/"
    form = {
        "name": space.name,
        "slug": space.slug,
        "description": space.description,
        "guidelines": space.guidelines,
        "order": space.order,
        "created_at_0": space.created_at.date().isoformat(),
        "created_at_1": space.created_at.time().strftime("%H:%M:%S"),
        "is_archived": "on",
    }

    response = superuser_client.post(url, form)

    assert response.status_code == 302
    assert counted(member) == 0
    del form["is_archived"]
    assert superuser_client.post(url, form).status_code == 302
    assert counted(member) == 2


@pytest.mark.parametrize("mode", ["keep", "delete"])
def test_an_erased_account_leaves_the_counts_true(member, other_member, replies, mode):
    services.block_member(blocker=other_member, blocked=member)
    services.unblock_member(blocker=other_member, blocked=member)
    row = deletion.request_deletion(member=other_member, mode=mode)
    deletion.confirm(deletion=row)
    row.refresh_from_db()

    with time_machine.travel(row.due_at + timedelta(minutes=1), tick=False):
        assert deletion.erase(deletion_id=row.pk)

    assert counted(member) == (2 if mode == "keep" else 0)


def test_the_nightly_task_corrects_a_count_that_drifted(member, other_member, replies):
    User.objects.filter(pk=member.pk).update(unread_notifications=7)
    User.objects.filter(pk=other_member.pk).update(unread_notifications=3)

    assert reconcile_unread_counts() == 2

    assert counted(member) == 2
    assert counted(other_member) == 0
    assert reconcile_unread_counts() == 0


def test_a_count_never_goes_below_zero(member, replies):
    User.objects.filter(pk=member.pk).update(unread_notifications=0)

    services.mark_all_notifications_read(member=member)
    services.count_unread(Notification.objects.filter(recipient=member), change=-1)

    member.refresh_from_db()
    assert member.unread_notifications == 0


def test_the_inbox_page_corrects_the_count_it_shows(client, member, replies):
    User.objects.filter(pk=member.pk).update(unread_notifications=9)
    client.force_login(member)

    page = client.get("/notifications/").content.decode()

    assert 'class="count">2<' in page
    assert counted(member) == 2


def counting(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "community_user"')]


def test_a_long_inbox_is_counted_again_at_most_once_an_hour(client, member, other_member):
    post = PostFactory(author=other_member)
    for _ in range(selectors.PAGE_SIZE + 1):  # more than a page
        NotificationFactory(recipient=member, post=post)
    User.objects.filter(pk=member.pk).update(unread_notifications=40)  # drifted, not provably
    client.force_login(member)
    cache.delete(f"unread-recounted:{member.pk}")

    with CaptureQueriesContext(connection) as first:
        client.get("/notifications/")
    with CaptureQueriesContext(connection) as again:
        page = client.get("/notifications/").content.decode()

    assert len(counting(first)) == 1
    assert counting(again) == []  # not within the hour
    assert 'class="count">26<' in page
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        cache.delete(f"unread-recounted:{member.pk}")  # as the cache lets it go
        User.objects.filter(pk=member.pk).update(unread_notifications=40)
        client.get("/notifications/")
    assert counted(member) == 26


def test_a_count_the_page_proves_wrong_is_counted_again_at_once(client, member, other_member):
    post = PostFactory(author=other_member)
    for _ in range(selectors.PAGE_SIZE + 1):
        NotificationFactory(recipient=member, post=post)
    client.force_login(member)
    client.get("/notifications/")  # counted: the hour starts
    User.objects.filter(pk=member.pk).update(unread_notifications=3)  # fewer than shown

    page = client.get("/notifications/").content.decode()

    assert 'class="count">26<' in page
    assert counted(member) == 26


def test_the_header_shows_the_count_without_counting(client, member, replies):
    client.force_login(member)
    client.get("/")

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()

    assert 'class="count">2<' in page
    assert not [q for q in queries if "community_notification" in q["sql"]]
    # the signed-in member, read once (EXECUTE of the statement community.backends prepared)
    users = [
        q for q in queries if MEMBER_BY_ID.name in q["sql"] or 'FROM "community_user"' in q["sql"]
    ]
    assert len(users) == 1


def test_beat_reconciles_the_counts_every_night(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["unread-counts-reconcile"]

    assert entry["task"] == "community.reconcile_unread_counts"
    assert entry["schedule"] == timedelta(hours=24)
