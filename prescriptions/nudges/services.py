"""Changing what a member wants emailed, and keeping their due instants true.

Every change here ends in `_reschedule`, which recomputes the stored `*_due_at`
instants the dispatcher reads, in the member's time zone, around quiet hours and a
break. A repeat of any of these is harmless: the same preferences give the same
instants, and the log's unique constraint still sends a period's nudge at most once.
"""

from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from community import services as community
from community.models import User
from prescriptions.models import WANTS_FIELD, NudgeKind, NudgeLog, NudgePreferences
from prescriptions.nudges import schedule

BREAK_DAYS = (1, 3, 7, 30)
TOKEN_SALT = "prescriptions.nudges.stop"  # noqa: S105 - a namespace, not a secret
TOKEN_MAX_AGE = timedelta(days=90)
EDITABLE = (
    "daily_step",
    "daily_at",
    "weekly",
    "gatherings",
    "digest",
    "welcome_back",
    "link_worker",
    "include_mood",
    "quiet_from",
    "quiet_until",
    "daily_cap",
)


class BadToken(Exception):
    """An unsubscribe link that was changed, or is too old."""


def preferences_for(member: User) -> NudgePreferences:
    """The member's preferences; the defaults, stored, when they have none yet."""
    prefs, created = NudgePreferences.objects.get_or_create(member=member)
    if created:
        prefs.member = member
        _reschedule(prefs, now=timezone.now())
        prefs.save()
    return prefs


def forget_member(*, member: User) -> None:
    """Erases the member's email preferences and history (their account is being deleted):
    with no preferences, the dispatcher finds nothing due for them. `preferences_for`
    stores the defaults again if they keep their account."""
    NudgeLog.objects.filter(member=member).delete()
    NudgePreferences.objects.filter(member=member).delete()


def quiet_of(prefs: NudgePreferences) -> schedule.Quiet:
    return schedule.Quiet(prefs.quiet_from, prefs.quiet_until)


def _reschedule(prefs: NudgePreferences, *, now) -> None:
    """Recomputes every due instant from `now` (or the end of a break) onwards."""
    tz = prefs.member.tzinfo
    quiet = quiet_of(prefs)
    start = max(now, prefs.paused_until or now)
    prefs.daily_due_at = (
        schedule.next_daily(start, tz, prefs.daily_at, quiet) if prefs.daily_step else None
    )
    prefs.weekly_due_at = schedule.next_weekly(start, tz, quiet) if prefs.weekly else None
    if not prefs.digest:
        prefs.digest_due_at = None
    elif prefs.digest_due_at is not None:
        prefs.digest_due_at = schedule.quiet_end(max(prefs.digest_due_at, start), tz, quiet)
    prefs.welcome_back_due_at = None
    if prefs.welcome_back:
        due = schedule.next_welcome_back(
            prefs.last_visit_at or now,
            prefs.welcome_back_last_at,
            prefs.welcome_back_unanswered,
            tz,
            quiet,
        )
        prefs.welcome_back_due_at = due and schedule.quiet_end(max(due, start), tz, quiet)


@transaction.atomic
def update_preferences(*, member: User, now=None, **changes) -> NudgePreferences:
    """Saves the member's choices (only the EDITABLE ones) and reschedules."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Not a preference: {', '.join(sorted(unknown))}")
    prefs = _locked(member)
    for name, value in changes.items():
        setattr(prefs, name, value)
    if changes.get("welcome_back"):
        prefs.welcome_back_unanswered = 0  # turning it on again starts afresh
    prefs.updated_at = now or timezone.now()
    _reschedule(prefs, now=prefs.updated_at)
    prefs.save()
    return prefs


@transaction.atomic
def take_a_break(*, member: User, days: int, spaces=None, now=None) -> NudgePreferences:
    """Pauses every email for `days` (1, 3, 7 or 30) from now, and with `spaces` (a
    list, maybe empty) hides those spaces from the member's lists for as long
    (community.services.hide_spaces); `None` (a break taken from an email) leaves hidden
    spaces as they are. Taking another break replaces the first: the member's latest
    choice is the one that counts."""
    if days not in BREAK_DAYS:
        raise ValueError(f"A break is {', '.join(map(str, BREAK_DAYS))} days.")
    now = now or timezone.now()
    prefs = _locked(member)
    prefs.paused_until = now + timedelta(days=days)
    prefs.updated_at = now
    _reschedule(prefs, now=now)
    prefs.save()
    if spaces is not None:
        community.hide_spaces(member=member, spaces=spaces, until=prefs.paused_until)
    return prefs


@transaction.atomic
def end_break(*, member: User, now=None) -> bool:
    now = now or timezone.now()
    prefs = _locked(member)
    if prefs.paused_until is None or prefs.paused_until <= now:
        return False
    community.show_hidden_spaces(member=member)
    prefs.paused_until = None
    prefs.updated_at = now
    _reschedule(prefs, now=now)
    prefs.save()
    return True


@transaction.atomic
def unsubscribe(*, member: User, kind: str, now=None) -> bool:
    """Turns one kind off. False when it was already off."""
    field = WANTS_FIELD[NudgeKind(kind)]
    prefs = _locked(member)
    if not getattr(prefs, field):
        return False
    setattr(prefs, field, False)
    prefs.updated_at = now or timezone.now()
    _reschedule(prefs, now=prefs.updated_at)
    prefs.save()
    return True


def time_zone_changed(*, member: User, now=None) -> None:
    """The member moved: their local times are new instants."""
    with transaction.atomic():
        prefs = _locked(member)
        prefs.member = member
        _reschedule(prefs, now=now or timezone.now())
        prefs.save()


def note_visit(*, member: User, now=None) -> int:
    """A visit: the "we're here" email waits another seven days (and a fortnight since
    the last one), and starts counting afresh. One UPDATE (the middleware calls it at
    most once a day per member); the dispatcher moves a due instant that lands in
    quiet hours to their end."""
    now = now or timezone.now()
    week_on = Value(now + schedule.WELCOME_BACK_AFTER)
    fortnight_after_last = F("welcome_back_last_at") + schedule.WELCOME_BACK_EVERY
    return NudgePreferences.objects.filter(member=member).update(
        last_visit_at=now,
        welcome_back_unanswered=0,
        welcome_back_due_at=Case(
            When(
                welcome_back=True, then=Greatest(week_on, Coalesce(fortnight_after_last, week_on))
            ),
            default=None,
        ),
    )


def notifications_arrived(*, member_ids, now=None) -> int:
    """New replies, mentions or gathering news: a digest becomes due for those who
    want one and have none due yet, ten minutes on (so a burst is one email) and at
    least an hour after the last. One query, and one more for each member whose
    quiet hours or hour since the last digest move it later."""
    now = now or timezone.now()
    waiting = NudgePreferences.objects.filter(
        member_id__in=member_ids, digest=True, digest_due_at__isnull=True
    ).select_related("member")
    changed = []
    for prefs in waiting.only(
        "member__time_zone", "quiet_from", "quiet_until", "digest_last_at", "paused_until"
    ):
        due = schedule.next_digest(
            max(now, prefs.paused_until or now),
            prefs.digest_last_at,
            prefs.member.tzinfo,
            quiet_of(prefs),
        )
        prefs.digest_due_at = due
        changed.append(prefs)
    NudgePreferences.objects.bulk_update(changed, ["digest_due_at"])
    return len(changed)


def _locked(member: User) -> NudgePreferences:
    preferences_for(member)
    prefs = NudgePreferences.objects.select_for_update().get(member=member)
    prefs.member = member
    return prefs


# --- Links in emails: stop or pause without signing in ----------------------------------


def stop_token(*, member: User, kind: str) -> str:
    """A signed, expiring token for one member and one kind: the unsubscribe link."""
    return signing.dumps({"m": member.pk, "k": str(kind)}, salt=TOKEN_SALT)


def read_stop_token(token: str) -> tuple[User, str]:
    """The member and kind a token is for; BadToken when it was changed, is too old,
    its member is gone, or it holds anything but what stop_token writes."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        kind = NudgeKind(data["k"])
        member_id = data["m"]
        if type(member_id) is not int:  # not 1.5, True, or Infinity (int() would overflow)
            raise BadToken
        member = User.objects.get(pk=member_id, is_active=True)
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        raise BadToken from None
    return member, kind
