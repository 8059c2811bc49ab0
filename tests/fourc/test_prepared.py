"""fourc.lib.prepared: a QuerySet built once and run with other values gives exactly
what building it each time gives."""

import threading
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db.models import BooleanField, CharField, Count, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils import timezone

from community.models import Post, Reply
from fourc.lib.prepared import Prepared
from tests.factories import PostFactory, ReplyFactory, UserFactory


def words(member, since):
    mine = {"author": member, "created_at__gte": since}
    posts = Post.objects.filter(**mine).values_list(
        Value("post", output_field=CharField()), "pk", "created_at"
    )
    replies = Reply.objects.filter(**mine).values_list(
        Value("reply", output_field=CharField()), "pk", "created_at"
    )
    return posts.union(replies, all=True)


@pytest.mark.django_db
def test_each_run_gives_what_the_queryset_built_then_gives():
    prepared = Prepared(words, member=Prepared.MEMBER, since=Prepared.SINCE)
    maya, sam = UserFactory(), UserFactory()
    now = timezone.now()
    PostFactory(author=maya)
    ReplyFactory(author=maya)
    ReplyFactory(author=sam)

    for member in (maya, sam, UserFactory()):
        for since in (now - timedelta(days=1), now + timedelta(days=1)):
            assert sorted(prepared.run(member=member, since=since)) == sorted(words(member, since))
    # Converted as the ORM converts: aware datetimes.
    assert all(
        at.tzinfo is not None
        for _, _, at in prepared.run(member=maya, since=now - timedelta(days=1))
    )


def local_days(member, zone):
    return (
        Post.objects.filter(author=member)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
        .order_by("day")
    )


@pytest.mark.django_db
def test_a_time_zone_is_a_value_like_any_other():
    """Django writes a zone's name into TruncDate's SQL as a parameter: one statement
    serves every member's zone, each day counted in that zone (22:30 UTC on 12 March is
    13 March in Auckland and still 12 March in Port-au-Prince)."""
    prepared = Prepared(local_days, member=Prepared.MEMBER, zone=Prepared.ZONE)
    maya = UserFactory()
    for at in (datetime(2030, 3, 12, 22, 30, tzinfo=UTC), datetime(2030, 3, 12, 9, tzinfo=UTC)):
        Post.objects.filter(pk=PostFactory(author=maya).pk).update(created_at=at)

    for name in ("Pacific/Auckland", "America/Port-au-Prince", "UTC"):
        zone = zoneinfo.ZoneInfo(name)
        assert prepared.run(member=maya, zone=zone) == list(local_days(maya, zone))
    assert prepared.run(member=maya, zone=zoneinfo.ZoneInfo("Pacific/Auckland")) == [
        (date(2030, 3, 12), 1),
        (date(2030, 3, 13), 1),
    ]
    assert prepared.run(member=maya, zone=zoneinfo.ZoneInfo("America/Port-au-Prince")) == [
        (date(2030, 3, 12), 2)
    ]
    # A fixed offset by name is turned round by Django as it builds the SQL: refused.
    with pytest.raises(ValueError, match="not an offset"):
        prepared.run(member=maya, zone=dt_timezone(timedelta(hours=5)))


@pytest.mark.django_db
def test_a_value_that_never_reaches_the_sql_is_refused():
    forgetful = Prepared(
        lambda member, since: Post.objects.filter(author=member),
        member=Prepared.MEMBER,
        since=Prepared.SINCE,
    )

    with pytest.raises(ValueError, match="since"):
        forgetful.run(member=UserFactory(), since=timezone.now())


@pytest.mark.django_db
def test_it_is_built_once_per_thread(django_assert_num_queries):
    built = []

    def build(member):
        built.append(threading.get_ident())
        return Post.objects.filter(author=member).values_list("pk")

    prepared = Prepared(build, member=Prepared.MEMBER)
    maya = UserFactory()
    for _ in range(3):
        with django_assert_num_queries(1):
            prepared.run(member=maya)

    assert built == [threading.get_ident()] * 2  # built twice to check it, then never


@pytest.mark.django_db
def test_a_value_bent_or_branched_on_is_refused():
    bent = Prepared(
        lambda member, since: Post.objects.filter(
            author=member, created_at__gte=since - timedelta(days=1)
        ),
        member=Prepared.MEMBER,
        since=Prepared.SINCE,
    )
    branched = Prepared(
        lambda member: (
            Post.objects.filter(author=member)
            if member.pk % 2
            else Post.objects.filter(author=member, is_anonymous=False)
        ),
        member=Prepared.MEMBER,
    )

    for prepared in (bent, branched):
        with pytest.raises(ValueError, match="never reach|depends on the values"):
            prepared.run(member=UserFactory(), since=timezone.now())


def prepared_on_the_server(prepared) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return [name for (name,) in cursor.fetchall() if name.startswith(f"{prepared.name}_")]


def test_it_is_prepared_on_the_server_once_per_connection(
    reference_data, django_assert_num_queries
):  # in real transactions: closing the connection must be allowed
    from django.db import connection

    prepared = Prepared(words, member=Prepared.MEMBER, since=Prepared.SINCE)
    maya = UserFactory()
    PostFactory(author=maya)
    since = timezone.now() - timedelta(days=1)

    expected = sorted(words(maya, since))
    with django_assert_num_queries(1):  # preparing is not one of the page's queries
        first = prepared.run(member=maya, since=since)
    assert sorted(first) == expected
    assert prepared_on_the_server(prepared)
    with django_assert_num_queries(1) as ran:
        second = prepared.run(member=maya, since=since)
    assert sorted(second) == expected
    assert ran.captured_queries[0]["sql"].startswith(f"EXECUTE {prepared.name}_")

    connection.close()  # a new connection knows no statement: prepared again
    assert len(prepared.run(member=maya, since=since)) == 1
    assert prepared_on_the_server(prepared)


@pytest.mark.django_db
def test_with_prepared_statements_off_it_runs_as_plain_sql(settings, django_assert_num_queries):
    settings.PREPARED_STATEMENTS = False
    prepared = Prepared(words, member=Prepared.MEMBER, since=Prepared.SINCE)
    maya = UserFactory()

    with django_assert_num_queries(1) as ran:
        prepared.run(member=maya, since=timezone.now())
    assert not ran.captured_queries[0]["sql"].startswith("EXECUTE")
    assert not prepared_on_the_server(prepared)


@pytest.mark.django_db
def test_a_statement_the_server_refuses_runs_as_plain_sql_in_the_same_transaction(caplog):
    prepared = Prepared(words, member=Prepared.MEMBER, since=Prepared.SINCE)
    prepared.name = "not a name"  # PREPARE fails on it
    maya = UserFactory()
    PostFactory(author=maya)
    since = timezone.now() - timedelta(days=1)

    assert sorted(prepared.run(member=maya, since=since)) == sorted(words(maya, since))
    assert "would not prepare" in caplog.text
    assert Post.objects.filter(author=maya).count() == 1  # the transaction goes on


def test_a_statement_gone_from_the_server_is_prepared_again(reference_data):
    from django.db import DatabaseError, connection

    prepared = Prepared(words, member=Prepared.MEMBER, since=Prepared.SINCE)
    maya = UserFactory()
    PostFactory(author=maya)
    since = timezone.now() - timedelta(days=1)
    assert len(prepared.run(member=maya, since=since)) == 1
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a pooler or a DISCARD would

    with pytest.raises(DatabaseError):
        prepared.run(member=maya, since=since)  # fails as any query would

    assert len(prepared.run(member=maya, since=since)) == 1  # prepared again
    assert prepared_on_the_server(prepared)


@pytest.mark.django_db
def test_a_statement_without_values_is_prepared_too():
    prepared = Prepared(lambda: Post.objects.values_list("pk"))
    PostFactory()

    assert len(prepared.run()) == 1
    assert len(prepared.run()) == 1
    assert prepared_on_the_server(prepared)


def posts_of(member, space):
    return (
        Post.objects.visible_to(member)
        .filter(space_id=space)
        .select_related("author", "space")
        .with_author_badge()
        .order_by("-created_at", "-id")[:10]
    )


@pytest.mark.django_db
def test_objects_are_the_models_the_queryset_gives_with_their_related_rows(
    django_assert_num_queries,
):
    prepared = Prepared(posts_of, member=Prepared.MEMBER, space=Prepared.ID)
    maya, sam = UserFactory(), UserFactory()
    first = PostFactory(author=sam)
    PostFactory(author=maya, space=first.space)
    PostFactory(author=sam)  # another space
    prepared.objects(member=maya, space=first.space_id)  # prepared on the server

    for member in (maya, sam):
        built = list(posts_of(member, first.space_id))
        with django_assert_num_queries(1) as ran:
            got = prepared.objects(member=member, space=first.space_id)
            # Its related rows came with it, and its annotations: no query more.
            seen = [(p.pk, p.author.handle, p.space.slug, p.author_badge) for p in got]
        assert ran.captured_queries[0]["sql"].startswith(f"EXECUTE {prepared.name}_")
        assert got == built
        assert seen == [(p.pk, p.author.handle, p.space.slug, p.author_badge) for p in built]
        assert [p.created_at for p in got] == [p.created_at for p in built]
        assert all(p.created_at.tzinfo is not None for p in got)


@pytest.mark.django_db
def test_off_the_server_it_is_planned_each_time_and_built_once(django_assert_num_queries):
    prepared = Prepared(posts_of, member=Prepared.MEMBER, space=Prepared.ID, on_server=False)
    maya = UserFactory()
    post = PostFactory(author=maya)

    for _ in range(2):
        with django_assert_num_queries(1) as ran:
            assert prepared.objects(member=maya, space=post.space_id) == [post]
        assert ran.captured_queries[0]["sql"].startswith("SELECT")
    assert not prepared_on_the_server(prepared)


@pytest.mark.django_db
def test_words_and_a_varying_number_of_ids_fill_the_same_sql():
    def titled(text, ids):
        among = RawSQL('"community_post".id IN %s', (ids,), BooleanField())  # noqa: S611
        return Post.objects.filter(among, title=text).order_by("pk")

    prepared = Prepared(titled, text=Prepared.TEXT, ids=Prepared.IDS, on_server=False)
    garden = [PostFactory(title="Garden") for _ in range(3)]
    PostFactory(title="Kitchen")
    every = tuple(p.pk for p in Post.objects.all())

    for text, ids in [("Garden", every), ("Garden", (garden[1].pk,)), ("Kitchen", every)]:
        assert prepared.objects(text=text, ids=ids) == list(titled(text, ids))
    assert len(prepared.objects(text="Garden", ids=every)) == 3
    assert prepared.objects(text="Garden", ids=(0,)) == []
    # Its SQL, for a larger statement, holds the values as parameters.
    sql, params = prepared.sql(text="Garden", ids=(garden[0].pk,))
    assert "Garden" in params
    assert (garden[0].pk,) in params
    assert "Garden" not in sql
    with pytest.raises(ValueError, match="prepared on the server"):
        Prepared(titled, text=Prepared.TEXT, ids=Prepared.IDS).sql(text="a", ids=(1,))


@pytest.mark.django_db
def test_a_varying_number_of_ids_as_an_array_is_prepared_on_the_server_once(
    django_assert_num_queries,
):
    def titled(text, ids):
        among = RawSQL('"community_post".id = ANY(%s)', (ids,), BooleanField())  # noqa: S611
        return Post.objects.filter(among, title=text).order_by("pk")

    prepared = Prepared(titled, text=Prepared.TEXT, ids=Prepared.IDS)
    garden = [PostFactory(title="Garden") for _ in range(3)]
    PostFactory(title="Kitchen")
    every = [p.pk for p in Post.objects.all()]

    for text, ids in [("Garden", every), ("Garden", [garden[1].pk]), ("Kitchen", every)]:
        expected = list(titled(text, ids))
        with django_assert_num_queries(1) as ran:
            assert prepared.objects(text=text, ids=ids) == expected
        assert ran.captured_queries[0]["sql"].startswith("EXECUTE")
    assert prepared.objects(text="Garden", ids=[0]) == []
    assert prepared_on_the_server(prepared)


@pytest.mark.django_db
def test_a_connection_plans_statements_once_and_starts_no_parallel_workers():
    """The connection settings 4C's queries are measured with (fourc/settings.py): a
    prepared statement's one plan, and no parallel workers for a request's small reads."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_generic_plan",)
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)
