"""Dispatch, send and sweep: how a due nudge becomes exactly one email.

- `dispatch` (beat, every five minutes) claims what is due. Per batch of members: one
  SELECT of due preferences (`FOR UPDATE SKIP LOCKED`, so two dispatchers share the
  work), one INSERT of log rows (`ON CONFLICT DO NOTHING`: the unique constraint on
  (member, kind, period) decides who claimed what), one SELECT of the rows this batch
  inserted, one UPDATE moving the due instants on; sender tasks are enqueued after
  the batch commits.
- `send` leases its rows (a conditional UPDATE, so two senders never hold one row),
  re-checks everything, renders, sends over one SMTP connection, and marks each row
  sent right after the server accepts it.
- `sweep` hands rows claimed but not finished for LEASE back to a sender, and gives up
  on rows that failed too often. A row finished meanwhile is skipped by the lease.

The one window left: a worker killed after the SMTP server accepted a message and
before its row was marked sent. That message goes again after the lease, with the
same Message-ID, which receiving servers use to drop repeats.
"""

import logging
import smtplib
import socket
import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from community import selectors as community
from community.models import User
from fourc.lib.prune import delete_in_batches
from prescriptions import targets
from prescriptions.models import (
    HELD,
    NudgeKind,
    NudgeLog,
    NudgePreferences,
    NudgeStatus,
    Prescription,
)
from prescriptions.nudges import content, schedule
from prescriptions.nudges.services import quiet_of

logger = logging.getLogger(__name__)

BATCH = 500  # members per dispatch batch
SEND_BATCH = 50  # emails per sender task (one SMTP connection)
LEASE = timedelta(minutes=10)  # a sender holds its rows this long before the sweeper may
MAX_ATTEMPTS = 5
LINK_WORKER_FRESH = timedelta(days=2)  # a link worker's step older than this isn't news
# The mail server's refusals of one message: for good with a 5xx code, for now with 4xx.
PERMANENT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)
# Failures of the server or the connection: the batch's unsent rows are retried later.
TRANSIENT = (
    *PERMANENT,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    ConnectionError,
    socket.timeout,
    TimeoutError,
)


def _permanent(error) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return error.smtp_code >= 500


# Kinds whose due instant is stored on the preferences, with their field.
STORED = {
    NudgeKind.DAILY_STEP: "daily_due_at",
    NudgeKind.WEEKLY: "weekly_due_at",
    NudgeKind.DIGEST: "digest_due_at",
    NudgeKind.WELCOME_BACK: "welcome_back_due_at",
}
# Skip reasons a moderator may read in the admin. None names a mood or a crisis:
# HELD ("held") covers the wellbeing rules (nothing cheerful to someone in crisis).
LATE, QUIET, BREAK, OFF, CAP = "late", "quiet hours", "on a break", "turned off", "daily cap"
NO_ADDRESS, CLOSED, GAVE_UP = "no confirmed address", "account closed", "gave up"
REFUSED, MAIL_SERVER = "refused by the mail server", "mail server"  # failed


def _enqueue(ids: list[int]) -> None:
    from prescriptions.tasks import send_nudges

    for start in range(0, len(ids), SEND_BATCH):
        send_nudges.delay(ids[start : start + SEND_BATCH])


# --- Dispatch ----------------------------------------------------------------------------


def dispatch(*, now=None, batch: int = BATCH, enqueue=_enqueue) -> Counter:
    """Claims every nudge due at `now` and hands the claims to senders. Returns how
    many were claimed per kind. Safe to run twice at once, or again at once."""
    now = now or timezone.now()
    claimed = Counter()
    for kind in STORED:
        while True:
            ids, seen = _dispatch_stored(kind, now=now, batch=batch, enqueue=enqueue)
            claimed[kind] += len(ids)
            if seen < batch:
                break
    for lead in ("24h", "1h"):
        claimed[NudgeKind.GATHERING] += len(_dispatch_gatherings(lead, now=now, enqueue=enqueue))
    claimed[NudgeKind.LINK_WORKER] += len(_dispatch_link_worker(now=now, enqueue=enqueue))
    return claimed


def due_now(kind: str, *, now):
    """The preferences with `kind` due at `now`: an index range on the due instant."""
    field = STORED[kind]
    return NudgePreferences.objects.filter(**{f"{field}__lte": now}).order_by(field)


@transaction.atomic
def _dispatch_stored(kind: str, *, now, batch: int, enqueue) -> tuple[list[int], int]:
    # The due preferences alone, along their partial index; their members by key after
    # (a join here made PostgreSQL read every member on every batch).
    rows = list(due_now(kind, now=now).select_for_update(skip_locked=True)[:batch])
    members = User.objects.in_bulk([prefs.member_id for prefs in rows])
    claim = uuid.uuid4()
    logs = []
    for prefs in rows:
        prefs.member = members[prefs.member_id]
        log = _plan(kind, prefs, now=now, claim=claim)
        if log is not None:
            logs.append(log)
    NudgeLog.objects.bulk_create(logs, ignore_conflicts=True)
    _save_moved(rows, _MOVED[kind])
    ids = list(
        NudgeLog.objects.filter(claim=claim, status=NudgeStatus.CLAIMED).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: enqueue(ids))
    return ids, len(rows)


def _save_moved(rows: list[NudgePreferences], fields) -> None:
    """One UPDATE for the batch's moved instants. On PostgreSQL, from arrays of values
    (bulk_update's CASE per row cost most of the dispatcher's Python time)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        NudgePreferences.objects.bulk_update(rows, list(fields))
        return
    table = NudgePreferences._meta.db_table
    columns = [NudgePreferences._meta.get_field(name) for name in fields]
    sets = ", ".join(f"{c.column} = v.{c.column}" for c in columns)
    arrays = ", ".join(f"unnest(%s::{c.db_type(connection)}[]) AS {c.column}" for c in columns)
    params = [[prefs.member_id for prefs in rows]]
    params += [[getattr(prefs, c.attname) for prefs in rows] for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS p SET {sets} "  # noqa: S608 - names from the model, values as parameters
            f"FROM (SELECT unnest(%s::bigint[]) AS member_id, {arrays}) AS v "
            "WHERE p.member_id = v.member_id",
            params,
        )


_MOVED = {
    NudgeKind.DAILY_STEP: ("daily_due_at",),
    NudgeKind.WEEKLY: ("weekly_due_at",),
    NudgeKind.DIGEST: ("digest_due_at", "digest_last_at"),
    NudgeKind.WELCOME_BACK: (
        "welcome_back_due_at",
        "welcome_back_last_at",
        "welcome_back_unanswered",
    ),
}


def _plan(kind: str, prefs: NudgePreferences, *, now, claim) -> NudgeLog | None:
    """Moves `prefs`' due instant for `kind` on, and returns the log row that claims
    this one (status claimed), or records why not (skipped), or None when it only
    waits (quiet hours, a break)."""
    member = prefs.member
    tz = member.tzinfo
    quiet = quiet_of(prefs)
    field = STORED[kind]
    due = getattr(prefs, field)
    log = NudgeLog(member=member, kind=kind, due_at=due, claim=claim)
    if not member.is_active or member.deletion_due_at or not prefs.wants(kind):
        setattr(prefs, field, None)
        return None
    if prefs.paused_until and prefs.paused_until > now:
        setattr(prefs, field, schedule.quiet_end(prefs.paused_until, tz, quiet))
        return None
    if schedule.in_quiet(now, tz, quiet):
        later = schedule.quiet_end(now, tz, quiet)
        if kind in (NudgeKind.DAILY_STEP, NudgeKind.WEEKLY) and schedule.is_stale(due, later, tz):
            # Its day is over when quiet hours end: dropped, the next one at its own time.
            later = (
                schedule.next_daily(now, tz, prefs.daily_at, quiet)
                if kind == NudgeKind.DAILY_STEP
                else schedule.next_weekly(now, tz, quiet)
            )
        setattr(prefs, field, later)
        return None
    if kind == NudgeKind.DAILY_STEP:
        todays = schedule.next_daily(now - timedelta(days=1), tz, prefs.daily_at, quiet)
        if todays and todays <= now and not schedule.is_stale(todays, now, tz):
            due = log.due_at = todays  # a dispatcher away for days: today's only, no backlog
        log.period = schedule.daily_period(due, tz)
        prefs.daily_due_at = schedule.next_daily(now, tz, prefs.daily_at, quiet)
        if schedule.is_stale(due, now, tz):
            log.status, log.reason = NudgeStatus.SKIPPED, LATE
    elif kind == NudgeKind.WEEKLY:
        log.period = schedule.weekly_period(due, tz)
        prefs.weekly_due_at = schedule.next_weekly(now, tz, quiet)
        if schedule.is_stale(due, now, tz):
            log.status, log.reason = NudgeStatus.SKIPPED, LATE
    elif kind == NudgeKind.DIGEST:
        log.period = schedule.instant_period(now)
        log.since = prefs.digest_last_at
        log.due_at = now  # a digest covers what came up to its claim
        prefs.digest_last_at = now
        prefs.digest_due_at = None  # the next notification makes the next one due
    elif kind == NudgeKind.WELCOME_BACK:
        log.period = schedule.daily_period(due, tz)
        prefs.welcome_back_last_at = now
        prefs.welcome_back_unanswered += 1
        prefs.welcome_back_due_at = schedule.next_welcome_back(
            prefs.last_visit_at, now, prefs.welcome_back_unanswered, tz, quiet
        )
    if log.status == NudgeStatus.SKIPPED:
        log.finished_at = now
    return log


@transaction.atomic
def _dispatch_gatherings(lead: str, *, now, enqueue) -> list[int]:
    """Places at gatherings starting within `lead`: a 24-hour reminder only while the
    start is more than an hour away (the 1-hour one follows)."""
    places = community.places_needing_reminder(at=now, lead=lead).filter(
        Q(member__nudge_preferences__gatherings=True)
        & (
            Q(member__nudge_preferences__paused_until__isnull=True)
            | Q(member__nudge_preferences__paused_until__lte=now)
        )
    )
    if lead == "24h":
        places = places.filter(gathering__starts_at__gt=now + timedelta(hours=1))
    claim = uuid.uuid4()
    logs = []
    for place in places.select_related("member__nudge_preferences"):
        prefs = place.member.nudge_preferences
        if schedule.in_quiet(now, place.member.tzinfo, quiet_of(prefs)):
            continue  # waits: the next tick after quiet hours, if it's still ahead
        starts_at = place.gathering.starts_at
        logs.append(
            NudgeLog(
                member_id=place.member_id,
                kind=NudgeKind.GATHERING,
                period=schedule.gathering_period(place.gathering_id, lead, starts_at),
                about_id=place.gathering_id,
                due_at=starts_at,
                claim=claim,
            )
        )
    NudgeLog.objects.bulk_create(logs, ignore_conflicts=True)
    ids = list(NudgeLog.objects.filter(claim=claim).values_list("pk", flat=True))
    transaction.on_commit(lambda: enqueue(ids))
    return ids


@transaction.atomic
def _dispatch_link_worker(*, now, enqueue) -> list[int]:
    """Steps a link worker suggested in the last two days, to members who want to hear."""
    told = NudgeLog.objects.filter(
        kind=NudgeKind.LINK_WORKER, claimed_at__gte=now - 2 * LINK_WORKER_FRESH
    ).values("about_id")
    fresh = (
        Prescription.objects.filter(
            prescriber__isnull=False,
            created_at__gte=now - LINK_WORKER_FRESH,
            member__nudge_preferences__link_worker=True,
        )
        .exclude(pk__in=told)
        .select_related("member__nudge_preferences")
        .only("member__time_zone", "member__nudge_preferences")
    )
    claim = uuid.uuid4()
    logs = []
    for step in fresh:
        prefs = step.member.nudge_preferences
        waits = prefs.paused_until and prefs.paused_until > now
        if waits or schedule.in_quiet(now, step.member.tzinfo, quiet_of(prefs)):
            continue  # the next tick after the break or quiet hours, while it's fresh
        logs.append(
            NudgeLog(
                member_id=step.member_id,
                kind=NudgeKind.LINK_WORKER,
                period=f"prescription:{step.pk}",
                about_id=step.pk,
                due_at=step.created_at,
                claim=claim,
            )
        )
    NudgeLog.objects.bulk_create(logs, ignore_conflicts=True)
    ids = list(NudgeLog.objects.filter(claim=claim).values_list("pk", flat=True))
    transaction.on_commit(lambda: enqueue(ids))
    return ids


# --- Send --------------------------------------------------------------------------------


class Transient(Exception):
    """The mail server failed for now; the rows in `pending` are still ours to retry."""

    def __init__(self, pending: list[int], token: uuid.UUID):
        super().__init__(f"{len(pending)} nudges to retry")
        self.pending = pending
        self.token = token


def lease(ids, *, token: uuid.UUID, now) -> list[NudgeLog]:
    """Takes the still-claimed rows among `ids` for this sender: fresh ones, ones this
    sender held before (a retry), and ones nobody has touched for LEASE."""
    NudgeLog.objects.filter(pk__in=ids, status=NudgeStatus.CLAIMED).filter(
        Q(attempts=0) | Q(claim=token) | Q(claimed_at__lt=now - LEASE)
    ).update(claim=token, claimed_at=now, attempts=F("attempts") + 1)
    return list(
        NudgeLog.objects.filter(pk__in=ids, claim=token, status=NudgeStatus.CLAIMED)
        .select_related("member", "member__nudge_preferences")
        .order_by("pk")
    )


def send(ids, *, token: uuid.UUID | None = None, now=None, final: bool = False) -> Counter:
    """Sends the claimed nudges `ids`; returns how many were sent, skipped and failed.

    Raises Transient with the rows still to send when the mail server fails for now;
    with `final` (the last retry) those rows are marked failed instead.
    """
    now = now or timezone.now()
    token = token or uuid.uuid4()
    logs = lease(ids, token=token, now=now)
    done = Counter()
    if not logs:
        return done
    checks = _Checks(logs, now=now)
    # Today's steps for the whole batch in a few queries (a later cap may leave some unused).
    going = [log for log in logs if checks.reason_not_to_send(log) is None]
    batch = content.prepare(going, now=now, in_crisis=checks.in_crisis)
    outgoing = []
    for log in logs:
        reason = checks.reason_not_to_send(log)
        email = None
        if reason is None:
            in_crisis = log.member_id in checks.in_crisis
            email, reason = content.build(log, now=now, in_crisis=in_crisis, batch=batch)
        if reason is not None:
            _finish(log, NudgeStatus.SKIPPED, reason, now)
            done[NudgeStatus.SKIPPED] += 1
            continue
        checks.counted(log)
        outgoing.append((log, email))
    if not outgoing:
        return done
    from fourc.lib import emails

    connection = emails.mailer()
    pending = [log.pk for log, _ in outgoing]
    try:
        connection.open()
        for log, email in outgoing:
            try:
                connection.send_messages([email])
            except PERMANENT as error:
                if not _permanent(error):
                    raise  # a 4xx: try again later
                _finish(log, NudgeStatus.FAILED, REFUSED, now)
                done[NudgeStatus.FAILED] += 1
            else:
                _finish(log, NudgeStatus.SENT, "", now)
                done[NudgeStatus.SENT] += 1
            pending.remove(log.pk)
    except TRANSIENT as error:
        logger.warning("Mail server failed with %d nudges to go: %s", len(pending), error)
        if final:
            NudgeLog.objects.filter(pk__in=pending, claim=token).update(
                status=NudgeStatus.FAILED, reason=MAIL_SERVER, finished_at=now
            )
            done[NudgeStatus.FAILED] += len(pending)
            return done
        raise Transient(pending, token) from error
    finally:
        connection.close()
    return done


def _finish(log: NudgeLog, status: str, reason: str, now) -> None:
    NudgeLog.objects.filter(pk=log.pk, status=NudgeStatus.CLAIMED).update(
        status=status, reason=reason, finished_at=now
    )


class _Checks:
    """What the sender re-checks for a batch, read in a constant number of queries."""

    def __init__(self, logs, *, now):
        self.now = now
        member_ids = {log.member_id for log in logs}
        self.in_crisis = targets.in_crisis_now()
        self.confirmed = set(
            EmailAddress.objects.filter(
                user_id__in=member_ids, verified=True, email__iexact=F("user__email")
            ).values_list("user_id", flat=True)
        )
        self.sent_today = defaultdict(int)
        recent = NudgeLog.objects.filter(
            member_id__in=member_ids,
            status=NudgeStatus.SENT,
            finished_at__gte=now - timedelta(days=1, hours=14),  # any zone's "today"
        ).exclude(kind=NudgeKind.GATHERING)
        today = {log.member_id: now.astimezone(log.member.tzinfo).date() for log in logs}
        for member_id, finished_at, time_zone in recent.values_list(
            "member_id", "finished_at", "member__time_zone"
        ):
            if finished_at.astimezone(ZoneInfo(time_zone)).date() == today[member_id]:
                self.sent_today[member_id] += 1

    def counted(self, log) -> None:
        if log.kind != NudgeKind.GATHERING:
            self.sent_today[log.member_id] += 1

    def reason_not_to_send(self, log: NudgeLog) -> str | None:
        member, now = log.member, self.now
        prefs = member.nudge_preferences
        tz = member.tzinfo
        if not member.is_active or member.deletion_due_at:  # closed, or closing
            return CLOSED
        if log.member_id not in self.confirmed:
            return NO_ADDRESS
        if not prefs.wants(log.kind):
            return OFF
        if prefs.paused_until and prefs.paused_until > now:
            return BREAK
        if log.kind in (NudgeKind.DAILY_STEP, NudgeKind.WEEKLY) and schedule.is_stale(
            log.due_at, now, tz
        ):
            return LATE
        if log.kind == NudgeKind.GATHERING and log.due_at <= now:
            return LATE  # it has begun
        if schedule.in_quiet(now, tz, quiet_of(prefs)):
            return QUIET
        if log.kind in (NudgeKind.WEEKLY, NudgeKind.WELCOME_BACK) and (
            log.member_id in self.in_crisis
        ):
            return HELD
        if log.kind != NudgeKind.GATHERING and self.sent_today[log.member_id] >= prefs.daily_cap:
            return CAP
        return None


# --- Sweep -------------------------------------------------------------------------------


def sweep(*, now=None, enqueue=_enqueue, limit: int = 10_000) -> int:
    """Hands rows claimed but not finished for LEASE back to senders, and marks failed
    those tried MAX_ATTEMPTS times. Returns how many were handed back."""
    now = now or timezone.now()
    stuck = NudgeLog.objects.filter(status=NudgeStatus.CLAIMED, claimed_at__lt=now - LEASE)
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=NudgeStatus.FAILED, reason=GAVE_UP, finished_at=now
    )
    ids = list(stuck.order_by("claimed_at").values_list("pk", flat=True)[:limit])
    enqueue(ids)
    return len(ids)


# The log is the nudges' memory for a week at most (the daily cap, "told" link-worker
# steps, the weekly look back); finished rows are kept for moderators a while longer.
LOGS_KEPT = timedelta(days=90)


def prune_logs(*, now=None) -> int:
    """Deletes finished nudge-log rows (sent, not sent, failed) claimed more than LOGS_KEPT
    ago, in short batches. Rows still claimed are the sweep's and stay. Returns how many."""
    now = now or timezone.now()
    return delete_in_batches(
        NudgeLog.objects.filter(claimed_at__lt=now - LOGS_KEPT).exclude(status=NudgeStatus.CLAIMED)
    )


def resend_failed(ids, *, now=None, enqueue=_enqueue) -> int:
    """A moderator's "send again" for failed rows: claimed afresh, enqueued after commit.
    Rows not failed are left alone; the sender's checks still apply (a daily step from
    another day is dropped as late)."""
    now = now or timezone.now()
    with transaction.atomic():
        failed = NudgeLog.objects.filter(pk__in=list(ids), status=NudgeStatus.FAILED)
        again = list(failed.values_list("pk", flat=True))
        failed.update(
            status=NudgeStatus.CLAIMED, reason="", attempts=0, claim=None,
            claimed_at=now, finished_at=None,
        )  # fmt: skip
        transaction.on_commit(lambda: enqueue(again))
    return len(again)
