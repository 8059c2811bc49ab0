"""Search ranks each match in the scan that finds it: one read of the table per stream.

It once found the newest matches' ids, then read each of those rows again by primary
key to rank it: twice the reads for every page of every search."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import selectors, services


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _scans_of(sql: str, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        [[explained]] = cursor.fetchall()
    if isinstance(explained, str):
        explained = json.loads(explained)
    nodes = _plan_nodes(explained[0]["Plan"])
    return sum(1 for node in nodes if node.get("Relation Name") == table)


@pytest.mark.django_db
@pytest.mark.parametrize("paged", [False, True])
def test_each_search_stream_reads_its_table_once(member, other_member, make_post, paged):
    for n in range(4):
        post = make_post(member, title=f"Harbour post {n}", body="harbour " * (n + 1))
        services.post_reply(author=other_member, post=post, body=f"Harbour reply {n}")
    cursor = selectors.search(member=member, q="harbour", size=2).next_cursor if paged else None

    with CaptureQueriesContext(connection) as queries:
        selectors.search(member=member, q="harbour", cursor=cursor, size=2)

    streams = [q["sql"] for q in queries if "ts_rank" in q["sql"]]
    assert [_scans_of(sql, "community_post") for sql in streams[:1]] == [1]
    assert [_scans_of(sql, "community_reply") for sql in streams[1:2]] == [1]
