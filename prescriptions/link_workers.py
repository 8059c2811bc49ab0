"""Link workers: a member invites one by handle and can stop their access at any time.

With the member's consent, a link worker sees the member's steps (prescriptions, with
their status and completion) and their mood over time, and can suggest a step with a
personal message. They never see private notes. Every access is logged, and the member
sees the log.

Every link-worker view reaches a member through `get_member_for_link_worker`, which is a
404 without an active consent and logs the access.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Max, Min
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from community import roles
from community.models import User
from community.selectors import HANDLE_RE
from community.text import validate_plain_text
from prescriptions import services
from prescriptions.engine import CRISIS_SLUG
from prescriptions.models import (
    Activity,
    CheckIn,
    LinkWorkerAccess,
    LinkWorkerConsent,
    Prescription,
    SkipReason,
    Status,
)

MESSAGE_MAX = 500
VIEWED = "looked at your steps and your mood over time"
TREND_DAYS = 56  # the mood trend covers the last eight weeks
STEPS_SHOWN = 30
ACCESS_LOG_SHOWN = 100


class LinkWorkerError(Exception):
    """Something that can't happen; the message is safe to show the person."""


class NoConsent(LinkWorkerError):
    """The member hasn't given (or has taken back) their consent."""


def normalise_handle(handle: str) -> str:
    return (handle or "").strip().removeprefix("@").strip().lower()


def _active(**lookups):
    return LinkWorkerConsent.objects.filter(revoked_at__isnull=True, **lookups)


def has_consent(*, link_worker: User, member: User) -> bool:
    return _active(link_worker=link_worker, member=member).exists()


def log_access(*, link_worker: User, member: User, what: str) -> LinkWorkerAccess:
    return LinkWorkerAccess.objects.create(link_worker=link_worker, member=member, what=what)


# --- The member: invite and revoke ---------------------------------------------------------


def find_link_worker(handle: str) -> User:
    """The active member in the Link workers group with this handle, or a clear error."""
    handle = normalise_handle(handle)
    if not handle:
        raise LinkWorkerError("Type your link worker's handle, such as @jordan.")
    if not HANDLE_RE.fullmatch(handle):
        raise LinkWorkerError(
            "A handle has 3 to 30 letters, numbers or underscores, such as @jordan. "
            "Your link worker can tell you theirs."
        )
    found = User.objects.filter(handle=handle, is_active=True).prefetch_related("groups").first()
    if found is None:
        raise LinkWorkerError(
            f"We couldn't find anyone with the handle @{handle}. "
            "Could you check it with your link worker?"
        )
    if not roles.is_link_worker(found):
        raise LinkWorkerError(
            f"@{handle} isn't a link worker on 4C, so they can't be invited here. "
            "Only link workers can see your steps."
        )
    return found


def invite_link_worker(*, member: User, handle: str) -> LinkWorkerConsent:
    """Gives the link worker with this handle access to the member's steps and mood
    trend (never notes). Inviting someone who already has access changes nothing."""
    link_worker = find_link_worker(handle)
    if link_worker.pk == member.pk:
        raise LinkWorkerError(
            "That's your own handle. Invite the link worker you're working with."
        )
    current = _active(member=member, link_worker=link_worker).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return LinkWorkerConsent.objects.create(member=member, link_worker=link_worker)
    except IntegrityError:  # invited twice at once: the other request won
        return _active(member=member, link_worker=link_worker).get()


def revoke_link_worker(*, member: User, link_worker: User) -> bool:
    """Ends the link worker's access at once. Returns False when they had none."""
    return bool(_active(member=member, link_worker=link_worker).update(revoked_at=timezone.now()))


# --- The link worker: prescribe ----------------------------------------------------------


def clean_message(message: str) -> str:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise LinkWorkerError(
            f"Your message is {len(message)} characters. Please keep it to {MESSAGE_MAX}."
        )
    try:
        validate_plain_text(message)
    except ValidationError as error:
        raise LinkWorkerError(" ".join(error.messages)) from None
    return message


@transaction.atomic
def prescribe(*, link_worker: User, member: User, activity: Activity, message: str = ""):
    """Suggests a step to a member who consented, with a personal message, and logs it."""
    message = clean_message(message)
    if not activity.is_active:
        raise LinkWorkerError("That activity has been retired. Choose another from the list.")
    # Lock the consent, so a revoke at the same moment waits and this sees it.
    consent = (
        _active(member=member, link_worker=link_worker, member__is_active=True)
        .select_for_update(of=("self",))
        .first()
    )
    if consent is None or not roles.is_link_worker(link_worker):
        raise NoConsent("This member hasn't given you access.")
    prescription = services.prescribe_by_hand(
        member=member, activity=activity, prescriber=link_worker, message=message
    )
    log_access(link_worker=link_worker, member=member, what=f"suggested “{activity.title}”")
    return prescription


# --- Selectors ---------------------------------------------------------------------------


def consenting_members(link_worker: User) -> list[LinkWorkerConsent]:
    """The link worker's caseload: members whose consent is active now (one query).
    Names only: looking at someone's steps is a logged access, listing them isn't."""
    return list(
        _active(link_worker=link_worker, member__is_active=True)
        .select_related("member")
        .only("granted_at", "member__display_name", "member__handle", "member__pronouns")
        .order_by("member__display_name", "member__handle")
    )


def get_member_for_link_worker(link_worker: User, handle: str, *, what: str | None = VIEWED):
    """The one way a link worker reaches a member: a 404 unless they are a link worker
    with the member's active consent. Logs the access (`what`), unless `what` is None
    because the caller logs what it does itself."""
    handle = normalise_handle(handle)
    if not roles.is_link_worker(link_worker) or not HANDLE_RE.fullmatch(handle):
        raise Http404("No such member.")
    member = User.objects.filter(
        handle=handle,
        is_active=True,
        link_worker_consents__link_worker=link_worker,
        link_worker_consents__revoked_at__isnull=True,
    ).first()
    if member is None:
        raise Http404("No such member.")
    if what:
        log_access(link_worker=link_worker, member=member, what=what)
    return member


@dataclass(frozen=True)
class Step:
    """One prescription as a link worker sees it. Built field by field, so nothing of the
    check-in behind it (and never its note) can reach the page."""

    title: str
    status: str
    status_label: str
    created_at: datetime
    completed_at: datetime | None
    completed_automatically: bool
    mood_before: int | None
    mood_after: int | None
    prescriber_name: str | None
    personal_message: str


@dataclass(frozen=True)
class MoodDay:
    day: date
    average: float
    lowest: int
    highest: int
    check_ins: int


@dataclass(frozen=True)
class Overview:
    steps: list[Step]
    mood_days: list[MoodDay]
    done: int
    time_zone: str


def _status_label(status: str, skip_reason: str, completed_automatically: bool) -> str:
    if status == Status.DONE:
        return "Done (4C noticed by itself)" if completed_automatically else "Done"
    if status == Status.SKIPPED:
        return "Not for them" if skip_reason == SkipReason.NOT_FOR_ME else "Not now"
    if status == Status.PLANNED:
        return "Planned"
    return "Suggested"


def member_overview(member: User, *, now=None, viewer: User | None = None) -> Overview:
    """The member's recent steps and their mood trend (dates and moods only: never a
    note), in two queries whatever their number.

    The crisis step is left out (it would tell what a private note said), and another
    link worker's personal messages stay between them and the member."""
    now = now or timezone.now()
    rows = (
        Prescription.objects.filter(member=member)
        .exclude(status=Status.EXPIRED)  # suggestions not taken up: nothing to see
        .exclude(activity__slug=CRISIS_SLUG)
        .order_by("-created_at", "-id")
        .values(
            "activity__title",
            "status",
            "skip_reason",
            "created_at",
            "completed_at",
            "completed_automatically",
            "mood_before",
            "mood_after",
            "prescriber__display_name",
            "prescriber_id",
            "personal_message",
        )[:STEPS_SHOWN]
    )
    steps = [
        Step(
            title=r["activity__title"],
            status=r["status"],
            status_label=_status_label(
                r["status"], r["skip_reason"], r["completed_automatically"]
            ),
            created_at=r["created_at"],
            completed_at=r["completed_at"],
            completed_automatically=r["completed_automatically"],
            mood_before=r["mood_before"],
            mood_after=r["mood_after"],
            prescriber_name=r["prescriber__display_name"],
            personal_message=(
                r["personal_message"] if viewer is None or r["prescriber_id"] == viewer.pk else ""
            ),
        )
        for r in rows
    ]
    days = (
        CheckIn.objects.filter(member=member, created_at__gte=now - timedelta(days=TREND_DAYS))
        .annotate(day=TruncDate("created_at", tzinfo=member.tzinfo))
        .values("day")
        .annotate(
            average=Avg("mood"),
            lowest=Min("mood"),
            highest=Max("mood"),
            check_ins=Count("id"),
        )
        .order_by("-day")
    )
    mood_days = [
        MoodDay(
            day=d["day"],
            average=round(float(d["average"]), 1),
            lowest=d["lowest"],
            highest=d["highest"],
            check_ins=d["check_ins"],
        )
        for d in days
    ]
    return Overview(
        steps=steps,
        mood_days=mood_days,
        done=sum(1 for s in steps if s.status == Status.DONE),
        time_zone=member.time_zone,
    )


def link_workers_for(member: User) -> list[LinkWorkerConsent]:
    """The link workers who have access to the member now."""
    return list(
        _active(member=member)
        .select_related("link_worker")
        .only("granted_at", "link_worker__display_name", "link_worker__handle")
        .order_by("granted_at", "id")
    )


def access_log(member: User, *, limit: int = ACCESS_LOG_SHOWN) -> list[LinkWorkerAccess]:
    """Every time a link worker looked or suggested something, newest first."""
    return list(
        LinkWorkerAccess.objects.filter(member=member)
        .select_related("link_worker")
        .only("what", "at", "link_worker__display_name", "link_worker__handle")
        .order_by("-at", "-id")[:limit]
    )


def active_activities():
    return Activity.objects.filter(is_active=True).order_by("energy", "title")
