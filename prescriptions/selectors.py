"""Reads for prescriptions. Health data is read only for its member (or a consented
link worker, through link_worker_view)."""

from collections import defaultdict
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Avg, Count, F, Q
from django.http import Http404
from django.utils import timezone

from community import selectors as community
from community.models import Block, Gathering, Post, Reply, RSVPStatus, SpaceFollow
from community.safety import mentions_crisis
from prescriptions import engine
from prescriptions.models import (
    CONSENT_VERSION,
    OPEN_STATUSES,
    Activity,
    CheckIn,
    Consent,
    Prescription,
    Status,
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


def catalogue() -> list[engine.ActivityInfo]:
    """The active catalogue, cached for a minute (a retired activity may linger that long)."""
    return cache.get_or_set(CATALOGUE_KEY, _catalogue, 60)


def _catalogue() -> list[engine.ActivityInfo]:
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


def community_lifts() -> tuple[dict, dict]:
    """The community's mean lifts: the engine's prior. Cached, so a check-in never
    aggregates every prescription ever done."""
    return cache.get_or_set(COMMUNITY_LIFT_KEY, lambda: _lifts(Prescription.objects.all()), 600)


def _targets(member, now) -> engine.Targets:
    """Real things to point at, already filtered for this member. Four queries, always."""
    # Longest waiting first, in the spaces they follow before the rest of the community.
    # Two small index walks (always both, so the query count never varies).
    followed = SpaceFollow.objects.filter(member=member).values("space")
    waiting_posts = community.needs_a_reply_queryset(member).order_by("created_at", "id")
    waiting = list(waiting_posts.filter(space__in=followed)[:TARGETS_PER_KIND])
    seen = {p.pk for p in waiting}
    waiting += [p for p in waiting_posts[:TARGETS_PER_KIND] if p.pk not in seen]
    waiting = waiting[:TARGETS_PER_KIND]
    gatherings = (
        Gathering.objects.upcoming(now)
        .filter(starts_at__gt=now, starts_at__lte=now + timedelta(days=GATHERING_DAYS))
        .annotate(going=Count("rsvps", filter=Q(rsvps__status=RSVPStatus.GOING)))
        .filter(Q(capacity__isnull=True) | Q(capacity__gt=F("going")))
        .exclude(rsvps__member=member, rsvps__status__in=[RSVPStatus.GOING, RSVPStatus.WAITING])
        .exclude(host=member)
        .exclude(Block.objects.involving(member, "host"))
        .select_related("space")
        .order_by("starts_at", "id")[:TARGETS_PER_KIND]
    )
    # People they've talked with lately: named repliers to their posts, and the named
    # authors of posts they replied to.
    since = now - timedelta(days=FRIENDS_DAYS)
    repliers = (
        Reply.objects.published()
        .filter(post__author=member, is_anonymous=False, created_at__gte=since)
        .values_list("author_id", flat=True)
    )
    replied_to = (
        Reply.objects.published()
        .filter(author=member, post__is_anonymous=False, created_at__gte=since)
        .values_list("post__author_id", flat=True)
    )
    friends = set(repliers.union(replied_to)) - {member.pk}
    friends_posts = (
        Post.objects.visible_to(member)
        .filter(author_id__in=friends or [0], is_anonymous=False, is_locked=False)
        .filter(created_at__gte=since)
        .select_related("space")
        .order_by("-created_at", "-id")[:TARGETS_PER_KIND]
    )
    return engine.Targets(
        waiting_posts=tuple(
            engine.Target(
                "post", p.pk, p.title, p.space.name, p.created_at, waiting_for_reply=True
            )
            for p in waiting
        ),
        gatherings=tuple(
            engine.Target("gathering", g.pk, g.title, g.space.name, g.starts_at)
            for g in gatherings
        ),
        friends_posts=tuple(
            engine.Target("post", p.pk, p.title, p.space.name, p.created_at) for p in friends_posts
        ),
    )


def engine_inputs(member, *, check_in: CheckIn, now=None):
    """Everything the engine needs, in a constant number of queries."""
    now = now or timezone.now()
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
    community_activity, community_way = community_lifts()
    latest_post = (
        Post.objects.filter(
            author=member, removed_at__isnull=True, created_at__gte=now - CRISIS_POST_WINDOW
        )
        .order_by("-created_at")
        .values("body")
        .first()
    )
    in_crisis = mentions_crisis(check_in.note) or (
        latest_post is not None and mentions_crisis(latest_post["body"])
    )
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
    return state, catalogue(), _targets(member, now)


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
    found = (
        Prescription.objects.select_related("activity", "check_in", "post", "gathering")
        .filter(pk=prescription_id, member=member)
        .first()
    )
    if found is None:
        raise Http404("No such prescription.")
    return found


def awaiting_mood_after(member):
    """Automatically completed prescriptions still waiting for "how do you feel now?"."""
    return (
        Prescription.objects.filter(
            member=member,
            status=Status.DONE,
            completed_automatically=True,
            mood_after__isnull=True,
            completed_at__gte=timezone.now() - timedelta(days=PROMPT_DAYS),
        )
        .select_related("activity")
        .order_by("-completed_at")
        .first()
    )
