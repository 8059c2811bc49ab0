"""Reads for prescriptions. Health data is read only for its member, or for a
link worker with the member's consent (through get_member_for_link_worker; the
view logs the access with services.log_access)."""

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Exists, F, Max, Min, OuterRef, Q, Window
from django.db.models.functions import RowNumber, TruncDate
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from community import roles
from community.handles import is_handle, normalise_handle
from community.models import Notification, User
from fourc.lib.pagination import Page, encode_cursor, keyset_page
from fourc.lib.prepared import Prepared
from prescriptions import crisis, engine, targets
from prescriptions import rows as row_shape
from prescriptions.crisis import latest_check_in  # noqa: F401 - the views read it here
from prescriptions.models import (
    CONSENT_VERSION,
    CRISIS_SLUG,
    OPEN_STATUSES,
    Activity,
    CheckIn,
    Consent,
    LinkWorkerAccess,
    LinkWorkerConsent,
    Prescription,
    SkipReason,
    Status,
    WellbeingSurvey,
)

MOOD_SINKING_SHARED = "mood_sinking_shared"  # a notification: "this week has been hard"
HISTORY_DAYS = 90  # "not for me" counts over 90 days; novelty over the last 3
LEARNING_DAYS = 180  # what lifted them is learned from the last six months
CATALOGUE_SECONDS = 60
PRIOR_SECONDS = 600
PROMPT_DAYS = 3  # "how do you feel now?" is asked about recent steps only


def has_consent(member) -> bool:
    return CONSENT_IN_FORCE.exists(member=member)


# On every home page and every check-in: built once per process (CONSENT_VERSION is
# written into it: a new wording comes with a deploy).
CONSENT_IN_FORCE = Prepared(
    lambda member: Consent.objects.filter(
        member=member, version=CONSENT_VERSION, withdrawn_at__isnull=True
    ).values("pk")[:1],
    member=Prepared.MEMBER,
)


# --- The engine's inputs -------------------------------------------------------------


def catalogue() -> list[engine.ActivityInfo]:
    """The active catalogue, as the engine reads it: every fact ActivityInfo has a field
    for, read by name (a fact added to both needs no change here), in a stable order."""

    def info(activity: Activity) -> engine.ActivityInfo:
        values = {}
        for field in fields(engine.ActivityInfo):
            value = getattr(activity, field.name)
            values[field.name] = tuple(value) if isinstance(value, list) else value
        return engine.ActivityInfo(**values)

    return [
        info(a)
        for a in Activity.objects.filter(is_active=True).order_by("energy", "title", "slug")
    ]


def sum_lifts(rows) -> tuple[dict, dict]:
    """Total lift and times per activity id and per Way, from rows with `activity__way`
    (_community_prior's: lift_totals() rows with each activity's Way) or rows of single
    steps (`total` their lift, `times` 1)."""
    by_activity: dict = {}
    by_way: dict = {}
    for row in rows:
        for groups, key in ((by_activity, row["activity_id"]), (by_way, row["activity__way"])):
            total, times = groups.get(key, (0, 0))
            groups[key] = (total + row["total"], times + row["times"])
    return by_activity, by_way


def mean_lifts(rows) -> tuple[dict, dict]:
    """Mean lift per activity id and per Way: {key: (mean, times)} (see sum_lifts)."""
    by_activity, by_way = sum_lifts(rows)

    def mean(groups):
        return {key: (total / times, times) for key, (total, times) in groups.items()}

    return mean(by_activity), mean(by_way)


def _community_prior() -> tuple[dict, dict]:
    """The community's mean lift and times per activity id and per Way: the engine's
    prior. Two queries: the sums per activity (an index-only scan), then each
    activity's Way (read after the sums, so each summed activity is there: a step's
    activity is never deleted)."""
    rows = list(Prescription.objects.lift_totals())
    ways = dict(Activity.objects.values_list("pk", "way"))
    return mean_lifts({**row, "activity__way": ways[row["activity_id"]]} for row in rows)


# The last prior seen and the engine's three dicts made from it: each check-in of a
# process gets the same shared prior until it is built again, and with the same dicts the
# engine works out each activity's prior once per build (engine._community_priors). One
# tuple, replaced whole, so threads never pair one prior with another's dicts.
_last_prior: tuple = (None, None)


def _prior_fields(prior: tuple[dict, dict]) -> dict[str, dict]:
    """MemberState's community_* fields from the shared prior (_community_prior)."""
    global _last_prior
    seen, made = _last_prior
    if seen is prior:
        return made
    prior_by_activity, prior_by_way = prior
    made = {
        "community_activity_lift": {k: mean for k, (mean, _) in prior_by_activity.items()},
        "community_activity_times": {k: times for k, (_, times) in prior_by_activity.items()},
        "community_way_lift": {k: mean for k, (mean, _) in prior_by_way.items()},
    }
    _last_prior = (prior, made)
    return made


STEP_FIELDS = ("activity_id", "activity__way", "created_at", "status", "skip_reason", "mood_lift")


def _step_branch(member, since):
    """The member's steps since `since`, with their lifts, as a branch of a UNION of
    prescriptions.rows: kind "step", `ref` the activity, `number` the lift."""
    return row_shape.branch(
        Prescription.objects.filter(member=member, created_at__gte=since).with_lift(),
        "step",
        at="created_at",
        ref="activity_id",
        number="mood_lift",
        way="activity__way",
        status="status",
        skip_reason="skip_reason",
    )


# A check-in reads all it needs about its member in one query, built once: their steps
# since `since`, their signs for the crisis and low-day rules since `signs_since`, the
# ids their targets need, and their friends' posts since `friends_since`
# (prescriptions/rows.py says why one).
MEMBER_NOW = Prepared(
    lambda member, since, signs_since, friends_since: row_shape.union(
        _step_branch(member, since),
        *crisis.sign_branches(member, signs_since),
        *targets.fact_branches(member),
        targets.friend_post_branch(member, friends_since),
    ),
    member=Prepared.MEMBER,
    since=Prepared.SINCE,
    signs_since=Prepared.SINCE_2,
    friends_since=Prepared.SINCE_3,
)


def _shared_builders() -> dict:
    return {
        targets.CATALOGUE: (catalogue, CATALOGUE_SECONDS),
        targets.PRIOR: (_community_prior, PRIOR_SECONDS),
        **targets.POOLS,
    }


def _shared():
    return targets.cached(_shared_builders())


def refresh_shared_values(*, every: timedelta) -> list[str]:
    """Builds again each value check-ins share (the catalogue, the community's prior,
    the pools, who is in crisis) that would grow too old before the refresh after next
    (the beat runs this `every` so often), and keeps it in the cache: a check-in takes
    a young copy instead of building one while a member waits. The minute-long values
    are built every time; the prior (a scan of every step with a lift: a tenth of a
    second at a million steps) about every nine minutes. Returns the keys built."""
    return sorted(targets.refresh(_shared_builders(), within=2 * every))


def engine_inputs(member, *, check_in: CheckIn, now=None):
    """Everything the engine needs for this check-in: the member's state, the catalogue
    and their targets (prescriptions/targets.py). One query (MEMBER_NOW) and one cache
    round trip, whoever the member and however big the community (plus the shared
    values, when the cache builds them again: at most once a minute, or after a
    change)."""
    now = now or timezone.now()
    shared = _shared()
    rows = row_shape.read(
        MEMBER_NOW.run(
            member=member,
            since=now - timedelta(days=LEARNING_DAYS),
            signs_since=crisis.signs_since(now),
            friends_since=targets.friends_since(now),
        )
    )
    steps = [
        (row.ref, row.way, row.at, row.status, row.skip_reason, row.number)
        for row in rows
        if row.kind == "step"
    ]  # as STEP_FIELDS
    facts = targets.member_facts(member, rows=rows)
    in_crisis, supportive = crisis.crisis_and_low_day(
        member, check_in=check_in, now=now, signs=rows
    )
    state = _member_state(
        member,
        check_in=check_in,
        steps=steps,
        facts=facts,
        prior=shared[targets.PRIOR],
        in_crisis=in_crisis.in_crisis,
        supportive=supportive,
        now=now,
    )
    found = targets.for_member(member, now=now, pools=shared, facts=facts, member_rows=rows)
    return state, shared[targets.CATALOGUE], found


def engine_inputs_for_many(members, *, now, in_crisis: frozenset, check_in_for):
    """engine_inputs for many members at once (the nudges' daily steps), in four queries
    and one cache round trip however many members: their steps, their recent
    check-ins, their facts and blocks. `check_in_for(member, latest)` gives the check-in
    to plan from, given the latest (an unsaved CheckIn, or None). Crisis is the
    community-wide rule (`in_crisis`: crisis.everyone_in_crisis); friends' posts are left
    out (one query per member). Returns the catalogue and {member id: (state, targets)}."""
    shared = _shared()
    ids = [member.pk for member in members]
    steps: dict[int, list] = {pk: [] for pk in ids}
    for member_id, *row in (
        Prescription.objects.filter(
            member_id__in=ids, created_at__gte=now - timedelta(days=LEARNING_DAYS)
        )
        .with_lift()
        .values_list("member_id", *STEP_FIELDS)
    ):
        steps[member_id].append(row)
    recent = crisis.recent_check_ins_of(ids, now=now)
    facts = targets.facts_of_many(ids)
    found = {}
    for member in members:
        rows = recent[member.pk]
        latest = None
        if rows:
            mood, flagged, at, energy, urge = rows[0]
            latest = CheckIn(
                member=member, mood=mood, energy=energy, urge=urge, in_crisis=flagged,
                created_at=at,
            )  # fmt: skip
        check_in = check_in_for(member, latest)
        state = _member_state(
            member,
            check_in=check_in,
            steps=steps[member.pk],
            facts=facts[member.pk],
            prior=shared[targets.PRIOR],
            in_crisis=member.pk in in_crisis,
            supportive=crisis.supportive_from(check_in, rows, now=now),
            now=now,
        )
        pool_targets = targets.for_member(
            member, now=now, pools=shared, facts=facts[member.pk], friends=False
        )
        found[member.pk] = (state, pool_targets)
    return shared[targets.CATALOGUE], found


def _member_state(
    member, *, check_in, steps, facts, prior, in_crisis: bool, supportive: bool, now
) -> engine.MemberState:
    """The engine's view of one member, from rows read for one member or for many."""
    # One read of their recent steps (rows of STEP_FIELDS) serves both their history and
    # what lifts them.
    since = now - timedelta(days=HISTORY_DAYS)
    history = tuple(
        engine.Past(activity, at, status, skip_reason)
        for activity, _, at, status, skip_reason, _ in steps
        if at >= since
    )
    activity_lift, way_lift = mean_lifts(
        {"activity_id": activity, "activity__way": way, "total": lift, "times": 1}
        for activity, way, _, _, _, lift in steps
        if lift is not None
    )
    return engine.MemberState(
        energy=check_in.energy,
        mood=check_in.mood,
        urge=check_in.urge,
        now=now,
        in_crisis=in_crisis,
        supportive=supportive,
        local_hour=now.astimezone(member.tzinfo).hour,
        has_link_worker=bool(facts[targets.LINK_WORKER]),
        history=history,
        activity_lift=activity_lift,
        way_lift=way_lift,
        **_prior_fields(prior),
    )


# --- The feed --------------------------------------------------------------------


# Planned first (they said they'd do them), then the latest check-in's in the engine's
# order (on a low day, the step towards support leads), then older ones and a link
# worker's.
OPEN_ORDER = ("status", F("check_in_id").desc(nulls_last=True), "id")


# A member's open steps, and their finished ones of the feed's first page: the SQL built
# once per process (fourc.lib.prepared), as the feed opens on every visit.
OPEN_STEPS = Prepared(
    lambda member: (
        Prescription.objects.filter(member=member, status__in=OPEN_STATUSES)
        .filter(Q(post__isnull=True) | Q(post__crisis_words=False))
        .select_related("activity", "post__space", "gathering__space", "prescriber", "check_in")
        .defer("post__search_vector")
        .order_by(*OPEN_ORDER)
    ),
    member=Prepared.MEMBER,
)


def open_prescriptions(
    member, *, crisis: crisis.CrisisState = crisis.NOT_IN_CRISIS
) -> list[Prescription]:
    """The member's open steps, in OPEN_ORDER; in a crisis, only the step towards a
    person. A step pointing at a post in crisis words, or by someone in crisis now (the
    shared crisis set, one cache read), is left out: it was given before, and someone's
    crisis is nobody's step. One query (a member has a handful of open steps: the crisis
    set and the crisis step are applied to them here)."""
    authors_in_crisis = targets.in_crisis_now()
    return [
        step
        for step in OPEN_STEPS.objects(member=member)
        if (not crisis.in_crisis or step.activity.slug == CRISIS_SLUG)
        and (step.post_id is None or step.post.author_id not in authors_in_crisis)
    ]


def first_open_steps(member_ids, *, since) -> dict[int, Prescription]:
    """Each member's first open step suggested since `since`, in OPEN_ORDER: one query."""
    found = (
        Prescription.objects.filter(
            member_id__in=member_ids, status__in=OPEN_STATUSES, created_at__gte=since
        )
        .select_related("activity", "post", "post__space", "gathering")
        .defer("post__search_vector")
        .order_by("member_id", *OPEN_ORDER)
    )
    first: dict[int, Prescription] = {}
    for step in found:
        first.setdefault(step.member_id, step)
    return first


HISTORY_ORDER = ("-created_at", "-id")
HISTORY_FIRST = timedelta(days=7)  # the feed shows the last week; older steps are paged
HISTORY_PAGE = 50


# What the feed's history draws of a step (prescriptions/feed.html): its outcome and
# moods, and its activity's title (its slug says whether it was the crisis step). A whole
# step and activity were 37 columns, their reasons, scores and how-to texts among them,
# for fifty steps.
HISTORY_FIELDS = (
    "member_id",
    "activity_id",
    "status",
    "skip_reason",
    "mood_before",
    "mood_after",
    "completed_automatically",
    "created_at",
    "activity__title",
    "activity__slug",
)


def _finished(member):
    return (
        Prescription.objects.filter(member=member)
        .exclude(status__in=OPEN_STATUSES)
        .select_related("activity")
        .only(*HISTORY_FIELDS)
    )


HISTORY_FIRST_PAGE = Prepared(
    lambda member: _finished(member).order_by(*HISTORY_ORDER)[: HISTORY_PAGE + 1],
    member=Prepared.MEMBER,
)


def step_history(
    member, *, cursor: str | None = None, now: datetime | None = None, size: int = HISTORY_PAGE
) -> Page:
    """The member's finished steps (done, set aside, expired), newest first, in one
    query: without a cursor those suggested in the last seven days (at most `size`),
    then `size` at a time by keyset. A broken cursor is a 400 (BadRequest)."""
    if cursor:
        return keyset_page(_finished(member), ordering=HISTORY_ORDER, cursor=cursor, size=size)
    since = (now or timezone.now()) - HISTORY_FIRST
    if size == HISTORY_PAGE:
        rows = HISTORY_FIRST_PAGE.objects(member=member)
    else:
        rows = list(_finished(member).order_by(*HISTORY_ORDER)[: size + 1])
    recent = [p for p in rows[:size] if p.created_at >= since]
    page = Page(items=recent)
    if len(rows) > len(recent):  # older ones, or more than a page this week
        last = recent[-1] if recent else None
        page.next_cursor = encode_cursor([last.created_at, last.pk] if last else [since, 0])
    return page


@dataclass(frozen=True)
class Day:
    day: date
    name: str  # "Today", "Yesterday", or "" for the date alone
    steps: list


def by_day(steps, *, zone, now: datetime | None = None) -> list[Day]:
    """`steps` (newest first) grouped by the day they were suggested, in `zone`."""
    today = (now or timezone.now()).astimezone(zone).date()
    names = {today: "Today", today - timedelta(days=1): "Yesterday"}
    days: list[Day] = []
    for step in steps:
        day = step.created_at.astimezone(zone).date()
        if not days or days[-1].day != day:
            days.append(Day(day=day, name=names.get(day, ""), steps=[]))
        days[-1].steps.append(step)
    return days


def get_prescription_for_member(member, prescription_id: int) -> Prescription:
    """The member's own prescription; anyone else's is a 404."""
    return get_object_or_404(
        Prescription.objects.filter(member=member).select_related(
            "activity", "check_in", "post__space", "gathering__space"
        ),
        pk=prescription_id,
    )


# Home and the feed ask it on every visit: the SQL built once per process.
AWAITING_MOOD_AFTER = Prepared(
    lambda member, since: (
        Prescription.objects.filter(
            member=member,
            status=Status.DONE,
            completed_automatically=True,
            mood_after__isnull=True,
            completed_at__gte=since,
        )
        .select_related("activity")
        .order_by("-completed_at", "-id")[:1]
    ),
    member=Prepared.MEMBER,
    since=Prepared.SINCE,
)


def awaiting_mood_after(member):
    """The latest step completed by itself in the last three days still waiting for
    "how do you feel now?"; None when there is none, or while the member is in crisis
    (nothing cheerful then). One query, and two more only when there is one."""
    since = timezone.now() - timedelta(days=PROMPT_DAYS)
    found = next(iter(AWAITING_MOOD_AFTER.objects(member=member, since=since)), None)
    if found is None or crisis.crisis_state(member).in_crisis:
        return None
    return found


# --- Wellbeing -------------------------------------------------------------------

WELLBEING_EVERY = timedelta(days=28)
WELLBEING_SHOWN = 12  # the latest answers drawn on insights: about a year


def recent_wellbeing(member) -> list[WellbeingSurvey]:
    """The latest answers, oldest first. One query."""
    return list(reversed(RECENT_WELLBEING.objects(member=member)))


RECENT_WELLBEING = Prepared(
    lambda member: WellbeingSurvey.objects.filter(member=member).order_by("-created_at", "-id")[
        :WELLBEING_SHOWN
    ],
    member=Prepared.MEMBER,
)


def latest_wellbeing_at(member) -> datetime | None:
    found = LATEST_WELLBEING_AT.run(member=member)
    return found[0][0] if found else None


# On the feed and the home page: built once per process.
LATEST_WELLBEING_AT = Prepared(
    lambda member: (
        WellbeingSurvey.objects.filter(member=member)
        .order_by("-created_at", "-id")
        .values_list("created_at")[:1]
    ),
    member=Prepared.MEMBER,
)


def next_wellbeing_at(last: datetime | None) -> datetime | None:
    return None if last is None else last + WELLBEING_EVERY


def wellbeing_is_due(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last >= WELLBEING_EVERY


def wellbeing_due(member, now: datetime | None = None) -> bool:
    """Due when never answered, or when the last answers are 28 days old or more."""
    return wellbeing_is_due(latest_wellbeing_at(member), now or timezone.now())


# --- Link workers ----------------------------------------------------------------
# Every read of a member's data by a link worker goes through get_member_for_link_worker,
# which checks consent; the view then logs the access (services.log_access).

VIEWED = "looked at your steps and your mood over time"
TREND_DAYS = 56  # the mood trend covers the last eight weeks
STEPS_SHOWN = 30
ACCESS_LOG_SHOWN = 100


def get_member_for_link_worker(link_worker, handle: str) -> User:
    """The one way a link worker reaches a member: a 404 unless they are a link worker
    with the member's active consent. Only reads; what the link worker then sees or does
    is logged by the view (services.log_access), so the member's log says what it was."""
    handle = normalise_handle(handle)
    if not roles.is_link_worker(link_worker) or not is_handle(handle):
        raise Http404("No such member.")
    consenting = User.objects.filter(
        is_active=True,
        link_worker_consents__link_worker=link_worker,
        link_worker_consents__revoked_at__isnull=True,  # one active consent per pair
    )
    return get_object_or_404(consenting, handle=handle)


def active_link_worker_consents(**lookups):
    return LinkWorkerConsent.objects.filter(revoked_at__isnull=True, **lookups)


def consenting_members(link_worker: User) -> list[LinkWorkerConsent]:
    """The link worker's caseload: members whose consent is active now (one query).
    Names only: looking at someone's steps is a logged access, listing them isn't."""
    return list(
        active_link_worker_consents(link_worker=link_worker, member__is_active=True)
        .select_related("member")
        .only("granted_at", "member__display_name", "member__handle", "member__pronouns")
        .order_by("member__display_name", "member__handle")
    )


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
class TrendDay:
    day: date
    average: float
    lowest: int
    highest: int
    check_ins: int


@dataclass(frozen=True)
class Overview:
    steps: list[Step]
    mood_days: list[TrendDay]
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
        TrendDay(
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
        active_link_worker_consents(member=member)
        .select_related("link_worker")
        .only("granted_at", "link_worker__display_name", "link_worker__handle")
        .order_by("granted_at", "id")
    )


def _to_tell(member, since):
    told = Notification.objects.filter(
        kind=MOOD_SINKING_SHARED,
        actor=member,
        recipient=OuterRef("link_worker"),
        created_at__gte=since,
    )
    return (
        active_link_worker_consents(
            member=member,
            link_worker__is_active=True,
            link_worker__groups__name=roles.LINK_WORKERS,
        )
        .select_related("link_worker")
        .only("granted_at", "link_worker__display_name", "link_worker__handle")
        .annotate(told=Exists(told))
        .order_by("granted_at", "id")
    )


# On the feed and the insights page, for everyone: built once per process.
TO_TELL = Prepared(_to_tell, member=Prepared.MEMBER, since=Prepared.SINCE)


def link_workers_to_tell(member: User, *, now=None) -> list[LinkWorkerConsent]:
    """The link workers a member may tell that this week has been hard: active and still
    link workers, with their consent active. Each has `told`: whether this member told
    them in the last 7 days already. One query."""
    return TO_TELL.objects(member=member, since=(now or timezone.now()) - SINKING_WINDOW)


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


# --- A week of sinking mood ------------------------------------------------------------
# The rule, in one sentence: over the last 7 days the member checked in at least 4 times,
# and their latest 3 check-ins average at least 2 points lower than their first 3 (with
# 4 or 5 check-ins the two threes share some, which only makes it harder to say).
# Moods only, never notes; read for the member, and for a link worker they invited.

SINKING_WINDOW = timedelta(days=7)
SINKING_MIN_CHECK_INS = 4
SINKING_OF = 3  # the first and the latest three of the week
SINKING_DROP = 2  # points between their averages


def _week_ends(check_ins):
    """Of these check-ins, each member's first and latest three (member_id, mood, first,
    latest, total: places from each end, and how many in all)."""

    def each_member(expression, *order):
        return Window(expression, partition_by=F("member_id"), order_by=order or None)

    return (
        check_ins.annotate(
            first=each_member(RowNumber(), F("created_at").asc(), F("id").asc()),
            latest=each_member(RowNumber(), F("created_at").desc(), F("id").desc()),
            total=each_member(Count("id")),
        )
        .filter(Q(first__lte=SINKING_OF) | Q(latest__lte=SINKING_OF))
        .values_list("member_id", "mood", "first", "latest", "total")
    )


# One member's week, on the feed and the insights page: built once per process.
WEEK_ENDS = Prepared(
    lambda member, since: _week_ends(CheckIn.objects.filter(member=member, created_at__gte=since)),
    member=Prepared.MEMBER,
    since=Prepared.SINCE,
)


def members_sinking(member_ids, *, now=None) -> set[int]:
    """Which of these members' mood has been sinking this week (the rule above). One
    query, whatever their number: at most the first and latest three check-ins of each."""
    member_ids = set(member_ids)
    if not member_ids:
        return set()
    since = (now or timezone.now()) - SINKING_WINDOW
    return _sinking(
        _week_ends(CheckIn.objects.filter(member_id__in=member_ids, created_at__gte=since))
    )


def _sinking(rows) -> set[int]:
    """The members whose week's ends (_week_ends) say their mood has been sinking."""
    sums: dict[int, list[int]] = {}
    counts: dict[int, int] = {}
    for member_id, mood, first, latest, total in rows:
        first_sum, latest_sum = sums.setdefault(member_id, [0, 0])
        sums[member_id] = [
            first_sum + (mood if first <= SINKING_OF else 0),
            latest_sum + (mood if latest <= SINKING_OF else 0),
        ]
        counts[member_id] = total
    # Averages of three compared as sums, so no rounding decides it.
    return {
        member_id
        for member_id, (first_sum, latest_sum) in sums.items()
        if counts[member_id] >= SINKING_MIN_CHECK_INS
        and first_sum - latest_sum >= SINKING_DROP * SINKING_OF
    }


def mood_sinking(member, now=None) -> bool:
    """Whether the member's mood has been sinking this week. One query."""
    since = (now or timezone.now()) - SINKING_WINDOW
    return member.pk in _sinking(WEEK_ENDS.run(member=member, since=since))


# --- "Not for me", in the member's hands ------------------------------------------------


@dataclass(frozen=True)
class NotForMe:
    activity_id: int
    title: str
    times: int
    last: datetime


def not_for_me(member: User, *, now=None) -> list[NotForMe]:
    """Each activity the member said "not for me" to in the last 90 days (the engine's
    own window: twice there, and it is never offered), with how often and when last,
    the latest first. One query, whatever their number."""
    now = now or timezone.now()
    rows = (
        Prescription.objects.filter(
            member=member,
            status=Status.SKIPPED,
            skip_reason=SkipReason.NOT_FOR_ME,
            created_at__gt=now - engine.NOT_FOR_ME_DAYS,
        )
        .values("activity_id", "activity__title")
        .annotate(times=Count("id"), last=Max("created_at"))
        .order_by("-last", "activity__title")
    )
    return [NotForMe(r["activity_id"], r["activity__title"], r["times"], r["last"]) for r in rows]
