"""The prescription engine: a pure function from a member's state and the community's
current targets to a few small, explained suggestions.

No queries, no clock, no randomness from outside: everything arrives in the
arguments (the seed included), so the same inputs give the same suggestions. (It
imports two constants from prescriptions.models, so Django must be set up.)
`prescriptions.selectors.engine_inputs` gathers the inputs (the targets come from
`prescriptions/targets.py`) in a constant number of queries;
`prescriptions.services.record_check_in` stores the result.

The rules, each tested:
- energy fit: nothing needs more energy than the member has; at energy 1-2, tiny steps;
- connection always: at least one suggestion connects or gives;
- opposite action first: with an urge, the first suggestion is its opposite, said kindly;
- concrete targets: a real post waiting for a reply, a gathering this week with places,
  a recent post by someone the member has talked with;
- novelty: not the same activity within 3 days, unless it lifted their mood;
- learning: what lifted this member more ranks higher (shrunk towards the community
  while there is little data); "not for me" ranks lower; one slot may explore;
- safety: crisis language replaces everything with the help page and one step
  towards a person, now.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prescriptions.models import CONNECTION_WAYS, CRISIS_SLUG

NOVELTY = timedelta(days=3)
TINY_MINUTES = 10  # at energy 1-2 a step takes no more than this
SHRINK = 3.0  # how many data points the community's average is worth
EXPLORE_SHARE = 0.25  # chance that the last slot explores

URGE_WORDS = {
    "keep_to_myself": "keeping to yourself",
    "avoid": "avoiding things",
    "stay_in_bed": "staying in bed",
    "ruminate": "going over and over things",
    "numb_out": "numbing out or scrolling",
    "give_up": "giving up on plans",
}
WAY_WORDS = {
    "connect": "connecting",
    "be_active": "moving",
    "take_notice": "taking notice",
    "keep_learning": "learning something",
    "give": "giving",
}
POST_ACTIONS = ("react", "reply")
NIGHT_STARTS, NIGHT_ENDS = 22, 7


@dataclass(frozen=True)
class ActivityInfo:
    id: int
    slug: str
    title: str
    energy: int
    way: str
    technique: str
    opposite_of: tuple[str, ...]
    minutes: int
    action: str
    satisfaction: str = ""  # "mastery", "pleasure" or ""
    is_support: bool = False  # a step towards support or help: first on a low day
    needs_link_worker: bool = False
    night_unsafe: bool = False  # never between 22:00 and 07:00, member's time
    # What a step on a target fits (empty: anything of its kind).
    target_intents: tuple[str, ...] = ()
    target_author: str = ""  # "newcomer", "friend" or ""
    target_at_night: bool = False
    target_format: str = ""  # "online", "in_person" or ""

    @property
    def is_connection(self) -> bool:
        return self.way in CONNECTION_WAYS


@dataclass(frozen=True)
class Target:
    kind: str  # "post" or "gathering"
    id: int
    title: str
    space: str
    # For posts: when it was written; for gatherings: when it starts.
    at: datetime
    waiting_for_reply: bool = False
    # The facts a step is fitted to (ActivityInfo.target_*):
    intent: str = ""  # a post's intent: "support", "win", "idea", "hello"
    newcomer: bool = False  # the author's first post
    friend: bool = False  # by someone the member has talked with
    at_night: bool = False  # written between 22:00 and 07:00 in the writer's time
    format: str = ""  # a gathering's: "online" or "in_person"


@dataclass(frozen=True)
class Past:
    """One earlier prescription of this member."""

    activity_id: int
    created_at: datetime
    status: str
    skip_reason: str = ""


@dataclass(frozen=True)
class MemberState:
    energy: int
    mood: int
    urge: str
    now: datetime
    in_crisis: bool = False
    # A low day (mood 2 or less; 3 or less on 3 of the last 5 check-ins; or within 72
    # hours of a crisis check-in): a support step first, nobody else's pain to carry.
    supportive: bool = False
    local_hour: int = 12  # the hour on the member's own clock
    has_link_worker: bool = False
    history: tuple[Past, ...] = ()
    # activity id -> (mean lift, times) for this member; way -> (mean lift, times)
    activity_lift: dict = field(default_factory=dict)
    way_lift: dict = field(default_factory=dict)
    # The community's mean lift per activity id and per way (the prior).
    community_activity_lift: dict = field(default_factory=dict)
    community_way_lift: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Targets:
    """What is real in the community right now, already filtered for this member."""

    waiting_posts: tuple[Target, ...] = ()  # Needs a reply, longest waiting first
    gatherings: tuple[Target, ...] = ()  # within 7 days, places left, soonest first
    friends_posts: tuple[Target, ...] = ()  # recent posts by people they've talked with


@dataclass(frozen=True)
class Suggestion:
    activity: ActivityInfo
    target: Target | None
    reason: str
    score_parts: dict


@dataclass(frozen=True)
class Plan:
    in_crisis: bool
    suggestions: tuple[Suggestion, ...]
    supportive: bool = False  # a low day: the feed leads with help


def _shrunk(member: tuple[float, int] | None, prior: float) -> float:
    if not member:
        return prior
    mean, times = member
    return (mean * times + prior * SHRINK) / (times + SHRINK)


def _score(activity: ActivityInfo, state: MemberState) -> dict:
    parts = {
        "lift": round(
            _shrunk(
                state.activity_lift.get(activity.id),
                state.community_activity_lift.get(activity.id, 0.0),
            ),
            3,
        ),
        "way_lift": round(
            0.5
            * _shrunk(
                state.way_lift.get(activity.way), state.community_way_lift.get(activity.way, 0.0)
            ),
            3,
        ),
        # Near the energy they have: a tiny step on a good day is fine, but not always.
        "energy_fit": round(-0.3 * (state.energy - activity.energy), 3),
    }
    not_for_me = sum(
        1 for p in state.history if p.activity_id == activity.id and p.skip_reason == "not_for_me"
    )
    if not_for_me:
        parts["not_for_me"] = -1.5 * min(not_for_me, 3)
    return parts


TAKEN_UP = ("done", "planned", "skipped")  # suggestions left untouched don't count


def _recently_done(activity: ActivityInfo, state: MemberState) -> bool:
    recent = any(
        p.activity_id == activity.id
        and p.status in TAKEN_UP
        and state.now - p.created_at < NOVELTY
        for p in state.history
    )
    lifted = (state.activity_lift.get(activity.id) or (0.0, 0))[0] > 0
    return recent and not lifted


def is_night(hour: int) -> bool:
    """From 22:00 to 07:00 on someone's own clock."""
    return hour >= NIGHT_STARTS or hour < NIGHT_ENDS


def fits(activity: ActivityInfo, target: Target, *, supportive: bool = False) -> bool:
    """Whether a step may point at this target: a post step at a post (one still
    waiting, for "reply to someone waiting") of the intent, author and hour the step is
    for; a gathering step at a gathering of its format. On a low day, never at a post
    asking for support: nobody is asked to carry someone else's pain then."""
    if activity.action == "attend":
        return target.kind == "gathering" and activity.target_format in ("", target.format)
    if activity.action not in (*POST_ACTIONS, "reply_unanswered") or target.kind != "post":
        return False
    return (
        (activity.action != "reply_unanswered" or target.waiting_for_reply)
        and (not activity.target_intents or target.intent in activity.target_intents)
        and (activity.target_author != "newcomer" or target.newcomer)
        and (activity.target_author != "friend" or target.friend)
        and (not activity.target_at_night or target.at_night)
        and not (supportive and target.intent == "support")
    )


def _target_for(
    activity: ActivityInfo, targets: Targets, used: set, *, supportive: bool = False
) -> Target | None | bool:
    """The target to point at, None when none is needed, False when one is needed and
    none fits (the activity is then left out). Friends' posts come first, then those
    waiting longest, then gatherings soonest."""
    if activity.action not in (*POST_ACTIONS, "reply_unanswered", "attend"):
        return None
    candidates = (*targets.friends_posts, *targets.waiting_posts, *targets.gatherings)
    return next(
        (
            t
            for t in candidates
            if (t.kind, t.id) not in used and fits(activity, t, supportive=supportive)
        ),
        False,
    )


def _ago(moment: datetime, now: datetime) -> str:
    hours = int((now - moment).total_seconds() // 3600)
    if hours < 1:
        return "a little while"
    if hours < 24:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} day{'s' if days != 1 else ''}"


def _reason(
    activity: ActivityInfo,
    target: Target | None,
    state: MemberState,
    *,
    opposite: bool,
    explore: bool,
) -> str:
    parts = []
    if opposite:
        urge = URGE_WORDS.get(state.urge, "pulling away")
        parts.append(
            f"You said you feel like {urge} today. A gentle opposite step: {activity.title}."
        )
    if target is not None and target.kind == "post" and target.waiting_for_reply:
        enough = (
            "Even a reaction tells them someone's there."
            if activity.action == "react"
            else "One kind sentence is enough."
        )
        parts.append(
            f"“{target.title}” in {target.space} has waited {_ago(target.at, state.now)} "
            f"for a first reply. {enough}"
        )
    elif target is not None and target.kind == "post":
        parts.append(f"Someone you've talked with posted “{target.title}” in {target.space}.")
    elif target is not None and target.kind == "gathering":
        parts.append(
            f"“{target.title}” is coming up soon and has places left. Only if it feels OK."
        )
    own = state.activity_lift.get(activity.id)
    way = state.way_lift.get(activity.way)
    if not opposite and own and own[0] > 0 and own[1] >= 2:
        parts.append(f"Last times, this lifted your mood by {own[0]:.1f} on average.")
    elif not opposite and way and way[0] > 0 and way[1] >= 2:
        parts.append(
            f"Last times, {WAY_WORDS.get(activity.way, 'this')} lifted your mood by "
            f"{way[0]:.1f} on average."
        )
    if state.energy <= 2 and not parts:
        parts.append(
            f"Your energy is low today, so this one is tiny: about {activity.minutes} minutes."
        )
    if explore and not parts:
        parts.append("Something a little different, in case it helps.")
    if not parts:
        parts.append(f"A small step of {WAY_WORDS.get(activity.way, 'kindness')} for today.")
    return " ".join(parts)


def suggest(
    state: MemberState,
    catalogue: list[ActivityInfo],
    targets: Targets,
    *,
    count: int = 3,
    seed: int = 0,
) -> Plan:
    """A few suggestions for this member now; see the module docstring for the rules.

    Novelty gives way when keeping it would break the firmer rules (a connection,
    the opposite first) or leave nothing to offer.
    """
    plan = _suggest(state, catalogue, targets, count=count, seed=seed, novelty=True)
    if plan.in_crisis or _keeps_the_rules(plan, state):
        return plan
    return _suggest(state, catalogue, targets, count=count, seed=seed, novelty=False)


def _keeps_the_rules(plan: Plan, state: MemberState) -> bool:
    if not plan.suggestions:
        return False
    if not any(s.activity.is_connection for s in plan.suggestions):
        return False
    return not state.urge or state.urge in plan.suggestions[0].activity.opposite_of


def _suggest(state, catalogue, targets, *, count, seed, novelty) -> Plan:
    rng = random.Random(seed)  # noqa: S311 - exploration, not secrets
    if state.in_crisis:
        reach_out = next((a for a in catalogue if a.slug == CRISIS_SLUG), None)
        suggestions = ()
        if reach_out is not None:
            suggestions = (
                Suggestion(
                    activity=reach_out,
                    target=None,
                    reason="It sounds like things are really hard right now. Please reach out to "
                    "a person now: someone you trust, or one of the lines on the help page.",
                    score_parts={"crisis": True},
                ),
            )
        return Plan(in_crisis=True, suggestions=suggestions)

    candidates = [
        a
        for a in catalogue
        if a.slug != CRISIS_SLUG
        and a.energy <= state.energy
        and (state.energy > 2 or a.minutes <= TINY_MINUTES)
        and not (novelty and _recently_done(a, state))
    ]
    scored = []
    for activity in candidates:
        parts = _score(activity, state)
        if _target_for(activity, targets, set()):
            parts["target"] = 0.5  # something real to do, not an abstract idea
        scored.append((sum(parts.values()), activity.slug, activity, parts))
    scored.sort(key=lambda row: (-row[0], row[1]))

    chosen: list[Suggestion] = []
    used_targets: set = set()

    def take(activity, parts, *, opposite=False, explore=False) -> bool:
        if any(s.activity.id == activity.id for s in chosen):
            return False
        target = _target_for(activity, targets, used_targets)
        if target is False:
            return False
        if target is not None:
            used_targets.add((target.kind, target.id))
        if opposite:
            parts = {**parts, "opposite_action": True}
        if explore:
            parts = {**parts, "explore": True}
        reason = _reason(activity, target, state, opposite=opposite, explore=explore)
        chosen.append(
            Suggestion(activity=activity, target=target, reason=reason, score_parts=parts)
        )
        return True

    # Opposite action first, preferring a step towards people.
    if state.urge:
        opposites = [row for row in scored if state.urge in row[2].opposite_of]
        opposites.sort(key=lambda row: (not row[2].is_connection, -row[0], row[1]))
        for _, _, activity, parts in opposites:
            if take(activity, parts, opposite=True):
                break

    explore = rng.random() < EXPLORE_SHARE
    regular_slots = count - 1 if explore else count
    for _, _, activity, parts in scored:
        if len(chosen) >= regular_slots:
            break
        take(activity, parts)

    if explore:
        remaining = [row for row in scored if all(s.activity.id != row[2].id for s in chosen)]
        rng.shuffle(remaining)
        for _, _, activity, parts in remaining:
            if take(activity, parts, explore=True):
                break
        for _, _, activity, parts in scored:  # top up if exploring found nothing usable
            if len(chosen) >= count:
                break
            take(activity, parts)

    # Connection always: if nothing connects or gives, the last slot does.
    if chosen and not any(s.activity.is_connection for s in chosen):
        for _, _, activity, parts in scored:
            if not activity.is_connection:
                continue
            dropped = chosen.pop()
            if dropped.target is not None:
                used_targets.discard((dropped.target.kind, dropped.target.id))
            if take(activity, parts):
                break
            chosen.append(dropped)
    return Plan(in_crisis=False, suggestions=tuple(chosen[:count]))
