"""`manage.py engine_report`: its checks on hand-made plans (so the report can't pass by
accident), and the command on the test database's real catalogue. Whether today's
engine meets the bars is the report's to say, not these tests'."""

import json
from dataclasses import replace
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from community.models import GatheringFormat, Intent
from prescriptions import engine_report
from prescriptions.engine import ActivityInfo, MemberState, Past, Plan, Suggestion, Target
from prescriptions.engine_report import NOW, Cell, Run, plan_breaks, summarise, unfitting_pairs
from prescriptions.models import CRISIS_SLUG, Activity
from prescriptions.selectors import catalogue


def step(n, *, way="take_notice", energy=1, minutes=5, action="none", **facts):
    return ActivityInfo(
        id=n,
        slug=f"step-{n:02d}",
        title=f"Step {n}",
        energy=energy,
        way=way,
        technique="activation",
        opposite_of=(),
        minutes=minutes,
        action=action,
        **facts,
    )


def post(n, *, intent="win", waiting=True):
    return Target("post", n, f"Post {n}", "A space", NOW, waiting_for_reply=waiting, intent=intent)


def plan(*steps_and_targets):
    return Plan(
        in_crisis=False,
        suggestions=tuple(
            Suggestion(activity=a, target=t, reason="", score_parts={})
            for a, t in steps_and_targets
        ),
    )


def member(**facts):
    return MemberState(**{"energy": 3, "mood": 5, "urge": "", "now": NOW, **facts})


REACT = step(1, way="connect", action="react")
NOTICE = step(2, energy=2, minutes=10)
MOVE = step(3, way="be_active", energy=3, minutes=20)
CLEAN = plan((REACT, post(7)), (NOTICE, None), (MOVE, None))


def test_a_clean_plan_breaks_nothing_and_its_pairs_fit():
    assert plan_breaks(member(), CLEAN) == []
    assert unfitting_pairs(member(), CLEAN) == []


def test_a_low_day_plan_led_by_a_support_step_breaks_nothing():
    support = step(4, way="connect", is_support=True)
    low_day = member(mood=1, supportive=True)

    assert plan_breaks(low_day, plan((support, None), (NOTICE, None), (MOVE, None))) == []


def test_tagged_steps_are_clean_where_their_tags_allow_them():
    outdoors = step(4, way="connect", night_unsafe=True, needs_link_worker=True)
    refused_once = (Past(4, NOW - timedelta(days=1), "skipped", "not_for_me"),)
    state = member(local_hour=12, has_link_worker=True, history=refused_once)

    assert plan_breaks(state, plan((outdoors, None), (NOTICE, None), (MOVE, None))) == []


@pytest.mark.parametrize(
    ("rule", "state", "broken"),
    [
        ("fewer_than_three", member(), plan((REACT, post(7)), (NOTICE, None))),
        (
            "no_connection",
            member(),
            plan((step(4, way="keep_learning"), None), (NOTICE, None), (MOVE, None)),
        ),
        (
            "over_energy",
            member(energy=2),
            plan((REACT, post(7)), (NOTICE, None), (step(4, way="give", energy=3), None)),
        ),
        (
            "not_tiny",
            member(energy=2),
            plan((REACT, post(7)), (NOTICE, None), (step(4, way="give", minutes=11), None)),
        ),
        ("supportive_not_support_first", member(mood=5, supportive=True), CLEAN),
        (
            "night_unsafe_at_night",
            member(local_hour=2),
            plan((REACT, post(7)), (NOTICE, None), (step(4, night_unsafe=True), None)),
        ),
        (
            "needs_link_worker",
            member(),
            plan((REACT, post(7)), (NOTICE, None), (step(4, needs_link_worker=True), None)),
        ),
        (
            "not_for_me_twice",
            member(
                history=(
                    Past(2, NOW - timedelta(days=2), "skipped", "not_for_me"),
                    Past(2, NOW - timedelta(days=9), "skipped", "not_for_me"),
                )
            ),
            CLEAN,
        ),
        (
            "way_over_two",
            member(),
            plan(
                (REACT, post(7)),
                (step(4, way="connect"), None),
                (step(5, way="connect"), None),
            ),
        ),
        ("energy_5_nothing_vigorous", member(energy=5), CLEAN),
        (
            "target_twice",
            member(),
            plan((REACT, post(7)), (step(4, way="give", action="reply"), post(7)), (MOVE, None)),
        ),
    ],
)
def test_a_plan_breaking_one_rule_is_counted_under_that_rule_alone(rule, state, broken):
    assert plan_breaks(state, broken) == [rule]


def test_a_plan_in_crisis_with_one_step_breaks_nothing():
    reach_out = replace(step(9, way="connect"), slug=CRISIS_SLUG)
    crisis = Plan(
        in_crisis=True,
        suggestions=(Suggestion(activity=reach_out, target=None, reason="", score_parts={}),),
    )

    assert plan_breaks(member(energy=5, in_crisis=True, supportive=True), crisis) == []


def test_a_low_days_step_at_a_support_post_is_unfitting():
    low_day = member(mood=2, supportive=True)
    at_support = plan((REACT, post(7, intent="support")), (NOTICE, None), (MOVE, None))

    assert unfitting_pairs(low_day, at_support) == [
        ("support_post_on_low_day", "step-01 -> post 'Post 7'")
    ]
    assert unfitting_pairs(member(), at_support) == []


def test_a_step_at_a_target_it_does_not_fit_is_unfitting():
    first_reply = step(4, way="give", action="reply_unanswered")
    night_only = step(5, way="give", action="reply", target_at_night=True)
    wrong = plan((first_reply, post(7, waiting=False)), (night_only, post(8)), (MOVE, None))

    assert unfitting_pairs(member(), wrong) == [
        ("does_not_fit", "step-04 -> post 'Post 7'"),
        ("does_not_fit", "step-05 -> post 'Post 8'"),
    ]


# --- The summary, on hand-made grids ----------------------------------------------------


def cell(**facts):
    values = {
        "energy": 3,
        "mood": 5,
        "supportive": False,
        "urge": "",
        "with_targets": True,
        "history": "new",
        "hour": 12,
    }
    return Cell(**{**values, **facts})


def run(the_plan, **facts):
    c = cell(**facts)
    state = member(
        energy=c.energy, mood=c.mood, supportive=c.supportive, urge=c.urge, local_hour=c.hour
    )
    return Run(c, state, the_plan)


WAYS = ("connect", "take_notice", "keep_learning")


def clean_grid(plans=20):
    """Plans of three different steps each (one per Way of WAYS): 3 x plans seen."""
    catalogue = [step(n, way=WAYS[n % 3]) for n in range(3 * plans)]
    runs = [
        run(plan(*((catalogue[3 * i + k], None) for k in range(3))), urge=str(i))
        for i in range(plans)
    ]
    return catalogue, runs


def test_a_clean_grid_of_sixty_steps_meets_every_bar():
    catalogue, runs = clean_grid()

    summary = summarise(catalogue, runs)

    assert summary["ok"] is True
    assert summary["seen"] == summary["active"] == 60
    assert summary["never_seen"] == []
    assert {way: summary["ways"][way]["count"] for way in WAYS} == dict.fromkeys(WAYS, 20)
    assert summary["ways"]["connect"]["share"] == pytest.approx(1 / 3, abs=1e-4)
    assert summary["satisfaction"][""] == {"count": 60, "share": 1.0}
    assert all(rule["count"] == 0 for rule in summary["breaks"].values())
    assert "Verdict: PASS" in engine_report.render(summary)


def test_one_break_in_a_clean_grid_is_counted_with_its_example_and_fails_the_verdict():
    catalogue, runs = clean_grid()
    short = run(plan((catalogue[0], None), (catalogue[1], None)), history="ignored", hour=2)

    summary = summarise(catalogue, [*runs, short])

    assert summary["breaks"]["fewer_than_three"] == {
        "count": 1,
        "example": "energy 3, mood 5, urge none, targets, history ignored, 02:00: "
        "step-00, step-01",
    }
    assert sum(rule["count"] for rule in summary["breaks"].values()) == 1
    assert summary["verdict"]["no_breaks"] == {"ok": False, "value": 1}
    assert summary["ok"] is False
    assert "Verdict: FAIL. 0 invariant breaks: NO (1)" in engine_report.render(summary)


def test_fewer_than_sixty_activities_seen_fails_the_verdict():
    catalogue, runs = clean_grid(plans=19)
    catalogue = [*catalogue, step(99, way="give")]

    summary = summarise(catalogue, runs)

    assert (summary["seen"], summary["active"]) == (57, 58)
    assert summary["never_seen"] == [
        {"slug": "step-99", "energy": 1, "way": "give", "action": "none"}
    ]
    assert summary["verdict"]["seen_at_least_60"] == {"ok": False, "value": 57}
    assert summary["ok"] is False


def test_a_way_above_half_of_the_suggestions_fails_the_verdict():
    catalogue, runs = clean_grid()
    crowd = [step(100 + n, way="connect") for n in range(63)]
    runs += [run(plan(*((a, None) for a in crowd[i : i + 3]))) for i in range(0, 63, 3)]

    summary = summarise(catalogue + crowd, runs)

    assert summary["top_way"] == {"way": "connect", "share": round(83 / 123, 4)}
    assert summary["verdict"]["no_way_above_half"]["ok"] is False
    assert summary["breaks"]["way_over_two"]["count"] == 21


def test_a_plan_at_energy_five_without_a_vigorous_step_fails_the_verdict():
    catalogue, runs = clean_grid()
    vigorous = step(70, way="be_active", energy=4)
    runs += [
        run(plan((catalogue[0], None), (catalogue[1], None), (vigorous, None)), energy=5),
        run(plan((catalogue[0], None), (catalogue[1], None), (catalogue[2], None)), energy=5),
    ]

    summary = summarise([*catalogue, vigorous], runs)

    assert summary["energy_5"] == {"plans": 2, "with_vigorous_step": 1}
    assert summary["verdict"]["energy_5_vigorous_step"] == {"ok": False, "value": 1}
    assert summary["breaks"]["energy_5_nothing_vigorous"]["count"] == 1


def test_mood_sensitivity_counts_the_cells_whose_plan_changes_between_mood_1_and_8():
    a, b, c, d = (step(n, way=WAYS[n % 3]) for n in range(4))
    same, changed = plan((a, None), (b, None), (c, None)), plan((a, None), (b, None), (d, None))
    runs = [
        run(same, mood=1, supportive=True, urge="avoid"),
        run(same, mood=8, urge="avoid"),
        run(same, mood=1, supportive=True, urge="ruminate"),
        run(changed, mood=8, urge="ruminate"),
        run(changed, mood=5, urge="ruminate"),  # neither mood compared
    ]

    summary = summarise([a, b, c, d], runs)

    assert summary["mood_sensitivity"] == {"cells": 2, "differ": 1, "share": 0.5}


def test_an_unfitting_pair_fails_the_verdict():
    catalogue, runs = clean_grid()
    runs.append(
        run(
            plan((REACT, post(7, intent="support")), (NOTICE, None), (MOVE, None)),
            mood=1,
            supportive=True,
        )
    )

    summary = summarise(catalogue, runs)

    assert summary["unfitting"]["support_post_on_low_day"]["count"] == 1
    assert summary["unfitting"]["does_not_fit"]["count"] == 0
    assert summary["verdict"]["no_unfitting_pairs"] == {"ok": False, "value": 1}


# --- The grid ---------------------------------------------------------------------------


def test_the_synthetic_targets_cover_every_kind_of_post_and_gathering():
    targets = engine_report.synthetic_targets()
    posts = {*targets.friends_posts, *targets.waiting_posts}

    facts = {(p.intent, p.newcomer, p.friend, p.at_night, p.waiting_for_reply) for p in posts}
    assert {f[0] for f in facts} == set(Intent.values)
    for newcomer in (False, True):
        for at_night in (False, True):
            for friend, waiting in ((True, True), (True, False), (False, True)):
                assert all(
                    (intent, newcomer, friend, at_night, waiting) in facts
                    for intent in Intent.values
                )
    assert all(p.friend for p in targets.friends_posts)
    assert all(p.waiting_for_reply for p in targets.waiting_posts)
    assert {g.format for g in targets.gatherings} == set(GatheringFormat.values)


def test_the_four_histories_are_what_they_say():
    catalogue, _ = clean_grid()

    members = engine_report.histories(catalogue)

    assert members["new"].get("history", ()) == ()
    refused = [p for p in members["not_for_me"]["history"] if p.skip_reason == "not_for_me"]
    assert refused
    assert all(sum(p.activity_id == r.activity_id for p in refused) == 2 for r in refused)
    lifts = members["lifts"]
    assert lifts["has_link_worker"] is True
    assert {p.status for p in lifts["history"]} == {"done"}
    assert any(mean > 0 for mean, _ in lifts["activity_lift"].values())
    assert any(mean <= 0 for mean, _ in lifts["activity_lift"].values())
    assert lifts["way_lift"]
    assert {p.status for p in members["ignored"]["history"]} == {"suggested", "expired"}


def test_the_grid_plans_every_cell_once():
    catalogue, _ = clean_grid()

    runs = engine_report.run_grid(catalogue)

    assert len(runs) == 5 * 7 * 7 * 2 * 4 * 2
    assert len({r.cell for r in runs}) == len(runs)


# --- The command, on the real catalogue -------------------------------------------------


def report(*args):
    out = StringIO()
    call_command("engine_report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_report_prints_each_section_for_the_real_catalogue():
    text = report()

    active = Activity.objects.filter(is_active=True).exclude(slug=CRISIS_SLUG).count()
    assert f"of {active} active (the crisis step aside)" in text
    for section in (
        "Engine report: 3920 plans",
        "Suggestions per Way:",
        "Suggestions per satisfaction:",
        "Mood sensitivity:",
        "Invariant breaks",
        "Pairs that don't fit",
        "Verdict: ",
    ):
        assert section in text
    for words in engine_report.BREAKS.values():
        assert words in text


@pytest.mark.django_db
def test_the_json_report_parses_and_its_numbers_add_up():
    summary = json.loads(report("--json"))

    active = set(
        Activity.objects.filter(is_active=True)
        .exclude(slug=CRISIS_SLUG)
        .values_list("slug", flat=True)
    )
    assert summary["plans"] == 3920
    assert summary["active"] == len(active)
    assert summary["seen"] + len(summary["never_seen"]) == len(active)
    assert {a["slug"] for a in summary["never_seen"]} <= active
    assert sum(w["count"] for w in summary["ways"].values()) == summary["suggestions"]
    assert sum(t["count"] for t in summary["satisfaction"].values()) == summary["suggestions"]
    assert summary["mood_sensitivity"]["cells"] == 5 * 7 * 2 * 4 * 2
    assert summary["ok"] == all(bar["ok"] for bar in summary["verdict"].values())


@pytest.mark.django_db
def test_fail_exits_non_zero_when_a_bar_is_missed():
    # A catalogue of energy-1 steps only: fewer than 60 to see, nothing vigorous at 5.
    Activity.objects.exclude(slug=CRISIS_SLUG).filter(energy__gte=2).update(is_active=False)

    with pytest.raises(CommandError, match="misses a bar"):
        report("--fail")


@pytest.mark.django_db
def test_the_catalogue_is_read_with_every_fact_the_engine_knows():
    activity = Activity.objects.exclude(slug=CRISIS_SLUG).first()
    activity.is_support = True
    activity.night_unsafe = True
    activity.target_intents = ["win", "hello"]
    activity.satisfaction = "mastery"
    activity.save(update_fields=["is_support", "night_unsafe", "target_intents", "satisfaction"])

    info = next(a for a in catalogue() if a.id == activity.id)

    assert (info.is_support, info.night_unsafe, info.satisfaction) == (True, True, "mastery")
    assert info.target_intents == ("win", "hello")
    assert info.opposite_of == tuple(activity.opposite_of)


@pytest.mark.django_db
def test_the_engine_meets_every_bar_on_the_real_catalogue():
    text = report("--fail")  # raises CommandError when a bar is missed

    assert "Verdict: PASS." in text
    assert "Invariant breaks (plans breaking each rule; a plan may break several): 0" in text
    assert "Pairs that don't fit (step, target): 0" in text
