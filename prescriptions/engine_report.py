"""The engine against a grid of members, and what it did: the numbers behind
`manage.py engine_report` (the command reads the catalogue; everything here is pure).

The grid is every energy, a spread of moods, every urge (and none), with and without
targets, four histories and a day and a night hour. Each plan is checked against the
engine's invariants and each (step, target) pair against `engine.fits`; the summary
is a dict of plain numbers, rendered as text or JSON, and judged against the bars of
the issue. The engine is read only through its public API.
"""

import itertools
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from community.models import GatheringFormat, Intent
from prescriptions.engine import (
    CRISIS_SLUG,
    ActivityInfo,
    MemberState,
    Past,
    Plan,
    Target,
    Targets,
    fits,
    is_night,
    suggest,
)
from prescriptions.models import Satisfaction, Urge, Way

NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
ENERGIES = (1, 2, 3, 4, 5)
# (mood, supportive) as the engine's callers set it: mood 2 or less is a low day; mood 5
# on a low day stands for a low stretch (3 or less on 3 of the last 5 check-ins).
MOODS = ((0, True), (1, True), (2, True), (5, False), (5, True), (8, False), (9, False))
URGES = ("", *Urge.values)
HOURS = (12, 2)
HISTORIES = ("new", "not_for_me", "lifts", "ignored")
SENSITIVITY_MOODS = ((1, True), (8, False))  # the plans compared for mood sensitivity

TINY_MINUTES = 10  # at energy 1-2, no step over this
STEPS = 3
MAX_PER_WAY = 2
MIN_SEEN = 60
MAX_WAY_SHARE = 0.5

BREAKS = {
    "fewer_than_three": "fewer than three steps",
    "no_connection": "no step that connects or gives",
    "over_energy": "a step over the member's energy",
    "not_tiny": "at energy 1-2, a step over 10 minutes",
    "supportive_not_support_first": "a low day whose first step is not a support step",
    "night_unsafe_at_night": "a step unsafe at night offered at night",
    "needs_link_worker": "a step needing a link worker, to a member without one",
    "not_for_me_twice": "a step said 'not for me' twice, offered again",
    "way_over_two": "more than two steps of one Way",
    "energy_5_nothing_vigorous": "at energy 5, no step of energy 4 or more",
    "target_twice": "the same target used twice",
}
UNFITTING = {  # each pair counted once, under the first rule it breaks
    "support_post_on_low_day": "a low day's step pointing at a post asking for support",
    "does_not_fit": "any other step pointing at a target engine.fits refuses",
}


@dataclass(frozen=True)
class Cell:
    energy: int
    mood: int
    supportive: bool
    urge: str
    with_targets: bool
    history: str
    hour: int

    def describe(self) -> str:
        low = " (low day)" if self.supportive else ""
        return (
            f"energy {self.energy}, mood {self.mood}{low}, urge {self.urge or 'none'}, "
            f"{'targets' if self.with_targets else 'no targets'}, history {self.history}, "
            f"{self.hour:02d}:00"
        )


@dataclass(frozen=True)
class Run:
    cell: Cell
    state: MemberState
    plan: Plan


# --- The grid ------------------------------------------------------------------------


def synthetic_targets() -> Targets:
    """A post of every intent, by a newcomer or not, written at night or not, by a friend
    (waiting for a reply or not) or by someone else waiting for one, each in the pool
    targets.py would put it in; and gatherings online and in person."""
    friends, waiting = [], []
    combos = itertools.product(
        Intent.values, (False, True), (False, True), ((True, True), (True, False), (False, True))
    )
    for n, (intent, newcomer, at_night, (friend, waits)) in enumerate(combos, start=1):
        words = [intent, "newcomer" if newcomer else "", "night" if at_night else ""]
        words += ["friend" if friend else "", "waiting" if waits else ""]
        post = Target(
            kind="post",
            id=n,
            title=" ".join(w for w in words if w),
            space="A space",
            at=NOW - timedelta(hours=n),
            waiting_for_reply=waits,
            intent=intent,
            newcomer=newcomer,
            friend=friend,
            at_night=at_night,
        )
        if friend:
            friends.append(post)
        if waits:
            waiting.append(post)
    gatherings = tuple(
        Target(
            kind="gathering",
            id=100 + n,
            title=f"gathering {fmt}",
            space="A space",
            at=NOW + timedelta(days=n),
            format=fmt,
        )
        for n, fmt in enumerate(GatheringFormat.values * 2, start=1)
    )
    return Targets(
        waiting_posts=tuple(reversed(waiting)),  # longest waiting first
        gatherings=gatherings,
        friends_posts=tuple(friends),  # most recent first
    )


def _wobble(slug: str, spread: float) -> float:
    """A stable small number per activity (the same on every run and database)."""
    return round((zlib.crc32(slug.encode()) % 9 - 4) / 4 * spread, 2)


def _priors(catalogue: list[ActivityInfo]) -> dict:
    """A community that has been using 4C for a while: small mean lifts everywhere."""
    return {
        "community_activity_lift": {a.id: _wobble(a.slug, 0.6) for a in catalogue},
        "community_way_lift": {way: _wobble(way, 0.4) for way in Way.values},
    }


def histories(catalogue: list[ActivityInfo]) -> dict[str, dict]:
    """The MemberState fields of each of the four members, built from the catalogue."""
    steps = sorted((a for a in catalogue if a.slug != CRISIS_SLUG), key=lambda a: a.slug)
    priors = _priors(steps)

    # Said "not for me" twice to the two lightest steps of each Way.
    refused = []
    for way in Way.values:
        refused += sorted((a for a in steps if a.way == way), key=lambda a: a.energy)[:2]
    not_for_me = tuple(
        Past(a.id, NOW - timedelta(days=days), "skipped", "not_for_me")
        for a in refused
        for days in (2, 9)
    )

    # Did a third of the catalogue, with moods before and after: some lifted, some not.
    history, activity_lift, way_totals = [], {}, {}
    for n, a in enumerate(steps[::3]):
        lift, times, days = (2, 1, -1, 3, 0)[n % 5], 1 + n % 3, n % 12
        history += [
            Past(a.id, NOW - timedelta(days=days + 7 * k, hours=1), "done") for k in range(times)
        ]
        activity_lift[a.id] = (float(lift), times)
        total, count = way_totals.get(a.way, (0.0, 0))
        way_totals[a.way] = (total + lift * times, count + times)
    way_lift = {way: (total / count, count) for way, (total, count) in way_totals.items()}

    # Ignored every suggestion of the last week: three a day, left to expire.
    ignored = tuple(
        Past(
            steps[(7 * (3 * day + k)) % len(steps)].id,
            NOW - timedelta(days=day, hours=k),
            "suggested" if day == 0 else "expired",
        )
        for day in range(7)
        for k in range(STEPS)
    )
    return {
        "new": priors,
        "not_for_me": {**priors, "history": not_for_me},
        "lifts": {
            **priors,
            "history": tuple(history),
            "activity_lift": activity_lift,
            "way_lift": way_lift,
            "has_link_worker": True,
        },
        "ignored": {**priors, "history": ignored},
    }


def run_grid(catalogue: list[ActivityInfo]) -> list[Run]:
    """Every cell of the grid, planned. The seed depends on everything but the mood, so
    two moods of the same cell differ only by what the engine makes of the mood."""
    members = histories(catalogue)
    targets = {True: synthetic_targets(), False: Targets()}
    runs = []
    rest = itertools.product(HISTORIES, (True, False), HOURS, URGES, ENERGIES)
    for seed, (history, with_targets, hour, urge, energy) in enumerate(rest):
        base = MemberState(
            energy=energy, mood=5, urge=urge, now=NOW, local_hour=hour, **members[history]
        )
        for mood, supportive in MOODS:
            cell = Cell(energy, mood, supportive, urge, with_targets, history, hour)
            state = replace(base, mood=mood, supportive=supportive)
            plan = suggest(state, catalogue, targets[with_targets], seed=seed)
            runs.append(Run(cell, state, plan))
    return runs


# --- Checking one plan ---------------------------------------------------------------


def plan_breaks(state: MemberState, plan: Plan) -> list[str]:
    """The invariants (BREAKS) this plan breaks, in BREAKS' order."""
    steps = [s.activity for s in plan.suggestions]
    targets = [(s.target.kind, s.target.id) for s in plan.suggestions if s.target is not None]
    refused = Counter(p.activity_id for p in state.history if p.skip_reason == "not_for_me")
    found = {
        "fewer_than_three": not plan.in_crisis and len(steps) < STEPS,
        "no_connection": not plan.in_crisis and not any(a.is_connection for a in steps),
        "over_energy": any(a.energy > state.energy for a in steps),
        "not_tiny": state.energy <= 2 and any(a.minutes > TINY_MINUTES for a in steps),
        "supportive_not_support_first": (
            state.supportive and not plan.in_crisis and not (steps and steps[0].is_support)
        ),
        "night_unsafe_at_night": is_night(state.local_hour) and any(a.night_unsafe for a in steps),
        "needs_link_worker": not state.has_link_worker and any(a.needs_link_worker for a in steps),
        "not_for_me_twice": any(refused[a.id] >= 2 for a in steps),
        "way_over_two": any(n > MAX_PER_WAY for n in Counter(a.way for a in steps).values()),
        "energy_5_nothing_vigorous": (
            state.energy == 5 and not plan.in_crisis and not any(a.energy >= 4 for a in steps)
        ),
        "target_twice": len(targets) != len(set(targets)),
    }
    return [rule for rule in BREAKS if found[rule]]


def unfitting_pairs(state: MemberState, plan: Plan) -> list[tuple[str, str]]:
    """(rule, "step -> target") for each (step, target) pair of this plan that doesn't
    fit, under the first UNFITTING rule it breaks."""
    found = []
    for s in plan.suggestions:
        if s.target is None:
            continue
        pair = f"{s.activity.slug} -> {s.target.kind} '{s.target.title}'"
        if state.supportive and s.target.kind == "post" and s.target.intent == "support":
            found.append(("support_post_on_low_day", pair))
        elif not fits(s.activity, s.target, supportive=state.supportive):
            found.append(("does_not_fit", pair))
    return found


# --- The summary ---------------------------------------------------------------------


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _counted(rules: dict) -> dict:
    return {rule: {"count": 0, "example": ""} for rule in rules}


def summarise(catalogue: list[ActivityInfo], runs: list[Run]) -> dict:
    """The report's numbers: plain values in a stable order (the same inputs give the
    same dict)."""
    active = sorted((a for a in catalogue if a.slug != CRISIS_SLUG), key=lambda a: a.slug)
    steps = [s.activity for run in runs for s in run.plan.suggestions]
    seen = {a.slug for a in steps}
    ways = Counter(a.way for a in steps)
    satisfactions = Counter(a.satisfaction for a in steps)

    breaks, unfitting = _counted(BREAKS), _counted(UNFITTING)
    for run in runs:
        plan_words = ", ".join(s.activity.slug for s in run.plan.suggestions) or "nothing"
        for rule in plan_breaks(run.state, run.plan):
            breaks[rule]["count"] += 1
            breaks[rule]["example"] = breaks[rule]["example"] or (
                f"{run.cell.describe()}: {plan_words}"
            )
        for rule, pair in unfitting_pairs(run.state, run.plan):
            unfitting[rule]["count"] += 1
            unfitting[rule]["example"] = unfitting[rule]["example"] or (
                f"{run.cell.describe()}: {pair}"
            )

    plans: dict = {}
    for run in runs:
        c = run.cell
        if (c.mood, c.supportive) in SENSITIVITY_MOODS:
            key = (c.energy, c.urge, c.with_targets, c.history, c.hour)
            slot = plans.setdefault(key, {})
            slot[c.mood] = tuple(
                (s.activity.slug, s.target and (s.target.kind, s.target.id))
                for s in run.plan.suggestions
            )
    compared = [p for p in plans.values() if len(p) == len(SENSITIVITY_MOODS)]
    differ = sum(len(set(p.values())) > 1 for p in compared)

    at_five = [r for r in runs if r.state.energy == 5 and not r.plan.in_crisis]
    vigorous = sum(any(s.activity.energy >= 4 for s in r.plan.suggestions) for r in at_five)
    top_way = max(Way.values, key=lambda w: (ways[w], w))
    summary = {
        "plans": len(runs),
        "suggestions": len(steps),
        "active": len(active),
        "seen": len(seen),
        "never_seen": [
            {"slug": a.slug, "energy": a.energy, "way": a.way, "action": a.action}
            for a in active
            if a.slug not in seen
        ],
        "ways": {
            way: {"count": ways[way], "share": _share(ways[way], len(steps))} for way in Way.values
        },
        "satisfaction": {
            tag: {"count": satisfactions[tag], "share": _share(satisfactions[tag], len(steps))}
            for tag in (*Satisfaction.values, "")
        },
        "mood_sensitivity": {
            "cells": len(compared),
            "differ": differ,
            "share": _share(differ, len(compared)),
        },
        "breaks": breaks,
        "unfitting": unfitting,
        "energy_5": {"plans": len(at_five), "with_vigorous_step": vigorous},
        "top_way": {"way": top_way, "share": _share(ways[top_way], len(steps))},
    }
    summary["verdict"] = verdict(summary)
    summary["ok"] = all(bar["ok"] for bar in summary["verdict"].values())
    return summary


def verdict(summary: dict) -> dict:
    """The issue's bars, each with whether the summary meets it."""
    breaks = sum(rule["count"] for rule in summary["breaks"].values())
    unfitting = sum(rule["count"] for rule in summary["unfitting"].values())
    at_five = summary["energy_5"]
    without = at_five["plans"] - at_five["with_vigorous_step"]
    top = summary["top_way"]
    return {
        "no_breaks": {"ok": breaks == 0, "value": breaks},
        "no_unfitting_pairs": {"ok": unfitting == 0, "value": unfitting},
        "seen_at_least_60": {"ok": summary["seen"] >= MIN_SEEN, "value": summary["seen"]},
        "no_way_above_half": {"ok": top["share"] <= MAX_WAY_SHARE, "value": top["share"]},
        "energy_5_vigorous_step": {"ok": without == 0, "value": without},
    }


# --- As text -------------------------------------------------------------------------


def _pct(share: float) -> str:
    return f"{share * 100:5.1f}%"


def render(summary: dict) -> str:
    """The summary as a few plain tables, in a stable order (two runs compare with diff)."""
    s = summary
    lines = [
        f"Engine report: {s['plans']} plans ({len(ENERGIES)} energies x {len(MOODS)} moods x "
        f"{len(URGES)} urges x 2 target sets x {len(HISTORIES)} histories x {len(HOURS)} "
        f"hours), {s['suggestions']} suggestions",
        "",
        f"Activities seen: {s['seen']} of {s['active']} active (the crisis step aside)",
    ]
    if s["never_seen"]:
        lines.append("Never seen (energy, Way, action):")
        lines += [
            f"  {a['slug']:<40} {a['energy']}  {a['way']:<14} {a['action']}"
            for a in s["never_seen"]
        ]
    lines += ["", "Suggestions per Way:"]
    lines += [f"  {w:<16} {v['count']:>6}  {_pct(v['share'])}" for w, v in s["ways"].items()]
    lines += ["", "Suggestions per satisfaction:"]
    lines += [
        f"  {t or '(untagged)':<16} {v['count']:>6}  {_pct(v['share'])}"
        for t, v in s["satisfaction"].items()
    ]
    m = s["mood_sensitivity"]
    lines += [
        "",
        f"Mood sensitivity: {m['differ']} of {m['cells']} cells ({_pct(m['share']).strip()}) "
        "plan differently at mood 1 (low day) and mood 8",
    ]
    for title, rules, words in (
        (
            "Invariant breaks (plans breaking each rule; a plan may break several)",
            s["breaks"],
            BREAKS,
        ),
        ("Pairs that don't fit (step, target)", s["unfitting"], UNFITTING),
    ):
        total = sum(r["count"] for r in rules.values())
        lines += ["", f"{title}: {total}"]
        for rule, r in rules.items():
            lines.append(f"  {r['count']:>6}  {words[rule]}")
            if r["example"]:
                lines.append(f"          e.g. {r['example']}")
    lines += ["", verdict_line(s)]
    return "\n".join(lines) + "\n"


def verdict_line(summary: dict) -> str:
    v = summary["verdict"]
    top = summary["top_way"]
    bars = [
        ("0 invariant breaks", v["no_breaks"], v["no_breaks"]["value"]),
        ("0 unfitting pairs", v["no_unfitting_pairs"], v["no_unfitting_pairs"]["value"]),
        (">= 60 activities seen", v["seen_at_least_60"], v["seen_at_least_60"]["value"]),
        ("no Way above 50%", v["no_way_above_half"], f"{top['way']} {_pct(top['share']).strip()}"),
        (
            "energy 5 always has a step of energy >= 4",
            v["energy_5_vigorous_step"],
            f"{v['energy_5_vigorous_step']['value']} plans without",
        ),
    ]
    said = "; ".join(
        f"{name}: {'yes' if bar['ok'] else 'NO'} ({value})" for name, bar, value in bars
    )
    return f"Verdict: {'PASS' if summary['ok'] else 'FAIL'}. {said}"
