"""What each nudge says: the template and the context for one log row.

Privacy, for every kind: subjects never name a mood, an urge, a crisis or health; a
step's reason in an email speaks of the step and its target only (the feed's reasons
mention urges and moods); mood figures appear only for members who ticked
"include my mood numbers"; notes never; anonymous authors are "A member"; what a
block hides on the site stays hidden here (the inbox's own selector).
"""

import re
from collections import Counter
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
from prescriptions import engine, selectors
from prescriptions.crisis import crisis_state, latest_check_in
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
    NudgeKind.GATHERING: "you have a place at this gathering.",
    NudgeKind.DIGEST: "you asked 4C to email replies and mentions you haven't seen yet.",
    NudgeKind.WELCOME_BACK: "you asked 4C to check in when you've been away for a week.",
    NudgeKind.LINK_WORKER: "you invited a link worker to suggest steps.",
}


class Skip(Exception):
    """Nothing worth sending (e.g. every reply in a digest was read meanwhile)."""


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def build(log: NudgeLog, *, now, in_crisis: bool):
    """(the email, None) or (None, why not)."""
    try:
        name, context = CONTEXT[log.kind](log, now=now, in_crisis=in_crisis)
    except Skip as why:
        return None, str(why) or "nothing new"
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
    rendered = emails.render(f"nudges/{name}", context)
    return emails.message(
        rendered, to=member.email, message_id=log.message_id, unsubscribe_url=stop_url
    )


# --- Each kind ---------------------------------------------------------------------------


def _daily_step(log, *, now, in_crisis):
    member = log.member
    if in_crisis:
        return "daily_calm", {
            "lines": list(community.active_crisis_lines()[:3]),
            "step": Activity.objects.filter(slug=CRISIS_SLUG).first(),
        }
    step = todays_step(member, now=now)
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
            self.reason = f"A small step of {way} for today, about {activity.minutes} minutes."


def todays_step(member, *, now) -> EmailStep | None:
    """The member's step for today: the first open one from the last two days (what they
    planned leads, as on the feed), or else the engine's first suggestion from their
    latest check-in of the last two days, or a gentle plan when there is none. Nothing
    is stored: the email invites them to check in for their own steps."""
    for p in selectors.open_prescriptions(member).filter(created_at__gte=now - STEP_FRESH)[:1]:
        if p.post_id and _may_show(member, p.post):
            return EmailStep(p.activity, post=p.post, waiting=p.post.first_reply_at is None)
        if p.gathering_id:
            return EmailStep(p.activity, gathering=p.gathering)
        return EmailStep(p.activity)
    latest = latest_check_in(member)
    if latest is None or now - latest.created_at > STEP_FRESH:
        latest = CheckIn(member=member, created_at=now, **GENTLE)
    else:
        latest = CheckIn(
            member=member, mood=latest.mood, energy=latest.energy, urge=latest.urge, created_at=now
        )
    state, catalogue, found = selectors.engine_inputs(member, check_in=latest, now=now)
    plan = engine.suggest(state, catalogue, found, seed=member.pk + now.toordinal())
    for s in plan.suggestions[:1]:
        activity = Activity.objects.get(pk=s.activity.id)
        if s.target and s.target.kind == "post":
            post = Post.objects.select_related("space").filter(pk=s.target.id).first()
            if post is not None:
                return EmailStep(activity, post=post, waiting=s.target.waiting_for_reply)
        if s.target and s.target.kind == "gathering":
            gathering = Gathering.objects.filter(pk=s.target.id).first()
            if gathering is not None:
                return EmailStep(activity, gathering=gathering)
        return EmailStep(activity)
    return None


def _may_show(member, post) -> bool:
    """A post still published, and not a blocked member's named one (a block made
    after the step was suggested hides it here too)."""
    if not post.is_published:
        return False
    return post.is_anonymous or not Block.objects.between(member, post.author_id)


def _weekly(log, *, now, in_crisis):
    member = log.member
    week = Prescription.objects.filter(
        member=member, status=Status.DONE, completed_at__gte=now - timedelta(days=7)
    )
    done = list(week.values_list("activity__way", "mood_before", "mood_after"))
    ways = [Way(w).label for w in sorted({way for way, _, _ in done}, key=list(Way.values).index)]
    context = {
        "done": len(done),
        "ways": ways,
        "step": todays_step(member, now=now),
        "insights_url": absolute(reverse("prescriptions:insights")),
        "check_in_url": absolute(reverse("prescriptions:check-in")),
    }
    if member.nudge_preferences.include_mood:
        moods = list(
            CheckIn.objects.filter(
                member=member, created_at__gte=now - timedelta(days=7)
            ).values_list("mood", flat=True)
        )
        lifts = [after - before for _, before, after in done if None not in (before, after)]
        context["mood"] = {
            "check_ins": len(moods),
            "average": round(sum(moods) / len(moods), 1) if moods else None,
            "lift": round(sum(lifts) / len(lifts), 1) if lifts else None,
        }
    return "weekly", context


def _gathering(log, *, now, in_crisis):
    gathering = Gathering.objects.select_related("space").filter(pk=log.about_id).first()
    if gathering is None or gathering.is_cancelled or gathering.starts_at <= now:
        raise Skip("nothing new")
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


def _digest(log, *, now, in_crisis):
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
        raise Skip("nothing new")
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


def _welcome_back(log, *, now, in_crisis):
    return "welcome_back", {
        "feed_url": absolute(reverse("prescriptions:feed")),
        "check_in_url": absolute(reverse("prescriptions:check-in")),
    }


def _link_worker(log, *, now, in_crisis):
    step = (
        Prescription.objects.select_related("prescriber", "activity")
        .filter(pk=log.about_id, member=log.member, prescriber__isnull=False)
        .first()
    )
    if step is None or not step.is_open:
        raise Skip("nothing new")
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
    return build(log, now=now, in_crisis=crisis_state(member, now=now).in_crisis)
