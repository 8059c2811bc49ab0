"""The preference services keep each member's due instants true (prescriptions.nudges
.services): saving choices, taking and ending a break, unsubscribing from one kind, a
change of time zone through the profile, a visit (and the middleware that notes it at
most once a day), and a real reply that makes a digest due."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from community import services as community
from prescriptions.models import NudgeKind, NudgePreferences
from prescriptions.nudges import services as nudges
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
KOLKATA = ZoneInfo("Asia/Kolkata")
MONDAY = date(2026, 6, 1)  # a Monday; 2026-06-07 is a Sunday


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = LONDON) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def prefs_of(member) -> NudgePreferences:
    return NudgePreferences.objects.get(member=member)


@pytest.fixture
def maya_at_noon():
    """Maya, joined on Monday at noon in London, with the clock stopped there."""
    with time_machine.travel(at(MONDAY, 12), tick=False):
        yield UserFactory(display_name="Maya", time_zone="Europe/London")


def update(member, when: datetime, **changes) -> NudgePreferences:
    with time_machine.travel(when, tick=False):
        return nudges.update_preferences(member=member, now=when, **changes)


# --- Saving preferences --------------------------------------------------------------------


def test_a_new_member_has_the_gentle_defaults_and_nothing_scheduled_but_what_they_chose(
    maya_at_noon,
):
    prefs = prefs_of(maya_at_noon)

    chosen = (prefs.daily_step, prefs.weekly, prefs.welcome_back, prefs.include_mood)
    assert chosen == (False, False, False, False)
    assert (prefs.gatherings, prefs.digest, prefs.link_worker) == (True, True, True)
    assert (prefs.quiet_from, prefs.quiet_until, prefs.daily_cap) == (time(22), time(8), 2)
    due = (prefs.daily_due_at, prefs.weekly_due_at, prefs.digest_due_at)
    assert due == (None, None, None)
    assert prefs.welcome_back_due_at is None


def test_choosing_a_daily_step_and_the_week_schedules_them_in_the_members_time(maya_at_noon):
    prefs = update(maya_at_noon, at(MONDAY, 12), daily_step=True, weekly=True)

    assert prefs.daily_due_at == at(day(1), 10)
    assert prefs.weekly_due_at == at(day(6), 18)
    assert prefs_of(maya_at_noon).daily_due_at == at(day(1), 10)  # stored

    again = update(maya_at_noon, at(MONDAY, 12, 5), daily_step=True, weekly=True)
    assert (again.daily_due_at, again.weekly_due_at) == (at(day(1), 10), at(day(6), 18))


def test_a_new_daily_time_or_quiet_hours_move_the_daily_step(maya_at_noon):
    update(maya_at_noon, at(MONDAY, 12), daily_step=True)

    assert update(maya_at_noon, at(MONDAY, 12), daily_at=time(15)).daily_due_at == at(MONDAY, 15)
    moved = update(maya_at_noon, at(MONDAY, 12), quiet_from=time(14), quiet_until=time(16))
    assert moved.daily_due_at == at(MONDAY, 16)  # waits for the end of quiet hours
    assert update(maya_at_noon, at(MONDAY, 12), daily_step=False).daily_due_at is None


def test_only_the_choices_on_the_form_can_be_saved(maya_at_noon):
    with pytest.raises(TypeError, match="paused_until"):
        update(maya_at_noon, at(MONDAY, 12), paused_until=at(day(9), 0))
    assert prefs_of(maya_at_noon).paused_until is None


def test_turning_were_here_on_again_starts_counting_afresh(maya_at_noon):
    NudgePreferences.objects.filter(member=maya_at_noon).update(
        welcome_back_unanswered=3, last_visit_at=at(MONDAY, 9)
    )

    prefs = update(maya_at_noon, at(MONDAY, 12), welcome_back=True)

    assert prefs.welcome_back_unanswered == 0
    assert prefs.welcome_back_due_at == at(day(7), 9)


# --- A break ---------------------------------------------------------------------------------


def test_a_break_moves_every_due_instant_past_its_end(maya_at_noon):
    update(maya_at_noon, at(MONDAY, 12), daily_step=True, weekly=True, welcome_back=True)
    with time_machine.travel(at(MONDAY, 12), tick=False):
        nudges.note_visit(member=maya_at_noon, now=at(MONDAY, 12) - timedelta(days=2))

    with time_machine.travel(at(MONDAY, 13), tick=False):
        prefs = nudges.take_a_break(member=maya_at_noon, days=7, now=at(MONDAY, 13))

    assert prefs.paused_until == at(day(7), 13)
    assert prefs.daily_due_at == at(day(8), 10)  # the first 10:00 after it, not during
    assert prefs.weekly_due_at == at(day(13), 18)  # not Sunday 7 June, in the break
    assert prefs.welcome_back_due_at == at(day(7), 13)
    assert prefs_of(maya_at_noon).paused_until == at(day(7), 13)


def test_a_break_is_one_of_the_offered_lengths_and_the_latest_one_counts(maya_at_noon):
    with (
        time_machine.travel(at(MONDAY, 12), tick=False),
        pytest.raises(ValueError, match="1, 3, 7, 30"),
    ):
        nudges.take_a_break(member=maya_at_noon, days=2, now=at(MONDAY, 12))
    assert prefs_of(maya_at_noon).paused_until is None

    with time_machine.travel(at(MONDAY, 12), tick=False):
        nudges.take_a_break(member=maya_at_noon, days=30, now=at(MONDAY, 12))
        nudges.take_a_break(member=maya_at_noon, days=1, now=at(MONDAY, 12))

    assert prefs_of(maya_at_noon).paused_until == at(day(1), 12)


def test_ending_a_break_early_puts_the_next_daily_step_back_on_time(maya_at_noon):
    update(maya_at_noon, at(MONDAY, 12), daily_step=True)
    with time_machine.travel(at(MONDAY, 12), tick=False):
        nudges.take_a_break(member=maya_at_noon, days=7, now=at(MONDAY, 12))
        assert not nudges.end_break(member=UserFactory(), now=at(MONDAY, 12))
    assert prefs_of(maya_at_noon).daily_due_at == at(day(8), 10)

    with time_machine.travel(at(day(2), 9), tick=False):
        assert nudges.end_break(member=maya_at_noon, now=at(day(2), 9))
        assert not nudges.end_break(member=maya_at_noon, now=at(day(2), 9))

    prefs = prefs_of(maya_at_noon)
    assert (prefs.paused_until, prefs.daily_due_at) == (None, at(day(2), 10))


def test_a_break_that_is_over_cannot_be_ended_again(maya_at_noon):
    with time_machine.travel(at(MONDAY, 12), tick=False):
        nudges.take_a_break(member=maya_at_noon, days=1, now=at(MONDAY, 12))
    with time_machine.travel(at(day(2), 12), tick=False):
        assert not nudges.end_break(member=maya_at_noon, now=at(day(2), 12))


# --- Unsubscribing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "field", "due_field"),
    [
        (NudgeKind.DAILY_STEP, "daily_step", "daily_due_at"),
        (NudgeKind.WEEKLY, "weekly", "weekly_due_at"),
        (NudgeKind.WELCOME_BACK, "welcome_back", "welcome_back_due_at"),
        (NudgeKind.DIGEST, "digest", "digest_due_at"),
        (NudgeKind.GATHERING, "gatherings", None),
        (NudgeKind.LINK_WORKER, "link_worker", None),
    ],
)
def test_unsubscribing_turns_off_one_kind_and_forgets_its_due_instant(
    maya_at_noon, kind, field, due_field
):
    update(maya_at_noon, at(MONDAY, 12), daily_step=True, weekly=True, welcome_back=True)
    NudgePreferences.objects.filter(member=maya_at_noon).update(digest_due_at=at(MONDAY, 13))
    others = {"daily_step", "weekly", "welcome_back", "digest", "gatherings", "link_worker"}
    others.discard(field)

    with time_machine.travel(at(MONDAY, 12, 30), tick=False):
        assert nudges.unsubscribe(member=maya_at_noon, kind=kind, now=at(MONDAY, 12, 30))
        assert not nudges.unsubscribe(member=maya_at_noon, kind=kind, now=at(MONDAY, 12, 30))

    prefs = prefs_of(maya_at_noon)
    assert getattr(prefs, field) is False
    assert all(getattr(prefs, other) for other in others)
    if due_field:
        assert getattr(prefs, due_field) is None


# --- A new time zone -----------------------------------------------------------------------


def test_moving_time_zone_in_the_profile_moves_the_daily_step_to_the_new_ten_oclock(
    maya_at_noon,
):
    update(maya_at_noon, at(MONDAY, 12), daily_step=True, weekly=True)

    with time_machine.travel(at(MONDAY, 12), tick=False):
        changed = community.update_profile(member=maya_at_noon, time_zone="Asia/Kolkata")

    assert changed == ["time_zone"]
    prefs = prefs_of(maya_at_noon)
    assert prefs.daily_due_at == at(day(1), 10, tz=KOLKATA)  # 04:30 UTC, not 09:00
    assert prefs.weekly_due_at == at(day(6), 18, tz=KOLKATA)

    with time_machine.travel(at(MONDAY, 12, 5), tick=False):
        assert community.update_profile(member=maya_at_noon, time_zone="Asia/Kolkata") == []
    assert prefs_of(maya_at_noon).daily_due_at == at(day(1), 10, tz=KOLKATA)


# --- Visits ---------------------------------------------------------------------------------


def test_a_visit_puts_were_here_a_week_on_and_at_least_a_fortnight_after_the_last(
    maya_at_noon,
):
    update(maya_at_noon, at(MONDAY, 12), welcome_back=True)
    NudgePreferences.objects.filter(member=maya_at_noon).update(
        welcome_back_unanswered=2, welcome_back_last_at=at(MONDAY, 9)
    )

    assert nudges.note_visit(member=maya_at_noon, now=at(day(1), 12)) == 1

    prefs = prefs_of(maya_at_noon)
    assert (prefs.last_visit_at, prefs.welcome_back_unanswered) == (at(day(1), 12), 0)
    assert prefs.welcome_back_due_at == at(day(14), 9)  # the fortnight is later than the week
    nudges.note_visit(member=maya_at_noon, now=at(day(10), 12))
    assert prefs_of(maya_at_noon).welcome_back_due_at == at(day(17), 12)


def test_a_visit_schedules_nothing_for_someone_who_didnt_ask(maya_at_noon):
    nudges.note_visit(member=maya_at_noon, now=at(day(1), 12))

    prefs = prefs_of(maya_at_noon)
    assert (prefs.last_visit_at, prefs.welcome_back_due_at) == (at(day(1), 12), None)


def test_the_site_notes_a_signed_in_visit_once_a_day(client, maya_at_noon):
    update(maya_at_noon, at(MONDAY, 12), welcome_back=True)
    client.force_login(maya_at_noon)

    for when in (at(day(1), 9), at(day(1), 11)):
        with time_machine.travel(when, tick=False):
            assert client.get("/").status_code == 200
    assert prefs_of(maya_at_noon).last_visit_at == at(day(1), 9)

    with time_machine.travel(at(day(2), 9), tick=False):
        client.get("/")
    prefs = prefs_of(maya_at_noon)
    assert prefs.last_visit_at == at(day(2), 9)
    assert prefs.welcome_back_due_at == at(day(9), 9)


# --- A reply makes a digest due ----------------------------------------------------------------


@pytest.fixture
def mayas_post(maya_at_noon):
    with time_machine.travel(at(MONDAY, 12), tick=False):
        return PostFactory(author=maya_at_noon, title="A hard week")


def reply(post, when: datetime, author=None):
    with time_machine.travel(when, tick=False):
        return community.post_reply(author=author or UserFactory(), post=post, body="Same.")


def test_a_reply_makes_a_digest_due_ten_minutes_later_and_a_second_doesnt_move_it(
    maya_at_noon, mayas_post
):
    reply(mayas_post, at(MONDAY, 14))
    assert prefs_of(maya_at_noon).digest_due_at == at(MONDAY, 14, 10)

    reply(mayas_post, at(MONDAY, 14, 4))
    assert prefs_of(maya_at_noon).digest_due_at == at(MONDAY, 14, 10)


def test_a_digest_is_due_an_hour_after_the_last_one_and_after_quiet_hours(
    maya_at_noon, mayas_post
):
    NudgePreferences.objects.filter(member=maya_at_noon).update(digest_last_at=at(MONDAY, 13, 50))
    reply(mayas_post, at(MONDAY, 14))
    assert prefs_of(maya_at_noon).digest_due_at == at(MONDAY, 14, 50)

    NudgePreferences.objects.filter(member=maya_at_noon).update(digest_due_at=None)
    reply(mayas_post, at(MONDAY, 21, 55))
    assert prefs_of(maya_at_noon).digest_due_at == at(day(1), 8)


def test_a_reply_during_a_break_is_due_after_it_and_none_for_those_without_a_digest(
    maya_at_noon, mayas_post
):
    with time_machine.travel(at(MONDAY, 13), tick=False):
        nudges.take_a_break(member=maya_at_noon, days=3, now=at(MONDAY, 13))
    reply(mayas_post, at(MONDAY, 14))
    assert prefs_of(maya_at_noon).digest_due_at == at(day(3), 13, 10)  # ten minutes after it

    update(maya_at_noon, at(MONDAY, 15), digest=False)
    assert prefs_of(maya_at_noon).digest_due_at is None
    reply(mayas_post, at(MONDAY, 16))
    assert prefs_of(maya_at_noon).digest_due_at is None


def test_notifications_arriving_only_touch_those_waiting_for_a_digest(maya_at_noon):
    with time_machine.travel(at(MONDAY, 12), tick=False):
        sam = UserFactory()
    NudgePreferences.objects.filter(member=sam).update(digest_due_at=at(MONDAY, 12, 30))

    assert (
        nudges.notifications_arrived(member_ids=[maya_at_noon.pk, sam.pk], now=at(MONDAY, 13)) == 1
    )

    assert prefs_of(maya_at_noon).digest_due_at == at(MONDAY, 13, 10)
    assert prefs_of(sam).digest_due_at == at(MONDAY, 12, 30)
