"""manage.py seed_scale: the dataset behind the scale benchmark (a million posts and
replies, five million reactions, a hundred thousand members) in a few minutes.

Benchmark-only. Rows are streamed with PostgreSQL's COPY, not written through the
services: the services would take hours. What the services keep beside a row is
written the way they keep it: search vectors with the weights and configuration of
`community.services._update_search_vector`, sanitised HTML as `community.text` renders
plain words, a follow for every author and replier, one reaction notification per
target and kind, everyone's email preferences and agreement to the guidelines. The
denormalised counters are then computed from the rows, in SQL (`reconcile_counters`),
so every page shows what the services would have produced.

Deterministic: the same --seed and counts give the same rows (times are relative to
the moment it runs). Everything is written in one transaction, with a ScaleDataset
row last: a run that stops half-way leaves nothing behind, and a finished one is
recognised by --reuse.
"""

import contextlib
import io
import math
import queue
import random
import sys
import threading
import time
import zoneinfo
from bisect import bisect
from datetime import UTC, datetime
from itertools import accumulate

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from community import guidelines, notifications, roles
from community.models import (
    GatheringFormat,
    GatheringStatus,
    HiddenReason,
    Intent,
    ReactionKind,
    RSVPStatus,
    User,
)
from community.services import recount_unread
from fourc.models import ScaleDataset
from prescriptions import targets
from prescriptions.models import CONSENT_VERSION, CRISIS_SLUG, Activity, SkipReason, Status, Urge

DEFAULTS = {
    "members": 100_000,
    "spaces": 50,
    "posts": 1_000_000,  # posts and replies together
    "reactions": 5_000_000,
    "checkins": 1_000_000,
    "prescriptions": 1_000_000,
    "gatherings": 2_000,
    "notifications": 2_000_000,
}
HISTORIES = 500  # scale_1 .. scale_500: the engine benchmark's distinct members
PER_PAGE = 25
DEEP_PAGE = 1_025  # scale-space-0 holds this many pages of posts at 400k posts and more
DEEP_FROM = 400_000
LONG_THREAD = 3_000  # replies at the default size
DAY = 86_400.0
HISTORY_DAYS = 730  # all activity happens in the last two years; members joined before
CHUNK = 20_000  # rows per COPY statement
# The big tables: their secondary indexes are built once after the load, not row by row.
REINDEXED = {
    "community_post", "community_reply", "community_postfollow", "community_reaction",
    "community_notification", "prescriptions_checkin", "prescriptions_prescription",
}  # fmt: skip

COMMON = (  # noqa: SIM905 - a sentence reads better than a list of strings
    "tired heavy tea walk rain garden sleep morning friend kind small win today week "
    "breathe slow gentle music sketch bread window light quiet lonely hope night work "
    "family anxious calm cup dog cat park bus call sister brother doctor list tomorrow "
    "again enough better worse honest proud sorry thanks listen try"
).split()
RARE_WORDS = 60_000  # word0 .. word59999, drawn log-uniformly: a long tail
ZONES = (  # (zone, weight): members around the world, most in a few places
    ("Europe/London", 30), ("America/New_York", 10), ("America/Chicago", 5),
    ("America/Los_Angeles", 6), ("America/Sao_Paulo", 3), ("America/Mexico_City", 2),
    ("America/St_Johns", 1), ("Europe/Berlin", 5), ("Europe/Madrid", 3), ("Africa/Lagos", 3),
    ("Africa/Johannesburg", 2), ("Asia/Dubai", 2), ("Asia/Kolkata", 5), ("Asia/Kathmandu", 1),
    ("Asia/Singapore", 2), ("Asia/Tokyo", 3), ("Australia/Sydney", 4), ("Australia/Adelaide", 1),
    ("Pacific/Auckland", 2), ("Pacific/Honolulu", 1), ("UTC", 1),
)  # fmt: skip
FIRST_NAMES = (  # noqa: SIM905
    "Alex Sam Robin Jo Kim Lee Ash Charlie Jamie Morgan Riley Taylor Avery Noor Priya "
    "Tomasz Aiko Kwame Lucia Mateo Ines Oskar Freya Yusuf Mei Ravi Elena Tunde Ana Finn"
).split()
INTENTS = ((Intent.SUPPORT, 50), (Intent.WIN, 20), (Intent.IDEA, 15), (Intent.HELLO, 15))
REACTIONS = (
    (ReactionKind.HEAR, 40),
    (ReactionKind.STRENGTH, 25),
    (ReactionKind.ME_TOO, 20),
    (ReactionKind.THANKS, 15),
)
WARNINGS = ("self-harm mention", "grief", "a hard day", "food and eating", "family conflict")


def counts_for(options) -> dict:
    """The parameters of the run: --scale times each default, unless given one by one."""
    scale = options["scale"]
    floors = {"members": 20, "spaces": 3}
    params = {"seed": options["seed"]}
    for name, default in DEFAULTS.items():
        given = options[name]
        params[name] = (
            given if given is not None else max(floors.get(name, 0), round(default * scale))
        )
    return params


class Command(BaseCommand):
    help = "Fill a migrated PostgreSQL database with the scale benchmark's dataset."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=4)
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiplies every default count."
        )
        for name, default in DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, default=None, help=f"Default {default:,}.")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="If this database already holds a finished dataset made with the same "
            "parameters, say so and stop.",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale writes with PostgreSQL's COPY: it needs PostgreSQL.")
        params = counts_for(options)
        done = ScaleDataset.objects.order_by("pk").last()
        if done is not None:
            if options["reuse"] and done.parameters == params:
                self.stdout.write(
                    f"The scale dataset is already here ({describe(params)}), finished "
                    f"{done.finished_at:%Y-%m-%d %H:%M} UTC: nothing to do."
                )
                return
            raise CommandError(
                f"This database already holds a scale dataset ({describe(done.parameters)}). "
                + (
                    "It was made with other parameters: use a fresh database."
                    if options["reuse"]
                    else "Use --reuse to keep it, or a fresh database for another."
                )
            )
        if User.objects.filter(handle="scale_0").exists():
            raise CommandError(
                "This database holds scale members but no finished dataset: use a fresh one."
            )
        started = timezone.now()
        seeder = Seeder(params, progress=options["verbosity"] > 0)
        clock = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                seeder.run(cursor)
            ScaleDataset.objects.create(
                parameters=params, started_at=started, finished_at=timezone.now()
            )
        with connection.cursor() as cursor:
            step = time.monotonic()
            cursor.execute("ANALYZE")
            seeder.timings.append(("analyze", 0, time.monotonic() - step))
        targets.forget(targets.WAITING, targets.GATHERINGS, targets.IN_CRISIS)
        elapsed = time.monotonic() - clock
        rows = sum(count for _, count, _ in seeder.timings)
        if options["verbosity"] > 1:
            for table, count, seconds in seeder.timings:
                self.stdout.write(
                    f"  {table}: {count:,} rows in {seconds:.1f} s ({rate(count, seconds)})"
                )
        self.stdout.write(
            f"Scale dataset ready ({describe(params)}): {rows:,} rows in {elapsed:.0f} s "
            f"({rate(rows, elapsed)}); "
            + ", ".join(
                f"{table} {rate(count, seconds)}"
                for table, count, seconds in seeder.timings
                if count
            )
            + "."
        )


def describe(params: dict) -> str:
    return ", ".join(f"{name} {params[name]:,}" for name in ("seed", *DEFAULTS) if name in params)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} rows/s" if seconds > 0 else "-"


# --- Writing rows ---------------------------------------------------------------------


def text(value: str) -> str:
    """A value in COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def flag(value: bool) -> str:
    return "t" if value else "f"


NULL = "\\N"


class Seeder:
    def __init__(self, params: dict, *, progress: bool):
        self.p = params
        self.rng = random.Random(params["seed"])  # noqa: S311 - benchmark data
        self.progress = progress
        self.now = time.time()
        self.timings: list[tuple[str, int, float]] = []
        tqdm.monitor_interval = 0  # no monitor thread: each bar closes at once

    # Rows go to PostgreSQL in chunks of CHUNK lines, one COPY each.
    def copy(self, table: str, columns: tuple[str, ...], rows, total: int, *, name="") -> int:
        """Streams `rows` (tuples of COPY text values) into the table. A thread makes the
        next chunk while PostgreSQL takes this one: the two cores work at once."""
        started, written = time.monotonic(), 0
        set_aside = self.set_aside_indexes(table)
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        chunks: queue.Queue = queue.Queue(maxsize=2)
        stop = threading.Event()

        def produce():
            try:
                lines = []
                for row in rows:
                    lines.append("\t".join(row))
                    if len(lines) == CHUNK:
                        chunks.put(lines)
                        lines = []
                        if stop.is_set():
                            return
                chunks.put(lines)
                chunks.put(None)
            except BaseException as error:  # noqa: BLE001 - raised again in the main thread
                chunks.put(error)

        producer = threading.Thread(target=produce, name=f"seed_scale {table}", daemon=True)
        producer.start()
        with tqdm(
            total=total, desc=name or table, unit=" rows", unit_scale=True, file=sys.stderr,
            disable=not self.progress, dynamic_ncols=True,
        ) as bar:  # fmt: skip
            try:
                while (chunk := chunks.get()) is not None:
                    if isinstance(chunk, BaseException):
                        raise chunk
                    if chunk:
                        self.cursor.copy_expert(sql, io.StringIO("\n".join(chunk) + "\n"))
                    written += len(chunk)
                    bar.update(len(chunk))
            finally:
                stop.set()
                while producer.is_alive():  # let it finish its put and see the stop
                    with contextlib.suppress(queue.Empty):
                        chunks.get_nowait()
                    producer.join(0.01)
        self.rebuild(set_aside)
        self.timings.append((name or table, written, time.monotonic() - started))
        return written

    def set_aside_indexes(self, table: str) -> list[str]:
        """Drops the table's secondary indexes (not those behind a constraint) when it is
        one of the big ones; returns their definitions, as PostgreSQL states them, for
        `rebuild`: they come back exactly as the migrations made them."""
        if table not in REINDEXED:
            return []
        self.cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes AS i
            WHERE i.schemaname = current_schema() AND i.tablename = %s
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint AS c
                  WHERE c.conrelid = %s::regclass AND c.conname = i.indexname
              )
            ORDER BY i.indexname
            """,
            [table, table],
        )
        found = self.cursor.fetchall()
        for name, _ in found:
            self.cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _, definition in found]

    def rebuild(self, definitions: list[str]) -> None:
        for definition in definitions:
            self.cursor.execute(definition)

    def reserve(self, table: str, count: int) -> int:
        """The first of `count` ids taken from the table's sequence at once."""
        if count == 0:
            return 0
        self.cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        first = self.cursor.fetchone()[0]
        self.cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + count - 1]
        )
        return first

    def timed(self, name: str, count: int, work) -> None:
        started = time.monotonic()
        work()
        self.timings.append((name, count, time.monotonic() - started))

    # --- The run ----------------------------------------------------------------------

    def run(self, cursor) -> None:
        self.cursor = cursor
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # for building indexes
        # Foreign keys are checked after each COPY rather than all at the commit.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.words()
        self.members()
        self.spaces()
        self.posts()
        self.replies()
        self.post_follows()
        self.reactions()
        self.gatherings()
        self.blocks()
        self.notifications()
        self.health()
        members = range(self.first_user, self.first_user + self.p["members"])
        self.timed("counters", 0, lambda: reconcile_counters(cursor, self.space_ids, members))

    # --- Words --------------------------------------------------------------------------

    def words(self) -> None:
        """Pools of sentences and titles to draw from: a common vocabulary ("garden",
        "walk", "tea", "sleep") and a long tail of rare tokens, word{n}."""
        rng = self.rng

        def word() -> str:
            if rng.random() < 0.75:
                return rng.choice(COMMON)
            return f"word{int(RARE_WORDS ** rng.random()) - 1}"

        def sentence(low: int, high: int) -> str:
            return " ".join(word() for _ in range(rng.randint(low, high))).capitalize()

        self.sentences = [sentence(4, 16) + "." for _ in range(30_000)]
        self.titles = [sentence(2, 9) for _ in range(20_000)]

    def body(self, low: int, high: int) -> tuple[str, str]:
        """Words and their HTML, as community.text renders plain paragraphs."""
        rng = self.rng
        paragraphs = [
            " ".join(rng.choices(self.sentences, k=rng.randint(low, high)))
            for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 3))
        ]
        return "\n\n".join(paragraphs), "".join(f"<p>{p}</p>\n" for p in paragraphs)

    # --- Members ------------------------------------------------------------------------

    def members(self) -> None:
        rng, count, now = self.rng, self.p["members"], self.now
        self.first_user = base = self.reserve("community_user", count)
        zones = [zone for zone, _ in ZONES]
        zone_of = rng.choices(zones, weights=[w for _, w in ZONES], k=count)
        zone_of[0] = "Europe/London"
        at = datetime.fromtimestamp(now, UTC)
        offsets = {z: zoneinfo.ZoneInfo(z).utcoffset(at).total_seconds() for z in zones}
        self.offset = [offsets[z] for z in zone_of]
        # Long-tailed activity: a few write a lot, most a little.
        self.activity = [min(rng.paretovariate(1.2), 300.0) for _ in range(count)]
        self.activity[0] = 3.0  # the measured member writes like a regular, not a star
        self.member_cum = list(accumulate(self.activity))
        self.joined = [now - (HISTORY_DAYS + rng.uniform(1, 365)) * DAY for _ in range(count)]

        def users():
            for n in range(count):
                name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {n}"
                yield (
                    str(base + n), "!", NULL, "f", f"scale{n}@scale.example", name,
                    f"scale_{n}", "", "", zone_of[n], "t", "f", stamp(self.joined[n]),
                    NULL, "", NULL, NULL, "0",
                )  # fmt: skip

        self.copy(
            "community_user",
            ("id", "password", "last_login", "is_superuser", "email", "display_name",
             "handle", "pronouns", "bio", "time_zone", "is_active", "is_staff", "date_joined",
             "suspended_until", "suspension_note", "posting_paused_at", "deletion_due_at",
             "unread_notifications"),
            users(),
            count,
        )  # fmt: skip
        self.copy(
            "account_emailaddress",
            ("user_id", "email", "verified", '"primary"'),
            ((str(base + n), f"scale{n}@scale.example", "t", "t") for n in range(count)),
            count,
        )
        self.copy(
            "community_guidelinesacceptance",
            ("member_id", "version", "accepted_at"),
            (
                (str(base + n), str(guidelines.VERSION), stamp(self.joined[n]))
                for n in range(count)
            ),
            count,
        )
        # Everyone's email preferences, as a new member gets them: the defaults, nothing due.
        self.copy(
            "prescriptions_nudgepreferences",
            ("member_id", "daily_step", "daily_at", "weekly", "gatherings", "digest",
             "welcome_back", "link_worker", "include_mood", "quiet_from", "quiet_until",
             "daily_cap", "paused_until", "last_visit_at", "welcome_back_unanswered",
             "welcome_back_last_at", "digest_last_at", "daily_due_at", "weekly_due_at",
             "digest_due_at", "welcome_back_due_at", "updated_at"),
            (
                (str(base + n), "f", "10:00", "f", "t", "t", "f", "t", "f", "22:00", "08:00",
                 "2", NULL, NULL, "0", NULL, NULL, NULL, NULL, NULL, NULL,
                 stamp(self.joined[n]))
                for n in range(count)
            ),
            count,
        )  # fmt: skip
        # A few members host gatherings (a moderator trusted them).
        hosts = sorted(set(self.pick_members(max(3, min(300, count // 300)))) - {0})
        self.hosts = hosts or [1]
        group = Group.objects.get_or_create(name=roles.HOSTS)[0].pk
        self.copy(
            "community_user_groups",
            ("user_id", "group_id"),
            ((str(base + n), str(group)) for n in self.hosts),
            len(self.hosts),
        )

    def pick_members(self, k: int) -> list[int]:
        """`k` member numbers, drawn by how active each is."""
        return self.rng.choices(range(len(self.activity)), cum_weights=self.member_cum, k=k)

    def pick_member(self) -> int:
        return bisect(self.member_cum, self.rng.random() * self.member_cum[-1])

    # --- Spaces -------------------------------------------------------------------------

    def spaces(self) -> None:
        rng, count = self.rng, self.p["spaces"]
        base = self.reserve("community_space", count)
        self.space_ids = [base + n for n in range(count)]
        # scale-space-0 is the busiest; a few more are busy; then a long tail.
        self.space_weight = [1 / (n + 1) ** 1.1 for n in range(count)]
        archived = {n for n in range(count - 2, count) if count >= 10}
        self.archived = archived

        def rows():
            for n in range(count):
                yield (
                    str(base + n), f"scale-space-{n}", f"Scale space {n}",
                    text(" ".join(rng.choices(self.sentences, k=2))), "", str(100 + n),
                    flag(n in archived), flag(n % 5 == 1),
                    stamp(self.now - (HISTORY_DAYS + 400) * DAY),
                )  # fmt: skip

        self.copy(
            "community_space",
            ("id", "slug", "name", "description", "guidelines", '"order"', "is_archived",
             "is_public", "created_at"),
            rows(),
            count,
        )  # fmt: skip
        # Members follow a few spaces, the busy ones most; scale_0 follows several.
        follows = {0: [n for n in (0, 1, 2, 3, 5) if n < count]}
        cum = list(accumulate(self.space_weight))
        for member in range(1, len(self.activity)):
            k = min(count, int(rng.expovariate(1 / 2.5)))
            if k:
                follows[member] = sorted({bisect(cum, rng.random() * cum[-1]) for _ in range(k)})
        self.space_follows = follows
        total = sum(len(v) for v in follows.values())

        def follow_rows():
            for member, spaces in follows.items():
                for space in spaces:
                    yield (
                        str(self.first_user + member), str(base + space),
                        stamp(self.joined[member] + DAY),
                    )  # fmt: skip

        self.copy(
            "community_spacefollow", ("member_id", "space_id", "created_at"), follow_rows(), total
        )

        def read_rows():
            for member, spaces in follows.items():
                for space in spaces:
                    yield (
                        str(self.first_user + member), str(base + space),
                        stamp(self.now - rng.expovariate(1 / 5) * DAY),
                    )  # fmt: skip

        self.copy("community_spaceread", ("member_id", "space_id", "read_at"), read_rows(), total)

    # --- Posts --------------------------------------------------------------------------

    def age(self, mean_days: float = 90.0) -> float:
        """Seconds ago: most activity recent, none older than HISTORY_DAYS."""
        return min(self.rng.expovariate(1 / mean_days), HISTORY_DAYS - 1) * DAY + 60

    def posts(self) -> None:
        rng, p, now = self.rng, self.p, self.now
        self.reply_total = p["posts"] - p["posts"] // 5
        count = p["posts"] - self.reply_total
        spaces = p["spaces"]
        # Gatherings come first: each brings its discussion post (create_gathering).
        self.plan_gatherings(min(p["gatherings"], count // 2))
        discussions = len(self.gathering_plans)
        # scale-space-0: a third of the posts, and always enough for page DEEP_PAGE.
        # at least a third, and more than the next busiest however few spaces there are.
        tail = self.space_weight[1:]
        share = 1 / 3
        if tail:
            ratio = tail[0] / sum(tail)
            share = max(share, ratio / (1 + ratio) + 0.05)
        in_first = round((count - discussions) * share)
        if p["posts"] >= DEEP_FROM:
            in_first = max(in_first, math.ceil(DEEP_PAGE * PER_PAGE * 1.04))
        in_first = min(in_first, count - discussions)
        others = count - discussions - in_first
        space_of = [0] * in_first
        if tail:
            for n, share_of_tail in enumerate(spread(others, tail, others, rng), start=1):
                space_of += [n] * share_of_tail
        else:
            space_of += [0] * others
        rng.shuffle(space_of)
        rows = []
        for n, space in enumerate(space_of):  # in random order: one in 100 hidden, one removed
            rows.append(
                [now - self.age(), space, self.pick_member(), rng.random() < 0.08,
                 n % 100 == 50, n % 100 == 75, None]
            )  # fmt: skip
        for n, plan in enumerate(self.gathering_plans):
            rows.append([plan["created"], plan["space"], plan["host"], False, False, False, n])
        rows.sort(key=lambda row: row[0])
        self.first_post = base = self.reserve("community_post", count)
        # The long thread: a month-old post in scale-space-0, open and named.
        target = now - 30 * DAY
        candidates = [i for i, row in enumerate(rows) if row[1] == 0 and row[6] is None]
        long = min(candidates, key=lambda i: abs(rows[i][0] - target)) if candidates else 0
        rows[long][3:6] = [False, False, False]
        if rows[long][2] == 0:
            rows[long][2] = 1
        self.long_thread = long
        self.post_time = [row[0] for row in rows]
        self.post_space = [row[1] for row in rows]
        self.post_author = [row[2] for row in rows]
        self.post_anonymous = [row[3] for row in rows]
        self.post_published = [not (row[4] or row[5]) for row in rows]
        for i, row in enumerate(rows):
            if row[6] is not None:
                self.gathering_plans[row[6]]["post"] = base + i
        pinned = set(range(spaces))  # the newest post of each space, when recent

        def post_rows():
            for i, (created, space, author, anonymous, hidden, removed, gathering) in enumerate(
                rows
            ):
                if gathering is not None:
                    plan = self.gathering_plans[gathering]
                    title = f"Gathering: {plan['title']}"[:200]
                    body = (
                        f"{plan['description']}\n\n[Times and places](/gatherings/{plan['id']}/)"
                        "\n\nSay hello here before, and share how it went after."
                    )
                    html = (
                        f'<p>{plan["description"]}</p>\n<p><a href="/gatherings/{plan["id"]}/" '
                        'rel="nofollow ugc noopener">'
                        "Times and places</a></p>\n<p>Say hello here before, and share how it "
                        "went after.</p>\n"
                    )
                    intent, warning = Intent.HELLO, ""
                else:
                    title = rng.choice(self.titles)
                    body, html = self.body(2, 8)
                    intent = rng.choices(INTENTS, weights=[w for _, w in INTENTS])[0][0]
                    warning = rng.choice(WARNINGS) if rng.random() < 0.05 else ""
                is_pinned = space in pinned and gathering is None and created > now - 60 * DAY
                if is_pinned:
                    pinned.discard(space)
                yield (
                    str(base + i), str(self.space_ids[space]), str(self.first_user + author),
                    text(title), text(body), text(html), intent, warning, flag(anonymous),
                    flag(hidden), HiddenReason.MODERATOR if hidden else "",
                    flag(rng.random() < 0.002), flag(is_pinned), stamp(created),
                    stamp(created + 3600) if rng.random() < 0.05 else NULL,
                    stamp(created + 7200) if removed else NULL, stamp(created), "0", NULL,
                    NULL,
                )  # fmt: skip

        self.copy_searchable(
            "community_post",
            ("id", "space_id", "author_id", "title", "body", "body_html", "intent",
             "content_warning", "is_anonymous", "is_hidden", "hidden_reason", "is_locked",
             "is_pinned", "created_at", "edited_at", "removed_at", "last_activity_at",
             "reply_count", "first_reply_at", "submit_key"),
            post_rows(),
            count,
            # community.services._update_search_vector: SearchVector("title", weight="A",
            # config="english") + SearchVector("body", weight="B", config="english")
            "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
            "setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'B')",
        )  # fmt: skip

    def copy_searchable(self, table, columns, rows, total, vector_sql) -> None:
        """COPY into a bare staging table, then one INSERT ... SELECT that fills the
        search vector as the services do: each row is written to the real table once."""
        stage = f"scale_stage_{table}"
        self.cursor.execute(
            f"CREATE TEMP TABLE {stage} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        started = time.monotonic()
        self.copy(stage, columns, rows, total, name=table)
        set_aside = self.set_aside_indexes(table)
        names = ", ".join(columns)
        insert = f"INSERT INTO {table} ({names}, search_vector) SELECT {names}, {vector_sql}"
        self.cursor.execute(f"{insert} FROM {stage}")  # noqa: S608 - this module's own names
        self.cursor.execute(f"DROP TABLE {stage}")
        self.rebuild(set_aside)
        self.timings[-1] = (table, total, time.monotonic() - started)  # with the INSERT

    # --- Replies ------------------------------------------------------------------------

    def replies(self) -> None:
        rng, now, total = self.rng, self.now, self.reply_total
        posts = len(self.post_time)
        long = self.long_thread
        long_count = min(max(200, round(LONG_THREAD * self.p["posts"] / DEFAULTS["posts"])), total)
        # Recent posts wait for a reply more often; old ones were mostly answered.
        answered = [
            i
            for i in range(posts)
            if i != long and rng.random() < (0.45 if now - self.post_time[i] < 3 * DAY else 0.85)
        ]
        rest = total - long_count
        answered = answered[:rest]
        counts = [0] * posts
        counts[long] = long_count
        if answered:
            extra = rest - len(answered)
            weights = [rng.paretovariate(1.1) for _ in answered]
            cap = max(long_count - 1, 1)
            shares = spread(extra, weights, cap - 1, rng)
            for i, share in zip(answered, shares, strict=True):
                counts[i] = 1 + share
        made = []  # (time, post, author, anonymous, published)
        for i in range(posts):
            n = counts[i]
            if not n:
                continue
            start = self.post_time[i]
            span = min(now - start - 30, max(7200.0, n * 900.0), 45 * DAY)
            author_of_post = self.post_author[i]
            for k in range(n):
                at = start + 30 + span * rng.random() ** 2
                if rng.random() < 0.12:
                    author, anonymous = author_of_post, self.post_anonymous[i]
                else:
                    author = self.pick_member()
                    anonymous = (
                        self.post_anonymous[i] if author == author_of_post else rng.random() < 0.05
                    )
                if i == long and k == 0:  # the measured member joined the long thread early
                    author, anonymous, at = 0, False, start + 60
                published = i == long or rng.random() >= 0.01
                made.append((at, i, author, anonymous, published))
        made.sort()
        self.reply_time = [r[0] for r in made]
        self.reply_post = [r[1] for r in made]
        self.reply_author = [r[2] for r in made]
        self.reply_anonymous = [r[3] for r in made]
        self.first_reply = base = self.reserve("community_reply", len(made))

        def rows():
            for j, (at, post, author, anonymous, published) in enumerate(made):
                body, html = self.body(1, 4)
                hidden = not published and rng.random() < 0.5
                yield (
                    str(base + j), str(self.first_post + post), str(self.first_user + author),
                    text(body), text(html), flag(anonymous), flag(hidden),
                    HiddenReason.MODERATOR if hidden else "", stamp(at),
                    stamp(at + 600) if rng.random() < 0.03 else NULL,
                    stamp(at + 1800) if not published and not hidden else NULL,
                )  # fmt: skip

        self.copy_searchable(
            "community_reply",
            ("id", "post_id", "author_id", "body", "body_html", "is_anonymous", "is_hidden",
             "hidden_reason", "created_at", "edited_at", "removed_at"),
            rows(),
            len(made),
            # community.services._update_search_vector for a reply.
            "setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'B')",
        )  # fmt: skip

    # --- Follows of posts ---------------------------------------------------------------

    def post_follows(self) -> None:
        """The author follows their post, and each replier the post they replied in, from
        their first reply (create_post, post_reply)."""
        follows: dict[tuple[int, int], float] = {}
        for i, (author, at) in enumerate(zip(self.post_author, self.post_time, strict=True)):
            follows[(author, i)] = at
        for author, post, at in zip(
            self.reply_author, self.reply_post, self.reply_time, strict=True
        ):
            follows.setdefault((author, post), at)
        self.followers: dict[int, list[tuple[int, float]]] = {}
        for (member, post), at in follows.items():
            self.followers.setdefault(post, []).append((member, at))
        base_user, base_post = self.first_user, self.first_post
        self.copy(
            "community_postfollow",
            ("member_id", "post_id", "created_at"),
            (
                (str(base_user + member), str(base_post + post), stamp(at))
                for (member, post), at in follows.items()
            ),
            len(follows),
        )

    # --- Reactions ----------------------------------------------------------------------

    def reactions(self) -> None:
        """Reactions on posts and replies, the popular ones gathering many; one member
        gives one of each kind at most per target, never to their own words. Each
        target and kind makes one notification for its author (kept by a reservoir
        sample, for notifications())."""
        rng, now, total = self.rng, self.now, self.p["reactions"]
        posts, replies = len(self.post_time), len(self.reply_time)
        targets = posts + replies
        if not targets or total == 0:
            self.reaction_groups = []
            self.copy("community_reaction", (), iter(()), 0)
            return
        weights = [rng.paretovariate(1.3) * (3 if t < posts else 1) for t in range(targets)]
        weights[self.long_thread] *= 200
        cap = min(1_500, 2 * (len(self.activity) - 1))
        counts = spread(total, weights, cap, rng)
        kinds = [kind for kind, _ in REACTIONS]
        kind_cum = list(accumulate(w for _, w in REACTIONS))
        self.reaction_groups: list[tuple] = []
        keep = max(1, self.p["notifications"] // 4)
        seen_groups = 0
        base_user = self.first_user

        def rows():
            nonlocal seen_groups
            owed = 0
            for t in range(targets):
                want = counts[t] + owed
                if not want:
                    continue
                if t < posts:
                    author, at0, post, reply = self.post_author[t], self.post_time[t], t, None
                else:
                    j = t - posts
                    author, at0 = self.reply_author[j], self.reply_time[j]
                    post, reply = self.reply_post[j], j
                given: dict[tuple[int, str], float] = {}
                tries = 0
                while len(given) < want and tries < want * 20:
                    tries += 1
                    member = self.pick_member()
                    kind = kinds[bisect(kind_cum, rng.random() * kind_cum[-1])]
                    if member == author or (member, kind) in given:
                        continue
                    given[(member, kind)] = min(at0 + rng.expovariate(1 / DAY) + 60, now - 1)
                owed = want - len(given)
                target = (
                    (str(self.first_post + post), NULL)
                    if reply is None
                    else (NULL, str(self.first_reply + reply))
                )
                latest: dict[str, tuple[float, int]] = {}
                per_kind: dict[str, int] = {}
                for (member, kind), at in given.items():
                    yield (str(base_user + member), kind, *target, stamp(at))
                    per_kind[kind] = per_kind.get(kind, 0) + 1
                    latest[kind] = max(latest.get(kind, (at, member)), (at, member))
                for kind, (at, member) in latest.items():
                    count = per_kind[kind]
                    seen_groups += 1
                    group = (author, kind, post, reply, member, count, at)
                    if len(self.reaction_groups) < keep:
                        self.reaction_groups.append(group)
                    else:
                        slot = rng.randrange(seen_groups)
                        if slot < keep:
                            self.reaction_groups[slot] = group

        self.copy(
            "community_reaction",
            ("member_id", "kind", "post_id", "reply_id", "created_at"),
            rows(),
            total,
        )

    # --- Gatherings ---------------------------------------------------------------------

    def plan_gatherings(self, count: int) -> None:
        rng, now = self.rng, self.now
        base = self.reserve("community_gathering", count)
        open_spaces = [n for n in range(self.p["spaces"]) if n not in self.archived] or [0]
        plans = []
        for n in range(count):
            upcoming = rng.random() < 0.15
            starts = now + rng.uniform(0.1, 60) * DAY if upcoming else now - self.age(120)
            created = max(
                min(starts - rng.uniform(1, 30) * DAY, now - 3600), now - HISTORY_DAYS * DAY
            )
            plans.append(
                {
                    "id": base + n,
                    "space": rng.choice(open_spaces),
                    "host": rng.choice(self.hosts),
                    "title": rng.choice(self.titles),
                    "description": " ".join(rng.choices(self.sentences, k=3)),
                    "starts": starts,
                    "created": created,
                    "minutes": rng.choice((30, 45, 60, 60, 90, 120)),
                    "capacity": None if rng.random() < 0.3 else rng.randint(5, 40),
                    "online": rng.random() < 0.7,
                    "cancelled": rng.random() < 0.03,
                    "post": None,
                }
            )
        self.gathering_plans = plans

    def gatherings(self) -> None:
        rng, now, plans = self.rng, self.now, self.gathering_plans
        base_user = self.first_user

        def rows():
            for g in plans:
                yield (
                    str(g["id"]), str(self.space_ids[g["space"]]), str(base_user + g["host"]),
                    text(g["title"]), text(g["description"]), stamp(g["starts"]),
                    str(g["minutes"]), stamp(g["starts"] + g["minutes"] * 60),
                    NULL if g["capacity"] is None else str(g["capacity"]),
                    GatheringFormat.ONLINE if g["online"] else GatheringFormat.IN_PERSON,
                    f"https://meet.example.org/scale-{g['id']}" if g["online"] else "",
                    "" if g["online"] else "The community room, 12 High Street",
                    GatheringStatus.CANCELLED if g["cancelled"] else GatheringStatus.SCHEDULED,
                    NULL if g["post"] is None else str(g["post"]), "1" if g["cancelled"] else "0",
                    stamp(g["created"]), stamp(g["created"]), NULL,
                )  # fmt: skip

        self.copy(
            "community_gathering",
            ("id", "space_id", "host_id", "title", "description", "starts_at",
             "duration_minutes", "ends_at", "capacity", "format", "join_url", "place",
             "status", "discussion_id", "sequence", "created_at", "updated_at", "submit_key"),
            rows(),
            len(plans),
        )  # fmt: skip
        places = []
        for g in plans:
            wanted = int((g["capacity"] or 20) * rng.uniform(0.3, 1.4))
            members = {m for m in self.pick_members(wanted) if m != g["host"]}
            going = 0
            ends = g["starts"] + g["minutes"] * 60
            for m in sorted(members):
                at = rng.uniform(g["created"], min(g["starts"], now - 60))
                if rng.random() < 0.08:
                    status, waitlisted = RSVPStatus.CANCELLED, None
                elif g["capacity"] is None or going < g["capacity"]:
                    status, waitlisted = RSVPStatus.GOING, None
                    going += 1
                else:
                    status, waitlisted = RSVPStatus.WAITING, at
                attended = (
                    status == RSVPStatus.GOING
                    and not g["cancelled"]
                    and ends < now
                    and rng.random() < 0.6
                )
                places.append(
                    (
                        str(g["id"]), str(base_user + m), status, flag(rng.random() < 0.1),
                        NULL if waitlisted is None else stamp(waitlisted),
                        stamp(ends) if attended else NULL,
                        str(base_user + m) if attended else NULL, stamp(at), stamp(at),
                    )
                )  # fmt: skip
        self.copy(
            "community_rsvp",
            ("gathering_id", "member_id", "status", "is_private", "waitlisted_at",
             "attended_at", "attendance_marked_by_id", "created_at", "updated_at"),
            iter(places),
            len(places),
        )  # fmt: skip

    # --- Blocks -------------------------------------------------------------------------

    def blocks(self) -> None:
        rng, members = self.rng, len(self.activity)
        pairs = {(0, n) for n in (7, 11, 13) if n < members}
        self.blocked_by_first = {b for a, b in pairs}
        for _ in range(members // 50):
            a, b = rng.randrange(1, members), self.pick_member()
            if a != b and b != 0:
                pairs.add((a, b))
        base = self.first_user
        self.copy(
            "community_block",
            ("blocker_id", "blocked_id", "created_at"),
            (
                (str(base + a), str(base + b), stamp(self.now - self.age(60)))
                for a, b in sorted(pairs)
            ),
            len(pairs),
        )

    # --- Notifications ------------------------------------------------------------------

    def notifications(self) -> None:
        """Replies to a member's post, replies in posts they follow, and reactions to
        their words, as the services notify them; older ones mostly read."""
        rng, now, total = self.rng, self.now, self.p["notifications"]
        replies = len(self.reply_time)
        made: list[
            tuple
        ] = []  # (recipient, kind, actor, hidden, post, reply, rkind, count, at, read)

        # scale_0: about 2,000 unread, from the posts they follow.
        mine = {post: at for post, follows in self.followers.items()
                for member, at in follows if member == 0}  # fmt: skip
        theirs = [
            j for j in range(replies)
            if self.reply_post[j] in mine and self.reply_author[j] != 0
            and self.reply_time[j] > mine[self.reply_post[j]]
            and (self.reply_anonymous[j] or self.reply_author[j] not in self.blocked_by_first)
        ]  # fmt: skip
        unread = min(2_000, total // 4)
        theirs = theirs[::-1][: unread + unread // 2]
        for k, j in enumerate(theirs):
            post = self.reply_post[j]
            kind = (
                notifications.REPLY
                if self.post_author[post] == 0
                else notifications.FOLLOWED_REPLY
            )
            made.append(self.about_reply(0, kind, j, read=k >= unread))

        # Everyone else: replies to their posts, replies where they follow, reactions.
        def reply_kind(j):
            post = self.reply_post[j]
            author = self.post_author[post]
            if author in (0, self.reply_author[j]):
                return None
            return (author, notifications.REPLY)

        def followed_kind(j):
            follows = self.followers.get(self.reply_post[j], ())
            if len(follows) < 3:
                return None
            member, at = follows[rng.randrange(len(follows))]
            post_author = self.post_author[self.reply_post[j]]
            if member in (0, post_author, self.reply_author[j]) or at >= self.reply_time[j]:
                return None
            return (member, notifications.FOLLOWED_REPLY)

        groups = [g for g in self.reaction_groups if g[0] != 0]
        rng.shuffle(groups)
        seen = set()
        want = {"reply": int(total * 0.4), "followed": int(total * 0.25)}
        for name, pick in (("reply", reply_kind), ("followed", followed_kind)):
            tries = 0
            while want[name] > 0 and replies and tries < total * 4:
                tries += 1
                j = rng.randrange(replies)
                found = pick(j)
                if found is None or (found[0], j) in seen:
                    continue
                seen.add((found[0], j))
                made.append(self.about_reply(found[0], found[1], j, read=None))
                want[name] -= 1
        for author, kind, post, reply, member, count, at in groups[: max(0, total - len(made))]:
            made.append(
                (author, notifications.REACTION, member, False, post, reply, kind, count, at, None)
            )
        while len(made) < total and replies:  # small datasets: more replies in followed posts
            j = rng.randrange(replies)
            found = followed_kind(j) or reply_kind(j)
            if found is not None:
                made.append(self.about_reply(found[0], found[1], j, read=None))
        made = made[:total]
        made.sort(key=lambda n: n[8])
        base_user = self.first_user

        def rows():
            for recipient, kind, actor, hidden, post, reply, rkind, count, at, read in made:
                if read is None:
                    read = now - at > rng.expovariate(1 / (10 * DAY))
                yield (
                    str(base_user + recipient), kind, str(base_user + actor), flag(hidden),
                    str(self.first_post + post),
                    NULL if reply is None else str(self.first_reply + reply),
                    NULL, rkind, str(count), "{}", stamp(at),
                    stamp(min(at + rng.expovariate(1 / (2 * DAY)), now)) if read else NULL,
                )  # fmt: skip

        self.copy(
            "community_notification",
            ("recipient_id", "kind", "actor_id", "actor_hidden", "post_id", "reply_id",
             "gathering_id", "reaction_kind", "count", "data", "created_at", "read_at"),
            rows(),
            len(made),
        )  # fmt: skip

    def about_reply(self, recipient: int, kind: str, j: int, *, read) -> tuple:
        return (
            recipient, kind, self.reply_author[j], self.reply_anonymous[j], self.reply_post[j],
            j, "", 1, self.reply_time[j], read,
        )  # fmt: skip

    # --- Health data: consent, check-ins, prescriptions ---------------------------------

    def health(self) -> None:
        """Check-ins and the steps suggested at each, per member with their own random
        stream (so the two COPYs walk the same history). scale_0 checks in on most of
        the last 90 days; scale_1 .. scale_500 have histories; then a long tail."""
        rng, p, members = self.rng, self.p, len(self.activity)
        total, steps = p["checkins"], p["prescriptions"]
        plan: dict[int, int] = {}
        if total:
            plan[0] = min(total, 90)
        left = total - sum(plan.values())
        measured = range(1, min(HISTORIES, members - 1) + 1)
        each = min(120, left * 2 // 5 // max(len(measured), 1))
        for m in measured:
            if each:
                plan[m] = rng.randint(max(1, each // 2), each)
        left = total - sum(plan.values())
        others = [m for m in range(HISTORIES + 1, members) if rng.random() < 0.3]
        if not others:
            others = list(measured) or [0]
        for m, extra in zip(
            others,
            spread(left, [rng.paretovariate(1.2) for _ in others], 1_000, rng),
            strict=True,
        ):
            if extra:
                plan[m] = plan.get(m, 0) + extra
        self.health_plan = sorted(plan.items())
        activities = list(
            Activity.objects.filter(is_active=True)
            .exclude(slug=CRISIS_SLUG)
            .values_list("id", "energy", "action")
        )
        base_user = self.first_user
        checkins_base = self.reserve("prescriptions_checkin", total)
        steps_base = self.reserve("prescriptions_prescription", steps)
        self.copy(
            "prescriptions_consent",
            ("member_id", "version", "given_at", "withdrawn_at"),
            (
                (
                    str(base_user + m),
                    str(CONSENT_VERSION),
                    stamp(self.history(m, n)[0][0] - 3600),
                    NULL,
                )
                for m, n in self.health_plan
            ),
            len(self.health_plan),
        )
        urges = [u.value for u in Urge]

        def checkin_rows():
            number = checkins_base
            for m, n in self.health_plan:
                for at, mood, energy, member_rng in self.history(m, n):
                    yield (
                        str(number), str(base_user + m), str(mood), str(energy),
                        member_rng.choice(urges) if member_rng.random() < 0.3 else "",
                        text(member_rng.choice(self.sentences))
                        if member_rng.random() < 0.15 else "",
                        flag(m != 0 and member_rng.random() < 0.003), stamp(at), NULL,
                    )  # fmt: skip
                    number += 1

        written = self.copy(
            "prescriptions_checkin",
            ("id", "member_id", "mood", "energy", "urge", "note", "in_crisis", "created_at",
             "submit_key"),
            checkin_rows(),
            total,
        )  # fmt: skip
        if written != total:
            raise CommandError(f"Planned {total} check-ins, wrote {written}.")
        posts_to_point_at = [i for i in range(len(self.post_time)) if self.post_published[i]][
            -5_000:
        ] or [0]
        gatherings = [g["id"] for g in self.gathering_plans]

        def step_rows():
            number, k = checkins_base, 0
            for m, n in self.health_plan:
                history = self.history(m, n)
                for h, (at, mood, energy, member_rng) in enumerate(history):
                    latest = h == len(history) - 1
                    howmany = (k + 1) * steps // total - k * steps // total
                    k += 1
                    for _ in range(howmany):
                        yield self.step(
                            m,
                            number,
                            at,
                            mood,
                            energy,
                            latest,
                            member_rng,
                            activities,
                            posts_to_point_at,
                            gatherings,
                        )
                    number += 1

        numbered = ((str(steps_base + i), *row) for i, row in enumerate(step_rows()))
        self.copy(
            "prescriptions_prescription",
            ("id", "member_id", "activity_id", "post_id", "gathering_id", "reason",
             "score_parts", "prescriber_id", "personal_message", "check_in_id", "status",
             "planned_for", "skip_reason", "mood_before", "mood_after",
             "completed_automatically", "created_at", "completed_at"),
            numbered,
            steps,
        )  # fmt: skip

    def history(self, m: int, n: int) -> list[tuple]:
        """Member m's n check-ins, oldest first: (time, mood, energy, their rng)."""
        member_rng = random.Random(self.p["seed"] * 1_000_003 + m)  # noqa: S311
        now, offset = self.now, self.offset[m]
        today = (now + offset) // DAY * DAY - offset  # their local midnight, in UTC
        if m == 0:
            days = [d for d in range(90, 0, -1) if member_rng.random() < 0.9][:n]
            days += [91 + d for d in range(n - len(days))]
            days.sort(reverse=True)
        else:
            active = member_rng.uniform(30, HISTORY_DAYS - 2)
            days = sorted(
                (int(active * member_rng.random() ** 1.5) + 1 for _ in range(n)), reverse=True
            )
        baseline = member_rng.uniform(2.5, 7.5)
        rows = []
        for day in days:
            at = today - day * DAY + member_rng.uniform(7, 23) * 3600
            mood = max(0, min(10, round(baseline + member_rng.gauss(0, 1.8))))
            energy = max(1, min(5, round(1 + mood / 2.5 + member_rng.gauss(0, 0.8))))
            rows.append((at, mood, energy, member_rng))
        return rows

    def step(
        self, m, check_in, at, mood, energy, latest, member_rng, activities, posts, gatherings
    ):
        fitting = [a for a in activities if a[1] <= energy] or activities
        activity, _, action = member_rng.choice(fitting)
        post = gathering = NULL
        if action in ("react", "reply", "reply_unanswered"):
            post = str(self.first_post + member_rng.choice(posts))
        elif action == "attend" and gatherings:
            gathering = str(member_rng.choice(gatherings))
        if latest:
            status = Status.PLANNED if member_rng.random() < 0.2 else Status.SUGGESTED
        else:
            roll = member_rng.random()
            status = (
                Status.DONE if roll < 0.5 else Status.SKIPPED if roll < 0.7 else Status.EXPIRED
            )
        done = status == Status.DONE
        mood_after = max(0, min(10, mood + member_rng.choice((-1, 0, 1, 1, 2, 2, 3))))
        return (
            str(self.first_user + m), str(activity), post, gathering,
            "A small step for today.", "{}", NULL, "", str(check_in), status,
            stamp(at + 4 * 3600) if status == Status.PLANNED else NULL,
            member_rng.choice(SkipReason.values) if status == Status.SKIPPED else "",
            str(mood), str(mood_after) if done else NULL,
            flag(done and action != "none" and member_rng.random() < 0.5), stamp(at),
            stamp(min(at + member_rng.uniform(1, 10) * 3600, self.now)) if done else NULL,
        )  # fmt: skip


def spread(total: int, weights: list[float], cap: int, rng: random.Random) -> list[int]:
    """`total` split over len(weights) slots in proportion to the weights, none above
    `cap` (what a capped slot can't take goes to the others)."""
    if not weights or total <= 0:
        return [0] * len(weights)
    whole = sum(weights)
    counts = [min(cap, int(total * w / whole)) for w in weights]
    left = total - sum(counts)
    order = list(range(len(weights)))
    while left > 0:
        rng.shuffle(order)
        room = False
        for i in order:
            if counts[i] < cap:
                counts[i] += 1
                left -= 1
                room = True
                if left == 0:
                    break
        if not room:
            break
    return counts


def reconcile_counters(cursor, space_ids: list[int], member_ids: range) -> None:
    """Every denormalised counter of the dataset's rows, computed from the rows as the
    services keep them. One UPDATE per counter family: add one here for a new counter.

    Members: unread_notifications is what their inbox shows
    (community.services.recount_unread, the service's own UPDATE).

    Posts (community.services._refresh_first_reply): reply_count counts the published
    replies, first_reply_at is the first published reply by someone other than the
    author, last_activity_at the latest published reply, or the post's own time.

    Posts and replies: each kind of reaction's count (community.models.ReactionCounts)."""
    cursor.execute(
        """
        UPDATE community_post AS p
        SET reply_count = COALESCE(c.replies, 0),
            first_reply_at = c.first_reply,
            last_activity_at = COALESCE(c.latest, p.created_at)
        FROM community_post AS q
        LEFT JOIN (
            SELECT r.post_id,
                   count(*) AS replies,
                   min(r.created_at) FILTER (WHERE r.author_id <> p.author_id) AS first_reply,
                   max(r.created_at) AS latest
            FROM community_reply AS r
            JOIN community_post AS p ON p.id = r.post_id
            WHERE NOT r.is_hidden AND r.removed_at IS NULL AND p.space_id = ANY(%s)
            GROUP BY r.post_id
        ) AS c ON c.post_id = q.id
        WHERE p.id = q.id AND q.space_id = ANY(%s)
          AND (p.reply_count, p.first_reply_at, p.last_activity_at)
              IS DISTINCT FROM (COALESCE(c.replies, 0), c.first_reply,
                                COALESCE(c.latest, p.created_at))
        """,
        [space_ids, space_ids],
    )
    # Posts and replies (community.services.set_reaction): a count per kind of reaction.
    kinds = ReactionKind.values
    counted = ", ".join(f"count(*) FILTER (WHERE kind = %s) AS {kind}" for kind in kinds)
    for table, column, in_spaces in (
        ("community_post", "post_id", "t.space_id = ANY(%s)"),
        (
            "community_reply",
            "reply_id",
            "t.post_id IN (SELECT id FROM community_post WHERE space_id = ANY(%s))",
        ),
    ):
        cursor.execute(
            f"""
            UPDATE {table} AS t
            SET {", ".join(f"{kind}_count = c.{kind}" for kind in kinds)}
            FROM (
                SELECT {column} AS target, {counted}
                FROM community_reaction WHERE {column} IS NOT NULL GROUP BY {column}
            ) AS c
            WHERE t.id = c.target AND {in_spaces}
            """,  # noqa: S608 - names from the code, values as parameters
            [*kinds, space_ids],
        )
    recount_unread(User.objects.filter(pk__gte=member_ids.start, pk__lt=member_ids.stop))
