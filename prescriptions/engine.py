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
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from prescriptions.models import CONNECTION_WAYS, CRISIS_SLUG

NOVELTY = timedelta(days=3)
TINY_MINUTES = 10  # at energy 1-2 a step takes no more than this
SHRINK = 3.0  # how many data points the community's average is worth
EXPLORE_SHARE = 0.25  # chance that the last slot explores
ENERGY_FIT = 0.6  # per level between the member's energy and the step's
NOT_FOR_ME_DAYS = timedelta(days=90)
NOT_FOR_ME_LIMIT = 2  # "not for me" this often in 90 days: never offered again
IGNORED = -0.5  # each suggestion of it left untouched in the last 3 days
LIFTED_ENOUGH = (1.0, 2)  # a mean lift this big over this many steps beats novelty
CONNECTION_BONUS = 0.5  # for an opposite step that reaches people: a bonus, not a rule
MAX_PER_WAY = 2
TAKEN_UP = ("done", "planned", "skipped")
IGNORED_STATUSES = ("suggested", "expired")  # offered and left: counts lightly

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
    # The community's mean lift per activity id and per way (the prior), and how many
    # steps each activity's mean is made of (it is shrunk towards its Way's mean).
    community_activity_lift: dict = field(default_factory=dict)
    community_way_lift: dict = field(default_factory=dict)
    community_activity_times: dict = field(default_factory=dict)

    # What the history says, counted once per state (the engine asks for every activity).
    @cached_property
    def not_for_me(self) -> Counter:
        """Activity id -> "not for me" in the last 90 days."""
        return Counter(
            p.activity_id
            for p in self.history
            if p.skip_reason == "not_for_me" and self.now - p.created_at < NOT_FOR_ME_DAYS
        )

    @cached_property
    def ignored(self) -> Counter:
        """Activity id -> suggestions of it left untouched in the last 3 days."""
        return Counter(
            p.activity_id
            for p in self.history
            if p.status in IGNORED_STATUSES and self.now - p.created_at < NOVELTY
        )

    @cached_property
    def taken_up(self) -> frozenset:
        """Activity ids taken up (done, planned, skipped) in the last 3 days."""
        return frozenset(
            p.activity_id
            for p in self.history
            if p.status in TAKEN_UP and self.now - p.created_at < NOVELTY
        )


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


def _prior(activity: ActivityInfo, state: MemberState) -> float:
    """The community's mean lift for this activity, shrunk towards its Way's mean: a few
    lucky data points don't make an activity look better than what it belongs to."""
    way = state.community_way_lift.get(activity.way, 0.0)
    mean = state.community_activity_lift.get(activity.id)
    if mean is None:
        return way
    return _shrunk((mean, state.community_activity_times.get(activity.id, 0)), way)


def _aim(state: MemberState) -> int:
    """The energy a step is best near: theirs, or one less on a low day."""
    return max(state.energy - 1, 1) if state.supportive else state.energy


def _not_for_me(activity: ActivityInfo, state: MemberState) -> int:
    """How often the member said "not for me" to it in the last 90 days."""
    return state.not_for_me.get(activity.id, 0)


class _Book:
    """What scoring the whole catalogue for one member works out once, instead of for
    every step: each Way's part, each energy level's fit, and the community's prior of
    each activity (the same for every member while the shared prior is: see
    _community_priors)."""

    __slots__ = ("energy_fits", "priors", "state", "way_parts")

    def __init__(self, state: MemberState):
        self.state = state
        self.priors = _community_priors(state)
        self.way_parts: dict[str, float] = {}
        self.energy_fits: dict[int, float] = {}

    def prior(self, activity: ActivityInfo) -> float:
        # By Way too: a moderator may move an activity to another Way (the catalogue is
        # built again sooner than the prior).
        key = (activity.id, activity.way)
        prior = self.priors.get(key)
        if prior is None:
            prior = self.priors[key] = _prior(activity, self.state)
        return prior

    def way_part(self, way: str) -> float:
        part = self.way_parts.get(way)
        if part is None:
            state = self.state
            part = self.way_parts[way] = round(
                0.5 * _shrunk(state.way_lift.get(way), state.community_way_lift.get(way, 0.0)),
                3,
            )
        return part

    def energy_fit(self, energy: int) -> float:
        # Near the energy they have (a little under it on a low day: gentler steps); a
        # tiny step on a good day is fine, but not always.
        fit = self.energy_fits.get(energy)
        if fit is None:
            fit = self.energy_fits[energy] = round(-ENERGY_FIT * abs(_aim(self.state) - energy), 3)
        return fit


# The last community prior seen, with each activity's _prior as it is worked out: every
# check-in of a process gets the same shared dicts until they are built again (a minute,
# or a change), so each prior is worked out once per build, not once per member. One
# tuple, replaced whole, so threads never see one prior's dicts with another's values.
_last_priors: tuple = ((), {})


def _community_priors(state: MemberState) -> dict[tuple[int, str], float]:
    """(activity id, Way) -> _prior for the state's community prior, filled as they are asked
    for (a dict set item at a time, so threads sharing it only repeat a little work)."""
    global _last_priors
    key = (state.community_activity_lift, state.community_activity_times, state.community_way_lift)
    seen, priors = _last_priors
    if len(seen) == len(key) and all(a is b for a, b in zip(seen, key, strict=True)):
        return priors
    priors = {}
    _last_priors = (key, priors)
    return priors


def _score(activity: ActivityInfo, state: MemberState, book: _Book | None = None) -> dict:
    """The parts of a step's score for this member. `book` keeps what the steps of one
    plan share (a plan scores the whole catalogue)."""
    book = book or _Book(state)
    own = state.activity_lift.get(activity.id)
    prior = book.prior(activity)
    parts = {
        "lift": round(prior if own is None else _shrunk(own, prior), 3),
        "way_lift": book.way_part(activity.way),
        "energy_fit": book.energy_fit(activity.energy),
    }
    if _not_for_me(activity, state):
        parts["not_for_me"] = -1.5
    ignored = state.ignored.get(activity.id)
    if ignored:
        parts["ignored"] = IGNORED * min(ignored, 2)
    return parts


def _lifted_enough(activity: ActivityInfo, state: MemberState) -> bool:
    mean, times = state.activity_lift.get(activity.id) or (0.0, 0)
    return mean >= LIFTED_ENOUGH[0] and times >= LIFTED_ENOUGH[1]


def _recently_done(activity: ActivityInfo, state: MemberState) -> bool:
    """Taken up in the last 3 days, and it hasn't clearly lifted them before."""
    return activity.id in state.taken_up and not _lifted_enough(activity, state)


def offered(activity: ActivityInfo, state: MemberState, *, novelty: bool = True) -> bool:
    """Whether the step may be offered to this member now: within their energy (tiny on
    a day of energy 1-2), safe at this hour, with the link worker it needs, not said
    "not for me" twice in 90 days, and (with `novelty`) not taken up in the last 3 days
    unless it clearly lifted them."""
    return (
        activity.slug != CRISIS_SLUG
        and activity.energy <= state.energy
        and (state.energy > 2 or activity.minutes <= TINY_MINUTES)
        and not (activity.night_unsafe and is_night(state.local_hour))
        and (state.has_link_worker or not activity.needs_link_worker)
        and _not_for_me(activity, state) < NOT_FOR_ME_LIMIT
        and not (novelty and _recently_done(activity, state))
    )


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
    activity: ActivityInfo, target: Target | None, state: MemberState, *, role: str = ""
) -> str:
    parts = []
    if role == SUPPORT:
        parts.append(
            "Today sounds like a hard one. A step towards support comes first, "
            "only if it feels OK."
        )
    if role == OPPOSITE:
        urge = URGE_WORDS.get(state.urge, "pulling away")
        # The title is the card's heading: the reason says why, not what.
        parts.append(f"You said you feel like {urge} today. This is a gentle opposite step.")
    if target is not None and target.kind == "post" and target.waiting_for_reply:
        if activity.action == "react":
            enough = "Even a reaction tells them someone's there."
        elif activity.minutes <= TINY_MINUTES:
            enough = "One kind sentence is enough."
        else:
            enough = "Say as much or as little as feels right."
        parts.append(
            f"“{target.title}” in {target.space} has waited {_ago(target.at, state.now)} "
            f"for a first reply. {enough}"
        )
    elif target is not None and target.kind == "post" and target.friend:
        parts.append(f"Someone you've talked with posted “{target.title}” in {target.space}.")
    elif target is not None and target.kind == "post":
        parts.append(f"“{target.title}” in {target.space} might be one for you.")
    elif target is not None and target.kind == "gathering":
        parts.append(
            f"“{target.title}” is coming up soon and has places left. Only if it feels OK."
        )
    own = state.activity_lift.get(activity.id)
    way = state.way_lift.get(activity.way)
    if role != OPPOSITE and own and own[0] > 0 and own[1] >= 2:
        parts.append(f"Last times, this lifted your mood by {own[0]:.1f} on average.")
    elif role != OPPOSITE and way and way[0] > 0 and way[1] >= 2:
        parts.append(
            f"Last times, {WAY_WORDS.get(activity.way, 'this')} lifted your mood by "
            f"{way[0]:.1f} on average."
        )
    if state.supportive and not parts:
        parts.append(f"Gentle, for a low day: about {activity.minutes} minutes.")
    if state.energy <= 2 and not parts:
        parts.append(
            f"Your energy is low today, so this one is small: about {activity.minutes} minutes."
        )
    if role == EXPLORE and not parts:
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

    Novelty gives way when keeping it would break the firmer rules (support first on a
    low day, the opposite first, a connection, a step near a high energy) or leave
    nothing to offer.
    """
    if state.in_crisis:
        return _crisis_plan(catalogue)
    scored = _scored(state, catalogue, targets)
    fresh = [row for row in scored if not _recently_done(row[2], state)]
    plan = _suggest(state, fresh, targets, count=count, seed=seed)
    if _keeps_the_rules(plan, state):
        return plan
    return _suggest(state, scored, targets, count=count, seed=seed)


def _scored(state: MemberState, catalogue: list[ActivityInfo], targets: Targets) -> list:
    """(score, slug, activity, parts) for each step that may be offered now, novelty
    aside, best first. What the steps share (_Book) and whether a kind of target is
    there are worked out once for the whole catalogue."""
    supportive = state.supportive
    book = _Book(state)
    has_target: dict = {}
    scored = []
    for activity in catalogue:
        if not offered(activity, state, novelty=False):
            continue
        parts = _score(activity, state, book)
        # Whether a target fits depends on these alone (see fits).
        kind = (
            activity.action,
            activity.target_intents,
            activity.target_author,
            activity.target_at_night,
            activity.target_format,
        )
        found = has_target.get(kind)
        if found is None:
            found = has_target[kind] = bool(
                _target_for(activity, targets, set(), supportive=supportive)
            )
        if found:
            parts["target"] = 0.5  # something real to do, not an abstract idea
        scored.append((sum(parts.values()), activity.slug, activity, parts))
    scored.sort(key=lambda row: (-row[0], row[1]))
    return scored


def _keeps_the_rules(plan: Plan, state: MemberState) -> bool:
    if len(plan.suggestions) < 3:
        return False
    first = plan.suggestions[0].activity
    return (
        any(s.activity.is_connection for s in plan.suggestions)
        and (not state.supportive or first.is_support)
        and (
            not state.urge
            or any(state.urge in s.activity.opposite_of for s in plan.suggestions[:2])
        )
        and (state.energy < 4 or any(_near_energy(s.activity, state) for s in plan.suggestions))
    )


def _near_energy(activity: ActivityInfo, state: MemberState) -> bool:
    return activity.energy >= state.energy - 1


SUPPORT, OPPOSITE, EXPLORE = "support_first", "opposite_action", "explore"
PINNED = (SUPPORT, OPPOSITE)  # slots the later rules never swap out


def _crisis_plan(catalogue) -> Plan:
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


def _suggest(state, scored, targets, *, count, seed) -> Plan:
    """The plan from the steps `scored` (see _scored), best first."""
    rng = random.Random(seed)  # noqa: S311 - exploration, not secrets
    supportive = state.supportive

    chosen: list[Suggestion] = []
    used_targets: set = set()
    ways: Counter = Counter()

    def take(activity, parts, *, role="") -> bool:
        if any(s.activity.id == activity.id for s in chosen) or ways[activity.way] >= MAX_PER_WAY:
            return False
        target = _target_for(activity, targets, used_targets, supportive=supportive)
        if target is False:
            return False
        if target is not None:
            used_targets.add((target.kind, target.id))
        ways[activity.way] += 1
        parts = {**parts, role: True} if role else parts
        reason = _reason(activity, target, state, role=role)
        chosen.append(
            Suggestion(activity=activity, target=target, reason=reason, score_parts=parts)
        )
        return True

    def swap_one(wanted, keep) -> None:
        """Swaps the last slot that is neither pinned nor kept by `keep` for the best
        step `wanted` accepts, if there is one."""
        free = [
            i
            for i, s in enumerate(chosen)
            if not any(s.score_parts.get(role) for role in PINNED) and not keep(s)
        ]
        if not free:
            return
        dropped = chosen.pop(free[-1])
        ways[dropped.activity.way] -= 1
        if dropped.target is not None:
            used_targets.discard((dropped.target.kind, dropped.target.id))
        for _, _, activity, parts in scored:
            if wanted(activity) and take(activity, parts):
                return
        chosen.insert(free[-1], dropped)
        ways[dropped.activity.way] += 1
        if dropped.target is not None:
            used_targets.add((dropped.target.kind, dropped.target.id))

    # On a low day, a step towards support comes first.
    if supportive:
        for _, _, activity, parts in scored:
            if activity.is_support and take(activity, parts, role=SUPPORT):
                break
    # Opposite action: the best-scored opposite of their urge, people a bonus.
    if state.urge:
        opposites = sorted(
            (row for row in scored if state.urge in row[2].opposite_of),
            key=lambda row: (-(row[0] + CONNECTION_BONUS * row[2].is_connection), row[1]),
        )
        for _, _, activity, parts in opposites:
            if take(activity, parts, role=OPPOSITE):
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
            if len(chosen) >= count or take(activity, parts, role=EXPLORE):
                break
        for _, _, activity, parts in scored:  # top up if exploring found nothing usable
            if len(chosen) >= count:
                break
            take(activity, parts)

    def connects(s):
        return s.activity.is_connection and sum(c.activity.is_connection for c in chosen) == 1

    def near(s):
        return (
            state.energy >= 4
            and _near_energy(s.activity, state)
            and sum(_near_energy(c.activity, state) for c in chosen) == 1
        )

    # On a good day, one step near the energy they have.
    if state.energy >= 4 and not any(_near_energy(s.activity, state) for s in chosen):
        swap_one(lambda a: _near_energy(a, state), keep=connects)
    # Connection always: if nothing connects or gives, a free slot does.
    if chosen and not any(s.activity.is_connection for s in chosen):
        swap_one(lambda a: a.is_connection, keep=near)
    return Plan(in_crisis=False, suggestions=tuple(chosen[:count]), supportive=supportive)
