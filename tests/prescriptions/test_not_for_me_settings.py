""" "Not for me", in the member's hands: the steps they set aside in the last 90 days, and
"Offer it again" (services.undo_not_for_me)."""

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prescriptions import selectors, services
from prescriptions.models import Prescription, SkipReason, Status
from tests.factories import ActivityFactory, PrescriptionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
URL = "/settings/steps/"


def not_for_me(member, activity, *, days_ago=1):
    """A step offered `days_ago` days ago that the member said "not for me" to."""
    with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
        step = PrescriptionFactory(member=member, activity=activity)
    services.skip_prescription(prescription=step, reason=SkipReason.NOT_FOR_ME)
    return step


def reasons(member, activity) -> list[str]:
    return sorted(
        Prescription.objects.filter(member=member, activity=activity).values_list(
            "skip_reason", flat=True
        )
    )


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_the_member_sees_what_they_set_aside_and_offers_it_again(member_client, member):
    walk = ActivityFactory(title="A ten-minute walk")
    not_for_me(member, walk, days_ago=20)
    not_for_me(member, walk, days_ago=3)

    shown = page(member_client.get(URL))
    assert "A ten-minute walk" in shown
    assert "“Not for me” 2 times · last on 11 March 2025" in shown
    assert "Offer it again" in shown


def test_offering_it_again_turns_not_for_me_into_not_now(member_client, member):
    walk = ActivityFactory(title="A ten-minute walk")
    not_for_me(member, walk, days_ago=20)
    not_for_me(member, walk, days_ago=3)

    response = member_client.post(URL, {"activity": walk.pk}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    shown = page(response)
    assert "Done. 4C may offer “A ten-minute walk” again." in shown
    assert "Nothing set aside." in shown
    assert reasons(member, walk) == [SkipReason.NOT_NOW, SkipReason.NOT_NOW]
    assert set(Prescription.objects.values_list("status", flat=True)) == {Status.SKIPPED}
    assert selectors.not_for_me(member) == []


def test_once_offered_again_the_engine_counts_it_no_more(member):
    from prescriptions import engine
    from prescriptions.models import CheckIn

    walk = ActivityFactory(title="A ten-minute walk")
    not_for_me(member, walk, days_ago=20)
    not_for_me(member, walk, days_ago=3)
    today = CheckIn(member=member, mood=6, energy=3, created_at=NOW)

    def counted() -> int:
        state, catalogue, _ = selectors.engine_inputs(member, check_in=today, now=NOW)
        info = next(a for a in catalogue if a.id == walk.pk)
        return engine._not_for_me(info, state)

    assert counted() == engine.NOT_FOR_ME_LIMIT
    services.undo_not_for_me(member=member, activity=walk)
    assert counted() == 0


def test_offering_it_again_twice_is_a_kind_no_op(member_client, member, django_assert_num_queries):
    walk = ActivityFactory(title="A ten-minute walk")
    not_for_me(member, walk)
    assert services.undo_not_for_me(member=member, activity=walk) is True

    with django_assert_num_queries(1):
        assert services.undo_not_for_me(member=member, activity=walk) is False
    again = member_client.post(URL, {"activity": walk.pk}, follow=True)

    assert again.status_code == 200
    assert "“A ten-minute walk” isn't set aside, so there was nothing to change." in page(again)


def test_a_crafted_post_for_someone_elses_step_changes_nothing(
    member_client, member, other_member
):
    theirs = ActivityFactory(title="Sam's set-aside step")
    not_for_me(other_member, theirs)

    response = member_client.post(URL, {"activity": theirs.pk}, follow=True)

    assert response.status_code == 200
    assert "isn't set aside, so there was nothing to change." in page(response)
    assert reasons(other_member, theirs) == [SkipReason.NOT_FOR_ME]


def test_another_members_set_aside_steps_never_show(member_client, member, other_member):
    not_for_me(other_member, ActivityFactory(title="Sam's set-aside step"))

    shown = page(member_client.get(URL))

    assert "Sam's set-aside step" not in shown
    assert "Nothing set aside." in shown


def test_only_the_last_90_days_show_as_the_engine_counts_them(member_client, member):
    old = ActivityFactory(title="Long ago")
    recent = ActivityFactory(title="Lately")
    not_for_me(member, old, days_ago=90)
    not_for_me(member, recent, days_ago=89)
    not_for_me(member, recent, days_ago=0)
    ActivityFactory(title="Only not now")
    step = PrescriptionFactory(member=member, activity=ActivityFactory(title="Only not now 2"))
    services.skip_prescription(prescription=step, reason=SkipReason.NOT_NOW)

    shown = page(member_client.get(URL))

    assert "Long ago" not in shown
    assert "Only not now" not in shown
    assert "Lately" in shown
    assert "“Not for me” 2 times · last on 14 March 2025" in shown


CHOOSE = "Choose a step to offer again."
NOT_FOUND = "We couldn't find that step. Please choose one from the list."


@pytest.mark.parametrize(
    ("value", "why"),
    [("", CHOOSE), ("abc", NOT_FOUND), ("999999", NOT_FOUND), ("1; DROP", NOT_FOUND)],
)
def test_bad_input_is_a_400_with_a_clear_word_and_changes_nothing(
    member_client, member, value, why
):
    walk = ActivityFactory(title="A ten-minute walk")
    not_for_me(member, walk)

    response = member_client.post(URL, {"activity": value} if value else {})

    assert response.status_code == 400
    shown = page(response)
    assert why in shown
    assert "A ten-minute walk" in shown  # the list, as it was
    assert reasons(member, walk) == [SkipReason.NOT_FOR_ME]


def test_a_visitor_is_sent_to_log_in(client, member):
    walk = ActivityFactory()
    not_for_me(member, walk)

    for response in (client.get(URL), client.post(URL, {"activity": walk.pk})):
        assert response.status_code == 302
        assert "/accounts/login/" in response.url
    assert reasons(member, walk) == [SkipReason.NOT_FOR_ME]


def test_the_page_is_linked_from_the_health_data_page_and_the_feed(member_client):
    for url in ("/settings/health-data/", "/prescriptions/"):
        assert f'href="{URL}"' in member_client.get(url).content.decode()


def test_the_page_costs_the_same_with_1_or_50_activities(
    member_client, member, django_assert_num_queries
):
    activities = [ActivityFactory() for _ in range(50)]
    not_for_me(member, activities[0])
    member_client.get(URL)
    with CaptureQueriesContext(connection) as one:
        assert page(member_client.get(URL)).count("Offer it again") == 1

    for activity in activities[1:]:
        not_for_me(member, activity)
        not_for_me(member, activity, days_ago=2)
    with django_assert_num_queries(len(one)):
        assert page(member_client.get(URL)).count("Offer it again") == 50
