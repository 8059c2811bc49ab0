"""`make bench-cpu`: each member page's CPU in this process, for the work between two runs
of `make bench`.

`make bench` measures what a member feels: req/s through gunicorn beside the trivial
view. Those figures move with the machine (a shared host can halve them between two
runs), so a change to one page is judged here instead: the page built by Django's
handler in one process, as scale_0 on the kept scale dataset (bin/bench's cluster, the
same pages as bench/pages.py), `--requests` times after a few warm requests, timing the
process's own CPU (time.process_time: PostgreSQL's work is in another process and is not
counted; `wall` is). It prints, per page, the median CPU ms per request over `--rounds`
rounds, the wall ms, and the queries.

To compare two versions of the code, run it on each in turn on the same machine (the
rounds' spread is printed: a difference smaller than it is noise). `--profile KEY` prints
cProfile's top lines for one page instead; `--queries KEY` each of its queries, with the
median wall ms each took over `--requests` requests (the round trip and PostgreSQL).

    make bench-cpu ARGS="[--size 1m] [--pages thread,search_common] [--requests 40]
                         [--rounds 3] [--profile thread [--sort tottime] [--lines 40]
                         [--dump var/thread.prof]]
                         [--queries thread] [--objects thread]"

A key may be a path of one's own instead, drawn as the member: `--pages /guidelines/,thread`
sets a member page's shell alone (the header, base.html, the session, the member) beside
the thread, and `--profile /guidelines/` profiles it.

`--objects KEY` counts the model objects one request of a page builds, per model and
in all, with the columns each was read with (an object of a few columns costs less to
build than a whole row, and reads less).
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def one_page(client, page: dict) -> None:
    response = client.get(page["path"])
    if response.status_code != 200:
        raise SystemExit(f"{page['name']}: {response.status_code}, not 200")


def timed(client, page: dict, requests: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per request, over `requests` requests."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        one_page(client, page)
    return (
        (time.process_time() - cpu) * 1000 / requests,
        (time.perf_counter() - wall) * 1000 / requests,
    )


def queries_of(client, page: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        one_page(client, page)
    return len(queries)


def print_queries(client, page: dict, requests: int) -> None:
    from django.db import connection

    times: list[list[float]] = []
    sqls: list[str] = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times[-1].append((time.perf_counter() - started) * 1000)
            if len(times) == 1:
                sqls.append(" ".join(sql.split()))

    with connection.execute_wrapper(timer):
        for _ in range(requests):
            times.append([])
            one_page(client, page)
    for n, sql in enumerate(sqls):
        took = statistics.median(run[n] for run in times)
        print(f"{took:7.2f} ms  {sql[:150]}")
    print(f"{statistics.median(sum(run) for run in times):7.2f} ms in all")


def print_objects(client, page: dict) -> None:
    from collections import Counter

    from django.db.models import Model

    built: Counter = Counter()
    columns: dict = {}  # {model: Counter of how many columns each object was read with}
    original = Model.from_db.__func__

    def counting(cls, db, field_names, values, **options):
        name = f"{cls._meta.app_label}.{cls._meta.object_name}"
        built[name] += 1
        columns.setdefault(name, Counter())[len(field_names)] += 1
        return original(cls, db, field_names, values, **options)

    Model.from_db = classmethod(counting)
    try:
        one_page(client, page)
    finally:
        Model.from_db = classmethod(original)
    print(f"{page['name']}: {sum(built.values())} model objects in one request")
    for name, count in built.most_common():
        widths = ", ".join(f"{n} of {width} columns" for width, n in sorted(columns[name].items()))
        print(f"  {count:>5}  {name} ({widths})")


def main() -> int:
    from pages import SCALES, database_url

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=SCALES, default="1m")
    parser.add_argument(
        "--pages", default="", help="keys, e.g. thread,search_common, or paths: /guidelines/"
    )
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="", help="one page's key: cProfile it")
    parser.add_argument("--sort", default="tottime", help="cumulative, tottime...")
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--queries", default="", help="one page's key: time its queries")
    parser.add_argument("--dump", default="", help="with --profile: the stats to this file too")
    parser.add_argument("--objects", default="", help="keys: count the model objects built")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = database_url(os.environ["DATABASE_URL"], args.size)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fourc.settings")
    from pages import client_for, scenario, sign_in

    plan = scenario()  # sets Django up
    from django.conf import settings
    from django.utils.module_loading import import_string

    from community.models import User

    chosen = args.profile or args.queries or args.objects or args.pages
    wanted = set(filter(None, chosen.split(",")))
    # A path of one's own is a page too, as the member (its key the path).
    plan["pages"] += [
        {"key": key, "name": key, "path": key, "who": "member"}
        for key in sorted(wanted)
        if key.startswith("/")
    ]
    pages = [
        page
        for page in plan["pages"]
        if page["who"] != "posting" and (not wanted or page["key"] in wanted)
    ]
    if unknown := wanted - {page["key"] for page in pages}:
        keys = ", ".join(p["key"] for p in plan["pages"] if p["who"] != "posting")
        raise SystemExit(f"unknown pages {sorted(unknown)}: choose from {keys}")
    session = sign_in(User.objects.get(handle="scale_0"))
    try:
        if args.profile:
            page = pages[0]
            client = client_for(page, session)
            timed(client, page, 5)
            profile = cProfile.Profile()
            profile.enable()
            timed(client, page, args.requests)
            profile.disable()
            if args.dump:
                profile.dump_stats(args.dump)
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.lines)
            print(out.getvalue())
            return 0
        if args.queries:
            page = pages[0]
            client = client_for(page, session)
            timed(client, page, 5)
            print_queries(client, page, args.requests)
            return 0
        if args.objects:
            for page in pages:
                client = client_for(page, session)
                timed(client, page, 2)
                print_objects(client, page)
            return 0
        print(f"{'page':<34} {'CPU ms':>8} {'spread':>8} {'wall ms':>8} {'queries':>8}")
        for page in pages:
            client = client_for(page, session)
            timed(client, page, 5)
            rounds = [timed(client, page, args.requests) for _ in range(args.rounds)]
            cpu = [r[0] for r in rounds]
            print(
                f"{page['name']:<34} {statistics.median(cpu):>8.2f} "
                f"{max(cpu) - min(cpu):>8.2f} {statistics.median(r[1] for r in rounds):>8.2f} "
                f"{queries_of(client, page):>8}",
                flush=True,
            )
    finally:
        import_string(settings.SESSION_ENGINE + ".SessionStore")().delete(session[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
