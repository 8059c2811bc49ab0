"""A low day leads with help on the feed; a week of sinking mood is named kindly, with a
choice to tell a link worker; and the link worker's caseload flags it gently."""

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Notification
from prescriptions import selectors, services
from tests.factories import LinkWorkerConsentFactory, LinkWorkerFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
FEED_URL = "/prescriptions/"
INSIGHTS_URL = "/insights/"
TELL_URL = "/a-hard-week/tell/"
NOTE = "my-private-note-about-the-allotment-5521"

LOW_DAY = "Today sounds like a hard one."
SINKING = "Your mood has been sinking this week."
SMALL = "Small is enough. Pick one, if you like."
HELP_LINK = '<a class="button" href="/help/">Get help now</a>'


def check_in(member, mood, *, at=None, note=""):
    with time_machine.travel(at or timezone.now(), tick=False):
        return services.record_check_in(member=member, mood=mood, energy=3, note=note)[0]


def a_sinking_week(member, moods=(7, 7, 6, 4, 4, 4)):
    """A check-in a day for the last six days, ending today: 7, 7, 6, then 4, 4, 4 (a
    drop of more than two points, on no low day)."""
    services.give_consent(member=member)
    for i, mood in enumerate(moods):
        check_in(member, mood, at=NOW - timedelta(days=len(moods) - 1 - i), note=NOTE)


def page(response) -> str:
    return html.unescape(response.content.decode())


def main(response) -> str:
    """The page's own content, without the header's "Get help now" on every page."""
    return page(response).split('<main id="main"', 1)[1].split("</main>", 1)[0]


# --- 1. A low day leads with help ---------------------------------------------------------


def test_a_low_day_leads_with_calm_words_and_help_instead_of_small_is_enough(
    member_client, consented
):
    check_in(consented, 2)

    feed = page(member_client.get(FEED_URL))

    assert LOW_DAY in feed
    assert HELP_LINK in feed
    assert SMALL not in feed


def test_a_good_day_keeps_small_is_enough(member_client, consented):
    check_in(consented, 7)

    feed = main(member_client.get(FEED_URL))

    assert SMALL in feed
    assert LOW_DAY not in feed
    assert "Get help now" not in feed


def test_three_lowish_days_of_the_last_five_are_a_low_day_too(member_client, consented):
    for days_ago, mood in ((3, 3), (2, 6), (1, 3), (0, 3)):
        check_in(consented, mood, at=NOW - timedelta(days=days_ago))

    assert LOW_DAY in page(member_client.get(FEED_URL))


def test_a_calmer_check_in_soon_after_a_crisis_one_is_still_a_low_day(member_client, consented):
    check_in(consented, 5, at=NOW - timedelta(days=1), note="I want to die")
    check_in(consented, 7)

    feed = page(member_client.get(FEED_URL))

    assert 'lead">It sounds like things are really hard right now' not in feed
    assert LOW_DAY in feed
    assert HELP_LINK in feed


def test_in_a_crisis_the_help_lines_lead_alone(member_client, consented):
    a_sinking_week(consented)
    check_in(consented, 1, note="I want to die")

    feed = page(member_client.get(FEED_URL))

    assert 'lead">It sounds like things are really hard right now' in feed
    assert LOW_DAY not in feed
    assert SINKING not in feed


def test_before_a_first_check_in_nothing_is_said_of_a_low_day(member_client, consented):
    feed = page(member_client.get(FEED_URL))

    assert "Check in first" in feed
    assert LOW_DAY not in feed
    assert SINKING not in feed


# --- 2. A week of sinking mood, named kindly ------------------------------------------------


def test_a_sinking_week_is_named_kindly_on_the_feed_and_the_insights_page(
    member_client, consented
):
    a_sinking_week(consented)

    for url in (FEED_URL, INSIGHTS_URL):
        shown = page(member_client.get(url))
        assert (
            "Your mood has been sinking this week. That's worth noticing, and you don't have "
            "to carry it alone."
        ) in shown
        assert HELP_LINK in shown
        assert "Let " not in shown  # no link worker invited: nobody to tell


def test_a_steady_week_says_nothing_of_sinking(member_client, consented):
    a_sinking_week(consented, moods=(5, 6, 5, 5, 6, 5))

    assert SINKING not in page(member_client.get(FEED_URL))
    assert SINKING not in page(member_client.get(INSIGHTS_URL))


def test_on_a_low_day_in_a_sinking_week_help_is_offered_once(member_client, consented):
    a_sinking_week(consented, moods=(7, 7, 6, 4, 3, 2))

    feed = main(member_client.get(FEED_URL))

    assert LOW_DAY in feed
    assert SINKING in feed
    assert feed.count("Get help now") == 1


@pytest.fixture
def invited(consented, link_worker):
    LinkWorkerConsentFactory(member=consented, link_worker=link_worker)
    return consented


def test_the_member_may_let_their_link_worker_know_and_it_says_nothing_of_moods(
    member_client, invited, link_worker, client
):
    a_sinking_week(invited)
    feed = page(member_client.get(FEED_URL))
    assert "Let Jordan know</button>" in feed

    response = member_client.post(TELL_URL, {"link_worker": "jordan", "back": "feed"})

    assert response.status_code == 302
    assert response.url == FEED_URL
    feed = page(member_client.get(FEED_URL))
    assert "Done. Jordan knows this week has been hard." in feed
    assert "Let Jordan know</button>" not in feed  # told: the card says so instead
    assert "Jordan knows this week has been hard." in feed
    sent = Notification.objects.get()
    assert (sent.recipient, sent.actor, sent.kind) == (link_worker, invited, "mood_sinking_shared")

    client.force_login(link_worker)
    inbox = page(client.get("/notifications/"))
    assert "Maya asked 4C to let you know this week has been a hard one for them." in inbox
    assert 'href="/link-workers/members/maya/"' in inbox
    assert NOTE not in inbox
    assert "mood" not in inbox.split('class="plain-list notifications"')[1].lower()


def test_telling_again_within_the_week_sends_nothing_more_and_says_so_kindly(
    member_client, invited, link_worker
):
    a_sinking_week(invited)
    member_client.post(TELL_URL, {"link_worker": "jordan"})

    again = member_client.post(TELL_URL, {"link_worker": "jordan"}, follow=True)

    assert again.status_code == 200
    assert "Jordan already knows this week has been hard." in page(again)
    assert Notification.objects.count() == 1


def test_a_week_later_the_member_may_tell_them_again(invited, link_worker):
    assert services.tell_link_worker_this_week_is_hard(member=invited, link_worker=link_worker)
    assert not services.tell_link_worker_this_week_is_hard(
        member=invited, link_worker=link_worker, now=NOW + timedelta(days=6, hours=23)
    )
    assert services.tell_link_worker_this_week_is_hard(
        member=invited, link_worker=link_worker, now=NOW + timedelta(days=7, seconds=1)
    )
    assert Notification.objects.count() == 2


def test_the_link_workers_unread_count_counts_the_word_until_the_member_erases_it(
    invited, link_worker
):
    services.tell_link_worker_this_week_is_hard(member=invited, link_worker=link_worker)
    link_worker.refresh_from_db()
    assert link_worker.unread_notifications == 1

    services.erase_health_data(member=invited)

    link_worker.refresh_from_db()
    assert link_worker.unread_notifications == 0
    assert not Notification.objects.exists()


def test_from_the_insights_page_the_member_goes_back_there(member_client, invited):
    a_sinking_week(invited)
    assert "Let Jordan know</button>" in page(member_client.get(INSIGHTS_URL))

    response = member_client.post(TELL_URL, {"link_worker": "jordan", "back": "insights"})

    assert response.status_code == 302
    assert response.url == INSIGHTS_URL


TELL_WHOM = "Choose which link worker to tell."
CANNOT = "That link worker can't see your steps now, so 4C can't tell them."


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({}, TELL_WHOM),
        ({"link_worker": ""}, TELL_WHOM),
        ({"link_worker": "nobody_here"}, CANNOT),
        ({"link_worker": "sam"}, CANNOT),  # a member, not a link worker
        ({"link_worker": "rosa"}, CANNOT),  # a moderator
        ({"link_worker": "casey"}, CANNOT),  # a link worker Maya never invited
        ({"link_worker": "<b>jordan</b>"}, CANNOT),
    ],
)
def test_anyone_but_an_invited_link_worker_is_refused_with_a_clear_word(
    member_client, invited, other_member, moderator, data, why
):
    LinkWorkerFactory(handle="casey", display_name="Casey")
    a_sinking_week(invited)

    response = member_client.post(TELL_URL, data)

    assert response.status_code == 400
    assert why in page(response)
    assert SINKING in page(response)  # the feed again, with the card
    assert not Notification.objects.exists()


def test_a_refusal_from_the_insights_page_shows_the_insights_page(member_client, invited):
    a_sinking_week(invited)

    response = member_client.post(TELL_URL, {"link_worker": "casey", "back": "insights"})

    assert response.status_code == 400
    assert "<h1>What helps you</h1>" in page(response)
    assert CANNOT in page(response)


def test_an_unknown_way_back_goes_to_the_feed_never_elsewhere(member_client, invited):
    a_sinking_week(invited)

    response = member_client.post(
        TELL_URL, {"link_worker": "jordan", "back": "https://elsewhere.example/"}
    )

    assert response.status_code == 302
    assert response.url == FEED_URL


@pytest.mark.parametrize("how", ["revoked", "deactivated", "no longer a link worker"])
def test_only_an_active_consented_link_worker_is_ever_told(
    member_client, invited, link_worker, how
):
    a_sinking_week(invited)
    if how == "revoked":
        services.revoke_link_worker(member=invited, link_worker=link_worker)
    elif how == "deactivated":
        link_worker.is_active = False
        link_worker.save(update_fields=["is_active"])
    else:
        link_worker.groups.clear()

    assert "Let Jordan know" not in page(member_client.get(FEED_URL))
    assert member_client.post(TELL_URL, {"link_worker": "jordan"}).status_code == 400
    with pytest.raises(services.NoConsent):
        services.tell_link_worker_this_week_is_hard(member=invited, link_worker=link_worker)
    assert not Notification.objects.exists()


def test_another_members_link_worker_is_never_told(invited, link_worker, other_member, client):
    a_sinking_week(other_member)
    with pytest.raises(services.NoConsent):
        services.tell_link_worker_this_week_is_hard(member=other_member, link_worker=link_worker)

    client.force_login(other_member)
    assert client.post(TELL_URL, {"link_worker": "jordan"}).status_code == 400
    assert not Notification.objects.exists()


def test_access_taken_back_a_moment_ago_is_a_409_with_the_reason(
    member_client, invited, monkeypatch
):
    a_sinking_week(invited)

    def taken_back(**_):
        raise services.NoConsent("They can't see your steps now, so 4C can't tell them.")

    monkeypatch.setattr(services, "tell_link_worker_this_week_is_hard", taken_back)
    response = member_client.post(TELL_URL, {"link_worker": "jordan"})

    assert response.status_code == 409
    assert "They can't see your steps now, so 4C can't tell them." in page(response)


def test_a_visitor_is_sent_to_log_in_and_a_get_is_not_allowed(client, member_client, invited):
    assert member_client.get(TELL_URL).status_code == 405
    client.logout()
    response = client.post(TELL_URL, {"link_worker": "jordan"})
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    assert not Notification.objects.exists()


def test_the_feed_costs_the_same_on_a_calm_day_as_on_a_low_day_in_a_sinking_week(
    client, link_worker
):
    def queries(member) -> int:
        client.force_login(member)
        client.get(FEED_URL)
        with CaptureQueriesContext(connection) as q:
            response = client.get(FEED_URL)
        assert response.status_code == 200
        return len(q)

    calm = UserFactory()
    services.give_consent(member=calm)
    check_in(calm, 7)
    hard = UserFactory()
    services.give_consent(member=hard)
    a_sinking_week(hard, moods=(8, 8, 8, 4, 3, 2))
    for lw in [link_worker, *(LinkWorkerFactory() for _ in range(4))]:
        LinkWorkerConsentFactory(member=hard, link_worker=lw)
    services.tell_link_worker_this_week_is_hard(member=hard, link_worker=link_worker)

    assert queries(calm) == queries(hard)
    assert selectors.mood_sinking(hard)


def test_on_a_low_day_the_step_towards_support_leads_the_feed(member_client, consented):
    link_worker = LinkWorkerFactory()
    LinkWorkerConsentFactory(member=consented, link_worker=link_worker)
    older = services.record_check_in(member=consented, mood=7, energy=3)[0]
    services.plan_prescription(prescription=older.prescriptions.first())
    services.prescribe_as_link_worker(
        link_worker=link_worker,
        member=consented,
        activity=older.prescriptions.last().activity,
        message="Only if it feels right.",
    )
    services.record_check_in(member=consented, mood=1, energy=2)

    steps = member_client.get(FEED_URL).context["open"]

    # What they said they'd do first; then today's, led by the step towards support;
    # the link worker's suggestion stays, after them.
    assert steps[0].status == "planned"
    assert steps[1].activity.is_support
    assert steps[-1].prescriber_id == link_worker.pk
