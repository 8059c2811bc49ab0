"""When nudges are due: pure functions of instants, a time zone and preferences.

Every instant here is aware; a member's local wall clock is used only to decide. A
wall-clock time that doesn't exist on a day (the hour skipped when clocks go forward)
lands just after the gap; one that happens twice (clocks going back) is the first.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKLY_DAY = 6  # Sunday (Monday is 0)
WEEKLY_AT = time(18, 0)
WELCOME_BACK_AFTER = timedelta(days=7)  # without a visit
WELCOME_BACK_EVERY = timedelta(days=14)  # at most once in this long
WELCOME_BACK_MAX_UNANSWERED = 3
DIGEST_EVERY = timedelta(hours=1)  # at most one digest an hour
DIGEST_GATHER = timedelta(minutes=10)  # wait a little, so a burst of replies is one email
SEARCH_DAYS = 9  # far enough to find any daily or weekly slot outside quiet hours


@dataclass(frozen=True)
class Quiet:
    """Quiet hours on the local clock: [start, end), across midnight when start > end."""

    start: time
    end: time

    def __contains__(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


NO_QUIET = Quiet(time(0), time(0))


def at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant the member's clock shows `at` on `day` (see the module docstring)."""
    naive = datetime.combine(day, at)
    # Round-tripping through UTC moves a time in a spring-forward gap past the gap.
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def in_quiet(instant: datetime, tz: ZoneInfo, quiet: Quiet) -> bool:
    return instant.astimezone(tz).time().replace(tzinfo=None) in quiet


def quiet_end(instant: datetime, tz: ZoneInfo, quiet: Quiet) -> datetime:
    """The first instant at or after `instant` outside quiet hours."""
    if not in_quiet(instant, tz, quiet):
        return instant
    local = instant.astimezone(tz)
    day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) >= quiet.start:
        day += timedelta(days=1)  # quiet began this evening, ends tomorrow morning
    return at_local(day, quiet.end, tz)


def _first_slot(after: datetime, tz: ZoneInfo, at: time, quiet: Quiet, days) -> datetime:
    """The first instant later than `after` when the clock shows `at` on one of `days`
    (a predicate on the local date), moved to the end of quiet hours when it falls in
    them, but never past its own day: a slot that quiet hours would push into the next
    day is dropped."""
    start = after.astimezone(tz).date() - timedelta(days=1)
    for offset in range(SEARCH_DAYS + 1):
        day = start + timedelta(days=offset)
        if not days(day):
            continue
        slot = quiet_end(at_local(day, at, tz), tz, quiet)
        if slot.astimezone(tz).date() != day:
            continue
        if slot > after:
            return slot
    raise ValueError("No time outside quiet hours")  # quiet hours cover the whole day


def next_daily(after: datetime, tz: ZoneInfo, at: time, quiet: Quiet) -> datetime | None:
    try:
        return _first_slot(after, tz, at, quiet, lambda day: True)
    except ValueError:
        return None


def next_weekly(after: datetime, tz: ZoneInfo, quiet: Quiet) -> datetime | None:
    try:
        return _first_slot(after, tz, WEEKLY_AT, quiet, lambda day: day.weekday() == WEEKLY_DAY)
    except ValueError:
        return None


def next_digest(now: datetime, last_digest: datetime | None, tz: ZoneInfo, quiet: Quiet):
    """A short wait to gather a burst, at least an hour after the last one, then out of
    quiet hours."""
    due = now + DIGEST_GATHER
    if last_digest is not None:
        due = max(due, last_digest + DIGEST_EVERY)
    return quiet_end(due, tz, quiet)


def next_welcome_back(
    last_visit: datetime | None, last_sent: datetime | None, unanswered: int, tz, quiet
) -> datetime | None:
    """Seven days after the last visit, at most once a fortnight, and not after three
    went unanswered."""
    if last_visit is None or unanswered >= WELCOME_BACK_MAX_UNANSWERED:
        return None
    due = last_visit + WELCOME_BACK_AFTER
    if last_sent is not None:
        due = max(due, last_sent + WELCOME_BACK_EVERY)
    return quiet_end(due, tz, quiet)


# --- Periods: what "once" means for each kind --------------------------------------------


def daily_period(due: datetime, tz: ZoneInfo) -> str:
    return due.astimezone(tz).date().isoformat()


def weekly_period(due: datetime, tz: ZoneInfo) -> str:
    year, week, _ = due.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def instant_period(due: datetime) -> str:
    return due.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def gathering_period(gathering_id: int, lead: str, starts_at: datetime) -> str:
    """A moved gathering is a new period: its members are reminded of the new time."""
    return f"{gathering_id}:{lead}:{instant_period(starts_at)}"


def is_stale(due: datetime, now: datetime, tz: ZoneInfo) -> bool:
    """A daily step or a weekly look back belongs to its own local day: after it, it is
    dropped rather than sent late."""
    return now.astimezone(tz).date() != due.astimezone(tz).date()
