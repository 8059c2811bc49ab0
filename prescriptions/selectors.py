"""Reads for prescriptions. Health data is read only for its member, or for a
link worker with the member's consent (through get_member_for_link_worker; the
view logs the access with services.log_access)."""

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, CharField, Count, F, Max, Min, Q, Subquery, Value
from django.db.models.functions import TruncDate
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from community import roles
from community import selectors as community
from community.models import (
    RSVP,
    Block,
    Gathering,
    Post,
    Reply,
    RSVPStatus,
    Space,
    SpaceFollow,
    SpaceRead,
    User,
)
from community.safety import mentions_crisis
from prescriptions import engine
from prescriptions.engine import CRISIS_SLUG
from prescriptions.models import (
    CONSENT_VERSION,
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

COMMUNITY_LIFT_KEY = "prescriptions:community-lift"
CATALOGUE_KEY = "prescriptions:catalogue"
HISTORY_DAYS = 30
LEARNING_DAYS = 180  # what lifted them is learned from the last six months
TARGETS_PER_KIND = 8
GATHERING_DAYS = 7
FRIENDS_DAYS = 30
CRISIS_POST_WINDOW = timedelta(days=2)  # a post from long ago says little about today
PROMPT_DAYS = 3  # "how do you feel now?" is asked about recent steps only


def has_consent(member) -> bool:
    return Consent.objects.filter(
        member=member, version=CONSENT_VERSION, withdrawn_at__isnull=True
    ).exists()


def latest_check_in(member) -> CheckIn | None:
    return CheckIn.objects.filter(member=member).order_by("-created_at", "-id").first()


def _catalogue() -> list[engine.ActivityInfo]:
    """The active catalogue (cached for a minute; the admin clears it on a change)."""
    return [
        engine.ActivityInfo(
            id=a.id,
            slug=a.slug,
            title=a.title,
            energy=a.energy,
            way=a.way,
            technique=a.technique,
            opposite_of=tuple(a.opposite_of),
            minutes=a.minutes,
            action=a.action,
        )
        for a in Activity.objects.filter(is_active=True)
    ]


def _lifts(prescriptions) -> tuple[dict, dict]:
    """Mean mood lift (and how many times) per activity and per Way."""
    done = prescriptions.filter(
        status=Status.DONE, mood_before__isnull=False, mood_after__isnull=False
    ).annotate(lift=F("mood_after") - F("mood_before"))
    by_activity = {
        row["activity_id"]: (float(row["mean"]), row["n"])
        for row in done.values("activity_id").annotate(mean=Avg("lift"), n=Count("id"))
    }
    by_way = {
        row["activity__way"]: (float(row["mean"]), row["n"])
        for row in done.values("activity__way").annotate(mean=Avg("lift"), n=Count("id"))
    }
    return by_activity, by_way


def _lifts_from_rows(rows) -> tuple[dict, dict]:
    by_activity: dict = defaultdict(list)
    by_way: dict = defaultdict(list)
    for r in rows:
        if (
            r["status"] == Status.DONE
            and r["mood_before"] is not None
            and r["mood_after"] is not None
        ):
            lift = r["mood_after"] - r["mood_before"]
            by_activity[r["activity_id"]].append(lift)
            by_way[r["activity__way"]].append(lift)

    def mean(groups):
        return {key: (sum(v) / len(v), len(v)) for key, v in groups.items()}

    return mean(by_activity), mean(by_way)


def _community_lifts() -> tuple[dict, dict]:
    """The community's mean lifts: the engine's prior (cached for ten minutes, so a
    check-in never aggregates every prescription ever done)."""
    return _lifts(Prescription.objects.all())


# --- Targets -----------------------------------------------------------------------
#
# What the community offers right now is the same for everyone, so it is read once
# a minute and kept in the cache; anything that would make a cached target wrong
# (see receivers.py) moves its generation on, and the next check-in reads it again.
# Each member then costs one read: the facts about them (follows, reads, blocks,
# places) and the recent posts of the people they've talked with. The pool carries
# authors' ids, anonymous ones too: it never leaves the server, and targets handed
# to the engine carry no author.

WAITING_POOL_KEY = "prescriptions:waiting-pool"
GATHERING_POOL_KEY = "prescriptions:gathering-pool"
POOL_SECONDS = 60
WAITING_PER_SPACE = 3 * TARGETS_PER_KIND  # room for the member's own and blocked ones
GATHERING_POOL_SIZE = 50

FOLLOWED, READ, BLOCKED, HAS_PLACE = "followed", "read", "blocked", "place"
FRIENDS_POST = "friends_post"


def _waiting_pool() -> tuple[dict, ...]:
    return tuple(community.longest_waiting_by_space(per_space=WAITING_PER_SPACE))


def _gathering_pool() -> tuple[dict, ...]:
    """Gatherings starting within the week (and the pool's lifetime) with places left."""
    now = timezone.now()
    horizon = now + timedelta(days=GATHERING_DAYS, seconds=POOL_SECONDS)
    return tuple(
        Gathering.objects.upcoming(now)
        .filter(starts_at__gt=now, starts_at__lte=horizon)
        .annotate(going=Count("rsvps", filter=Q(rsvps__status=RSVPStatus.GOING)))
        .filter(Q(capacity__isnull=True) | Q(capacity__gt=F("going")))
        .order_by("starts_at", "id")
        .values("id", "title", "space__name", "starts_at", "host_id")[:GATHERING_POOL_SIZE]
    )


def generation_key(key: str) -> str:
    """Where the generation of a cached value lives: services.forget_shared moves it
    on, and a value cached under an older generation is built again."""
    return f"{key}:generation"


def _cached(builders: dict) -> dict:
    """Several cached values in one round trip; missing, old or outdated ones are built
    and stored. Each is stored with the generation read before building it, so a value
    built from data that changed meanwhile is never taken for current, and with when
    it was built (the cache's own expiry is only a backstop)."""
    keys = list(builders)
    found = cache.get_many(keys + [generation_key(key) for key in keys])
    now = timezone.now()
    values = {}
    for key, (build, seconds) in builders.items():
        generation = found.get(generation_key(key), 0)
        built_for, built_at, value = found.get(key) or (None, None, None)
        if built_for != generation or now - built_at >= timedelta(seconds=seconds):
            value = build()
            cache.set(key, (generation, now, value), seconds)
        values[key] = value
    return values


@functools.cache
def _member_sql() -> str:
    """Everything about one member the targets need, in one statement: their friends'
    recent posts (first: their columns set the types), then the spaces they follow and
    have read, the members blocked either way, and the gatherings where they hold or
    wait for a place. Each row is (kind, id, title, space, created_at).

    Written as SQL because it runs on every check-in and building it through the ORM
    cost more than running it. Tables come from the models, so renames follow. It runs
    on PostgreSQL and SQLite alike. Keep it in step with the community's rules:
    "published" is ContentQuerySet.published(), "visible" PostQuerySet.visible_to(),
    "blocked either way" Block.objects.involving(), and a gathering's discussion is
    never someone waiting (community.selectors.needs_a_reply_queryset). The property
    test in tests/prescriptions/test_target_properties.py checks it against them.
    """
    q = connection.ops.quote_name
    follow, read, block, rsvp, reply, post, space, gathering = (
        q(m._meta.db_table)
        for m in (SpaceFollow, SpaceRead, Block, RSVP, Reply, Post, Space, Gathering)
    )
    said = "NOT r.is_hidden AND r.removed_at IS NULL AND r.created_at >= %(since)s"
    # Only constants and quoted table names are interpolated; values are parameters.
    return f"""
        WITH blocked AS (
            SELECT blocked_id AS who FROM {block} WHERE blocker_id = %(member)s
            UNION SELECT blocker_id FROM {block} WHERE blocked_id = %(member)s
        ), talked AS (
            SELECT r.author_id AS who FROM {reply} r JOIN {post} p ON p.id = r.post_id
                WHERE p.author_id = %(member)s AND NOT r.is_anonymous AND {said}
            UNION SELECT p.author_id FROM {reply} r JOIN {post} p ON p.id = r.post_id
                WHERE r.author_id = %(member)s AND NOT p.is_anonymous AND {said}
        )
        SELECT '{FRIENDS_POST}', id, title, space_name, created_at FROM (
            SELECT p.id, p.title, s.name AS space_name, p.created_at
            FROM {post} p JOIN {space} s ON s.id = p.space_id
            WHERE p.author_id IN (SELECT who FROM talked)
                AND p.author_id NOT IN (SELECT who FROM blocked)
                AND p.author_id <> %(member)s
                AND NOT p.is_hidden AND p.removed_at IS NULL AND NOT s.is_archived
                AND NOT p.is_anonymous AND NOT p.is_locked AND p.created_at >= %(since)s
                AND p.id NOT IN (
                    SELECT discussion_id FROM {gathering} WHERE discussion_id IS NOT NULL
                )
            ORDER BY p.created_at DESC, p.id DESC
            LIMIT %(limit)s
        ) AS friends_posts
        UNION ALL SELECT '{FOLLOWED}', space_id, NULL, NULL, NULL
            FROM {follow} WHERE member_id = %(member)s
        UNION ALL SELECT '{READ}', space_id, NULL, NULL, NULL
            FROM {read} WHERE member_id = %(member)s
        UNION ALL SELECT '{BLOCKED}', who, NULL, NULL, NULL FROM blocked
        UNION ALL SELECT '{HAS_PLACE}', gathering_id, NULL, NULL, NULL FROM {rsvp}
            WHERE member_id = %(member)s AND status IN (%(going)s, %(waiting)s)
    """  # noqa: S608


def _member_facts(member, since) -> tuple[dict[str, set[int]], list[engine.Target]]:
    """Spaces followed and read, members blocked (either way), gatherings where they
    hold a place or wait for one; and the recent named posts of the members they
    talked with since `since` (repliers to their posts, authors of posts they replied
    to). One query."""
    params = {
        "member": member.pk,
        "since": connection.ops.adapt_datetimefield_value(since),  # UTC on SQLite too
        "going": RSVPStatus.GOING.value,
        "waiting": RSVPStatus.WAITING.value,
        "limit": TARGETS_PER_KIND,
    }
    facts: dict[str, set[int]] = defaultdict(set)
    friends_posts = []
    with connection.cursor() as cursor:
        cursor.execute(_member_sql(), params)
        for kind, ref, title, space_name, created_at in cursor.fetchall():
            if kind == FRIENDS_POST:
                friends_posts.append(
                    engine.Target("post", ref, title, space_name, _aware(created_at))
                )
            else:
                facts[kind].add(ref)
    return facts, friends_posts


def _aware(value) -> datetime:
    """A timestamp from raw SQL: PostgreSQL gives it aware; SQLite gives UTC, naive
    (or as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if timezone.is_naive(value) else value


def _targets(member, now, waiting_pool, gathering_pool) -> engine.Targets:
    """Real things to point at, filtered for this member. One query, always."""
    facts, friends_posts = _member_facts(member, now - timedelta(days=FRIENDS_DAYS))
    blocked = facts[BLOCKED]
    not_theirs = blocked | {member.pk}  # authors and hosts to leave out
    # Longest waiting first, in the spaces they follow or have read; a newcomer who
    # knows no space yet is shown the whole community. Never their own, never a
    # blocked member's (anonymous or not: leaving one out of a private suggestion
    # names nobody).
    cutoff = now - timedelta(days=community.NEEDS_A_REPLY_DAYS)
    waiting = [
        p for p in waiting_pool if p["author_id"] not in not_theirs and p["created_at"] >= cutoff
    ]
    known = facts[FOLLOWED] | facts[READ]
    if known:
        waiting = [p for p in waiting if p["space_id"] in known]
    gatherings = [
        g
        for g in gathering_pool
        if now < g["starts_at"] <= now + timedelta(days=GATHERING_DAYS)
        and g["host_id"] not in not_theirs
        and g["id"] not in facts[HAS_PLACE]
    ]
    return engine.Targets(
        waiting_posts=tuple(
            engine.Target(
                "post",
                p["id"],
                p["title"],
                p["space__name"],
                p["created_at"],
                waiting_for_reply=True,
            )
            for p in waiting[:TARGETS_PER_KIND]
        ),
        gatherings=tuple(
            engine.Target("gathering", g["id"], g["title"], g["space__name"], g["starts_at"])
            for g in gatherings[:TARGETS_PER_KIND]
        ),
        friends_posts=tuple(friends_posts),
    )


def engine_inputs(member, *, check_in: CheckIn, now=None):
    """Everything the engine needs: three queries and one cache round trip, whoever the
    member and however big the community (plus the shared part, when the cache has
    to build it again: at most once a minute, or after a change)."""
    now = now or timezone.now()
    shared = _cached(
        {
            CATALOGUE_KEY: (_catalogue, 60),
            COMMUNITY_LIFT_KEY: (_community_lifts, 600),
            WAITING_POOL_KEY: (_waiting_pool, POOL_SECONDS),
            GATHERING_POOL_KEY: (_gathering_pool, POOL_SECONDS),
        }
    )
    # One read of the member's recent steps serves both the history and their lifts.
    rows = list(
        Prescription.objects.filter(
            member=member, created_at__gte=now - timedelta(days=LEARNING_DAYS)
        ).values(
            "activity_id", "activity__way", "created_at", "status", "skip_reason",
            "mood_before", "mood_after",
        )
    )  # fmt: skip
    since = now - timedelta(days=HISTORY_DAYS)
    history = tuple(
        engine.Past(r["activity_id"], r["created_at"], r["status"], r["skip_reason"])
        for r in rows
        if r["created_at"] >= since
    )
    activity_lift, way_lift = _lifts_from_rows(rows)
    community_activity, community_way = shared[COMMUNITY_LIFT_KEY]
    in_crisis = mentions_crisis(check_in.note) or wrote_in_crisis_lately(member, now=now)
    state = engine.MemberState(
        energy=check_in.energy,
        mood=check_in.mood,
        urge=check_in.urge,
        now=now,
        in_crisis=in_crisis,
        history=history,
        activity_lift=activity_lift,
        way_lift=way_lift,
        community_activity_lift={k: v[0] for k, v in community_activity.items()},
        community_way_lift={k: v[0] for k, v in community_way.items()},
    )
    targets = _targets(member, now, shared[WAITING_POOL_KEY], shared[GATHERING_POOL_KEY])
    return state, shared[CATALOGUE_KEY], targets


# --- The feed --------------------------------------------------------------------


def open_prescriptions(member):
    return (
        Prescription.objects.filter(member=member, status__in=OPEN_STATUSES)
        .select_related("activity", "post", "post__space", "gathering", "prescriber", "check_in")
        .order_by("status", "created_at", "id")
    )


def recent_history(member, *, limit: int = 20):
    return list(
        Prescription.objects.filter(member=member)
        .exclude(status__in=OPEN_STATUSES)
        .select_related("activity", "post", "gathering", "prescriber")
        .order_by("-created_at", "-id")[:limit]
    )


def get_prescription_for_member(member, prescription_id: int) -> Prescription:
    """The member's own prescription; anyone else's is a 404."""
    return get_object_or_404(
        Prescription.objects.filter(member=member).select_related(
            "activity", "check_in", "post", "gathering"
        ),
        pk=prescription_id,
    )


def awaiting_mood_after(member):
    """Automatically completed prescriptions still waiting for "how do you feel now?".

    None while the member's latest check-in is a crisis one, or while their latest
    post or reply (of the last two days) is in crisis words: nothing cheerful then.
    One query, and two more only when there is something to ask about."""
    latest_in_crisis = (
        CheckIn.objects.filter(member=member).order_by("-created_at", "-id").values("in_crisis")
    )
    found = (
        Prescription.objects.filter(
            member=member,
            status=Status.DONE,
            completed_automatically=True,
            mood_after__isnull=True,
            completed_at__gte=timezone.now() - timedelta(days=PROMPT_DAYS),
        )
        .annotate(in_crisis=Subquery(latest_in_crisis[:1]))
        .filter(Q(in_crisis=False) | Q(in_crisis__isnull=True))  # NULL: no check-in
        .select_related("activity")
        .order_by("-completed_at")
        .first()
    )
    if found is not None and wrote_in_crisis_lately(member):
        return None
    return found


def wrote_in_crisis_lately(member, *, now=None) -> bool:
    """Whether the member's latest post, or latest reply, of the last two days is in
    crisis words (an older one says little about today; a calmer one since lifts it).
    One query: their few words of the window, the latest of each kind kept."""
    mine = {
        "author": member,
        "removed_at__isnull": True,
        "created_at__gte": (now or timezone.now()) - CRISIS_POST_WINDOW,
    }

    def kind(name):
        return Value(name, output_field=CharField())

    posts = Post.objects.filter(**mine).values_list(kind("post"), "created_at", "title", "body")
    replies = Reply.objects.filter(**mine).values_list(
        kind("reply"), "created_at", kind(""), "body"
    )
    latest = {}
    for what, at, title, body in posts.union(replies, all=True):
        if what not in latest or at > latest[what][0]:
            latest[what] = (at, f"{title}\n{body}")
    return any(mentions_crisis(words) for _, words in latest.values())


# --- Wellbeing -------------------------------------------------------------------

WELLBEING_EVERY = timedelta(days=28)
WELLBEING_SHOWN = 12  # the latest answers drawn on insights: about a year


def recent_wellbeing(member) -> list[WellbeingSurvey]:
    """The latest answers, oldest first. One query."""
    latest = WellbeingSurvey.objects.filter(member=member).order_by("-created_at", "-id")
    return list(reversed(latest[:WELLBEING_SHOWN]))


def latest_wellbeing_at(member) -> datetime | None:
    return (
        WellbeingSurvey.objects.filter(member=member)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
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


def normalise_handle(handle: str) -> str:
    return (handle or "").strip().removeprefix("@").strip().lower()


def get_member_for_link_worker(link_worker, handle: str) -> User:
    """The one way a link worker reaches a member: a 404 unless they are a link worker
    with the member's active consent. Only reads; what the link worker then sees or does
    is logged by the view (services.log_access), so the member's log says what it was."""
    handle = normalise_handle(handle)
    if not roles.is_link_worker(link_worker) or not community.HANDLE_RE.fullmatch(handle):
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
