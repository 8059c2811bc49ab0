"""manage.py seed_scale, at a tiny size: the counts asked for, the same rows from the
same seed, counters true to the rows, the dataset contract's facts, and pages that
render for the measured member."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.postgres.search import SearchVector
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, TextField
from django.db.models.functions import Cast, Substr
from django.urls import reverse

from community import services, text
from community.models import (
    Block,
    Gathering,
    Notification,
    Post,
    PostFollow,
    Reaction,
    Reply,
    Space,
    SpaceFollow,
    User,
)
from fourc.management.commands.seed_scale import REINDEXED
from fourc.models import ScaleDataset
from prescriptions.models import CheckIn, Consent, NudgePreferences, Prescription, Status

# 50 members, 3 spaces, 500 posts and replies, 2,500 reactions, 500 check-ins and
# prescriptions, a gathering, 1,000 notifications.
TINY = ("--scale", "0.0005")
MOMENT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_scale", *TINY, *args, verbosity=0, stdout=out)
    return out.getvalue()


def scale_posts():
    return Post.objects.filter(space__slug__startswith="scale-space-")


def scale_replies():
    return Reply.objects.filter(post__space__slug__startswith="scale-space-")


@pytest.fixture
def seeded(db):
    with time_machine.travel(MOMENT, tick=False):
        seed()


@pytest.fixture
def scale_0(seeded):
    return User.objects.get(handle="scale_0")


def test_the_dataset_has_the_counts_asked_for(seeded):
    members = User.objects.filter(handle__startswith="scale_")
    assert members.count() == 50
    assert Space.objects.filter(slug__startswith="scale-space-").count() == 3
    assert scale_posts().count() + scale_replies().count() == 500
    assert Reaction.objects.filter(member__in=members).count() == 2_500
    assert CheckIn.objects.filter(member__in=members).count() == 500
    assert Prescription.objects.filter(member__in=members).count() == 500
    assert Gathering.objects.filter(space__slug__startswith="scale-space-").count() == 1
    assert Notification.objects.filter(recipient__in=members).count() == 1_000
    assert ScaleDataset.objects.get().parameters == {
        "seed": 4, "members": 50, "spaces": 3, "posts": 500, "reactions": 2_500,
        "checkins": 500, "prescriptions": 500, "gatherings": 1, "notifications": 1_000,
    }  # fmt: skip


def test_every_member_is_one_the_services_would_have_made(seeded):
    members = User.objects.filter(handle__startswith="scale_")
    # A confirmed address, the guidelines agreed, email preferences; consent before any
    # check-in; no password to sign in with.
    assert members.filter(emailaddress__verified=True, emailaddress__primary=True).count() == 50
    assert members.filter(guidelines_acceptances__isnull=False).count() == 50
    assert NudgePreferences.objects.filter(member__in=members).count() == 50
    checked_in = set(members.filter(check_ins__isnull=False))
    assert checked_in == {consent.member for consent in Consent.objects.filter(member__in=members)}
    assert not any(member.has_usable_password() for member in members)
    assert members.get(handle="scale_7").email == "scale7@scale.example"
    assert members.values("time_zone").distinct().count() >= 5  # around the world
    # Every author follows their post, every replier the post they replied in.
    for reply in scale_replies().select_related("post")[:100]:
        assert PostFollow.objects.filter(member_id=reply.author_id, post=reply.post).exists()


def test_every_counter_matches_the_rows(seeded):
    published = Q(replies__is_hidden=False, replies__removed_at__isnull=True)
    posts = scale_posts().annotate(
        counted=Count("replies", filter=published),
        latest=Max("replies__created_at", filter=published),
        first_other=Min("replies__created_at", filter=published & ~Q(replies__author=F("author"))),
    )
    assert len(posts) == 100
    for post in posts:
        assert post.reply_count == post.counted, post.pk
        assert post.first_reply_at == post.first_other, post.pk
        assert post.last_activity_at == (post.latest or post.created_at), post.pk
    assert scale_posts().filter(first_reply_at__isnull=True).exists()  # some need a reply
    # The header's unread count: what each member's inbox shows.
    for member in User.objects.filter(handle__startswith="scale_"):
        shown = Notification.objects.filter(recipient=member, read_at__isnull=True).shown()
        assert member.unread_notifications == shown.count(), member.handle
    assert User.objects.get(handle="scale_0").unread_notifications > 100
    assert scale_replies().filter(Q(is_hidden=True) | Q(removed_at__isnull=False)).exists()
    # Each kind of reaction's count on the post or reply (community.models.ReactionCounts).
    assert services.recount_reactions(posts=scale_posts(), replies=scale_replies()) == 0
    assert scale_posts().filter(hear_count__gt=0).exists()
    assert scale_replies().filter(thanks_count__gt=0).exists()


def test_search_vectors_and_html_are_what_the_services_write(seeded):
    def as_text(expression):
        return Cast(expression, TextField())

    posts = scale_posts().annotate(
        stored=as_text("search_vector"),
        expected=as_text(
            SearchVector("title", weight="A", config="english")
            + SearchVector("body", weight="B", config="english")
        ),
    )
    assert posts.filter(stored=F("expected")).count() == 100
    replies = scale_replies().annotate(
        stored=as_text("search_vector"),
        expected=as_text(SearchVector("body", weight="B", config="english")),
    )
    assert replies.filter(stored=F("expected")).count() == 400
    for content in [*scale_posts()[:30], *scale_replies()[:30]]:
        rendered = text.render_markdown(content.body, known_handles=set(), linked=[])
        assert content.body_html == rendered


def test_the_contract_facts_hold(scale_0):
    busiest = Space.objects.annotate(post_count=Count("posts")).order_by("-post_count").first()
    assert busiest.slug == "scale-space-0"
    assert 33 <= busiest.post_count <= 50  # about a third of the 100 posts at this size
    long_thread = Post.objects.order_by("-reply_count").first()
    assert long_thread.reply_count == 200  # at least 200 however small
    assert long_thread.space == busiest
    assert long_thread.is_published
    assert not long_thread.is_anonymous
    assert scale_posts().filter(is_anonymous=True).exists()
    assert scale_posts().filter(Q(is_hidden=True) | Q(removed_at__isnull=False)).exists()
    # Most activity is recent.
    recent = scale_posts().filter(created_at__gte=MOMENT - timedelta(days=90)).count()
    assert recent > scale_posts().count() / 2
    # The measured member.
    assert SpaceFollow.objects.filter(member=scale_0, space=busiest).exists()
    assert SpaceFollow.objects.filter(member=scale_0).count() >= 3
    # About 2,000 unread at the default size; a quarter of the notifications at most.
    unread = Notification.objects.filter(recipient=scale_0, read_at__isnull=True).count()
    assert 150 <= unread <= 250
    days = {
        c.created_at.astimezone(scale_0.tzinfo).date()
        for c in CheckIn.objects.filter(member=scale_0, created_at__gte=MOMENT - timedelta(90))
    }
    assert len(days) > 60  # a check-in on most of the last 90 days
    steps = Prescription.objects.filter(member=scale_0)
    assert steps.filter(status=Status.DONE, mood_after__isnull=False).exists()
    assert steps.filter(status=Status.SKIPPED).exists()
    assert steps.filter(status=Status.EXPIRED).exists()
    assert Block.objects.filter(blocker=scale_0).count() == 3
    for handle in ("scale_1", "scale_49"):
        assert CheckIn.objects.filter(member__handle=handle).exists()
        assert Prescription.objects.filter(member__handle=handle).exists()


def test_the_same_seed_makes_the_same_dataset(db):
    def fingerprint():
        return (
            list(User.objects.filter(handle__startswith="scale_").values_list(
                "handle", "time_zone", "date_joined").order_by("handle")),
            list(scale_posts().values_list(
                "title", Substr("body", 1, 60), "author__handle", "space__slug", "reply_count",
                "is_anonymous", "created_at").order_by("created_at", "title")),
            list(scale_replies().values_list(
                "body", "author__handle", "created_at").order_by("created_at", "body")),
            list(Reaction.objects.values_list("member__handle", "kind", "created_at")
                 .order_by("created_at", "member__handle", "kind")),
            list(Notification.objects.values_list(
                "recipient__handle", "kind", "created_at", "read_at")
                .order_by("created_at", "recipient__handle", "kind")),
            list(Prescription.objects.values_list(
                "member__handle", "activity__slug", "status", "mood_after", "created_at")
                .order_by("member__handle", "created_at", "activity__slug")),
        )  # fmt: skip

    def seed_and_forget(*args):
        """Seeds, reads the fingerprint, and rolls the dataset back."""
        before = transaction.savepoint_create()
        seed(*args)
        found = fingerprint()
        transaction.savepoint_rollback(before)
        assert not User.objects.filter(handle="scale_0").exists()
        return found

    with time_machine.travel(MOMENT, tick=False):
        first = seed_and_forget()
        again = seed_and_forget()
        other = seed_and_forget("--seed", "5")
    assert again == first
    assert other[0] != first[0]
    assert other[1] != first[1]


def test_a_second_run_stops_unless_reusing_the_same_dataset(seeded):
    with pytest.raises(CommandError, match="already holds a scale dataset"):
        seed()
    assert "nothing to do" in seed("--reuse")
    assert User.objects.filter(handle__startswith="scale_").count() == 50
    with pytest.raises(CommandError, match="other parameters"):
        seed("--reuse", "--seed", "5")


def test_pages_render_for_the_measured_member(scale_0, client):
    client.force_login(scale_0)
    long_thread = Post.objects.order_by("-reply_count").first()
    gathering = Gathering.objects.get(space__slug__startswith="scale-space-")
    pages = [
        reverse("home"),
        reverse("community:space-list"),
        reverse("community:space-detail", args=["scale-space-0"]),
        long_thread.get_absolute_url(),
        reverse("community:notifications"),
        reverse("community:search") + "?q=garden",
        reverse("community:unanswered"),
        reverse("community:member-detail", args=["scale_1"]),
        gathering.get_absolute_url(),
        reverse("prescriptions:feed"),
        reverse("prescriptions:check-in"),
        reverse("prescriptions:insights"),
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page
    thread = client.get(long_thread.get_absolute_url()).content.decode()
    assert long_thread.title in thread
    search = client.get(reverse("community:search") + "?q=garden").content.decode()
    assert "garden" in search.lower()


def test_the_indexes_set_aside_for_the_load_come_back_as_they_were(db):
    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() ORDER BY tablename, indexname"
            )
            return cursor.fetchall()

    before = indexes()
    assert {table for table, _, _ in before} >= REINDEXED
    seed()
    assert indexes() == before
