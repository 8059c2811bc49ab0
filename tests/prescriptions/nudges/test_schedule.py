"""The pure time rules of the nudges (prescriptions.nudges.schedule): a daily step at
the member's own 10:00 in any time zone and on both sides of a daylight-saving change,
a wall-clock time in the spring-forward gap landing once just after it, the weekly
look back on Sunday at 18:00 local, quiet hours moving a nudge to their end on the same
day or dropping it, the digest's and the "we're here" email's spacing, and what "once"
means for each kind (its period)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from prescriptions.nudges import schedule
from prescriptions.nudges.schedule import NO_QUIET, Quiet

TEN = time(10)
NIGHT = Quiet(time(22), time(8))  # the default quiet hours
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# 2026: clocks go forward on 29 March and back on 25 October in London; on 8 March and
# 1 November in New York.


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: ZoneInfo, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


def wall(instant: datetime, tz: ZoneInfo) -> tuple[date, time]:
    """What the member's clock and calendar show at `instant`."""
    shown = instant.astimezone(tz)
    return shown.date(), shown.time()


# --- The daily step at the member's own 10:00 --------------------------------------------


@pytest.mark.parametrize(
    ("zone", "due_utc", "local_day"),
    [
        # UTC-10: 10:00 local on 1 June is 20:00 UTC on 1 June.
        ("Pacific/Honolulu", utc(2026, 6, 1, 20, 0), "2026-06-01"),
        # UTC+5:30: 10:00 local on 2 June is 04:30 UTC on 2 June.
        ("Asia/Kolkata", utc(2026, 6, 2, 4, 30), "2026-06-02"),
        # UTC+14: 10:00 local on 2 June is 20:00 UTC on 1 June, a day behind.
        ("Pacific/Kiritimati", utc(2026, 6, 1, 20, 0), "2026-06-02"),
    ],
)
def test_the_daily_step_is_due_when_the_members_own_clock_shows_ten(zone, due_utc, local_day):
    tz = ZoneInfo(zone)
    after = utc(2026, 6, 1, 12, 0)

    due = schedule.next_daily(after, tz, TEN, NIGHT)

    assert due == due_utc
    assert due.astimezone(tz).time() == TEN
    assert schedule.daily_period(due, tz) == local_day
    # Five minutes before, it is not yet the next one; at it, the one after is tomorrow.
    assert schedule.next_daily(due - timedelta(minutes=5), tz, TEN, NIGHT) == due
    assert schedule.next_daily(due, tz, TEN, NIGHT) == due + timedelta(days=1)


@pytest.mark.parametrize(
    ("tz", "before", "change_day", "after_change"),
    [
        (LONDON, date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)),
        (LONDON, date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)),
        (NEW_YORK, date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)),
        (NEW_YORK, date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)),
    ],
)
def test_the_daily_ten_oclock_stays_ten_oclock_local_across_a_clock_change(
    tz, before, change_day, after_change
):
    start = local(tz, before.year, before.month, before.day, 0, 0)

    first = schedule.next_daily(start, tz, TEN, NIGHT)
    second = schedule.next_daily(first, tz, TEN, NIGHT)
    third = schedule.next_daily(second, tz, TEN, NIGHT)

    got = [(d.astimezone(tz).date(), d.astimezone(tz).time()) for d in (first, second, third)]
    assert got == [(before, TEN), (change_day, TEN), (after_change, TEN)]
    # The clock change moved the instants apart by 23 or 25 hours on the day (in UTC).
    gaps = [b.astimezone(UTC) - a.astimezone(UTC) for a, b in ((first, second), (second, third))]
    assert gaps[0] in (timedelta(hours=23), timedelta(hours=25))
    assert gaps[1] == timedelta(hours=24)


def test_a_daily_time_in_the_spring_forward_gap_lands_just_after_it_once_that_day():
    half_past_one = time(1, 30)  # 01:00 to 02:00 doesn't happen in London on 29 March

    due = schedule.next_daily(utc(2026, 3, 28, 12, 0), LONDON, half_past_one, NO_QUIET)

    # 01:30 GMT had the clock not jumped: 02:30 BST, half an hour after the gap.
    assert due == utc(2026, 3, 29, 1, 30)
    assert wall(due, LONDON) == (date(2026, 3, 29), time(2, 30))
    assert schedule.daily_period(due, LONDON) == "2026-03-29"
    # The next is the next day's 01:30 (BST now), not a second one on the 29th.
    following = schedule.next_daily(due, LONDON, half_past_one, NO_QUIET)
    assert wall(following, LONDON) == (date(2026, 3, 30), time(1, 30))
    assert schedule.next_daily(due - timedelta(minutes=1), LONDON, half_past_one, NO_QUIET) == due


def test_a_daily_time_that_happens_twice_when_clocks_go_back_is_the_first():
    due = schedule.next_daily(utc(2026, 10, 24, 12, 0), LONDON, time(1, 30), NO_QUIET)

    # 01:30 BST, not 01:30 GMT an hour later. (An ambiguous local time never equals an
    # instant in another zone, PEP 495: compare in UTC.)
    assert due.astimezone(UTC) == utc(2026, 10, 25, 0, 30)
    assert schedule.next_daily(due, LONDON, time(1, 30), NO_QUIET).date() == date(2026, 10, 26)


@pytest.mark.parametrize(
    ("tz", "after", "sunday_six_utc"),
    [
        (LONDON, utc(2026, 3, 25, 12, 0), utc(2026, 3, 29, 17, 0)),  # BST from that morning
        (LONDON, utc(2026, 10, 21, 12, 0), utc(2026, 10, 25, 18, 0)),  # GMT from that morning
        (NEW_YORK, utc(2026, 3, 4, 12, 0), utc(2026, 3, 8, 22, 0)),  # EDT
        (NEW_YORK, utc(2026, 10, 28, 12, 0), utc(2026, 11, 1, 23, 0)),  # EST
        (ZoneInfo("Pacific/Kiritimati"), utc(2026, 6, 3, 12, 0), utc(2026, 6, 7, 4, 0)),
    ],
)
def test_the_weekly_look_back_is_sunday_at_six_in_the_evening_local(tz, after, sunday_six_utc):
    due = schedule.next_weekly(after, tz, NIGHT)

    assert due == sunday_six_utc
    assert due.astimezone(tz).weekday() == 6
    assert due.astimezone(tz).time() == time(18)
    following = schedule.next_weekly(due, tz, NIGHT).astimezone(tz)
    assert (following.date() - due.astimezone(tz).date(), following.time()) == (
        timedelta(days=7),
        time(18),
    )


def test_the_weekly_period_is_the_members_own_week():
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    # Sunday 7 June 18:00 in Kiritimati is Sunday 04:00 UTC; Monday 8 June 02:00 there
    # is still Sunday 7 June in UTC, but a new week for the member.
    assert schedule.weekly_period(utc(2026, 6, 7, 4, 0), kiritimati) == "2026-W23"
    assert schedule.weekly_period(utc(2026, 6, 7, 12, 0), kiritimati) == "2026-W24"
    assert schedule.weekly_period(utc(2026, 6, 7, 12, 0), UTC) == "2026-W23"


# --- Quiet hours ---------------------------------------------------------------------------


def test_quiet_hours_across_midnight_include_their_start_and_not_their_end():
    assert time(22) in NIGHT
    assert time(23, 59) in NIGHT
    assert time(7, 59) in NIGHT
    assert time(8) not in NIGHT
    assert time(21, 59) not in NIGHT
    assert time(3) not in NO_QUIET
    assert time(14) in Quiet(time(13), time(15))
    assert time(15) not in Quiet(time(13), time(15))


def test_a_daily_step_inside_quiet_hours_waits_for_their_end_on_the_same_day():
    due = schedule.next_daily(utc(2026, 6, 1, 12, 0), LONDON, time(7, 0), NIGHT)

    assert wall(due, LONDON) == (date(2026, 6, 2), time(8, 0))
    afternoon = Quiet(time(13), time(15))
    due = schedule.next_daily(utc(2026, 6, 1, 12, 0), LONDON, time(14, 0), afternoon)
    assert wall(due, LONDON) == (date(2026, 6, 1), time(15, 0))


@pytest.mark.parametrize("quiet", [NIGHT, Quiet(time(21), time(2))])
def test_quiet_hours_that_would_push_a_daily_step_into_the_next_day_drop_it(quiet):
    # 23:00 is inside quiet hours that end the next morning: no day ever has one.
    assert schedule.next_daily(utc(2026, 6, 1, 12, 0), LONDON, time(23), quiet) is None


def test_quiet_end_is_tomorrow_morning_in_the_evening_and_this_morning_after_midnight():
    evening = local(LONDON, 2026, 6, 1, 23, 0)
    small_hours = local(LONDON, 2026, 6, 2, 3, 0)
    noon = local(LONDON, 2026, 6, 2, 12, 0)

    assert schedule.quiet_end(evening, LONDON, NIGHT) == local(LONDON, 2026, 6, 2, 8, 0)
    assert schedule.quiet_end(small_hours, LONDON, NIGHT) == local(LONDON, 2026, 6, 2, 8, 0)
    assert schedule.quiet_end(noon, LONDON, NIGHT) == noon


# --- The digest, and "we're here when you're ready" ---------------------------------------


def test_a_digest_waits_ten_minutes_an_hour_since_the_last_and_past_quiet_hours():
    now = local(LONDON, 2026, 6, 1, 12, 0)

    assert schedule.next_digest(now, None, LONDON, NIGHT) == now + timedelta(minutes=10)
    last = now - timedelta(minutes=20)
    assert schedule.next_digest(now, last, LONDON, NIGHT) == last + timedelta(hours=1)
    late = local(LONDON, 2026, 6, 1, 21, 55)
    assert schedule.next_digest(late, None, LONDON, NIGHT) == local(LONDON, 2026, 6, 2, 8, 0)


def test_were_here_is_a_week_after_the_last_visit_at_most_once_a_fortnight_three_times():
    visit = local(LONDON, 2026, 6, 1, 12, 0)

    assert schedule.next_welcome_back(visit, None, 0, LONDON, NIGHT) == visit + timedelta(days=7)
    sent = visit + timedelta(days=7)
    assert schedule.next_welcome_back(visit, sent, 1, LONDON, NIGHT) == sent + timedelta(days=14)
    assert schedule.next_welcome_back(visit, sent, 3, LONDON, NIGHT) is None
    assert schedule.next_welcome_back(None, None, 0, LONDON, NIGHT) is None
    at_night = local(LONDON, 2026, 6, 1, 23, 0)
    assert schedule.next_welcome_back(at_night, None, 0, LONDON, NIGHT) == local(
        LONDON, 2026, 6, 9, 8, 0
    )


# --- Periods and staleness ------------------------------------------------------------------


def test_a_daily_step_is_stale_on_the_next_local_day_not_the_next_utc_day():
    honolulu = ZoneInfo("Pacific/Honolulu")
    due = utc(2026, 6, 1, 20, 0)  # 10:00 on 1 June in Honolulu

    assert not schedule.is_stale(due, utc(2026, 6, 2, 9, 59), honolulu)  # 23:59 there
    assert schedule.is_stale(due, utc(2026, 6, 2, 10, 0), honolulu)  # midnight there


def test_a_moved_gathering_is_a_new_period_so_its_members_hear_the_new_time():
    first = schedule.gathering_period(7, "1h", utc(2026, 6, 1, 18, 0))

    assert first == "7:1h:2026-06-01T18:00Z"
    assert schedule.gathering_period(7, "1h", utc(2026, 6, 1, 19, 0)) != first
    assert schedule.gathering_period(7, "24h", utc(2026, 6, 1, 18, 0)) != first
