"""A step's card and the feed's history: one primary action and the rest in one quiet
style; "Plan it for later" as this evening, tomorrow morning or a time of one's own, in
the member's zone; "Recently" as a compact list by day, the last week first and older
steps a page at a time."""

import html
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from community import services as community_services
from prescriptions import selectors, services
from prescriptions.models import Prescription, SkipReason, Status
from tests.factories import PrescriptionFactory
from tests.queries import MANY, assert_same_queries_for_one_and_many

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
KOLKATA = ZoneInfo("Asia/Kolkata")


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def card(page: str, p) -> str:
    found = re.search(
        rf'<li class="card prescription[^"]*" id="prescription-{p.pk}">.*?</li>', page, re.S
    )
    assert found, f"no card for {p.pk}"
    return found.group(0)


@pytest.fixture
def in_kolkata(consented):
    community_services.update_profile(member=consented, time_zone="Asia/Kolkata")
    return consented


@pytest.fixture
def step(in_kolkata):
    services.record_check_in(member=in_kolkata, mood=4, energy=2)
    return Prescription.objects.filter(member=in_kolkata).order_by("id").first()


def local(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    """Today (in Kolkata) at hour:minute there, `days` on."""
    today = timezone.now().astimezone(KOLKATA).date() + timedelta(days=days)
    return datetime.combine(today, time(hour, minute), tzinfo=KOLKATA)


def plan(client, p, data, **kwargs):
    return client.post(f"/prescriptions/{p.pk}/plan/", data, **kwargs)


# --- The card ---------------------------------------------------------------------------


def test_a_card_has_one_primary_action_and_the_others_in_one_quiet_style(member_client, step):
    shown = card(member_client.get("/prescriptions/").content.decode(), step)

    primary = re.findall(r"<button type=\"submit\">(.*?)</button>", shown)
    assert primary[0] == "I'll do it"
    quiet = re.findall(r'class="step-action[^"]*">([^<]+)<', shown)
    assert quiet[:4] == ["Done it", "Not now", "Not for me", "Plan it for later"]
    # Not one button elsewhere on the row in another style.
    row = shown.split('class="actions prescription__actions">', 1)[1]
    assert "button--quiet" not in row
    assert re.search(r'<p class="reason">[^<]+</p>', shown)  # plain words, nothing bold


def test_once_planned_done_it_is_the_primary_action_and_plan_later_is_gone(member_client, step):
    plan(member_client, step, {})

    shown = card(member_client.get("/prescriptions/").content.decode(), step)

    assert '<summary class="step-action step-action--primary">Done it</summary>' in shown
    assert "I'll do it" not in text(shown.split("You said you'll do it", 1)[1])
    assert "Plan it for later" not in shown


def test_the_reason_says_why_without_repeating_the_title(member_client, in_kolkata):
    services.record_check_in(member=in_kolkata, mood=3, energy=1, urge="keep_to_myself")
    first = Prescription.objects.filter(member=in_kolkata).order_by("id").first()

    assert first.reason.startswith("You said you feel like keeping to yourself today.")
    assert first.activity.title not in first.reason


def test_the_target_is_a_link_that_names_its_space(
    member_client, in_kolkata, other_member, space, make_post
):
    post = make_post(other_member, title="Anyone up?", intent="hello")
    p = PrescriptionFactory(member=in_kolkata, post=post)

    shown = card(member_client.get("/prescriptions/").content.decode(), p)

    assert f'<a href="/posts/{post.pk}/">Open “Anyone up?” in {space.name}</a>' in shown


# --- Plan it for later --------------------------------------------------------------------


def test_in_the_afternoon_this_evening_is_seven_oclock_in_the_members_zone(member_client, step):
    with time_machine.travel(local(14, 5), tick=False):
        shown = text(card(member_client.get("/prescriptions/").content.decode(), step))
        response = plan(member_client, step, {"when": "evening"})

    assert "This evening, 19:00" in shown
    assert "Tomorrow morning, 09:00" in shown
    assert "Times are in Asia/Kolkata time." in shown
    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.status, step.planned_for) == (Status.PLANNED, local(19))


def test_after_six_it_is_later_this_evening_an_hour_or_so_on(member_client, step):
    with time_machine.travel(local(20, 10), tick=False):
        shown = text(card(member_client.get("/prescriptions/").content.decode(), step))
        plan(member_client, step, {"when": "evening"})

    assert "Later this evening, 21:15" in shown
    assert "This evening, 19:00" not in shown
    step.refresh_from_db()
    assert step.planned_for == local(21, 15)


def test_late_at_night_this_evening_is_not_offered_and_a_stale_page_is_told_kindly(
    member_client, step
):
    with time_machine.travel(local(22, 30), tick=False):
        shown = card(member_client.get("/prescriptions/").content.decode(), step)
        response = plan(member_client, step, {"when": "evening"}, headers=HTMX)

    assert 'value="evening"' not in shown
    assert "Tomorrow morning, 09:00" in text(shown)
    assert response.status_code == 400
    assert "It's late for this evening now." in text(response.content.decode())
    step.refresh_from_db()
    assert step.status == Status.SUGGESTED


def test_tomorrow_morning_is_nine_the_next_day_where_the_member_is(member_client, step):
    with time_machine.travel(local(23, 50), tick=False):
        plan(member_client, step, {"when": "morning"})

    step.refresh_from_db()
    assert step.planned_for == local(9, days=1)
    page = member_client.get("/prescriptions/").content.decode()
    assert "09:00 (Asia/Kolkata time)" in text(card(page, step))


def test_choose_a_time_reveals_the_box_only_when_asked(member_client, step):
    shown = card(member_client.get("/prescriptions/").content.decode(), step)

    assert '<details class="plan-later">' in shown  # closed
    assert '<details class="plan-later__choose">' in shown  # inside, closed too
    assert shown.count('type="datetime-local"') == 1
    chooser = shown.split('<details class="plan-later__choose">', 1)[1]
    assert 'name="at"' in chooser
    assert '<input type="hidden" name="when" value="choose">' in chooser


def test_a_chosen_time_is_read_in_the_members_zone(member_client, step):
    at = local(18, 30, days=3)

    response = plan(member_client, step, {"when": "choose", "at": f"{at:%Y-%m-%dT%H:%M}"})

    assert response.status_code == 302
    step.refresh_from_db()
    assert step.planned_for == at


@pytest.mark.parametrize(
    ("at", "says"),
    [
        ("{past}", "That time has already passed."),
        ("{far}", "Choose a time within the next two years."),
        ("tuesday", "Enter a date and time"),
    ],
)
def test_with_htmx_a_refused_time_is_the_card_with_a_400_and_the_time_kept(
    member_client, step, at, says
):
    at = at.format(
        past=f"{local(8, days=-1):%Y-%m-%dT%H:%M}",
        far=f"{local(9, days=2 * 365 + 2):%Y-%m-%dT%H:%M}",
    )

    response = plan(member_client, step, {"when": "choose", "at": at}, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 400
    assert page.lstrip().startswith(f'<li class="card prescription" id="prescription-{step.pk}"')
    assert says in text(page)
    assert f'value="{at}"' in page
    assert '<details class="plan-later__choose" open>' in page
    step.refresh_from_db()
    assert (step.status, step.planned_for) == (Status.SUGGESTED, None)


def test_an_unknown_when_is_a_400_that_changes_nothing(member_client, step):
    response = plan(member_client, step, {"when": "someday"})

    assert response.status_code == 400
    assert "Choose this evening, tomorrow morning, or a time of your own." in text(
        response.content.decode()
    )
    step.refresh_from_db()
    assert step.status == Status.SUGGESTED


# --- The history ----------------------------------------------------------------------------


def finished(member, *, at, status=Status.DONE, **fields):
    return PrescriptionFactory(
        member=member, status=status, created_at=at, reason="A small step for today.", **fields
    )


def history(page: str) -> str:
    return page.split('id="history-heading"', 1)[1].split("</section>", 1)[0]


def test_recently_is_grouped_by_day_in_the_members_zone_and_says_what_became_of_each(
    member_client, in_kolkata
):
    noon = local(12)
    finished(in_kolkata, at=noon - timedelta(hours=1), mood_before=4, mood_after=7)
    finished(in_kolkata, at=noon - timedelta(hours=2), status=Status.EXPIRED)
    finished(
        in_kolkata,
        at=noon - timedelta(days=1),
        status=Status.SKIPPED,
        skip_reason=SkipReason.NOT_NOW,
    )
    old = finished(
        in_kolkata,
        at=noon - timedelta(days=3),
        status=Status.SKIPPED,
        skip_reason=SkipReason.NOT_FOR_ME,
    )

    with time_machine.travel(noon, tick=False):
        page = member_client.get("/prescriptions/").content.decode()

    shown = history(page)
    days = re.findall(r'<h3 class="history__day">([^<]+)</h3>', shown)
    three_days_ago = (noon - timedelta(days=3)).date()
    assert days == [
        "Today",
        "Yesterday",
        f"{three_days_ago:%A} {three_days_ago.day} {three_days_ago:%B}",
    ]
    outcomes = re.findall(r'<span class="history__outcome">([^<]+)</span>', shown)
    assert [html.unescape(o) for o in outcomes] == [
        "Done · mood 4 → 7",
        "Not taken up",
        "Not now",
        "Set aside",
    ]
    assert old.activity.title in text(shown)
    assert "A small step for today." not in page
    assert "card" not in shown  # rows, not cards


def test_the_last_week_first_then_older_steps_a_page_at_a_time(member_client, in_kolkata):
    now = timezone.now()
    recent = finished(in_kolkata, at=now - timedelta(days=2))
    older = [finished(in_kolkata, at=now - timedelta(days=8 + i)) for i in range(2)]

    first = member_client.get("/prescriptions/").content.decode()
    link = re.search(r'href="(\?after=[^"#]+)#history-heading">Earlier steps<', first)
    assert link
    second = member_client.get("/prescriptions/" + html.unescape(link.group(1)))

    assert re.findall(r'id="history-(\d+)"', history(first)) == [str(recent.pk)]
    page = second.content.decode()
    assert second.status_code == 200
    assert "Earlier steps</h2>" in page
    assert re.findall(r'id="history-(\d+)"', history(page)) == [str(p.pk) for p in older]
    assert "Back to the latest" in page
    assert "?after=" not in history(page)


def test_nothing_this_week_still_leads_to_the_older_steps(member_client, in_kolkata):
    old = finished(in_kolkata, at=timezone.now() - timedelta(days=20))

    first = member_client.get("/prescriptions/").content.decode()
    link = re.search(r'href="(\?after=[^"#]+)#history-heading"', first)
    second = member_client.get("/prescriptions/" + html.unescape(link.group(1))).content.decode()

    assert "Nothing in the last seven days." in text(history(first))
    assert re.findall(r'id="history-(\d+)"', history(second)) == [str(old.pk)]


def test_a_busy_week_pages_too(in_kolkata):
    now = timezone.now()
    steps = [finished(in_kolkata, at=now - timedelta(hours=i)) for i in range(5)]

    first = selectors.step_history(in_kolkata, now=now, size=2)
    second = selectors.step_history(in_kolkata, now=now, size=2, cursor=first.next_cursor)
    third = selectors.step_history(in_kolkata, now=now, size=2, cursor=second.next_cursor)

    assert [p.pk for p in (*first, *second, *third)] == [p.pk for p in steps]
    assert not third.has_next


def test_open_steps_and_other_members_steps_are_not_in_the_history(
    member_client, in_kolkata, other_member
):
    open_step = PrescriptionFactory(member=in_kolkata)
    theirs = finished(other_member, at=timezone.now())

    page = member_client.get("/prescriptions/").content.decode()

    assert f'id="history-{open_step.pk}"' not in page
    assert f'id="history-{theirs.pk}"' not in page


@pytest.mark.parametrize("after", ["nonsense", "W10:abc", "eyJhIjoxfQ:1:bad"])
def test_a_broken_page_link_is_a_400(member_client, in_kolkata, after):
    response = member_client.get("/prescriptions/", {"after": after})

    assert response.status_code == 400


def test_the_feed_costs_the_same_queries_for_one_and_many_finished_steps(
    member_client, in_kolkata, django_assert_num_queries
):
    services.record_check_in(member=in_kolkata, mood=5, energy=3)
    now = timezone.now()

    def add(i):
        status = [Status.DONE, Status.SKIPPED, Status.EXPIRED][i % 3]
        finished(
            in_kolkata,
            at=now - timedelta(hours=2 * i + 1),
            status=status,
            skip_reason=SkipReason.NOT_NOW if status == Status.SKIPPED else "",
            mood_before=3 if status == Status.DONE else None,
            mood_after=6 if status == Status.DONE else None,
        )

    page = assert_same_queries_for_one_and_many(
        member_client, "/prescriptions/", add, django_assert_num_queries, at=now
    )

    assert len(re.findall(r'class="history__step"', page)) == MANY
