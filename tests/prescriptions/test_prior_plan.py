"""The community's prior (selectors._community_prior) sums every step with a lift: at a
million steps the table scan and join took 450 ms. It reads the partial index
prescription_lifted alone, an index-only scan in activity order with no join (each
activity's Way is read after). Every other way to reach the rows is switched off, so the
plan shows whether the index alone can answer it (if it couldn't, the planner would fall
back on a switched-off scan)."""

import json

import pytest
from django.db import connection

from prescriptions.models import Prescription
from tests.factories import ActivityFactory, UserFactory


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.mark.django_db
def test_the_prior_is_summed_from_its_index_alone():
    member, activities = UserFactory(), ActivityFactory.create_batch(2)
    Prescription.objects.bulk_create(
        Prescription(
            member=member,
            activity=activities[n % 2],
            reason="A small step.",
            status="done" if n % 3 else "skipped",
            mood_before=2,
            mood_after=3 + n % 3,
        )
        for n in range(300)
    )
    sql, params = Prescription.objects.lift_totals().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE prescriptions_prescription")
        for scan in ("seqscan", "bitmapscan", "indexscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        [[explained]] = cursor.fetchall()
    if isinstance(explained, str):
        explained = json.loads(explained)

    scans = [(n["Node Type"], n.get("Index Name")) for n in _nodes(explained[0]["Plan"])]
    assert ("Index Only Scan", "prescription_lifted") in scans, scans
    assert not any("Join" in kind or "Nested Loop" in kind for kind, _ in scans), scans
