"""Query counts: every list page costs the same number of queries for 1 item as for 50."""

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

MANY = 50


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def assert_same_queries_for_one_and_many(
    client, url, add_item, django_assert_num_queries, *, at=None
) -> str:
    """Renders `url` with one item, then with MANY (at `at`, when given): the query count
    must not move. Returns the last page."""
    add_item(0)
    with time_machine.travel(at or timezone.now()):
        client.get(url)  # a first request may fill per-process caches; count from the second
        one = queries_for(client, url)
    for i in range(1, MANY):
        add_item(i)
    with time_machine.travel(at or timezone.now()), django_assert_num_queries(one):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()
