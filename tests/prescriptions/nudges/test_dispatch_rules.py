"""When a nudge goes, and whether: the dispatcher's claims and the sender's decisions,
in-process (`delivery.dispatch(now=..., enqueue=...)` then `delivery.send(ids, now=...)`,
with Django's locmem outbox), on a stopped clock.

It proves: members in UTC-10, UTC+5:30 and UTC+14 get their daily step at their own
10:00, on both sides of a daylight-saving change too; quiet hours move a nudge to their
end or drop it; the daily cap holds (gathering reminders aside); a break pauses
everything; someone in crisis gets only the calm daily email; mood numbers only for
those who ask; a kind turned off, an unconfirmed address or a closed account gets
nothing; stale steps are dropped, never sent late; each nudge goes exactly once; the
digest gathers a burst, leaves out what was read, hides anonymous and blocked authors;
"we're here" keeps its spacing; a link worker's step is announced without their
message; and a dispatch batch costs the same queries for 1 member as for 50.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from community import services as community
from community.models import CrisisLine
from prescriptions import services as prescriptions
from prescriptions.models import (
    Activity,
    NudgeKind,
    NudgeLog,
    NudgePreferences,
    NudgeStatus,
)
from prescriptions.nudges import delivery
from prescriptions.nudges import services as nudges
from tests.factories import (
    GatheringFactory,
    HostFactory,
    PostFactory,
    RSVPFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NO_QUIET = {"quiet_from": time(0), "quiet_until": time(0)}
CRISIS_NOTE = "I want to end my life"
# 2026-06-01 is a Monday; 2026-06-07 a Sunday.
MONDAY = date(2026, 6, 1)
SUNDAY = date(2026, 6, 7)


# --- Helpers ---------------------------------------------------------------------------------


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = LONDON) -> datetime:
    """The instant the member's clock shows hour:minute on `day` (never in a gap here)."""
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def dispatch(now: datetime) -> list[int]:
    """Runs the dispatcher at `now` on a stopped clock; returns the ids it enqueued."""
    ids = []
    with (
        time_machine.travel(now, tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        delivery.dispatch(now=now, enqueue=ids.extend)
    return ids


def send(ids, now: datetime, **kwargs):
    with time_machine.travel(now, tick=False):
        return delivery.send(ids, now=now, **kwargs)


def tick(now: datetime) -> list[int]:
    """One beat: dispatch at `now`, then send what it claimed, at once."""
    ids = dispatch(now)
    if ids:
        send(ids, now)
    return ids


def nudged(now: datetime, *, zone: str = "Europe/London", member=None, **prefs):
    """A member (made at `now` when not given) whose preferences were saved at `now`."""
    with time_machine.travel(now, tick=False):
        member = member or UserFactory(time_zone=zone)
        nudges.update_preferences(member=member, now=now, **prefs)
    return member


def prefs_of(member) -> NudgePreferences:
    return NudgePreferences.objects.get(member=member)


def rows(**filters) -> list[tuple[str, str, str]]:
    """(kind, status, reason) of each log row, oldest first."""
    return list(
        NudgeLog.objects.filter(**filters).order_by("pk").values_list("kind", "status", "reason")
    )


def subjects() -> list[str]:
    return [m.subject for m in mail.outbox]


def body(message) -> str:
    return message.body + message.alternatives[0].content


def reply_to(post, *, author, body: str, when: datetime, is_anonymous: bool = False):
    with time_machine.travel(when, tick=False):
        return community.post_reply(author=author, post=post, body=body, is_anonymous=is_anonymous)


def post_of(member, when: datetime, title: str = "A hard week"):
    with time_machine.travel(when, tick=False):
        return PostFactory(author=member, title=title)


def a_step() -> Activity:
    return Activity.objects.filter(is_active=True, action="none").order_by("id").first()


def gathering_at(starts_at: datetime, *, scheduled_at: datetime, members=()):
    with time_machine.travel(scheduled_at, tick=False):
        gathering = GatheringFactory(
            host=HostFactory(), starts_at=starts_at, scheduled_at=scheduled_at
        )
        for member in members:
            RSVPFactory(gathering=gathering, member=member, taken_at=scheduled_at)
    return gathering


# --- 1. Their own 10:00, in any zone and across clock changes ---------------------------------


@pytest.mark.parametrize("zone", ["Pacific/Honolulu", "Asia/Kolkata", "Pacific/Kiritimati"])
def test_the_daily_step_goes_when_the_members_own_clock_shows_ten(zone, mailoutbox):
    tz = ZoneInfo(zone)
    ten = at(MONDAY, 10, tz=tz)
    member = nudged(ten - timedelta(hours=12), zone=zone, daily_step=True)

    assert tick(ten - timedelta(minutes=5)) == []
    assert len(tick(ten)) == 1

    log = NudgeLog.objects.get(member=member)
    assert (log.kind, log.period, log.status) == ("daily_step", "2026-06-01", "sent")
    assert [(m.to, m.subject) for m in mailoutbox] == [([member.email], "A small step for today")]
    assert tick(ten + timedelta(minutes=5)) == []


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        ("Europe/London", [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]),
        ("Europe/London", [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)]),
        ("America/New_York", [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)]),
        ("America/New_York", [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)]),
    ],
)
def test_the_daily_step_stays_at_ten_local_on_both_sides_of_a_clock_change(zone, days, mailoutbox):
    tz = ZoneInfo(zone)
    member = nudged(at(days[0], 0, tz=tz), zone=zone, daily_step=True)

    for day in days:
        # Ten o'clock yesterday's way (an hour off in UTC on the day after the change)
        # and 09:55 claim nothing; 10:00 on their clock does.
        assert tick(at(day, 9, 55, tz=tz)) == []
        assert len(tick(at(day, 10, tz=tz))) == 1

    sent = NudgeLog.objects.filter(member=member, status="sent").order_by("pk")
    assert [log.period for log in sent] == [d.isoformat() for d in days]
    assert len(mailoutbox) == 3


def test_a_daily_time_in_the_spring_forward_gap_goes_once_just_after_it(mailoutbox):
    day = date(2026, 3, 29)  # London's clocks skip 01:00 to 02:00
    member = nudged(
        at(day - timedelta(days=1), 12), daily_step=True, daily_at=time(1, 30), **NO_QUIET
    )
    claimed_at = []

    # Every quarter of an hour through the night of the change, then through the day.
    night = [
        datetime(2026, 3, 29, 0, 0, tzinfo=UTC) + timedelta(minutes=m) for m in range(0, 181, 15)
    ]
    day_after = [datetime(2026, 3, 29, h, 0, tzinfo=UTC) for h in (6, 12, 18, 22)]
    for now in night + day_after:
        if tick(now):
            claimed_at.append(now)

    # 01:30 UTC is 02:30 BST: the first beat at or after it claims, once that day.
    assert claimed_at == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert [log.period for log in NudgeLog.objects.filter(member=member)] == ["2026-03-29"]
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("zone", "sunday"),
    [("Europe/London", date(2026, 3, 29)), ("America/New_York", date(2026, 11, 1))],
)
def test_the_weekly_look_back_goes_on_sunday_at_six_local(zone, sunday, mailoutbox):
    tz = ZoneInfo(zone)
    member = nudged(at(sunday - timedelta(days=3), 12, tz=tz), zone=zone, weekly=True)

    assert tick(at(sunday, 17, 55, tz=tz)) == []
    assert len(tick(at(sunday, 18, tz=tz))) == 1

    assert rows(member=member) == [("weekly", "sent", "")]
    assert subjects() == ["Your week on 4C"]


# --- 2. Quiet hours --------------------------------------------------------------------------


def test_a_daily_step_inside_quiet_hours_waits_for_their_end_the_same_morning(mailoutbox):
    member = nudged(at(MONDAY, 12), daily_step=True, daily_at=time(7))  # quiet until 08:00

    assert tick(at(MONDAY + timedelta(days=1), 7)) == []
    assert tick(at(MONDAY + timedelta(days=1), 7, 55)) == []
    assert len(tick(at(MONDAY + timedelta(days=1), 8))) == 1

    assert NudgeLog.objects.get(member=member).period == "2026-06-02"
    assert len(mailoutbox) == 1


def test_quiet_hours_that_would_push_the_daily_step_into_the_next_day_drop_it(mailoutbox):
    member = nudged(at(MONDAY, 12), daily_step=True, daily_at=time(23))  # quiet 22:00-08:00

    for hours in (22, 23, 24, 26, 30, 31, 32, 33, 36, 46, 47, 48):  # Monday 22:00 on
        tick(at(MONDAY, 0) + timedelta(hours=hours))

    assert prefs_of(member).daily_due_at is None
    assert not NudgeLog.objects.exists()
    assert mailoutbox == []


def test_a_daily_step_the_dispatcher_reaches_only_in_quiet_hours_is_dropped_not_sent_next_morning(
    mailoutbox,
):
    member = nudged(at(MONDAY, 12), daily_step=True, daily_at=time(21))
    tuesday = MONDAY + timedelta(days=1)

    # The dispatcher is away at 21:00 and back at 23:00, inside quiet hours (22:00-08:00).
    assert tick(at(MONDAY, 23)) == []
    for hour in (8, 9, 12):
        assert tick(at(tuesday, hour)) == []  # not Monday's, late, at Tuesday 08:00
    assert len(tick(at(tuesday, 21))) == 1  # Tuesday's, at Tuesday's own time

    assert [log.period for log in NudgeLog.objects.filter(member=member, status="sent")] == [
        "2026-06-02"
    ]
    assert len(mailoutbox) == 1


def test_a_dispatch_in_quiet_hours_claims_nothing_and_moves_the_due_instant_to_their_end(
    mailoutbox,
):
    member = nudged(
        at(MONDAY, 6), daily_step=True, quiet_from=time(13), quiet_until=time(15)
    )  # daily at 10:00

    # The dispatcher, away at 10:00, comes back at 13:30.
    assert tick(at(MONDAY, 13, 30)) == []
    assert prefs_of(member).daily_due_at == at(MONDAY, 15)
    assert tick(at(MONDAY, 14, 55)) == []
    assert len(tick(at(MONDAY, 15))) == 1

    assert rows(member=member) == [("daily_step", "sent", "")]
    assert NudgeLog.objects.get(member=member).period == "2026-06-01"


def test_an_hour_before_reminder_inside_quiet_hours_is_held_and_not_sent_once_begun(
    mailoutbox,
):
    member = nudged(at(MONDAY, 12))  # gathering reminders on; quiet 22:00-08:00
    gathering_at(
        at(MONDAY, 7, 45) + timedelta(days=1), scheduled_at=at(MONDAY, 12), members=[member]
    )
    tuesday = MONDAY + timedelta(days=1)

    now = at(tuesday, 6, 30)
    while now <= at(tuesday, 9):
        tick(now)
        now += timedelta(minutes=15)

    assert not NudgeLog.objects.filter(member=member).exists()
    assert mailoutbox == []


def test_a_gathering_reminder_claimed_in_time_but_sent_after_the_start_is_skipped(mailoutbox):
    member = nudged(at(MONDAY, 6), **NO_QUIET)
    gathering_at(at(MONDAY, 12), scheduled_at=at(MONDAY, 6), members=[member])

    ids = dispatch(at(MONDAY, 11, 5))
    send(ids, at(MONDAY, 12, 1))

    assert rows(member=member) == [("gathering", "skipped", "late")]
    assert mailoutbox == []


# --- 3. The daily cap --------------------------------------------------------------------------


@pytest.mark.parametrize("together", [True, False], ids=["one-sender", "a-sender-each"])
def test_the_daily_cap_skips_the_third_kind_but_not_a_gathering_reminder(together, mailoutbox):
    saturday = SUNDAY - timedelta(days=1)
    member = nudged(at(saturday, 19), daily_step=True, daily_at=time(18), weekly=True)
    post = post_of(member, at(SUNDAY, 9))
    reply_to(post, author=UserFactory(), body="You're not alone in this.", when=at(SUNDAY, 17, 45))
    gathering_at(at(SUNDAY, 18, 30), scheduled_at=at(saturday, 19), members=[member])

    ids = dispatch(at(SUNDAY, 18))
    assert len(ids) == 4
    if together:
        send(ids, at(SUNDAY, 18))
    else:
        for log_id in ids:
            send([log_id], at(SUNDAY, 18))

    assert rows(member=member) == [
        ("daily_step", "sent", ""),
        ("weekly", "sent", ""),
        ("digest", "skipped", "daily cap"),
        ("gathering", "sent", ""),
    ]
    assert subjects() == ["A small step for today", "Your week on 4C", "In an hour: Evening chat"]


# --- 4. A break --------------------------------------------------------------------------------


def test_a_break_pauses_every_kind_and_the_next_daily_step_after_it_is_on_time(
    mailoutbox, link_worker
):
    member = nudged(
        at(MONDAY, 9), daily_step=True, weekly=True, welcome_back=True
    )  # gatherings, digest and link worker are on by default
    with time_machine.travel(at(MONDAY, 9), tick=False):
        nudges.note_visit(member=member, now=at(MONDAY, 9) - timedelta(days=5))
        prescriptions.give_consent(member=member)
        prescriptions.invite_link_worker(member=member, handle=link_worker.handle)
    post = post_of(member, at(MONDAY, 9))
    claimed_before = dispatch(at(MONDAY, 10))  # Monday's step, claimed before the break

    with time_machine.travel(at(MONDAY, 10, 2), tick=False):
        nudges.take_a_break(member=member, days=7, now=at(MONDAY, 10, 2))
    send(claimed_before, at(MONDAY, 10, 5))  # the sender runs after she took the break
    assert rows(member=member) == [("daily_step", "skipped", "on a break")]

    gathering_at(at(MONDAY, 19) + timedelta(days=2), scheduled_at=at(MONDAY, 11), members=[member])
    reply_to(post, author=UserFactory(), body="Thinking of you.", when=at(MONDAY, 12))
    with time_machine.travel(at(MONDAY, 13), tick=False):
        prescriptions.prescribe_as_link_worker(
            link_worker=link_worker, member=member, activity=a_step()
        )
    # Every time something would have been due that week: each day's 10:00, the digest
    # after the reply, "we're here" (due Wednesday 09:00), Sunday's 18:00, the gathering's
    # day-before (Tuesday evening) and hour-before (Wednesday 18:30) reminders, the link
    # worker's step at once.
    for day in range(8):
        for hour, minute in ((10, 0), (12, 30), (18, 30), (19, 30)):
            now = at(MONDAY + timedelta(days=day), hour, minute)
            if now < at(MONDAY, 10, 2) + timedelta(days=7):
                tick(now)

    assert NudgeLog.objects.filter(member=member).count() == 1  # only the one before
    assert mailoutbox == []

    # After it: the steps it covered are not sent late; Tuesday's goes at 10:00.
    next_monday = MONDAY + timedelta(days=7)
    for hour in (11, 12, 13, 14):
        tick(at(next_monday, hour))  # the digest and "we're here" may go now
    assert tick(at(next_monday + timedelta(days=1), 9, 55)) == []
    assert len(tick(at(next_monday + timedelta(days=1), 10))) == 1
    daily = NudgeLog.objects.filter(member=member, kind="daily_step").order_by("pk")
    assert [(log.period, log.status) for log in daily] == [
        ("2026-06-01", "skipped"),
        ("2026-06-09", "sent"),
    ]
    assert subjects()[-1] == "A small step for today"


# --- 5. In crisis ------------------------------------------------------------------------------


def test_someone_in_crisis_gets_the_calm_daily_email_and_nothing_cheerful(mailoutbox):
    saturday = SUNDAY - timedelta(days=1)
    member = nudged(at(saturday, 12), daily_step=True, weekly=True, welcome_back=True)
    with time_machine.travel(at(saturday, 12, 30), tick=False):
        nudges.note_visit(member=member, now=at(SUNDAY, 11) - timedelta(days=7))
        prescriptions.give_consent(member=member)
        prescriptions.record_check_in(member=member, mood=1, energy=1, note=CRISIS_NOTE)

    for hour in (10, 11, 18):
        tick(at(SUNDAY, hour))

    assert rows(member=member) == [
        ("daily_step", "sent", ""),
        ("welcome_back", "skipped", "held"),
        ("weekly", "skipped", "held"),
    ]
    assert not NudgeLog.objects.filter(reason__icontains="crisis").exists()
    [calm] = mailoutbox
    assert calm.subject == "A small step for today"
    text = body(calm)
    lines = list(CrisisLine.objects.filter(is_active=True).order_by("order", "name"))
    assert lines, "the migrations seed the crisis lines"
    assert lines[0].name in text
    assert "We're thinking of you today." in text
    assert "Here's one small step for today" not in text
    assert "Small is enough" not in text


# --- 6. Mood numbers only for those who ask ---------------------------------------------


@pytest.mark.parametrize("include_mood", [False, True])
def test_the_weekly_email_shows_mood_numbers_only_to_those_who_asked(include_mood, mailoutbox):
    member = nudged(at(MONDAY, 8), weekly=True, include_mood=include_mood)
    with time_machine.travel(at(MONDAY, 9), tick=False):
        prescriptions.give_consent(member=member)
        prescriptions.record_check_in(member=member, mood=3, energy=2)
    with time_machine.travel(at(SUNDAY - timedelta(days=1), 9), tick=False):
        prescriptions.record_check_in(member=member, mood=8, energy=3)

    tick(at(SUNDAY, 18))

    [weekly] = mailoutbox
    text = body(weekly)
    phrase = "on average 5.5 out of 10 over 2 check-ins"
    assert (phrase in text) is include_mood
    assert ("mood numbers" in text) is include_mood
    assert ("5.5" in text) is include_mood
    assert "mood" not in weekly.subject.lower()


# --- 7. Turned off, unconfirmed, closed ---------------------------------------------------------


def test_a_kind_turned_off_after_its_claim_is_skipped_at_send(mailoutbox):
    member = nudged(at(MONDAY, 8), daily_step=True)
    ids = dispatch(at(MONDAY, 10))

    with time_machine.travel(at(MONDAY, 10, 1), tick=False):
        assert nudges.unsubscribe(member=member, kind=NudgeKind.DAILY_STEP)
    send(ids, at(MONDAY, 10, 2))

    assert rows(member=member) == [("daily_step", "skipped", "turned off")]
    assert mailoutbox == []


def test_an_unconfirmed_address_is_never_sent_a_nudge(mailoutbox):
    with time_machine.travel(at(MONDAY, 8), tick=False):
        member = UserFactory(verified=False)
    nudged(at(MONDAY, 8), member=member, daily_step=True)

    tick(at(MONDAY, 10))

    assert rows(member=member) == [("daily_step", "skipped", "no confirmed address")]
    assert mailoutbox == []


def test_a_closed_account_is_never_claimed_nor_sent(mailoutbox):
    closed = nudged(at(MONDAY, 8), daily_step=True)
    closing = nudged(at(MONDAY, 8), daily_step=True)
    closed.is_active = False
    closed.save(update_fields=["is_active"])

    ids = dispatch(at(MONDAY, 10))
    closing.is_active = False
    closing.save(update_fields=["is_active"])
    send(ids, at(MONDAY, 10))

    assert rows(member=closed) == []
    assert rows(member=closing) == [("daily_step", "skipped", "account closed")]
    assert mailoutbox == []


# --- 8. Stale ----------------------------------------------------------------------------------


def test_a_daily_step_claimed_one_day_and_sent_the_next_is_skipped_as_late(mailoutbox):
    honolulu = ZoneInfo("Pacific/Honolulu")
    member = nudged(at(MONDAY, 8, tz=honolulu), zone="Pacific/Honolulu", daily_step=True)
    ids = dispatch(at(MONDAY, 10, tz=honolulu))

    # Still Monday in UTC: Tuesday 00:05 on her clock.
    send(ids, at(MONDAY + timedelta(days=1), 0, 5, tz=honolulu))

    assert rows(member=member) == [("daily_step", "skipped", "late")]
    assert mailoutbox == []


def test_a_dispatcher_down_for_two_days_sends_todays_step_and_no_backlog(mailoutbox):
    member = nudged(at(MONDAY, 8), daily_step=True)
    wednesday = MONDAY + timedelta(days=2)

    assert len(tick(at(wednesday, 10, 5))) == 1

    assert [(log.period, log.status) for log in NudgeLog.objects.filter(member=member)] == [
        ("2026-06-03", "sent")
    ]
    assert len(mailoutbox) == 1
    assert tick(at(wednesday, 10, 10)) == []
    assert prefs_of(member).daily_due_at == at(wednesday + timedelta(days=1), 10)


def test_a_dispatcher_back_before_todays_time_skips_the_missed_one_and_sends_todays(
    mailoutbox,
):
    member = nudged(at(MONDAY, 8), daily_step=True)
    wednesday = MONDAY + timedelta(days=2)

    tick(at(wednesday, 9))
    tick(at(wednesday, 10))

    logs = NudgeLog.objects.filter(member=member).order_by("period")
    assert [(log.period, log.status) for log in logs] == [
        ("2026-06-01", "skipped"),
        ("2026-06-03", "sent"),
    ]
    assert len(mailoutbox) == 1


# --- 9. Exactly once, in-process --------------------------------------------------------


def test_dispatching_twice_for_the_same_instant_claims_and_sends_once(mailoutbox):
    member = nudged(at(MONDAY, 8), daily_step=True)

    first = tick(at(MONDAY, 10))
    second = tick(at(MONDAY, 10))
    # A dispatcher that read the due instant before the first moved it on.
    NudgePreferences.objects.filter(member=member).update(daily_due_at=at(MONDAY, 10))
    racing = tick(at(MONDAY, 10))

    assert (len(first), second, racing) == (1, [], [])
    assert NudgeLog.objects.filter(member=member).count() == 1
    assert len(mailoutbox) == 1


def test_sending_the_same_ids_twice_sends_one_email(mailoutbox):
    nudged(at(MONDAY, 8), daily_step=True)
    ids = dispatch(at(MONDAY, 10))

    first = send(ids, at(MONDAY, 10))
    again = send(ids, at(MONDAY, 10, 1))

    assert (first["sent"], dict(again)) == (1, {})
    assert len(mailoutbox) == 1


def test_a_second_sender_gets_nothing_while_the_first_holds_the_lease(mailoutbox):
    nudged(at(MONDAY, 8), daily_step=True)
    ids = dispatch(at(MONDAY, 10))
    holder = uuid.uuid4()

    with time_machine.travel(at(MONDAY, 10), tick=False):
        assert len(delivery.lease(ids, token=holder, now=at(MONDAY, 10))) == 1
    other = send(ids, at(MONDAY, 10, 5), token=uuid.uuid4())

    assert dict(other) == {}
    assert mailoutbox == []
    assert NudgeLog.objects.get(pk=ids[0]).status == NudgeStatus.CLAIMED
    assert send(ids, at(MONDAY, 10, 6), token=holder)["sent"] == 1  # the holder still can
    assert len(mailoutbox) == 1


# --- 10. The digest --------------------------------------------------------------------------


def mail_to(member) -> list:
    """The emails to `member` (the repliers follow the post, and get digests too)."""
    return [m for m in mail.outbox if m.to == [member.email]]


def digest_items(message) -> list[str]:
    """The digest's lines, as the plain-text part lists them."""
    return [line[2:] for line in message.body.splitlines() if line.startswith("- ")]


def test_a_burst_of_replies_makes_one_digest_ten_minutes_after_the_first(mailoutbox):
    member = nudged(at(MONDAY, 8))  # the digest is on by default
    post = post_of(member, at(MONDAY, 9), title="Tired of everything")
    reply_to(
        post, author=UserFactory(display_name="Robin"), body="Same here.", when=at(MONDAY, 12)
    )
    assert prefs_of(member).digest_due_at == at(MONDAY, 12, 10)
    reply_to(post, author=UserFactory(display_name="Ash"), body="Hugs.", when=at(MONDAY, 12, 3))
    assert prefs_of(member).digest_due_at == at(MONDAY, 12, 10)

    assert tick(at(MONDAY, 12, 5)) == []
    tick(at(MONDAY, 12, 10))

    [digest] = mail_to(member)
    assert digest.subject == "New replies on 4C"
    assert digest_items(digest) == [
        "Ash replied to your post “Tired of everything”.",
        "Robin replied to your post “Tired of everything”.",
    ]


def test_a_reply_read_on_the_site_is_not_emailed_and_all_read_sends_nothing(mailoutbox):
    member = nudged(at(MONDAY, 8))
    post = post_of(member, at(MONDAY, 9))
    reply_to(post, author=UserFactory(display_name="Robin"), body="Same.", when=at(MONDAY, 12))
    reply_to(post, author=UserFactory(display_name="Ash"), body="Hugs.", when=at(MONDAY, 12, 1))
    robins = member.notifications.get(actor__display_name="Robin")
    with time_machine.travel(at(MONDAY, 12, 5), tick=False):
        assert community.mark_notification_read(member=member, notification_id=robins.pk)

    tick(at(MONDAY, 12, 10))

    [digest] = mail_to(member)
    assert digest_items(digest) == ["Ash replied to your post “A hard week”."]
    # Later, a reply she reads before its digest is due: nothing is sent.
    reply_to(post, author=UserFactory(display_name="Kai"), body="Me too.", when=at(MONDAY, 14))
    with time_machine.travel(at(MONDAY, 14, 5), tick=False):
        community.mark_all_notifications_read(member=member)
    tick(at(MONDAY, 14, 10))
    assert len(mail_to(member)) == 1
    assert rows(member=member)[-1] == ("digest", "skipped", "nothing new")


def test_at_most_one_digest_an_hour(mailoutbox):
    member = nudged(at(MONDAY, 8))
    post = post_of(member, at(MONDAY, 9))
    reply_to(post, author=UserFactory(display_name="Robin"), body="Same.", when=at(MONDAY, 12))
    tick(at(MONDAY, 12, 10))
    reply_to(post, author=UserFactory(display_name="Ash"), body="Hugs.", when=at(MONDAY, 12, 20))

    assert prefs_of(member).digest_due_at == at(MONDAY, 13, 10)
    for minute in (30, 40, 50):
        tick(at(MONDAY, 12, minute))
    tick(at(MONDAY, 13, 5))
    assert len(mail_to(member)) == 1
    tick(at(MONDAY, 13, 10))

    assert [digest_items(m) for m in mail_to(member)] == [
        ["Robin replied to your post “A hard week”."],
        ["Ash replied to your post “A hard week”."],
    ]


def test_an_anonymous_reply_is_from_a_member_and_never_names_its_author(mailoutbox):
    member = nudged(at(MONDAY, 8))
    post = post_of(member, at(MONDAY, 9))
    quinn = UserFactory(display_name="Quinn Hartley", handle="quinnh")
    reply_to(post, author=quinn, body="Been there.", when=at(MONDAY, 12), is_anonymous=True)

    tick(at(MONDAY, 12, 10))

    [digest] = mail_to(member)
    assert digest_items(digest) == ["A member replied to your post “A hard week”."]
    whole = digest.message().as_string()
    assert "Quinn" not in body(digest)
    assert "quinnh" not in whole


def test_a_blocked_members_named_reply_never_appears_in_a_digest(mailoutbox):
    member = nudged(at(MONDAY, 8))
    post = post_of(member, at(MONDAY, 9))
    blocked = UserFactory(display_name="Morgan Vale")
    reply_to(post, author=blocked, body="Whatever.", when=at(MONDAY, 12))
    with time_machine.travel(at(MONDAY, 12, 2), tick=False):
        community.block_member(blocker=member, blocked=blocked)
    reply_to(post, author=UserFactory(display_name="Robin"), body="Same.", when=at(MONDAY, 12, 3))

    tick(at(MONDAY, 12, 10))

    [digest] = mail_to(member)
    assert digest_items(digest) == ["Robin replied to your post “A hard week”."]
    assert "Morgan" not in body(digest)


# --- 11. We're here when you're ready ------------------------------------------------------------


def test_were_here_is_off_unless_chosen(mailoutbox):
    member = nudged(at(MONDAY, 8))
    with time_machine.travel(at(MONDAY, 12), tick=False):
        nudges.note_visit(member=member, now=at(MONDAY, 12))

    for days in (7, 8, 14):
        tick(at(MONDAY + timedelta(days=days), 12))

    assert rows(member=member) == []
    assert mailoutbox == []


def test_were_here_comes_a_week_after_the_last_visit_once_a_fortnight_three_times(mailoutbox):
    member = nudged(at(MONDAY, 8), welcome_back=True)
    with time_machine.travel(at(MONDAY, 12), tick=False):
        nudges.note_visit(member=member, now=at(MONDAY, 12))

    def day(n):
        return MONDAY + timedelta(days=n)

    assert tick(at(day(7), 11, 55)) == []
    assert len(tick(at(day(7), 12))) == 1
    assert tick(at(day(14), 12)) == []  # a week on, but not a fortnight since the last
    assert tick(at(day(21), 11, 55)) == []
    assert len(tick(at(day(21), 12))) == 1
    assert len(tick(at(day(35), 12))) == 1
    for n in (49, 63, 100):  # three unanswered: no more
        assert tick(at(day(n), 12)) == []

    assert subjects() == ["We're here when you're ready"] * 3
    assert prefs_of(member).welcome_back_due_at is None


def test_a_visit_resets_were_here(client, mailoutbox):
    member = nudged(at(MONDAY, 8), welcome_back=True)
    with time_machine.travel(at(MONDAY, 12), tick=False):
        nudges.note_visit(member=member, now=at(MONDAY, 12))
    tick(at(MONDAY + timedelta(days=7), 12))
    tick(at(MONDAY + timedelta(days=21), 12))
    assert prefs_of(member).welcome_back_unanswered == 2

    visit = at(MONDAY + timedelta(days=30), 9)
    with time_machine.travel(visit, tick=False):
        client.force_login(member)
        assert client.get("/").status_code == 200

    prefs = prefs_of(member)
    assert (prefs.last_visit_at, prefs.welcome_back_unanswered) == (visit, 0)
    # A week after the visit (and more than a fortnight after the last one, on day 21).
    assert prefs.welcome_back_due_at == visit + timedelta(days=7)
    assert tick(at(MONDAY + timedelta(days=35), 12)) == []
    assert len(tick(visit + timedelta(days=7))) == 1
    assert len(mailoutbox) == 3
    assert prefs_of(member).welcome_back_unanswered == 1


# --- 12. A link worker's step ----------------------------------------------------------------


def test_a_link_workers_step_is_one_email_naming_them_and_the_step_not_their_message(
    mailoutbox, link_worker
):
    member = nudged(at(MONDAY, 8))
    message = "Only if it feels OK, and ring me on Thursday about the allotment."
    with time_machine.travel(at(MONDAY, 9), tick=False):
        prescriptions.give_consent(member=member)
        prescriptions.invite_link_worker(member=member, handle=link_worker.handle)
        step = prescriptions.prescribe_as_link_worker(
            link_worker=link_worker, member=member, activity=a_step(), message=message
        )

    assert len(tick(at(MONDAY, 9, 5))) == 1
    assert tick(at(MONDAY, 9, 10)) == []
    assert tick(at(MONDAY, 12)) == []

    [email] = mailoutbox
    assert email.subject == "Jordan suggested a step for you"
    assert f"Jordan, your link worker, suggested a step for you: {step.activity.title}." in (
        email.body
    )
    whole = email.message().as_string()
    assert "allotment" not in body(email)
    assert "allotment" not in whole


# --- 13. Constant queries per batch ----------------------------------------------------------


def test_the_dispatcher_costs_the_same_queries_for_one_due_member_as_for_fifty(
    django_assert_num_queries,
):
    nudged(at(MONDAY, 8), daily_step=True)
    with (
        time_machine.travel(at(MONDAY, 10), tick=False),
        CaptureQueriesContext(connection) as one,
    ):
        assert len(delivery.dispatch(now=at(MONDAY, 10), enqueue=list)) >= 1
    assert NudgeLog.objects.count() == 1
    for _ in range(49):
        nudged(at(MONDAY, 12), daily_step=True)

    with (
        time_machine.travel(at(MONDAY + timedelta(days=1), 10), tick=False),
        django_assert_num_queries(len(one)),
    ):
        claimed = delivery.dispatch(now=at(MONDAY + timedelta(days=1), 10), enqueue=list)

    assert claimed[NudgeKind.DAILY_STEP] == 50
    assert NudgeLog.objects.count() == 51


# Measured (and asserted exactly): each daily step costs the sender one query more, the
# UPDATE marking its row sent the moment the mail server took it. Choosing the steps is
# the batch's own cost, constant however many members (content.todays_steps: their open
# steps, blocks, past steps, recent check-ins, facts; the activities chosen), as are the
# lease, the leased rows, confirmed addresses and the emails sent today.
SENDER_QUERIES_PER_DAILY_STEP = 1
SENDER_QUERIES_PER_BATCH = 10


def test_the_sender_costs_a_fixed_number_of_queries_more_per_email():
    members = [nudged(at(MONDAY, 8), daily_step=True) for _ in range(7)]
    ids = dispatch(at(MONDAY, 10))
    assert len(ids) == len(members)

    def queries(batch) -> int:
        with (
            time_machine.travel(at(MONDAY, 10), tick=False),
            CaptureQueriesContext(connection) as captured,
        ):
            assert delivery.send(batch, now=at(MONDAY, 10))["sent"] == len(batch)
        return len(captured)

    queries(ids[:1])  # fills the shared caches (everyone in crisis, the catalogue...)
    one = queries(ids[1:2])
    five = queries(ids[2:])

    assert len(mail.outbox) == 7
    assert five - one == 4 * SENDER_QUERIES_PER_DAILY_STEP
    assert one - SENDER_QUERIES_PER_DAILY_STEP == SENDER_QUERIES_PER_BATCH
