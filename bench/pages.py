"""Page latency on a real server: gunicorn on loopback, requests from this process.

Compares each page with /healthz, the most trivial Django view served the same way,
and fails when a page's p95 is over budget (DESIGN.md section 7). Run through
`make bench`, which migrates, collects static files and seeds the demo first.

    python bench/pages.py [--requests 300] [--budget-ms 100] [--factor 10]
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
PAGES = ["/healthz", "/", "/help/", "/accounts/login/", "/accounts/signup/"]


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


def measure(port: int, path: str, count: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    timings = []
    for i in range(count + 20):  # the first 20 warm up
        start = time.perf_counter()
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
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
    parser.add_argument("--factor", type=float, default=10.0)
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "fourc.wsgi", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    try:
        wait_for(port)
        results = {path: measure(port, path, args.requests) for path in PAGES}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    baseline = statistics.quantiles(results["/healthz"], n=20)[18]
    print(f"{'page':<22}{'p50 ms':>10}{'p95 ms':>10}{'x trivial':>11}")
    failed = False
    for path, timings in results.items():
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[18]
        ratio = p95 / baseline
        over = p95 > args.budget_ms or ratio > args.factor
        failed |= over
        print(f"{path:<22}{p50:>10.2f}{p95:>10.2f}{ratio:>11.1f}{'  OVER BUDGET' if over else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
