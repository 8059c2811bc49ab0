"""What each nudge says: the template and the context for one log row.

Privacy, for every kind: subjects never name a mood, an urge, a crisis or health; a
step's reason in an email speaks of the step and its target only (the feed's reasons
mention urges and moods); mood figures appear only for members who ticked
"include my mood numbers"; notes never; anonymous authors are "A member"; what a
block hides on the site stays hidden here (the inbox's own selector).
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from community import notifications
from community import selectors as community
from community.models import RSVP, Block, Gathering, Notification, Post
from fourc.lib import emails
from prescriptions import crisis, engine, selectors
from prescriptions.models import (
    CRISIS_SLUG,
    Activity,
    CheckIn,
    NudgeKind,
    NudgeLog,
    Prescription,
    Status,
    Way,
)
from prescriptions.nudges import services

DIGEST_KINDS = (
    notifications.REPLY,
    notifications.FOLLOWED_REPLY,
    notifications.MENTION,
    notifications.GATHERING_PROMOTED,
    notifications.GATHERING_CANCELLED,
)
DIGEST_SHOWN = 20
STEP_FRESH = timedelta(days=2)  # an open step older than this isn't "today's"
GENTLE = {"mood": 5, "energy": 2}  # with no recent check-in, the engine plans gently
WHY = {
    NudgeKind.DAILY_STEP: "you asked 4C for one small step each day.",
    NudgeKind.WEEKLY: "you asked 4C for a look back at your week on Sundays.",
    NudgeKind.GATHERING: "you have a place at this gathering, and reminders are on.",
    NudgeKind.DIGEST: "replies and mentions you haven't seen are emailed unless you say no.",
    NudgeKind.WELCOME_BACK: "you asked 4C to check in when you've been away for a week.",
    NudgeKind.LINK_WORKER: "you invited a link worker, and their suggestions are emailed to you.",
}


NOTHING_NEW = "nothing new"  # a skip reason: e.g. every reply in a digest read meanwhile


class Skip(Exception):
    """Nothing worth sending (e.g. every reply in a digest was read meanwhile)."""


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


STEP_KINDS = (NudgeKind.DAILY_STEP, NudgeKind.WEEKLY)
WEEK = timedelta(days=7)


@dataclass
class Batch:
    """What a batch of logs needs, read once for all (`prepare`)."""

    steps: dict = field(default_factory=dict)  # member id: today's EmailStep, or None
    done: dict = field(default_factory=dict)  # member id: [(way, mood before, after)]
    moods: dict = field(default_factory=dict)  # member id: [mood], for those who chose


def prepare(logs, *, now, in_crisis: frozenset) -> Batch:
    """Reads what the batch's emails need in a constant number of queries: today's step
    of each member due a daily step or a weekly look back (and not in crisis), and for
    the look backs their week's done steps, and moods for those who chose to see them."""
    members = {
        log.member_id: log.member
        for log in logs
        if log.kind in STEP_KINDS and log.member_id not in in_crisis
    }
    batch = Batch(steps=todays_steps(list(members.values()), now=now, in_crisis=in_crisis))
    weekly = [log.member for log in logs if log.kind == NudgeKind.WEEKLY]
    if weekly:
        batch.done = {member.pk: [] for member in weekly}
        for member_id, *row in Prescription.objects.filter(
            member__in=weekly, status=Status.DONE, completed_at__gte=now - WEEK
        ).values_list("member_id", "activity__way", "mood_before", "mood_after"):
            batch.done[member_id].append(tuple(row))
        chose = [m for m in weekly if m.nudge_preferences.include_mood]
        batch.moods = {member.pk: [] for member in chose}
        if chose:
            for member_id, mood in CheckIn.objects.filter(
                member__in=chose, created_at__gte=now - WEEK
            ).values_list("member_id", "mood"):
                batch.moods[member_id].append(mood)
    return batch


def build(log: NudgeLog, *, now, in_crisis: bool, batch: Batch | None = None):
    """(the email, None) or (None, why not). `batch` from `prepare` (read here for this
    one log when not given)."""
    if batch is None:
        batch = prepare(
            [log], now=now, in_crisis=frozenset({log.member_id}) if in_crisis else frozenset()
        )
    try:
        name, context = CONTEXT[log.kind](log, now=now, in_crisis=in_crisis, batch=batch)
    except Skip as why:
        return None, str(why) or NOTHING_NEW
    return _email(log, name, context), None


def _email(log: NudgeLog, name: str, context: dict):
    member = log.member
    token = services.stop_token(member=member, kind=log.kind)
    stop_url = absolute(reverse("prescriptions:nudge-stop", args=[token]))
    context = {
        "member": member,
        "kind": log.kind,
        "kind_label": NudgeKind(log.kind).label,
        "why": WHY[log.kind],
        "site_url": settings.SITE_URL,
        "preferences_url": absolute(reverse("prescriptions:nudge-settings")),
        "stop_url": stop_url,
        "help_url": absolute(reverse("community:help")),
        **context,
    }
    rendered = emails.render(f"nudges/{name}", context, zone=member.tzinfo)
    return emails.message(
        rendered, to=member.email, message_id=log.message_id, unsubscribe_url=stop_url
    )


# --- Each kind ---------------------------------------------------------------------------


def _daily_step(log, *, now, in_crisis, batch):
    member = log.member
    if in_crisis:
        return "daily_calm", {
            "lines": list(community.active_crisis_lines()[:3]),
            "step": Activity.objects.filter(slug=CRISIS_SLUG).first(),
        }
    step = batch.steps.get(member.pk)
    return "daily_step", {
        "step": step,
        "check_in_url": absolute(reverse("prescriptions:check-in")),
        "feed_url": absolute(reverse("prescriptions:feed")),
    }


class EmailStep:
    """A step as an email shows it: title, how, a reason about the step alone, and a
    link to its real target when it has one."""

    def __init__(self, activity, *, post=None, gathering=None, waiting=False):
        self.title = activity.title
        self.how_to = activity.how_to
        self.minutes = activity.minutes
        self.target_url = ""
        self.target_title = ""
        if post is not None:
            self.target_url = absolute(reverse("community:post-detail", args=[post.pk]))
            self.target_title = post.title
            self.reason = (
                f"“{post.title}” in {post.space.name} is waiting for a first reply."
                if waiting
                else f"“{post.title}” in {post.space.name} might be one for you."
            )
        elif gathering is not None:
            self.target_url = absolute(reverse("community:gathering-detail", args=[gathering.pk]))
            self.target_title = gathering.title
            self.reason = f"“{gathering.title}” is coming up soon and has places left."
        else:
            way = engine.WAY_WORDS.get(activity.way, "kindness")
            self.reason = f"A small step of {way}, about {activity.minutes} minutes."


def todays_steps(members, *, now, in_crisis=frozenset()) -> dict[int, "EmailStep | None"]:
    """Each member's step for today: their first open one from the last two days (what
    they planned leads, as on the feed), or else the engine's first suggestion from
    their latest check-in of the last two days, or a gentle plan when there is none.
    Nothing is stored: the email invites them to check in for their own steps. A
    constant number of queries however many members (selectors.engine_inputs_for_many)."""
    if not members:
        return {}
    ids = [member.pk for member in members]
    open_steps = selectors.first_open_steps(ids, since=now - STEP_FRESH)
    blocked = set(Block.objects.pairs_either_way(ids)) if open_steps else set()
    steps: dict[int, EmailStep | None] = {}
    for member_id, p in open_steps.items():
        if p.post_id:
            hidden = (
                not p.post.is_published
                or p.post.crisis_words  # someone's crisis is nobody's step
                or p.post.author_id in in_crisis
                or (not p.post.is_anonymous and (member_id, p.post.author_id) in blocked)
            )
            steps[member_id] = (
                EmailStep(p.activity)
                if hidden
                else EmailStep(p.activity, post=p.post, waiting=p.post.first_reply_at is None)
            )
        elif p.gathering_id:
            steps[member_id] = EmailStep(p.activity, gathering=p.gathering)
        else:
            steps[member_id] = EmailStep(p.activity)
    rest = [member for member in members if member.pk not in steps]
    if not rest:
        return steps
    catalogue, inputs = selectors.engine_inputs_for_many(
        rest,
        now=now,
        in_crisis=in_crisis,
        check_in_for=lambda member, latest: _plan_from(latest, member, now),
    )
    firsts = {}
    for member in rest:
        state, found = inputs[member.pk]
        plan = engine.suggest(state, catalogue, found, seed=member.pk + now.toordinal())
        firsts[member.pk] = plan.suggestions[0] if plan.suggestions else None
    chosen = [s for s in firsts.values() if s is not None]
    activities = Activity.objects.in_bulk([s.activity.id for s in chosen])
    post_ids = [s.target.id for s in chosen if s.target and s.target.kind == "post"]
    posts = Post.objects.select_related("space").in_bulk(post_ids) if post_ids else {}
    gathering_ids = [s.target.id for s in chosen if s.target and s.target.kind == "gathering"]
    gatherings = Gathering.objects.in_bulk(gathering_ids) if gathering_ids else {}
    for member_id, s in firsts.items():
        if s is None or s.activity.id not in activities:
            steps[member_id] = None
            continue
        activity = activities[s.activity.id]
        target = s.target
        if target and target.kind == "post" and target.id in posts:
            steps[member_id] = EmailStep(
                activity, post=posts[target.id], waiting=target.waiting_for_reply
            )
        elif target and target.kind == "gathering" and target.id in gatherings:
            steps[member_id] = EmailStep(activity, gathering=gatherings[target.id])
        else:
            steps[member_id] = EmailStep(activity)
    return steps


def _plan_from(latest, member, now) -> CheckIn:
    """The check-in an email's step is planned from: the latest, if from the last two
    days (its note never: only how they were), or gentle defaults."""
    if latest is None or now - latest.created_at > STEP_FRESH:
        return CheckIn(member=member, created_at=now, **GENTLE)
    return CheckIn(
        member=member, mood=latest.mood, energy=latest.energy, urge=latest.urge, created_at=now
    )


def todays_step(member, *, now) -> "EmailStep | None":
    """todays_steps for one member (a preview)."""
    return todays_steps([member], now=now, in_crisis=crisis.everyone_in_crisis(now=now))[member.pk]


def _weekly(log, *, now, in_crisis, batch):
    member = log.member
    done = batch.done.get(member.pk, [])
    ways = [Way(w).label for w in sorted({way for way, _, _ in done}, key=list(Way.values).index)]
    context = {
        "done": len(done),
        "ways": ways,
        "step": batch.steps.get(member.pk),
        "insights_url": absolute(reverse("prescriptions:insights")),
        "check_in_url": absolute(reverse("prescriptions:check-in")),
    }
    if member.nudge_preferences.include_mood:
        moods = batch.moods.get(member.pk, [])
        lifts = [after - before for _, before, after in done if None not in (before, after)]
        context["mood"] = {
            "check_ins": len(moods),
            "average": round(sum(moods) / len(moods), 1) if moods else None,
            "lift": round(sum(lifts) / len(lifts), 1) if lifts else None,
        }
    return "weekly", context


def _gathering(log, *, now, in_crisis, batch):
    gathering = Gathering.objects.select_related("space").filter(pk=log.about_id).first()
    if gathering is None or gathering.is_cancelled or gathering.starts_at <= now:
        raise Skip(NOTHING_NEW)
    tz = log.member.tzinfo
    starts = gathering.starts_at.astimezone(tz)
    soon = gathering.starts_at - now <= timedelta(hours=1, minutes=5)
    return "gathering", {
        "gathering": gathering,
        "starts": starts,
        "zone": starts.tzname(),
        "soon": soon,
        "when": "in an hour"
        if soon
        else "tomorrow"
        if starts.date() > now.astimezone(tz).date()
        else "later today",
        "gathering_url": absolute(reverse("community:gathering-detail", args=[gathering.pk])),
        "online": gathering.format == "online",
    }


def _digest(log, *, now, in_crisis, batch):
    unread = (
        community.visible_notifications(log.member)
        .filter(read_at__isnull=True, kind__in=DIGEST_KINDS, created_at__lte=log.due_at)
        .select_related("actor", "post", "post__space", "reply", "gathering")
        .order_by("-created_at", "-id")
    )
    if log.since:
        unread = unread.filter(created_at__gt=log.since)
    found = list(unread[: DIGEST_SHOWN + 1])
    if not found:
        raise Skip(NOTHING_NEW)
    items = [_notification_lines(n) for n in found[:DIGEST_SHOWN]]
    counts = Counter(n.kind for n in found)
    replies = counts[notifications.REPLY] + counts[notifications.FOLLOWED_REPLY]
    return "digest", {
        "items": items,
        "more": len(found) > DIGEST_SHOWN,
        "replies": replies,
        "mentions": counts[notifications.MENTION],
        "notifications_url": absolute(reverse("community:notifications")),
    }


_HREF = re.compile(r'href="(/[^"]*)"')


def _notification_lines(n: Notification) -> dict:
    """A notification in the inbox's own words (its template), and its first link whole."""
    html = render_to_string(n.template, {"n": n})
    links = _HREF.findall(html)
    return {
        "text": " ".join(unescape(strip_tags(html)).split()),
        "url": absolute(links[0]) if links else "",
    }


def _welcome_back(log, *, now, in_crisis, batch):
    return "welcome_back", {
        "feed_url": absolute(reverse("prescriptions:feed")),
        "check_in_url": absolute(reverse("prescriptions:check-in")),
    }


def _link_worker(log, *, now, in_crisis, batch):
    step = (
        Prescription.objects.select_related("prescriber", "activity")
        .filter(pk=log.about_id, member=log.member, prescriber__isnull=False)
        .first()
    )
    if step is None or not step.is_open:
        raise Skip(NOTHING_NEW)
    return "link_worker", {
        "link_worker": step.prescriber.display_name,
        "step_title": step.activity.title,
        "feed_url": absolute(reverse("prescriptions:feed")),
    }


CONTEXT = {
    NudgeKind.DAILY_STEP: _daily_step,
    NudgeKind.WEEKLY: _weekly,
    NudgeKind.GATHERING: _gathering,
    NudgeKind.DIGEST: _digest,
    NudgeKind.WELCOME_BACK: _welcome_back,
    NudgeKind.LINK_WORKER: _link_worker,
}


def preview(member, kind: str, *, now=None):
    """The email `member` would get for `kind` now, without claiming or sending it."""
    now = now or timezone.now()
    log = NudgeLog(pk=0, member=member, kind=kind, period="preview", due_at=now, since=None)
    if kind == NudgeKind.GATHERING:
        place = (
            RSVP.objects.filter(member=member, gathering__starts_at__gt=now)
            .order_by("gathering__starts_at")
            .first()
        )
        log.about_id = place.gathering_id if place else None
    if kind == NudgeKind.LINK_WORKER:
        log.about_id = (
            Prescription.objects.filter(member=member, prescriber__isnull=False)
            .order_by("-created_at")
            .values_list("pk", flat=True)
            .first()
        )
    return build(log, now=now, in_crisis=crisis.crisis_state(member, now=now).in_crisis)
