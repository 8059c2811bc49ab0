"""Page latency on a real server: gunicorn on loopback, requests from this process.

Compares each page with /healthz, the most trivial Django view served the same way,
and fails when a page's p95 is over budget (DESIGN.md section 7). Run through
`make bench`, which starts PostgreSQL and Redis, seeds the demo and bench/volume.py's
bulk data first. Deep pages ("page 1,000") use a keyset cursor taken from the data.

    python bench/pages.py [--requests 300] [--budget-ms 100] [--factor 50]
"""

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fourc.settings")


def pages_to_measure() -> list[tuple[str, bool]]:
    """(path, as_member) pairs, with deep cursors read from the benchmark data."""
    import django

    django.setup()
    from community.models import Post, Reply
    from fourc.lib.pagination import encode_cursor

    space_posts = Post.objects.filter(space__slug="bench-space-0", is_pinned=False).order_by(
        "-last_activity_at", "-id"
    )
    deep_post = space_posts[25 * 1000 - 1 : 25 * 1000].first() or space_posts.last()
    thread = Post.objects.get(title="Bench: a very long thread")
    deep_reply = thread.replies.order_by("created_at", "id")[50 * 30 - 1 : 50 * 30].first()
    paths = [
        ("/healthz", False),
        ("/", True),
        ("/help/", False),
        ("/accounts/login/", False),
        ("/spaces/", True),
        ("/spaces/bench-space-0/", True),
        ("/spaces/bench-space-0/?after="
         + encode_cursor([deep_post.last_activity_at, deep_post.pk]), True),
        (f"/posts/{thread.pk}/", True),
        (f"/posts/{thread.pk}/?after="
         + encode_cursor([deep_reply.created_at, deep_reply.pk]), True),
        ("/unanswered/", True),
        ("/notifications/", True),
        ("/search/?q=garden+walk", True),
        ("/search/?q=word42", True),
        ("/members/bench_1/", True),
    ]  # fmt: skip
    assert Reply.objects.exists()
    return paths


def member_cookie() -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from community.models import User

    maya = User.objects.get(handle="maya")
    session = SessionStore()
    session[SESSION_KEY] = str(maya.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = maya.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def measure(port: int, path: str, count: int, cookie: str = "") -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = cookie
    timings = []
    for i in range(count + 20):  # the first 20 warm up
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        if i >= 20:
            timings.append(elapsed)
    conn.close()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--budget-ms", type=float, default=100.0)
    # The trivial view answers in under a millisecond, so the factor is reported,
    # and enforced only when asked (--factor 50).
    parser.add_argument("--factor", type=float, default=0.0)
    args = parser.parse_args()
    pages = pages_to_measure()
    cookie = member_cookie()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "fourc.wsgi", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    try:
        wait_for(port)
        results = {
            path: measure(port, path, args.requests, cookie if as_member else "")
            for path, as_member in pages
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    baseline = statistics.quantiles(results["/healthz"], n=20)[18]
    print(f"{'page':<34}{'p50 ms':>10}{'p95 ms':>10}{'x trivial':>11}")
    failed = False
    for path, timings in results.items():
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[18]
        ratio = p95 / baseline
        over = p95 > args.budget_ms or bool(args.factor and ratio > args.factor)
        failed |= over
        label = path if len(path) <= 32 else path[:22] + "...(deep)"
        print(
            f"{label:<34}{p50:>10.2f}{p95:>10.2f}{ratio:>11.1f}{'  OVER BUDGET' if over else ''}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
