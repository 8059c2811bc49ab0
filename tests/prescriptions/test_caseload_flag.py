"""The caseload's gentle flag: a consented link worker sees, beside a member, that their
mood has been sinking this week. Nobody else ever does."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prescriptions.models import CheckIn
from tests.factories import LinkWorkerConsentFactory, LinkWorkerFactory, UserFactory
from tests.prescriptions.test_low_day_and_hard_week import NOTE, a_sinking_week, page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
CASELOAD_URL = "/link-workers/members/"


@pytest.fixture
def invited(consented, link_worker):
    LinkWorkerConsentFactory(member=consented, link_worker=link_worker)
    return consented


FLAG = "mood has been sinking this week"


def test_the_caseload_flags_a_sinking_week_gently_and_only_there(
    client, invited, link_worker, other_member
):
    a_sinking_week(invited)
    steady = UserFactory(display_name="Lee", handle="lee")
    a_sinking_week(steady, moods=(5, 5, 5, 5, 5, 5))
    LinkWorkerConsentFactory(member=steady, link_worker=link_worker)

    client.force_login(link_worker)
    caseload = page(client.get(CASELOAD_URL))

    assert "A harder week</span> Maya's mood has been sinking this week." in caseload
    assert f"Lee's {FLAG}" not in caseload
    assert NOTE not in caseload


def test_a_link_worker_without_consent_never_sees_the_flag(client, invited):
    a_sinking_week(invited)
    stranger = LinkWorkerFactory(handle="casey", display_name="Casey")

    client.force_login(stranger)
    caseload = page(client.get(CASELOAD_URL))

    assert "Maya" not in caseload
    assert FLAG not in caseload


@pytest.mark.parametrize("who", ["member", "other_member", "moderator"])
def test_the_caseload_is_a_403_for_anyone_but_link_workers(client, invited, who, request):
    a_sinking_week(invited)
    client.force_login(request.getfixturevalue(who))

    response = client.get(CASELOAD_URL)

    assert response.status_code == 403
    assert FLAG not in page(response)


def test_a_visitor_is_sent_to_log_in_for_the_caseload(client, invited):
    response = client.get(CASELOAD_URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_caseload_flags_cost_the_same_for_1_or_20_members(
    client, link_worker, django_assert_num_queries
):
    client.force_login(link_worker)

    def add(n):
        for _ in range(n):
            someone = UserFactory()
            CheckIn.objects.bulk_create(
                CheckIn(member=someone, mood=mood, energy=3, created_at=NOW - timedelta(days=d))
                for d, mood in zip(range(6, 0, -1), (8, 8, 8, 3, 3, 3), strict=True)
            )
            LinkWorkerConsentFactory(member=someone, link_worker=link_worker)

    add(1)
    client.get(CASELOAD_URL)
    with CaptureQueriesContext(connection) as one:
        assert page(client.get(CASELOAD_URL)).count(FLAG) == 1
    add(19)
    with django_assert_num_queries(len(one)):
        assert page(client.get(CASELOAD_URL)).count(FLAG) == 20
