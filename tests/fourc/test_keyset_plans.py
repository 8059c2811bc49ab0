"""A deep page is an index seek: PostgreSQL starts the page inside the list's index.

The next page's condition is a row comparison, `(a, id) < (x, y)`, which the planner
puts in the index scan's Index Cond. The old spelling, `a < x OR (a = x AND id < y)`,
ended up as a Filter, and the index walk discarded every row of the pages before.
The rows are written in bulk (a plan needs rows, not what services add to them);
sequential scans, bitmap scans and sorts are switched off so the plan shows what the
index can do.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import notifications, selectors
from community.models import Notification, Post, Reply
from fourc.lib.pagination import encode_cursor

ROWS = 300


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _explained(run, table: str, prepared=None) -> list[dict]:
    """The plan nodes of the query on `table` that `run` made (or of the statement
    `prepared` on the server, fourc.lib.prepared: its one plan, made at its first run
    after ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # A few hundred rows cost little to sort, and the planner may then pick another
        # index and a sort (it did, depending on what ran before): the question here is
        # whether the list's own index can serve the page, so sorting is switched off too.
        cursor.execute("SET LOCAL enable_sort = off")
    with CaptureQueriesContext(connection) as queries:
        run()
    mark = f"EXECUTE {prepared.name}_" if prepared else f'FROM "{table}"'
    [sql] = [q["sql"] for q in queries if mark in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        [[explained]] = cursor.fetchall()
    if isinstance(explained, str):
        explained = json.loads(explained)
    return list(_plan_nodes(explained[0]["Plan"]))


def _assert_seek(nodes: list[dict], index: str | tuple[str, ...], columns: str) -> None:
    """An Index Scan on `index` (or on one of several that fit the list) whose Index Cond
    starts the page with the row comparison on `columns`, and no Filter on them."""
    indexes = (index,) if isinstance(index, str) else index
    scans = [node for node in nodes if node.get("Index Name") in indexes]
    assert len(scans) == 1, [(n["Node Type"], n.get("Index Name")) for n in nodes]
    [scan] = scans
    assert scan["Node Type"] == "Index Scan"
    assert f"ROW({columns})" in scan["Index Cond"]
    first = columns.split(",")[0]
    filters = " ".join(node.get("Filter", "") for node in nodes)
    assert f"({first} <" not in filters
    assert f"({first} >" not in filters


def _posts(author, space, *, count=ROWS, **fields):
    now = timezone.now()
    return Post.objects.bulk_create(
        Post(
            author=author,
            space=space,
            title=f"Post {n}",
            body="Words.",
            body_html="<p>Words.</p>",
            created_at=now - timedelta(minutes=n),
            last_activity_at=now - timedelta(minutes=n),
            **fields,
        )
        for n in range(count)
    )


def _inbox(recipient, actor, post, *, count=ROWS):
    now = timezone.now()
    return Notification.objects.bulk_create(
        Notification(
            recipient=recipient,
            kind=notifications.FOLLOWED_REPLY,
            actor=actor,
            post=post,
            created_at=now - timedelta(minutes=n),
        )
        for n in range(count)
    )


def _cursor_at(queryset, ordering: tuple[str, ...], place: int) -> str:
    row = queryset.order_by(*ordering)[place]
    return encode_cursor([getattr(row, name.lstrip("-")) for name in ordering])


@pytest.mark.django_db
def test_a_deep_page_of_a_space_seeks_in_the_space_activity_index(member, other_member, space):
    _posts(other_member, space)
    ordering = ("-last_activity_at", "-id")
    cursor = _cursor_at(Post.objects.filter(space=space), ordering, ROWS - 30)

    nodes = _explained(
        lambda: selectors.space_posts(space=space, member=member, cursor=cursor, size=25),
        "community_post",
        prepared=selectors.SPACE_NEXT_PAGE,
    )

    _assert_seek(nodes, "post_space_activity", "last_activity_at, id")


@pytest.mark.django_db
def test_a_deep_page_of_a_thread_seeks_in_the_thread_index(member, other_member, space):
    [post] = _posts(other_member, space, count=1)
    now = timezone.now()
    Reply.objects.bulk_create(
        Reply(
            post=post,
            author=other_member,
            body="Here.",
            body_html="<p>Here.</p>",
            created_at=now + timedelta(seconds=n),
        )
        for n in range(ROWS)
    )
    cursor = _cursor_at(Reply.objects.filter(post=post), ("created_at", "id"), ROWS - 30)

    nodes = _explained(
        lambda: selectors.post_replies(post=post, member=member, cursor=cursor, size=25),
        "community_reply",
        prepared=selectors.REPLIES_NEXT_PAGE,
    )

    _assert_seek(nodes, "reply_post_thread", "created_at, id")


@pytest.mark.django_db
def test_a_deep_page_of_the_inbox_seeks_in_the_inbox_index(member, other_member, space):
    [post] = _posts(other_member, space, count=1)
    _inbox(member, other_member, post)
    ordering = ("-created_at", "-id")
    cursor = _cursor_at(Notification.objects.filter(recipient=member), ordering, ROWS - 30)

    nodes = _explained(
        lambda: selectors.notifications_for(member=member, cursor=cursor, size=25),
        "community_notification",
    )

    _assert_seek(nodes, "notification_inbox", "created_at, id")


@pytest.mark.django_db
def test_a_deep_page_of_needs_a_reply_seeks_in_its_index(member, other_member, space):
    _posts(other_member, space)
    cursor = _cursor_at(Post.objects.all(), ("created_at", "id"), ROWS - 30)

    nodes = _explained(
        lambda: selectors.needs_a_reply(member=member, cursor=cursor, limit=25),
        "community_post",
    )

    # All of the page's posts are in one space: the space's own needs-a-reply index
    # (space, created_at, id) serves it as well as the community-wide one.
    _assert_seek(nodes, ("post_needs_reply", "post_space_needs_reply"), "created_at, id")


def _first_page_plan(run, prepared) -> dict:
    """The plan of a first page prepared on the server (fourc.lib.prepared), made as
    its one plan for every value is made: at its first run on the connection."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    with CaptureQueriesContext(connection) as queries:
        run()
    [sql] = [q["sql"] for q in queries if q["sql"].startswith(f"EXECUTE {prepared.name}_")]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        [[explained]] = cursor.fetchall()
    if isinstance(explained, str):
        explained = json.loads(explained)
    return explained[0]["Plan"]


def _path_to(plan: dict, indexes: tuple[str, ...]) -> list[dict] | None:
    """The nodes from the top of the plan down to the scan of one of `indexes`."""
    if plan.get("Index Name") in indexes:
        return [plan]
    for child in plan.get("Plans", []):
        below = _path_to(child, indexes)
        if below:
            return [plan, *below]
    return None


def _walks(plan: dict, indexes: tuple[str, ...]) -> None:
    """The page's rows come from an Index Scan of the list's index, in its order: no
    sort above it (a subquery's own sort, the badge's, is not on the way)."""
    path = _path_to(plan, indexes)
    assert path, [(n["Node Type"], n.get("Index Name")) for n in _plan_nodes(plan)]
    assert path[-1]["Node Type"] == "Index Scan"
    assert not [n for n in path if n["Node Type"] in ("Sort", "Incremental Sort")], path


@pytest.mark.django_db
def test_the_first_pages_prepared_on_the_server_walk_their_lists_index(
    member, other_member, space
):
    [post, *_] = _posts(other_member, space)
    _inbox(member, other_member, post)

    space_page = _first_page_plan(
        lambda: selectors.space_posts(space=space, member=member, cursor=None),
        selectors.SPACE_FIRST_PAGE,
    )
    inbox = _first_page_plan(
        lambda: selectors.notifications_for(member=member, cursor=None),
        selectors.INBOX_FIRST_PAGE,
    )
    waiting = _first_page_plan(
        lambda: selectors.needs_a_reply(member=member, cursor=None),
        selectors.WAITING_FIRST[selectors.PAGE_SIZE],
    )

    _walks(space_page, ("post_space_activity",))
    _walks(inbox, ("notification_inbox",))
    _walks(waiting, ("post_needs_reply", "post_space_needs_reply"))


@pytest.mark.django_db
def test_a_thread_prepared_on_the_server_walks_the_thread_index_for_any_post(
    member, other_member, space
):
    """A thread's pages are prepared on the server: one plan for every post, made for no
    post in particular. Among many posts of a reply or two, that plan guesses a couple of
    rows, and any other index on the post alone would win it with a sort, which for a
    thread of thousands reads and sorts them all on every page (44 ms at 1M). Sorting is
    left on here: only the thread index itself may serve the page."""
    [long_thread, *short] = _posts(other_member, space)
    now = timezone.now()
    replies = [(long_thread, now + timedelta(seconds=n)) for n in range(ROWS)]
    replies += [(post, now) for post in short]
    Reply.objects.bulk_create(
        Reply(
            post=post, author=other_member, body="Here.", body_html="<p>Here.</p>", created_at=at
        )
        for post, at in replies
    )
    cursor = _cursor_at(Reply.objects.filter(post=long_thread), ("created_at", "id"), 30)

    plans = []
    for prepared, at in (
        (selectors.REPLIES_FIRST_PAGE, None),
        (selectors.REPLIES_NEXT_PAGE, cursor),
    ):
        with connection.cursor() as db:
            db.execute("ANALYZE")
        with CaptureQueriesContext(connection) as queries:
            selectors.post_replies(post=long_thread, member=member, cursor=at)
        [sql] = [q["sql"] for q in queries if q["sql"].startswith(f"EXECUTE {prepared.name}_")]
        with connection.cursor() as db:
            db.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            [[explained]] = db.fetchall()
        plans.append(json.loads(explained) if isinstance(explained, str) else explained)

    for [plan] in plans:
        _walks(plan["Plan"], ("reply_post_thread",))
