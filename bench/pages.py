"""`make bench`: what members feel, on the scale dataset (`manage.py seed_scale`).

For each dataset size (`--size 10k|100k|1m`, or several in turn with `--sizes`), in its
own database (fourc_bench_<size>) of the kept cluster bin/bench starts:
migrate, `seed_scale --reuse` (seeds once, then reuses), then the pages, then
bench/engine.py. The pages are served by gunicorn (3 sync workers, DEBUG off) on
loopback, as the measured member scale_0 (the check-in POST as scale_1..scale_500),
beside two baselines served the same way: /ping (no database, no session) and /healthz,
with bench/beat.py refreshing what check-ins share as the beat does in production, after
every table and index was read once (pg_prewarm), as a server in service holds them.
Page 1,000 of scale-space-0 (the 1m dataset has it) is its deepest full page in a
smaller dataset. Each page gets:
- throughput: `wrk` at saturation (closed loop, -t2 -c8 by default), req/s and its share
  of /ping's req/s, /ping being measured again after every page: a page's share is of
  the mean of the /ping just before it and just after it (a shared machine's speed drifts
  over a run; the first page measured is /ping itself); any 4xx/5xx or socket error
  counts as an error;
- latency at a fixed 50 req/s (p50/p95/p99): an open-loop client that sends on a
  schedule and times each answer from its scheduled send, so a slow answer delays no
  measurement (no coordinated omission); a page the server can't serve at that rate
  stops 10 s after the last send was due, the rest counted as that late ("unsent");
- queries per request, counted in this process with Django's test client after one warm
  request, and the status (200; 302 for the check-in).

Prints a table, writes var/bench/<timestamp>-<size>.json (and latest-<size>.json), and
ends with one JSON line: {"size", "pages": [{"key", "name", "path", "rps", "share_of_trivial",
"p95_ms_at_50rps", "queries"}...], "engine": {"p50_ms", "p95_ms", "queries"}}; with
--sizes, a line per size, then {"sizes": [...], "queries_same_across_sizes": ...}.
Exits 1 when a bar fails (each one printed): a page under 5% of /ping's req/s, a p95
over 50 ms at 50 req/s, any error, page 1,000 of a space more than 20% slower than
page 1 (their shares compared), the engine's p95 over 5 ms, query counts that differ between sizes.

    bin/bench [--size 1m | --sizes 10k,100k,1m] [--duration 10] [--latency-seconds 15]
              [--rate 50] [--no-seed]
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fourc.settings")
PYTHON = sys.executable
RESULTS = ROOT / "var" / "bench"

SCALES = {"10k": 0.01, "100k": 0.1, "1m": 1.0}
WORKERS = 3
POSTING_MEMBERS = 500  # scale_1 .. scale_500 send the check-ins
SPACE_PAGE = 25  # community.selectors.PAGE_SIZE
DEEP_PAGE = 1000

# The bars (issue 15)
MIN_SHARE = 0.05  # of the trivial view's req/s
MAX_P95_MS = 50.0  # at the fixed rate
MAX_DEEP_SLOWDOWN = 0.20  # page 1,000 of a space against its page 1
MAX_ENGINE_P95_MS = 5.0


# --- One size, measured (a child process: Django set up on that size's database) ---------


def scenario() -> dict:
    """The pages, read from the data the contract describes (bench/README in the module
    docstring): paths by URL name, the deep cursors computed from the rows and checked."""
    import django

    django.setup()
    from django.db.models import Q
    from django.urls import reverse

    from community import selectors
    from community.models import Post, Reply, Space, User
    from fourc.lib.pagination import encode_cursor

    try:
        member = User.objects.get(handle="scale_0")
        space = Space.objects.get(slug="scale-space-0")
    except (User.DoesNotExist, Space.DoesNotExist):
        raise SystemExit("No scale dataset (no scale_0): seed_scale makes it.") from None

    # Page 1,000 of the space (after the last row of page 999, in the selector's order),
    # or, in a dataset too small to have one, its deepest full page.
    rows = (
        Post.objects.visible_to(member)
        .in_space(space)
        .filter(is_pinned=False)
        .order_by("-last_activity_at", "-id")
    )
    in_space = rows.count()
    deep_page = min(DEEP_PAGE, in_space // SPACE_PAGE)
    if deep_page < 2:
        raise SystemExit(f"scale-space-0 holds {in_space} posts: not even two full pages")
    last_before = rows[(deep_page - 1) * SPACE_PAGE - 1 : (deep_page - 1) * SPACE_PAGE].get()
    deep_cursor = encode_cursor([last_before.last_activity_at, last_before.pk])
    deep = selectors.space_posts(space=space, member=member, cursor=deep_cursor)
    if len(deep.items) != SPACE_PAGE:
        raise SystemExit(
            f"page {deep_page:,} of scale-space-0 holds {len(deep.items)} posts, not {SPACE_PAGE}"
        )
    if deep_page < DEEP_PAGE:
        print(f"scale-space-0 has {in_space:,} posts: its deepest full page, {deep_page}, stands "
              f"in for page {DEEP_PAGE:,}")  # fmt: skip

    # The long thread, its first and its last page (the selector's order and size).
    thread = Post.objects.order_by("-reply_count").first()
    replies = (
        Reply.objects.filter(post=thread)
        .not_blocked_for(member)
        .filter(Q(is_hidden=False) | Q(author=member))
        .order_by("created_at", "id")
    )
    seen = replies.count()
    size = selectors.REPLIES_PAGE_SIZE
    start = (seen - 1) // size * size  # rows before the last page
    if start == 0:
        raise SystemExit(f"the longest thread has {seen} replies: one page, no last page")
    before = replies[start - 1 : start].get()
    last_cursor = encode_cursor([before.created_at, before.pk])
    last = selectors.post_replies(post=thread, member=member, cursor=last_cursor)
    if len(last.items) != seen - start or last.has_next:
        raise SystemExit("the thread's last page is not its last page")

    # A rare word: the highest-numbered token of the long tail (the tail is long, so the
    # higher the rarer) found both in the busiest space's first posts and in the first
    # replies there, so that at every size the search finds posts and replies alike and
    # asks the same queries (a search with no reply among its results skips one).
    def tokens(bodies) -> set[int]:
        return {int(n) for body in bodies for n in re.findall(r"\bword(\d+)\b", body)}

    in_posts = tokens(
        Post.objects.filter(space=space).order_by("id").values_list("body", flat=True)[:2000]
    )
    in_replies = tokens(
        Reply.objects.filter(post__space=space)
        .order_by("id")
        .values_list("body", flat=True)[:2000]
    )
    both = in_posts & in_replies
    rare = f"word{max(both)}" if both else "word99999"

    space_url = reverse("community:space-detail", kwargs={"slug": space.slug})
    thread_url = reverse("community:post-detail", kwargs={"pk": thread.pk})
    search_url = reverse("community:search")
    # (key: the same at every size, name, path, as whom)
    pages = [
        ("ping", "trivial view (/ping)", reverse("ping"), "visitor"),
        ("healthz", "health check", reverse("healthz"), "visitor"),
        ("home", "home", reverse("home"), "member"),
        ("space", "space, page 1", space_url, "member"),
        ("space_deep", f"space, page {deep_page:,}", f"{space_url}?after={deep_cursor}", "member"),
        ("thread", "long thread, page 1", thread_url, "member"),
        ("thread_last", "long thread, last page", f"{thread_url}?after={last_cursor}", "member"),
        ("feed", "prescriptions feed", reverse("prescriptions:feed"), "member"),
        ("unanswered", "needs a reply", reverse("community:unanswered"), "member"),
        ("search_common", "search, common word", f"{search_url}?q=garden", "member"),
        ("search_rare", f"search, rare word ({rare})", f"{search_url}?q={rare}", "member"),
        ("notifications", "notifications", reverse("community:notifications"), "member"),
        ("gatherings", "gatherings", reverse("community:gathering-list"), "member"),
        ("insights", "insights", reverse("prescriptions:insights"), "member"),
        ("check_in", "check-in (POST)", reverse("prescriptions:check-in"), "posting"),
    ]  # fmt: skip
    return {
        "pages": [{"key": k, "name": n, "path": p, "who": w} for k, n, p, w in pages],
        "space": {"posts": in_space, "deep_page": deep_page},
        "thread": {"id": thread.pk, "replies": seen, "last_page_replies": seen - start},
    }


def sign_in(member) -> tuple[str, str]:
    """A session for the member, made in the session store as a sign-in would (whatever
    SESSION_ENGINE is), marked as having visited today (as a member's second page is),
    and a CSRF secret for their forms: (session key, CSRF secret)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CSRF_SESSION_KEY
    from django.utils import timezone
    from django.utils.crypto import get_random_string
    from django.utils.module_loading import import_string

    from fourc.middleware import NoteVisitMiddleware

    session = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session[NoteVisitMiddleware.SESSION_KEY] = timezone.now().date().isoformat()
    secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    if settings.CSRF_USE_SESSIONS:
        session[CSRF_SESSION_KEY] = secret
    session.create()
    return session.session_key, secret


def cookie_header(session_key: str, csrf_secret: str = "") -> str:
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    if csrf_secret and not settings.CSRF_USE_SESSIONS:
        cookie += f"; {settings.CSRF_COOKIE_NAME}={csrf_secret}"
    return cookie


CHECK_IN = {"mood": "5", "energy": "3", "urge": "", "note": ""}


def client_for(page: dict, session: tuple[str, str], **options):
    """Django's test client as the page's visitor: with the member's session and CSRF
    cookies unless the page is a visitor's."""
    from django.conf import settings
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1", **options)
    if page["who"] != "visitor":
        client.cookies[settings.SESSION_COOKIE_NAME] = session[0]
        if not settings.CSRF_USE_SESSIONS:
            client.cookies[settings.CSRF_COOKIE_NAME] = session[1]
    return client


def count_queries(page: dict, session: tuple[str, str]) -> tuple[int, int]:
    """(queries, status) of the page in this process, after one warm request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(page, session, enforce_csrf_checks=True)

    def ask():
        if page["who"] == "posting":
            return client.post(page["path"], {**CHECK_IN, "csrfmiddlewaretoken": session[1]})
        return client.get(page["path"])

    ask()
    with CaptureQueriesContext(connection) as queries:
        response = ask()
    return len(queries), response.status_code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "fourc.wsgi", "--workers", str(WORKERS),
         "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def start_beat() -> subprocess.Popen:
    """bench/beat.py: the beat's refresh of what check-ins share, as in production."""
    beat = ROOT / "bench" / "beat.py"
    return subprocess.Popen([PYTHON, str(beat)], cwd=ROOT, env=os.environ.copy())


class Requests:
    """What to send for a page: its method, headers and body, the POSTs taken in turn
    from the posting members."""

    def __init__(self, page: dict, member_cookie: str, posting: list[tuple[str, str]]):
        self.page = page
        self.member_cookie = member_cookie
        self.posting = posting
        self.turn = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[str, dict, str | None]:
        headers = {"Host": "127.0.0.1"}
        if self.page["who"] == "member":
            headers["Cookie"] = self.member_cookie
        if self.page["who"] != "posting":
            return "GET", headers, None
        with self.lock:
            cookie, body = self.posting[self.turn % len(self.posting)]
            self.turn += 1
        headers.update(Cookie=cookie, **{"Content-Type": "application/x-www-form-urlencoded"})
        return "POST", headers, body


def ok(page: dict, status: int) -> bool:
    return status == (302 if page["who"] == "posting" else 200)


def saturate(port: int, page: dict, requests: Requests, args, workdir: Path) -> dict:
    """wrk at saturation: req/s and errors (4xx/5xx answers, socket errors)."""
    # A queue at saturation is not an error: wrk waits as long as gunicorn lets a worker run.
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               "--timeout", "30s", "-s", str(ROOT / "bench" / "wrk.lua"),
               "-H", "Host: 127.0.0.1"]  # fmt: skip
    env = os.environ.copy()
    env.pop("WRK_POSTS", None)
    if page["who"] == "member":
        command += ["-H", f"Cookie: {requests.member_cookie}"]
    elif page["who"] == "posting":
        posts = workdir / "posts.tsv"
        posts.write_text("".join(f"{cookie}\t{body}\n" for cookie, body in requests.posting))
        env["WRK_POSTS"] = str(posts)
    command.append(f"http://127.0.0.1:{port}{page['path']}")
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"^WRK_JSON (\{.*\})$", run.stdout, re.MULTILINE)
    if run.returncode != 0 or not found:
        raise SystemExit(f"wrk failed on {page['path']}:\n{run.stdout}\n{run.stderr}")
    counts = json.loads(found.group(1))
    seconds = counts["duration_us"] / 1e6
    return {
        "rps": round(counts["requests"] / seconds, 1),
        "requests": counts["requests"],
        "errors": sum(counts[k] for k in ("connect", "read", "write", "status", "timeout")),
        "error_kinds": {k: counts[k] for k in ("connect", "read", "write", "status", "timeout")},
        "closed_loop_p50_ms": counts["p50_ms"],
        "closed_loop_p99_ms": counts["p99_ms"],
    }


GRACE_SECONDS = 10.0  # after the last scheduled send, for a server that fell behind


def at_fixed_rate(port: int, page: dict, requests: Requests, rate: float, seconds: float) -> dict:
    """Open loop: request i is due at start + i / rate, whatever came before; its latency
    runs from when it was due to the end of its answer. Enough threads that a slow answer
    holds up none of the sends due after it, unless the server falls far behind: then the
    sends wait their turn here, their wait counted. So that a page the server can't serve
    at this rate ends in bounded time, requests not yet sent GRACE_SECONDS after the last
    was due are never sent: each counts as late by (that moment - when it was due), at
    least GRACE_SECONDS, and the percentiles they touch are lower bounds ("unsent")."""
    total = int(rate * seconds)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    counter = iter(range(total))
    start = time.perf_counter() + 0.1
    give_up = start + seconds + GRACE_SECONDS

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            if time.perf_counter() > give_up:
                status = "unsent"
            else:
                method, headers, body = requests.next()
                try:
                    conn.request(method, page["path"], body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = str(response.status)
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    status = type(error).__name__
            end = give_up if status == "unsent" else time.perf_counter()
            with lock:
                latencies.append((end - due) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(max(8, int(rate)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = "302" if page["who"] == "posting" else "200"
    unsent = statuses.get("unsent", 0)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "scheduled": total,
        "unsent": unsent,  # the server fell behind: the percentiles are lower bounds
        "statuses": statuses,
        "errors": total - unsent - statuses.get(expected, 0),
    }


def warm(port: int, page: dict, requests: Requests, count: int = 3 * WORKERS) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        method, headers, body = requests.next()
        conn.request(method, page["path"], body=body, headers=headers)
        conn.getresponse().read()
    conn.close()


RATE_LIMIT_NOTE = (
    f"The check-in POSTs are spread over scale_1..scale_{POSTING_MEMBERS}; their per-member "
    "rate-limit counts (fourc.lib.ratelimit) are cleared before each measurement of it, the "
    "limit itself left on: a 429 would count as an error."
)


def forget_rate_limits(member_ids: list[int]) -> None:
    """The check-in limit counts per member per hour: each measurement of the POST starts
    from a fresh count, so one measurement's sends never turn the next one's into 429s."""
    from django.core.cache import cache

    # fourc.lib.ratelimit.hit's key: ratelimit:<action>:<member>
    cache.delete_many([f"ratelimit:check-in:{pk}" for pk in member_ids])


def measure(args) -> dict:
    """One size, in this process and a gunicorn it starts: the pages' figures."""
    plan = scenario()
    from django.conf import settings
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from community.models import User
    from prescriptions.models import CheckIn, Prescription
    from prescriptions.selectors import has_consent

    member = User.objects.get(handle="scale_0")
    posting_members = list(
        User.objects.filter(handle__in=[f"scale_{n}" for n in range(1, POSTING_MEMBERS + 1)])
    )
    without = [m.handle for m in posting_members if not has_consent(m)]
    if len(posting_members) < POSTING_MEMBERS or without:
        raise SystemExit(
            f"the check-in needs scale_1..scale_{POSTING_MEMBERS} with consent: "
            f"{len(posting_members)} found, {len(without)} without consent"
        )
    began = timezone.now()
    member_session = sign_in(member)
    sessions = {m.pk: sign_in(m) for m in posting_members}
    posting = [
        (cookie_header(*session), urlencode({**CHECK_IN, "csrfmiddlewaretoken": session[1]}))
        for session in sessions.values()
    ]
    member_cookie = cookie_header(*member_session)
    results = []
    server = beat = None
    workdir = Path(tempfile.mkdtemp(prefix="fourc-bench-"))
    try:
        print("Counting queries (Django's test client, in process)...", flush=True)
        counted = {}
        for page in plan["pages"]:
            who = sessions[posting_members[0].pk] if page["who"] == "posting" else member_session
            counted[page["path"]] = count_queries(page, who)
        print(RATE_LIMIT_NOTE, flush=True)
        port = free_port()
        beat = start_beat()
        server = start_server(port)
        trivial = plan["pages"][0]
        trivial_requests = Requests(trivial, "", [])
        baselines = [saturate(port, trivial, trivial_requests, args, workdir)["rps"]]
        for page in plan["pages"]:
            requests = Requests(page, member_cookie, posting)
            if page["who"] == "posting":
                forget_rate_limits(list(sessions))
            warm(port, page, requests)
            saturated = saturate(port, page, requests, args, workdir)
            if page["who"] == "posting":
                forget_rate_limits(list(sessions))
            latency = at_fixed_rate(port, page, requests, args.rate, args.latency_seconds)
            # /ping again after each page: the page's share is of the /ping measured just
            # before and just after it, so a machine that slows or quickens during the run
            # moves a page and its baseline together.
            baselines.append(saturate(port, trivial, trivial_requests, args, workdir)["rps"])
            queries, status = counted[page["path"]]
            results.append(
                {
                    **page,
                    **saturated,
                    "trivial_beside": round(statistics.mean(baselines[-2:]), 1),
                    "queries": queries,
                    "status": status,
                    "status_ok": ok(page, status),
                    "at_fixed_rate": latency,
                    "p95_ms_at_fixed_rate": latency["p95_ms"],
                }
            )
            print(
                f"  {page['name']:<34} {saturated['rps']:>8.1f} req/s  "
                f"p95 {latency['p95_ms']:>7.1f} ms at {args.rate:g} req/s  "
                f"{queries:>3} queries",
                flush=True,
            )
    finally:
        for process in (server, beat):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
        # What the run wrote goes: its sessions, and the check-ins it sent (their steps
        # too), so the next run on the kept data starts from the same rows.
        made = CheckIn.objects.filter(member__in=posting_members, created_at__gte=began)
        Prescription.objects.filter(check_in__in=made).delete()
        made.delete()
        store = import_string(settings.SESSION_ENGINE + ".SessionStore")
        for key, _ in [member_session, *sessions.values()]:
            store().delete(key)
    for result in results:
        beside = result["trivial_beside"]
        result["share_of_trivial"] = round(result["rps"] / beside, 4) if beside else 0.0
    return {
        "pages": results,
        "space": plan["space"],
        "thread": plan["thread"],
        "notes": [RATE_LIMIT_NOTE],
        "settings": {
            "workers": WORKERS,
            "wrk": f"-t{args.threads} -c{args.connections} -d{args.duration}s",
            "rate": args.rate,
            "latency_seconds": args.latency_seconds,
        },
    }


# --- The run: each size in turn, then the bars (this process stays out of Django) --------


def database_url(base: str, size: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/fourc_bench_{size}"))


def ensure_database(base: str, size: str) -> None:
    import psycopg2

    parts = urlsplit(base)
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port, user=parts.username, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        name = f"fourc_bench_{size}"
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def prewarm(url: str) -> tuple[int, float]:
    """Reads every table and index of the size's database once (pg_prewarm), as a server
    in service holds its working set in memory: the cluster starts afresh for each run,
    and on a virtual machine whose page cache let the files go, the first visits would
    measure the disk. Returns the pages read and the seconds it took."""
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port, user=parts.username, dbname=parts.path[1:]
    )
    conn.autocommit = True
    started = time.monotonic()
    with conn.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            "SELECT coalesce(sum(pg_prewarm(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't', 'm')"
        )
        pages = cursor.fetchone()[0]
    conn.close()
    return pages, time.monotonic() - started


def run(command: list[str], env: dict) -> None:
    """Runs a step, its output on the terminal as it comes; stops the bench if it fails."""
    if subprocess.run(command, cwd=ROOT, env=env, check=False).returncode != 0:
        raise StepFailed(f"{' '.join(command[1:3])} failed")


class StepFailed(Exception):
    pass


def engine_figures(env: dict) -> dict | None:
    """bench/engine.py's last line: {"engine": {"p50_ms", "p95_ms", "queries", ...}}. Its
    own exit status (1 over its budget) is left to the bars here."""
    process = subprocess.Popen(
        [PYTHON, "bench/engine.py"], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE
    )
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    process.wait()
    try:
        return json.loads(lines[-1])["engine"]
    except (IndexError, ValueError, KeyError, TypeError):
        print(f"bench/engine.py did not end with its JSON line (exit {process.returncode})")
        return None


def one_size(size: str, args) -> dict:
    env = os.environ.copy()
    ensure_database(env["DATABASE_URL"], size)
    env["DATABASE_URL"] = database_url(env["DATABASE_URL"], size)
    print(f"== {size}: database fourc_bench_{size}", flush=True)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    if not args.no_seed:
        started = time.monotonic()
        run([PYTHON, "manage.py", "seed_scale", "--reuse", "--scale", str(SCALES[size])], env)
        print(f"   data ready in {time.monotonic() - started:.0f} s", flush=True)
    pages, seconds = prewarm(env["DATABASE_URL"])
    print(f"   prewarmed: {pages:,} pages of 8 kB read in {seconds:.0f} s", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        run([PYTHON, __file__, "--measure-into", out.name, *child_args(args)], env)
        measured = json.loads(Path(out.name).read_text())
    return {"size": size, **measured, "engine": engine_figures(env)}


def child_args(args) -> list[str]:
    return [
        f"--duration={args.duration}", f"--latency-seconds={args.latency_seconds}",
        f"--rate={args.rate}", f"--threads={args.threads}", f"--connections={args.connections}",
    ]  # fmt: skip


def bars(result: dict, rate: float) -> list[str]:
    """Every bar this size fails, in words."""
    failed = []
    pages = result["pages"]
    for page in pages[1:]:
        if page["share_of_trivial"] < MIN_SHARE:
            failed.append(
                f"{page['name']}: {page['share_of_trivial']:.1%} of the trivial view's req/s "
                f"(bar: {MIN_SHARE:.0%})"
            )
    for page in pages:
        if page["p95_ms_at_fixed_rate"] > MAX_P95_MS:
            unsent = page["at_fixed_rate"]["unsent"]
            failed.append(
                f"{page['name']}: p95 {'at least ' if unsent else ''}"
                f"{page['p95_ms_at_fixed_rate']:.1f} ms at {rate:g} req/s (bar: {MAX_P95_MS:g} ms)"
                + (f", {unsent} requests unsent: the server fell behind" if unsent else "")
            )
        errors = page["errors"] + page["at_fixed_rate"]["errors"]
        if errors or not page["status_ok"]:
            failed.append(
                f"{page['name']}: {errors} errors (wrk {page['error_kinds']}, at fixed rate "
                f"{page['at_fixed_rate']['statuses']}), test client status {page['status']}"
            )
    first = next(p for p in pages if p["key"] == "space")
    deep = next(p for p in pages if p["key"] == "space_deep")
    if deep["share_of_trivial"] < (1 - MAX_DEEP_SLOWDOWN) * first["share_of_trivial"]:
        failed.append(
            f"{deep['name']}: {deep['share_of_trivial']:.1%} of /ping against page 1's "
            f"{first['share_of_trivial']:.1%} (bar: at most {MAX_DEEP_SLOWDOWN:.0%} slower)"
        )
    engine = result["engine"]
    if engine is None:
        failed.append("engine: no figures from bench/engine.py")
    elif engine["p95_ms"] > MAX_ENGINE_P95_MS:
        failed.append(f"engine: p95 {engine['p95_ms']:.2f} ms (bar: {MAX_ENGINE_P95_MS:g} ms)")
    return failed


def table(result: dict, rate: float) -> str:
    head = (
        f"{'page (' + result['size'] + ')':<36}{'req/s':>9}{'/ping':>9}{'share':>8}"
        f"{'p50':>9}{'p95':>9}{'p99':>9}{'unsent':>8}{'queries':>9}{'errors':>8}"
    )
    lines = [
        head,
        f"{'':<36}{'(wrk)':>9}{'beside':>9}{'':>8}{f'ms at a fixed {rate:g} req/s':>35}",
        "-" * len(head),
    ]
    for page in result["pages"]:
        fixed = page["at_fixed_rate"]
        lines.append(
            f"{page['name'][:35]:<36}{page['rps']:>9.1f}{page['trivial_beside']:>9.0f}"
            f"{page['share_of_trivial']:>8.1%}"
            f"{fixed['p50_ms']:>9.1f}{fixed['p95_ms']:>9.1f}{fixed['p99_ms']:>9.1f}"
            f"{fixed['unsent']:>8}{page['queries']:>9}{page['errors'] + fixed['errors']:>8}"
        )
    engine = result["engine"]
    if engine:
        lines.append(
            f"{'engine (per member)':<36}{'':>9}{'':>9}{'':>8}{engine['p50_ms']:>9.2f}"
            f"{engine['p95_ms']:>9.2f}{'':>9}{'':>8}{engine['queries']:>9}"
        )
    if any(page["at_fixed_rate"]["unsent"] for page in result["pages"]):
        lines.append(
            f"unsent: requests the server had fallen too far behind to take {GRACE_SECONDS:g} s "
            "after the last was due; where there are some, the percentiles are lower bounds."
        )
    return "\n".join(lines)


def summary(result: dict) -> dict:
    return {
        "size": result["size"],
        "pages": [
            {
                "key": page["key"],
                "name": page["name"],
                "path": page["path"],
                "rps": page["rps"],
                "share_of_trivial": page["share_of_trivial"],
                "p95_ms_at_50rps": page["p95_ms_at_fixed_rate"],
                "queries": page["queries"],
            }
            for page in result["pages"]
        ],
        "engine": result["engine"],
    }


def save(result: dict, stamp: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{stamp}-{result['size']}.json"
    text = json.dumps(result, indent=2) + "\n"
    path.write_text(text)
    (RESULTS / f"latest-{result['size']}.json").write_text(text)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=SCALES, default="1m")
    parser.add_argument("--sizes", help="several sizes in turn, e.g. 10k,100k,1m")
    parser.add_argument("--duration", type=int, default=10, help="wrk's seconds per page")
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk's connections")
    parser.add_argument("--rate", type=float, default=50.0, help="req/s for the latencies")
    parser.add_argument("--latency-seconds", type=float, default=15.0)
    parser.add_argument("--no-seed", action="store_true", help="measure the data as it is")
    parser.add_argument("--measure-into", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure_into:
        Path(args.measure_into).write_text(json.dumps(measure(args)))
        return 0

    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing (bin/bench installs it with apt-get)")
    sizes = args.sizes.split(",") if args.sizes else [args.size]
    unknown = [size for size in sizes if size not in SCALES]
    if unknown:
        raise SystemExit(f"unknown sizes {unknown}: choose from {', '.join(SCALES)}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results, failed = [], []
    for size in sizes:
        try:
            result = one_size(size, args)
        except StepFailed as error:
            print(f"FAILED: {size}: {error}")
            return 1
        results.append(result)
        path = save(result, stamp)
        print()
        print(table(result, args.rate))
        print(
            f"scale-space-0: {result['space']['posts']:,} posts, page "
            f"{result['space']['deep_page']:,} measured; the longest thread: "
            f"{result['thread']['replies']:,} replies, {result['thread']['last_page_replies']} "
            "on its last page"
        )
        print(f"(full results: {path.relative_to(ROOT)})")
        failed += [f"{size}: {bar}" for bar in bars(result, args.rate)]
        if len(sizes) > 1:
            print(json.dumps(summary(result)), flush=True)

    same = True
    if len(results) > 1:
        counts = {r["size"]: {p["key"]: p["queries"] for p in r["pages"]} for r in results}
        engine_counts = {r["size"]: (r["engine"] or {}).get("queries") for r in results}
        for key in counts[results[0]["size"]]:
            per_size = {size: c[key] for size, c in counts.items()}
            if len(set(per_size.values())) > 1:
                same = False
                failed.append(f"queries differ between sizes for {key}: {per_size}")
        if len(set(map(str, engine_counts.values()))) > 1:
            same = False
            failed.append(f"engine queries differ between sizes: {engine_counts}")
    print()
    print(
        "Measured on this machine, at this moment: compare a page with /ping of the same "
        "run, not across machines."
    )
    if failed:
        print("BARS FAILED:")
        for bar in failed:
            print(f"  - {bar}")
    else:
        print("All bars met.")
    if len(results) > 1:
        print(
            json.dumps({"sizes": [summary(r) for r in results], "queries_same_across_sizes": same})
        )
    else:
        print(json.dumps(summary(results[0])))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
