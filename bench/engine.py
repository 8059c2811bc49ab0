"""The prescription engine per member, timed as a check-in runs it.

A check-in (services.record_check_in) makes its plan with selectors.engine_inputs and
engine.suggest: that call is timed here, once for each of `--members` distinct members
(no member twice, so nothing of theirs is warm), with a check-in of their own. What
every member shares (the catalogue, the community's mean lifts, the pools of posts and
gatherings: cached at most a minute, prescriptions/targets.py) is warm, as it is under
traffic; filling it is timed on its own. Before each member, one `SELECT 1` round trip
on the same connection: the baseline, in the same run. Every call must make the same
number of queries.

Members: `scale_1` ... (manage.py seed_scale, which gives scale_1 .. scale_500 a history).
Those without any step yet are given a history first (steps done with moods, skipped,
expired; a check-in on most of the last 90 days; blocks; spaces followed and read).

Goal (DESIGN.md): p95 under 5 ms. Exits 1 when p95 is over `--budget-ms` or the number
of queries varies. The last line printed is one JSON object, for `make bench`.

    python bench/engine.py [--members 200] [--budget-ms 5] [--profile]
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fourc.settings")

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.db import connection  # noqa: E402
from django.db.models import Exists, OuterRef  # noqa: E402
from django.utils import timezone  # noqa: E402

from community.models import Block, Space, SpaceFollow, SpaceRead, User  # noqa: E402
from prescriptions import engine, selectors, targets  # noqa: E402
from prescriptions.models import Activity, CheckIn, Prescription, Status, Urge  # noqa: E402

HISTORY_STEPS = 40  # each measured member's steps over the last 90 days
HISTORY_CHECK_INS = 80  # of the last 90 days
BLOCKS = 3
WARM_UP = 10  # members run before the timed ones (this process's first queries)
PROFILED = 50  # more members, for --profile (profiling slows what it watches)
URGES = ["", *Urge.values]


def members_to_measure(count: int) -> list[User]:
    """seed_scale's members, in a stable order."""
    members = list(
        User.objects.filter(handle__regex=r"^scale_[1-9][0-9]*$").order_by("pk")[:count]
    )
    if not members:
        sys.exit("No members to measure: run manage.py seed_scale first.")
    return members


def give_members_a_history(members: list[User]) -> bool:
    """Members with no history yet (no step, no check-in) get what a real one has:
    earlier steps (done with moods, skipped, expired), check-ins, a few blocks, spaces
    followed and read. Benchmark-only bulk rows. Whether any were written."""
    ids = set(
        User.objects.filter(pk__in=[m.pk for m in members])
        .filter(~Exists(Prescription.objects.filter(member=OuterRef("pk"))))
        .filter(~Exists(CheckIn.objects.filter(member=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    if not ids:
        return False
    activities = list(Activity.objects.filter(is_active=True).order_by("pk"))
    spaces = list(Space.objects.filter(is_archived=False).order_by("pk"))
    now = timezone.now()
    steps, check_ins, blocks, follows, reads = [], [], [], [], []
    for i, member in enumerate(members):
        if member.pk not in ids:
            continue
        for n in range(HISTORY_STEPS):
            done = n % 2 == 0
            at = now - timedelta(hours=54 * n + i % 24)
            steps.append(
                Prescription(
                    member=member,
                    activity=activities[(i + n * 7) % len(activities)],
                    reason="A small step.",
                    status=Status.DONE
                    if done
                    else (Status.SKIPPED if n % 4 == 1 else Status.EXPIRED),
                    skip_reason="not_now" if n % 4 == 1 else "",
                    mood_before=3 if done else None,
                    mood_after=3 + n % 4 if done else None,
                    created_at=at,
                    completed_at=at + timedelta(hours=1) if done else None,
                )
            )
        for n in range(HISTORY_CHECK_INS):
            check_ins.append(
                CheckIn(
                    member=member,
                    mood=(i + n * 3) % 11,
                    energy=1 + (i + n) % 5,
                    urge=URGES[(i + n) % len(URGES)],
                    created_at=now - timedelta(days=n + n // 8, hours=i % 24 + 1),
                )
            )
        for n in range(BLOCKS):
            blocks.append(Block(blocker=member, blocked=members[(i + n + 1) % len(members)]))
        follows.append(SpaceFollow(member=member, space=spaces[i % len(spaces)]))
        reads += [SpaceRead(member=member, space=spaces[(i + n) % len(spaces)]) for n in range(2)]
    Prescription.objects.bulk_create(steps, batch_size=5000)
    CheckIn.objects.bulk_create(check_ins, batch_size=5000)
    Block.objects.bulk_create(blocks, ignore_conflicts=True)
    SpaceFollow.objects.bulk_create(follows, ignore_conflicts=True)
    SpaceRead.objects.bulk_create(reads, ignore_conflicts=True)
    return True


def check_in_of(member: User, i: int) -> CheckIn:
    """The check-in being recorded, as record_check_in hands it over: moods and energies
    across the scales, sometimes an urge."""
    return CheckIn(
        member=member,
        mood=(i * 7) % 11,
        energy=1 + i % 5,
        urge=URGES[i % len(URGES)],
        note="",
        created_at=timezone.now(),
    )


def plan_for(member: User, i: int):
    """What record_check_in does to make the plan."""
    check_in = check_in_of(member, i)
    state, catalogue, found = selectors.engine_inputs(member, check_in=check_in)
    return state, catalogue, found, engine.suggest(state, catalogue, found, seed=member.pk + i)


class Queries:
    """Counts the queries made, and the time spent in them (round trips included)."""

    def __init__(self):
        self.count, self.ms = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.ms += (time.perf_counter() - start) * 1000


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--budget-ms", type=float, default=5.0)
    parser.add_argument(
        "--profile", action="store_true", help=f"cProfile {PROFILED} more members at the end"
    )
    parser.add_argument("--profile-sort", default="tottime", help="cumulative, tottime...")
    parser.add_argument("--profile-filter", default="", help="a regex of the rows to print")
    args = parser.parse_args()
    extra = PROFILED if args.profile else 0
    everyone = members_to_measure(WARM_UP + args.members + extra)
    if len(everyone) < WARM_UP + args.members + extra:
        sys.exit(f"Only {len(everyone)} members: fewer than {WARM_UP} + --members (+ profiled).")
    if give_members_a_history(everyone):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would, after so many rows
    warm_up = everyone[:WARM_UP]
    measured = everyone[WARM_UP : WARM_UP + args.members]
    profiled = everyone[WARM_UP + args.members :]

    for i, member in enumerate(warm_up[:-2]):  # this process's first queries
        plan_for(member, i)
    # The shared values, built again (at most once a minute, or after a change) ...
    targets.forget(targets.CATALOGUE, targets.PRIOR, *targets.POOLS)
    start = time.perf_counter()
    plan_for(warm_up[-2], WARM_UP - 2)
    fill_ms = (time.perf_counter() - start) * 1000
    # ... and read from the cache by a process that has no copy yet (built by another).
    targets._copies.clear()
    start = time.perf_counter()
    plan_for(warm_up[-1], WARM_UP - 1)
    copy_ms = (time.perf_counter() - start) * 1000

    totals, inputs, suggests, in_sql, probes, counts, cpu = [], [], [], [], [], [], []
    queries = Queries()
    with connection.execute_wrapper(queries), connection.cursor() as cursor:
        for i, member in enumerate(measured):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            probes.append((time.perf_counter() - start) * 1000)
            queries.count, queries.ms = 0, 0.0
            check_in = check_in_of(member, i)
            cpu_start = time.process_time()
            start = time.perf_counter()
            state, catalogue, found = selectors.engine_inputs(member, check_in=check_in)
            middle = time.perf_counter()
            plan = engine.suggest(state, catalogue, found, seed=member.pk + i)
            end = time.perf_counter()
            cpu.append((time.process_time() - cpu_start) * 1000)
            assert plan.suggestions
            totals.append((end - start) * 1000)
            inputs.append((middle - start) * 1000)
            suggests.append((end - middle) * 1000)
            in_sql.append(queries.ms)
            counts.append(queries.count)
    if profiled:
        profile = cProfile.Profile()
        profile.enable()
        for i, member in enumerate(profiled):
            plan_for(member, i)
        profile.disable()
        print(f"--- cProfile over {len(profiled)} more members (times inflated by profiling)")
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats(args.profile_sort).print_stats(args.profile_filter, 30)

    result = {
        "p50_ms": round(statistics.median(totals), 3),
        "p95_ms": round(percentile(totals, 95), 3),
        "p99_ms": round(percentile(totals, 99), 3),
        "queries": max(counts),
        "select1_p50_ms": round(statistics.median(probes), 3),
        "members": len(measured),
    }
    print(f"members: {len(measured)} distinct ({measured[0].handle} ...), each timed once")
    print(
        f"engine per member (engine_inputs + suggest): p50 {result['p50_ms']:.2f} ms, "
        f"p95 {result['p95_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms"
    )
    print(
        f"  engine_inputs p50 {statistics.median(inputs):.2f} ms, of which in SQL "
        f"(round trips included) p50 {statistics.median(in_sql):.2f} ms; "
        f"engine.suggest p50 {statistics.median(suggests):.2f} ms"
    )
    print(
        f"  CPU time of this process per member p50 {statistics.median(cpu):.2f} ms "
        "(the rest is waiting: for PostgreSQL, Redis, or another process's turn)"
    )
    print(
        f"  at p95: in SQL {percentile(in_sql, 95):.2f} ms, engine_inputs "
        f"{percentile(inputs, 95):.2f} ms, suggest {percentile(suggests, 95):.2f} ms, "
        f"CPU {percentile(cpu, 95):.2f} ms"
    )
    print(
        f"baseline SELECT 1 (before each member): p50 {result['select1_p50_ms']:.3f} ms "
        f"(engine p50 = {result['p50_ms'] / result['select1_p50_ms']:.0f} x SELECT 1)"
    )
    print(f"first call building the shared values (at most once a minute): {fill_ms:.1f} ms")
    print(f"first call of a process reading them from the cache: {copy_ms:.1f} ms")
    print(f"queries per call: {sorted(set(counts))} (must be one number)")
    failed = False
    if result["p95_ms"] > args.budget_ms:
        print(f"OVER BUDGET: p95 over {args.budget_ms} ms")
        failed = True
    if len(set(counts)) != 1:
        print("QUERY COUNT VARIES")
        failed = True
    print(json.dumps({"engine": result}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
