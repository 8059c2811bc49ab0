"""Nudges at volume: one tick's worth for many members, claimed, enqueued and sent.

Run through `make bench-nudges` (bin/bench --nudges, on the throw-away PostgreSQL and
Redis of bin/test). What it does, in one run:

1. Seeds --members members (default 100,000; bulk rows, no services or signals): a
   handle, an email, a confirmed primary address, and email preferences mixed as a
   real community's would be (--seed makes the mix the same each time): twenty IANA
   zones from UTC-10 to UTC+14; 60% a daily step, 25% the weekly look back, 15% "we're
   here"; daily times from 06:00 to 21:45; daily caps 1 to 10; quiet hours off for
   30%. --reuse keeps members already seeded and adds only the missing ones.
2. Makes every member due at one tick (now): each one's kind due a minute ago (at
   local midnight where that minute was yesterday, so nothing is stale at the tick);
   quiet hours, where on, keep their length and start 2 to 6 hours after the tick on
   the member's clock, so they cover neither the tick nor the hour after it.
3. Dispatch: times `delivery.dispatch(now=tick)`, claiming and enqueuing every nudge
   to Redis through the real `send_nudges.delay`, and counts the SQL of each batch
   (CaptureQueriesContext): it must be the same for every batch.
4. Send: ONE Celery worker process (--pool=solo) and a local SMTP sink (aiosmtpd, in
   its own process; it writes down each message's time, To and Message-ID, nothing
   more). By default the worker sends a sample: --send-sample members' worth of the
   sender tasks the dispatcher enqueued, every k-th task so the kinds keep their
   proportions (the queue is emptied and those tasks enqueued again, as they were);
   the other claimed rows stay claimed. --send-all lets the worker drain the whole
   queue instead. Emails per second run from the first message the sink received to
   the last. Then: duplicates (a member got one kind twice) and lost (a row of the
   sample not received, or not marked sent, once the worker has drained it). A daily
   step or weekly look back whose member's local day ended while it waited is
   dropped as late by the sender, as it should be: those are counted apart, each one
   checked against its zone's midnight.
5. Baselines of the same run, to compare machines: a `SELECT 1` round trip, the sink's
   raw rate for a trivial message and for a real rendered nudge (Django's SMTP mailer,
   one connection). Then, in this process, on rows the sample left claimed: the SQL of
   one sender batch per kind, `delivery.send`'s time per email per kind, and where it
   goes (cProfile of two batches per kind, summed by part; --profile adds cProfile's own
   top lines).

The last line is one JSON object: members, dispatch_seconds, queries_per_batch,
emails_per_second, duplicates, lost. Goals (PASS/FAIL above it; --fail exits 1 when one
fails): claim and enqueue 100,000 in under 60 s; the same queries for every batch; one
worker sending at least 300 emails/s to the local sink; no duplicates; nothing lost.

    python bench/nudges.py [--members 100000] [--seed 4] [--reuse]
                           [--send-sample 5000 | --send-all] [--profile] [--fail]
"""

import argparse
import cProfile
import io
import json
import logging
import math
import multiprocessing
import os
import pstats
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fourc.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F, Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from community.models import User  # noqa: E402
from prescriptions.models import NudgeKind, NudgeLog, NudgePreferences, NudgeStatus  # noqa: E402
from prescriptions.nudges import content, delivery, schedule  # noqa: E402

HANDLE = "nudge_"  # bench members' handles: nudge_0, nudge_1...
SEED_BATCH = 10_000
# A spread from UTC-10 to UTC+14 (half-hour zones included), weighted roughly where
# an English-speaking community lives.
ZONES = {
    "Pacific/Honolulu": 2,
    "America/Anchorage": 2,
    "America/Los_Angeles": 8,
    "America/Chicago": 8,
    "America/New_York": 12,
    "America/St_Johns": 2,
    "America/Sao_Paulo": 4,
    "Atlantic/Azores": 1,
    "Europe/London": 16,
    "Europe/Berlin": 8,
    "Africa/Lagos": 5,
    "Africa/Nairobi": 4,
    "Asia/Dubai": 3,
    "Asia/Kolkata": 6,
    "Asia/Shanghai": 4,
    "Asia/Tokyo": 3,
    "Australia/Adelaide": 2,
    "Australia/Sydney": 6,
    "Pacific/Auckland": 3,
    "Pacific/Kiritimati": 1,
}
KINDS = {NudgeKind.DAILY_STEP: 60, NudgeKind.WEEKLY: 25, NudgeKind.WELCOME_BACK: 15}
CAPS = {1: 15, 2: 45, 3: 20, 5: 15, 10: 5}
QUIET = [(clock(22), clock(8)), (clock(23), clock(7)), (clock(21), clock(6)), (clock(0), clock(6))]
GOAL_DISPATCH_SECONDS = 60  # for 100,000 members (scaled to --members)
GOAL_EMAILS_PER_SECOND = 300


# --- The SMTP sink: its own process, as little work per message as possible -------------

_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)


class _Recorder:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        data = envelope.content
        match = _MESSAGE_ID.search(data, 0, data.find(b"\r\n\r\n"))
        message_id = match.group(1).decode() if match else "-"
        now = time.time()
        self.out.write("".join(f"{now:.6f}\t{to}\t{message_id}\n" for to in envelope.rcpt_tos))
        self.out.flush()
        return "250 OK"


def _sink(port: int, path: str, ready) -> None:
    from aiosmtpd.controller import Controller

    logging.disable(logging.WARNING)  # aiosmtpd logs each command at INFO: costly, unread
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    with open(path, "a") as out:
        controller = Controller(_Recorder(out), hostname="127.0.0.1", port=port)
        controller.start()
        ready.set()
        signal.pause()


class Sink:
    """The aiosmtpd sink in a child process; `records()` reads what it received."""

    def __init__(self, workdir: Path):
        self.path = workdir / "sink.tsv"
        self.path.touch()
        self.port = free_port()
        ready = multiprocessing.get_context("fork").Event()
        self.process = multiprocessing.get_context("fork").Process(
            target=_sink, args=(self.port, str(self.path), ready), daemon=True
        )
        self.process.start()
        if not ready.wait(10):
            raise SystemExit("The SMTP sink did not start.")

    def records(self) -> list[tuple[float, str, str]]:
        rows = []
        for line in self.path.read_text().splitlines():
            at, to, message_id = line.split("\t")
            rows.append((float(at), to, message_id))
        return rows

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_mailers(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }


# --- Seeding -----------------------------------------------------------------------------


def bench_members():
    return User.objects.filter(handle__startswith=HANDLE)


def wipe() -> None:
    """Removes earlier bench members and their rows (raw SQL: a cascade through the ORM
    would read 100,000 members first)."""
    user = User._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        for model, column in (
            (NudgeLog, "member_id"),
            (NudgePreferences, "member_id"),
            (EmailAddress, "user_id"),
        ):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} t USING {user} u "  # noqa: S608
                f"WHERE t.{column} = u.id AND u.handle LIKE %s",
                [HANDLE.replace("_", r"\_") + "%"],
            )
        cursor.execute(
            f"DELETE FROM {user} WHERE handle LIKE %s",  # noqa: S608
            [HANDLE.replace("_", r"\_") + "%"],
        )


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed(count: int, rng_seed: int) -> int:
    """Members nudge_<existing>..nudge_<count-1>, each drawn from its own seeded random
    stream (so --reuse adds exactly what a fresh seed would have). Returns how many
    were added."""
    existing = bench_members().count()
    for start in range(existing, count, SEED_BATCH):
        numbers = range(start, min(start + SEED_BATCH, count))
        draws = {}
        users = []
        for n in numbers:
            rng = random.Random(f"{rng_seed}:{n}")
            draws[n] = rng
            users.append(
                User(
                    email=f"nudge{n}@bench.example",
                    display_name=f"Nudge member {n}",
                    handle=f"{HANDLE}{n}",
                    password="!",  # noqa: S106 - an unusable password
                    time_zone=pick(rng, ZONES),
                )
            )
        with transaction.atomic():
            User.objects.bulk_create(users)
            EmailAddress.objects.bulk_create(
                EmailAddress(user_id=u.pk, email=u.email, verified=True, primary=True)
                for u in users
            )
            prefs = []
            for n, u in zip(numbers, users, strict=True):
                rng = draws[n]
                kind = pick(rng, KINDS)
                quiet_from, quiet_until = (
                    (clock(0), clock(0)) if rng.random() < 0.3 else rng.choice(QUIET)
                )
                prefs.append(
                    NudgePreferences(
                        member_id=u.pk,
                        daily_step=kind == NudgeKind.DAILY_STEP,
                        daily_at=clock(rng.randrange(6, 22), rng.choice((0, 15, 30, 45))),
                        weekly=kind == NudgeKind.WEEKLY,
                        welcome_back=kind == NudgeKind.WELCOME_BACK,
                        digest=rng.random() < 0.7,
                        gatherings=rng.random() < 0.8,
                        link_worker=rng.random() < 0.9,
                        include_mood=rng.random() < 0.3,
                        quiet_from=quiet_from,
                        quiet_until=quiet_until,
                        daily_cap=pick(rng, CAPS),
                    )
                )
            NudgePreferences.objects.bulk_create(prefs)
        print(f"  seeded {numbers[-1] + 1}/{count}", flush=True)
    return max(0, count - existing)


def arrange(tick: datetime) -> None:
    """Every bench member's kind due at `tick` (see the module docstring), their log and
    any break from an earlier run gone. One UPDATE per zone."""
    prefs, user = NudgePreferences._meta.db_table, User._meta.db_table
    like = HANDLE.replace("_", r"\_") + "%"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {NudgeLog._meta.db_table} l USING {user} u "  # noqa: S608
            "WHERE l.member_id = u.id AND u.handle LIKE %s",
            [like],
        )
        for zone in ZONES:
            tz = ZoneInfo(zone)
            local = tick.astimezone(tz)
            midnight = schedule.at_local(local.date(), clock(0), tz)
            due = max(tick - timedelta(minutes=1), midnight)
            hour = local.replace(minute=0, second=0, microsecond=0).time()
            cursor.execute(
                f"""
                UPDATE {prefs} p SET
                    daily_due_at = CASE WHEN p.daily_step THEN %(due)s END,
                    weekly_due_at = CASE WHEN p.weekly THEN %(due)s END,
                    welcome_back_due_at = CASE WHEN p.welcome_back THEN %(due)s END,
                    digest_due_at = NULL,
                    paused_until = NULL,
                    last_visit_at = %(visit)s,
                    welcome_back_last_at = NULL,
                    welcome_back_unanswered = 0,
                    quiet_from = CASE WHEN p.quiet_from = p.quiet_until THEN p.quiet_from
                        ELSE %(hour)s::time + (2 + p.member_id %% 5) * interval '1 hour' END,
                    quiet_until = CASE WHEN p.quiet_from = p.quiet_until THEN p.quiet_until
                        ELSE %(hour)s::time + (2 + p.member_id %% 5) * interval '1 hour'
                             + (p.quiet_until - p.quiet_from) END
                FROM {user} u
                WHERE u.id = p.member_id AND u.handle LIKE %(like)s AND u.time_zone = %(zone)s
                """,  # noqa: S608
                {
                    "due": due,
                    "visit": tick - timedelta(days=8),
                    "hour": hour,
                    "like": like,
                    "zone": zone,
                },
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def midnights_ahead(tick: datetime, seconds: float) -> list[str]:
    """Zones whose local day ends within `seconds` of the tick: a daily step or weekly
    look back claimed there and sent after that midnight is dropped as late (the
    feature's rule: each belongs to its own day)."""
    end = tick + timedelta(seconds=seconds)
    local = {z: (tick.astimezone(ZoneInfo(z)), end.astimezone(ZoneInfo(z))) for z in ZONES}
    return [z for z, (first, last) in local.items() if first.date() != last.date()]


# --- Dispatch ----------------------------------------------------------------------------


def run_dispatch(tick: datetime) -> dict:
    """Times the dispatcher and counts its SQL per batch (CaptureQueriesContext); also
    the time spent waiting on PostgreSQL and on enqueuing, to say where the rest went."""
    batches, enqueued, waited = [], [], {"sql": 0.0, "enqueue": 0.0}
    by_shape, timings = Counter(), []
    real = delivery._dispatch_stored

    def enqueue(ids):
        enqueued.append(list(ids))
        start = time.perf_counter()
        delivery._enqueue(ids)  # the default: send_nudges.delay, SEND_BATCH ids a task
        waited["enqueue"] += time.perf_counter() - start

    def timed_sql(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - start
            waited["sql"] += took
            by_shape[shape(sql)] += took

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed_sql):

        def counted(kind, **kwargs):
            before, sql_before = len(queries.captured_queries), waited["sql"]
            start = time.perf_counter()
            ids, seen = real(kind, **kwargs)
            took = time.perf_counter() - start
            batches.append((kind, seen, queries.captured_queries[before:]))
            timings.append((kind, seen, took, waited["sql"] - sql_before))
            return ids, seen

        delivery._dispatch_stored = counted
        try:
            started = time.perf_counter()
            claimed = delivery.dispatch(now=tick, enqueue=enqueue)
            seconds = time.perf_counter() - started
        finally:
            delivery._dispatch_stored = real
    total = len(queries.captured_queries)
    if total >= connection.queries_limit:
        print(f"  note: {total} queries reached the capture limit; counts may be short")
    return {
        "seconds": seconds,
        "claimed": claimed,
        "batches": batches,
        "queries": total,
        "enqueued": enqueued,
        "by_shape": by_shape,
        "timings": timings,
        **waited,
    }


def explain_first_batch(tick: datetime) -> str:
    """The plan of the dispatcher's first SELECT (EXPLAIN ANALYZE, rolled back: the
    rows it locks are let go), its nodes on one line."""
    query = (
        delivery.due_now(NudgeKind.DAILY_STEP, now=tick)
        .select_related("member")
        .select_for_update(skip_locked=True, of=("self",))[: delivery.BATCH]
    )
    with transaction.atomic():
        plan = query.explain(analyze=True)
        transaction.set_rollback(True)
    nodes = [line.strip(" ->") for line in plan.splitlines() if "cost=" in line]
    return " > ".join(re.sub(r"\s*\(cost=[^)]*\)", "", node) for node in nodes[:6])


def shape(sql: str) -> str:
    """`SELECT prescriptions_nudgepreferences`, `UPDATE ...`: what a query does, briefly."""
    verb = sql.split(None, 1)[0].upper()
    found = re.search(r'(?:FROM|UPDATE|INTO)\s+"(\w+)"', sql)
    return f"{verb} {found.group(1)}" if found else verb


# --- Send --------------------------------------------------------------------------------


def tasks_of(enqueued: list[list[int]]) -> list[list[int]]:
    """The sender tasks `delivery._enqueue` made of those lists."""
    size = delivery.SEND_BATCH
    return [ids[i : i + size] for ids in enqueued for i in range(0, len(ids), size)]


def evenly(tasks: list, wanted: int) -> list:
    if wanted >= len(tasks):
        return tasks
    return [tasks[math.floor(i * len(tasks) / wanted)] for i in range(wanted)]


def pool_args(concurrency: int) -> list[str]:
    """One process (solo), or the Procfile's prefork pool of `concurrency` processes."""
    if concurrency == 1:
        return ["--pool=solo"]
    return ["--pool=prefork", f"--concurrency={concurrency}"]


def start_worker(port: int, log: Path, concurrency: int) -> subprocess.Popen:
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "fourc", "worker", *pool_args(concurrency),
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"bench-nudges-{os.getpid()}@%h"],
        cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_drained(ids: list[int], worker, sink: Sink, timeout: float) -> bool:
    """True once none of `ids` is still claimed and the sink has stopped receiving."""
    deadline = time.monotonic() + timeout
    waiting = NudgeLog.objects.filter(pk__in=ids, status=NudgeStatus.CLAIMED)
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            return False
        if not waiting.exists():
            size = sink.path.stat().st_size
            if size != last:
                last, quiet_since = size, time.monotonic()
            elif time.monotonic() - quiet_since > 1.0:
                return True
        time.sleep(0.5)
    return False


def nudge_pk(message_id: str) -> int | None:
    match = re.fullmatch(r"<nudge-(\d+)@[^>]*>", message_id)
    return int(match.group(1)) if match else None


def judge(sample: list[int], records, started_at: float):
    """Duplicates, lost, and the rate, from what the sink received and the log says."""
    received = [(at, nudge_pk(mid)) for at, _, mid in records if at >= started_at]
    received = [(at, pk) for at, pk in received if pk is not None]
    times = sorted(at for at, _ in received)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    got = Counter(pk for _, pk in received)
    rows = {
        pk: (member, kind, status, reason, due, finished, zone)
        for pk, member, kind, status, reason, due, finished, zone in NudgeLog.objects.filter(
            pk__in=set(got) | set(sample)
        ).values_list(
            "pk", "member_id", "kind", "status", "reason", "due_at", "finished_at",
            "member__time_zone",
        )
    }  # fmt: skip
    per_member_kind = Counter()
    for pk, times_got in got.items():
        member, kind = rows[pk][:2] if pk in rows else (f"gone-{pk}", "?")
        per_member_kind[member, kind] += times_got
    duplicates = sum(n - 1 for n in per_member_kind.values() if n > 1)
    lost, late_after_midnight, outcome = 0, 0, Counter()
    for pk in sample:
        member, kind, status, reason, due, finished, zone = rows[pk]
        outcome[status, reason] += 1
        if status == NudgeStatus.SENT and got[pk]:
            continue
        tz = ZoneInfo(zone)
        if (
            status == NudgeStatus.SKIPPED
            and reason == delivery.LATE
            and finished is not None
            and finished.astimezone(tz).date() != due.astimezone(tz).date()
        ):
            late_after_midnight += 1  # the member's day ended during the run
            continue
        lost += 1
    # Per kind, from the worker itself: each gap between two messages is the cost of the
    # later one (a task's lease and checks fall on its first message).
    by_time = sorted(received)
    gaps = defaultdict(list)
    for (before, _), (at, pk) in zip(by_time, by_time[1:], strict=False):
        gaps[rows[pk][1] if pk in rows else "?"].append(at - before)
    return {
        "rate": rate,
        "received": len(received),
        "duplicates": duplicates,
        "lost": lost,
        "late_after_midnight": late_after_midnight,
        "outcome": outcome,
        "gaps": gaps,
        "span": (times[-1] - times[0]) if len(times) > 1 else 0.0,
    }


# --- Baselines and the in-process breakdown ----------------------------------------------


def select_one_ms(n: int = 1000) -> float:
    probes = []
    with connection.cursor() as cursor:
        for _ in range(n):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            probes.append((time.perf_counter() - start) * 1000)
    return statistics.median(probes)


def sink_rate(port: int, message, n: int) -> float:
    """Messages a second that Django's SMTP mailer gets through to the sink, on one
    connection, for `message` sent `n` times."""
    backend = mail.mailers["default"]
    backend.open()
    try:
        start = time.perf_counter()
        for _ in range(n):
            backend.send_messages([message])
        return n / (time.perf_counter() - start)
    finally:
        backend.close()


# Where a sender's time goes: (label, file the function is in, its names). Cumulative
# time of each, from cProfile; the parts overlap only where indented.
PARTS = (
    ("lease the rows (per batch)", "nudges/delivery.py", ("lease",)),
    ("re-checks (per batch)", "nudges/delivery.py", ("__init__",)),
    (
        "context for the kind",
        "nudges/content.py",
        tuple(f.__name__ for f in content.CONTEXT.values()),
    ),
    ("  of which today's step", "nudges/content.py", ("todays_step",)),
    ("    of which engine inputs", "prescriptions/selectors.py", ("engine_inputs",)),
    ("    of which engine.suggest", "prescriptions/engine.py", ("suggest",)),
    ("render (3 templates)", "fourc/lib/emails.py", ("render",)),
    ("  of which CSS inlining", "~", ("<method 'inline' of 'builtins.CSSInliner' objects>",)),
    ("signed stop link", "nudges/services.py", ("stop_token",)),
    ("MIME message", "django/core/mail/message.py", ("message",)),
    ("SMTP conversation", "smtplib.py", ("sendmail",)),
    ("mark sent (an UPDATE each)", "nudges/delivery.py", ("_finish",)),
)


def breakdown(profiler: cProfile.Profile, emails: int) -> list[tuple[str, float]]:
    """Milliseconds per email for each of PARTS, plus SQL (all of it) and the whole."""
    stats = pstats.Stats(profiler).stats
    rows = []
    for label, where, names in PARTS:
        seconds = sum(
            cumulative
            for (path, _, name), (_, _, _, cumulative, _) in stats.items()
            if name in names and path.endswith(where)
        )
        rows.append((label, seconds * 1000 / emails))
    sql = sum(
        own
        for (path, _, name), (_, _, own, _, _) in stats.items()
        if path == "~" and name.startswith("<method 'execute' of 'psycopg")
    )
    total = sum(
        cumulative
        for (path, _, name), (_, _, _, cumulative, _) in stats.items()
        if name == "send" and path.endswith("nudges/delivery.py")
    )
    rows.append(("waiting on PostgreSQL (every query)", sql * 1000 / emails))
    rows.append(("whole delivery.send", total * 1000 / emails))
    return rows


def in_process(kinds_rows: dict[str, list[int]], *, raw: bool) -> dict[str, float]:
    """Milliseconds per email of `delivery.send` in this process, per kind, over SMTP to
    the sink (a warm-up batch, then the rest timed), and cProfile of one more batch per
    kind, summed into PARTS (`raw`: cProfile's own top lines too)."""
    size = delivery.SEND_BATCH
    result, profiles = {}, {}
    for kind, ids in kinds_rows.items():
        batches = [ids[i : i + size] for i in range(0, len(ids), size)]
        if len(batches) < 4:
            continue
        delivery.send(batches[0])  # warm-up: templates, caches
        start = time.perf_counter()
        sent = sum(delivery.send(batch)[NudgeStatus.SENT] for batch in batches[1:-2])
        result[kind] = (time.perf_counter() - start) * 1000 / max(sent, 1)
        profiler = cProfile.Profile()
        profiler.enable()
        sent = sum(delivery.send(batch)[NudgeStatus.SENT] for batch in batches[-2:])
        profiler.disable()
        profiles[kind] = breakdown(profiler, max(sent, 1))
        if raw:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
            print(f"--- cProfile: delivery.send, two batches of {kind}, by own time ---")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
    if profiles:
        kinds = sorted(profiles)
        print("where a sender's time goes, ms per email (cProfile of two batches per kind; "
              "the profiler adds to Python-heavy parts):")  # fmt: skip
        print(f"  {'':<38}" + "".join(f"{kind:>14}" for kind in kinds))
        for n, (label, _) in enumerate(profiles[kinds[0]]):
            print(f"  {label:<38}" + "".join(f"{profiles[k][n][1]:>14.2f}" for k in kinds))
    return result


def describe_sql_of_send(ids: list[int]) -> tuple[int, Counter]:
    """The queries of one sender batch, grouped by table read or written."""
    with CaptureQueriesContext(connection) as queries:
        delivery.send(ids)
    tables = Counter()
    for query in queries.captured_queries:
        found = re.search(r'(?:FROM|UPDATE|INTO)\s+"(\w+)"', query["sql"])
        tables[found.group(1) if found else query["sql"][:30]] += 1
    return len(queries), tables


# --- Main --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="keep members already seeded")
    send = parser.add_mutually_exclusive_group()
    send.add_argument(
        "--send-sample",
        type=int,
        default=5000,
        metavar="N",
        help="members' worth of sender tasks the worker sends (default 5000)",
    )
    send.add_argument("--send-all", action="store_true", help="the worker drains every task")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("WORKER_CONCURRENCY", "2")),
        help="the worker's processes: the Procfile's WORKER_CONCURRENCY (default 2, one "
        "per core here); 1 runs a single process (--pool=solo)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile's own top lines too")
    parser.add_argument("--fail", action="store_true", help="exit 1 when a goal fails")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-nudges-"))
    sink = Sink(workdir)  # forked before any database connection is open
    workers = []
    try:
        return run(args, sink, workdir, workers)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
        sink.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, sink: Sink, workdir: Path, workers: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    print(
        f"nudges bench: {args.members:,} members; PostgreSQL {pg}; "
        f"Python {sys.version.split()[0]}; DEBUG={settings.DEBUG}; {load()}"
    )
    # 1. Members.
    started = time.perf_counter()
    if not args.reuse and bench_members().exists():
        wipe()
    added = seed(args.members, args.seed)
    have = bench_members().count()
    if have != args.members:
        print(f"note: {have:,} bench members in the database; --members is {args.members:,}")
    print(f"seeding: {added:,} members added in {time.perf_counter() - started:.1f} s "
          f"({have - added:,} reused)")  # fmt: skip
    mix = NudgePreferences.objects.filter(member__handle__startswith=HANDLE).aggregate(
        daily_step=Count("pk", filter=Q(daily_step=True)),
        weekly=Count("pk", filter=Q(weekly=True)),
        welcome_back=Count("pk", filter=Q(welcome_back=True)),
        quiet_off=Count("pk", filter=Q(quiet_from=F("quiet_until"))),
    )
    zones = bench_members().values("time_zone").distinct().count()
    print("mix: " + ", ".join(f"{k} {n:,}" for k, n in mix.items()) + f"; {zones} zones")

    # 2. One tick.
    started = time.perf_counter()
    tick = timezone.now().replace(microsecond=0)
    arrange(tick)
    others = sum(
        delivery.due_now(kind, now=tick).exclude(member__handle__startswith=HANDLE).count()
        for kind in delivery.STORED
    )
    print(f"tick {tick:%Y-%m-%d %H:%M:%S}Z: every member due (arranged in "
          f"{time.perf_counter() - started:.1f} s); other members due: {others}")  # fmt: skip
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")  # tasks left by an earlier run
    print("  the first batch's SELECT, explained: " + explain_first_batch(tick))

    # 3. Dispatch.
    run_ = run_dispatch(tick)
    dispatch_seconds, claimed = run_["seconds"], run_["claimed"]
    claimed_total = sum(claimed.values())
    full = [len(q) for _, seen, q in run_["batches"] if seen]
    closing = [len(q) for _, seen, q in run_["batches"] if not seen]
    queued = broker.llen("celery")
    tasks = tasks_of(run_["enqueued"])
    skipped_at_dispatch = NudgeLog.objects.filter(
        member__handle__startswith=HANDLE, status=NudgeStatus.SKIPPED
    ).count()
    rest = dispatch_seconds - run_["sql"] - run_["enqueue"]
    print(
        f"dispatch: {claimed_total:,} claimed and enqueued in {dispatch_seconds:.1f} s "
        f"({claimed_total / dispatch_seconds:,.0f}/s): "
        + ", ".join(f"{k} {n:,}" for k, n in claimed.items() if n)
        + f"; skipped at dispatch: {skipped_at_dispatch}"
    )
    sql = ", ".join(f"{name} {t:.1f} s" for name, t in run_["by_shape"].most_common(4))
    print(
        f"  of which waiting on PostgreSQL {run_['sql']:.1f} s ({sql}), enqueuing to Redis "
        f"{run_['enqueue']:.1f} s, Python {rest:.1f} s (planning each member, building "
        "the ORM's queries)"
    )
    print(
        f"  batches of {delivery.BATCH}: {len(full)} with members, {len(closing)} closing "
        f"empty; queries per batch min {min(full)} max {max(full)} (closing: "
        f"{sorted(set(closing))}); {run_['queries']} queries in the whole run "
        f"= {run_['queries'] / len(run_['batches']):.2f} per batch"
    )
    for kind in delivery.STORED:
        mine = [(took, sql) for k, seen, took, sql in run_["timings"] if k == kind and seen]
        if len(mine) >= 20:
            head, tail = mine[:10], mine[-10:]
            print(
                f"  {kind} batches, first 10 vs last 10: "
                f"{statistics.mean(t for t, _ in head) * 1000:.0f} ms "
                f"(SQL {statistics.mean(q for _, q in head) * 1000:.0f}) vs "
                f"{statistics.mean(t for t, _ in tail) * 1000:.0f} ms "
                f"(SQL {statistics.mean(q for _, q in tail) * 1000:.0f})"
            )
    first = next(q for _, seen, q in run_["batches"] if seen)
    print("  a batch: " + ", ".join(shape(q["sql"]) for q in first))
    print(f"  enqueued: {len(tasks):,} sender tasks of up to {delivery.SEND_BATCH}; "
          f"in Redis: {queued:,}")  # fmt: skip

    # 4. Baselines (before the worker, so nothing competes with them).
    settings.MAILERS = smtp_mailers(sink.port)
    select_ms = select_one_ms()
    trivial = mail.EmailMessage("Hello", "A trivial message.\n", to=["baseline@bench.example"])
    trivial_rate = sink_rate(sink.port, trivial, 2000)
    one = NudgeLog.objects.select_related("member", "member__nudge_preferences").get(
        pk=tasks[0][0]
    )
    real, _ = content.build(one, now=timezone.now(), in_crisis=False)
    real.extra_headers["Message-ID"] = "<baseline@bench.example>"  # not the nudge's own
    real_size = len(real.message().as_bytes())
    real_rate = sink_rate(sink.port, real, 1000)
    print(f"baseline: SELECT 1 p50 {select_ms:.3f} ms; sink via Django's SMTP mailer, one "
          f"connection: {trivial_rate:,.0f} trivial messages/s, {real_rate:,.0f}/s for a "
          f"rendered {one.kind} email ({real_size:,} bytes)")  # fmt: skip

    # 5. Send.
    if args.send_all:
        chosen = tasks
        plan = f"all {len(tasks):,} tasks (--send-all)"
    else:
        chosen = evenly(tasks, math.ceil(args.send_sample / delivery.SEND_BATCH))
        broker.delete("celery")
        from prescriptions.tasks import send_nudges

        for ids in chosen:
            send_nudges.delay(ids)
        plan = (
            f"a sample: {len(chosen):,} of the {len(tasks):,} tasks (every "
            f"{len(tasks) / max(len(chosen), 1):.0f}th, so kinds keep their proportions), "
            "enqueued again as the dispatcher made them; the other claimed rows stay claimed"
        )
    sample = [pk for ids in chosen for pk in ids]
    sample_kinds = Counter(NudgeLog.objects.filter(pk__in=sample).values_list("kind", flat=True))
    pool = " ".join(pool_args(args.concurrency))
    print(f"send: one worker ({pool}) sends {len(sample):,} nudges, {plan}")
    print("  sample: " + ", ".join(f"{k} {n:,}" for k, n in sample_kinds.most_common()))
    timeout = 180 + len(sample) / 20  # the worker at 20 emails/s, and a start
    ahead = midnights_ahead(tick, timeout)
    if ahead:
        print(f"  note: the local day ends soon in {', '.join(ahead)}: a step or look "
              "back sent there after midnight is dropped as late (counted apart)")  # fmt: skip
    sink_started = time.time()
    log = workdir / "worker.log"
    started = time.perf_counter()
    worker = start_worker(sink.port, log, args.concurrency)
    workers.append(worker)
    drained = wait_drained(sample, worker, sink, timeout=timeout)
    wall = time.perf_counter() - started
    worker.terminate()
    worker.wait(30)
    if not drained:
        print("  the worker did not drain the sample; the end of its log:")
        print("\n".join(log.read_text().splitlines()[-30:]))
    verdict = judge(sample, sink.records(), sink_started)
    print(
        f"  received {verdict['received']:,} in {verdict['span']:.1f} s: "
        f"{verdict['rate']:,.0f} emails/s (first to last message; {wall:.0f} s with the "
        f"worker's start); duplicates {verdict['duplicates']}, lost {verdict['lost']}"
        + (f", dropped as late after a local midnight {verdict['late_after_midnight']}"
           if verdict["late_after_midnight"] else "")
    )  # fmt: skip
    print("  outcome: " + ", ".join(
        f"{status}{f' ({reason})' if reason else ''} {n:,}"
        for (status, reason), n in verdict["outcome"].most_common()
    ))  # fmt: skip
    print("  per kind, in the worker (mean gap before each message): " + ", ".join(
        f"{kind} {statistics.mean(g) * 1000:.2f} ms ({1 / statistics.mean(g):,.0f}/s)"
        for kind, g in sorted(verdict["gaps"].items()) if g
    ))  # fmt: skip

    # 6. In process, per kind: rows the sample left claimed (none with --send-all).
    left = {pk for ids in tasks for pk in ids} - set(sample)
    per_kind_rows = defaultdict(list)
    for pk, kind in (
        NudgeLog.objects.filter(pk__in=left, status=NudgeStatus.CLAIMED)
        .order_by("pk")
        .values_list("pk", "kind")
    ):
        if len(per_kind_rows[kind]) < 8 * delivery.SEND_BATCH:
            per_kind_rows[kind].append(pk)
    if per_kind_rows:
        for kind, rows in sorted(per_kind_rows.items()):
            count, tables = describe_sql_of_send(rows[-delivery.SEND_BATCH :])
            del rows[-delivery.SEND_BATCH :]
            shares = ", ".join(f"{t} {n}" for t, n in tables.most_common(8))
            print(f"in process: a sender batch of {delivery.SEND_BATCH} {kind}: {count} queries "
                  f"({shares})")  # fmt: skip
        ms = in_process(per_kind_rows, raw=args.profile)
        print("in process, delivery.send over SMTP to the sink, per email: " + ", ".join(
            f"{kind} {m:.2f} ms ({1000 / m:,.0f}/s)" for kind, m in sorted(ms.items())
        ))  # fmt: skip
    else:
        print("in process: no claimed rows left (--send-all); run with a sample for it")

    # 7. Goals.
    budget = GOAL_DISPATCH_SECONDS * args.members / 100_000
    goals = [
        (f"claim and enqueue {args.members:,} in under {budget:.0f} s",
         dispatch_seconds < budget and claimed_total == args.members),
        ("the same number of queries for every batch", min(full) == max(full)),
        (f"one worker sends at least {GOAL_EMAILS_PER_SECOND} emails/s",
         verdict["rate"] >= GOAL_EMAILS_PER_SECOND),
        ("no duplicates", verdict["duplicates"] == 0),
        ("nothing lost", verdict["lost"] == 0 and drained),
    ]  # fmt: skip
    print(f"machine: {load()} (other work on the machine slows every figure above)")
    for goal, ok in goals:
        print(f"{'PASS' if ok else 'FAIL'}  {goal}")
    print(
        json.dumps(
            {
                "members": args.members,
                "dispatch_seconds": round(dispatch_seconds, 2),
                "queries_per_batch": max(full),
                "emails_per_second": round(verdict["rate"], 1),
                "duplicates": verdict["duplicates"],
                "lost": verdict["lost"],
            }
        )
    )
    return 1 if args.fail and not all(ok for _, ok in goals) else 0


if __name__ == "__main__":
    sys.exit(main())
