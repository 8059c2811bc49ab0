"""BENCHMARKS.md's tables, from the JSON files `make bench` wrote (var/bench/latest-*.json).

    python bench/report.py [--dir var/bench] [--sizes 10k,100k,1m]

Prints Markdown: the largest size's pages (req/s, share of /ping's, latency at the fixed
rate, queries, errors), then each page's share of /ping and queries at every size, then
the engine. Nothing is measured here; every figure is read from a run's file.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load(directory: Path, sizes: list[str]) -> dict[str, dict]:
    runs = {}
    for size in sizes:
        path = directory / f"latest-{size}.json"
        if path.exists():
            runs[size] = json.loads(path.read_text())
    if not runs:
        sys.exit(f"No results in {directory}: run `make bench` first.")
    return runs


def pages_table(run: dict) -> list[str]:
    rows = [
        f"Size {run['size']} (wrk `{run['settings']['wrk']}`, {run['settings']['workers']} "
        f"gunicorn workers, latency at a fixed {run['settings']['rate']:g} req/s for "
        f"{run['settings']['latency_seconds']:g} s):",
        "",
        "| page | req/s | /ping beside | share | p50 ms | p95 ms | p99 ms | unsent | queries "
        "| errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for page in run["pages"]:
        fixed = page["at_fixed_rate"]
        # Runs before /ping was measured beside each page: the run's one /ping.
        beside = page.get("trivial_beside", run["pages"][0]["rps"])
        rows.append(
            f"| {page['name']} | {page['rps']:.1f} | {beside:.0f} "
            f"| {100 * page['share_of_trivial']:.1f}% "
            f"| {fixed['p50_ms']:.0f} | {fixed['p95_ms']:.0f} | {fixed['p99_ms']:.0f} "
            f"| {fixed['unsent']} | {page['queries']} | {page['errors'] + fixed['errors']} |"
        )
    return rows


def growth_table(runs: dict[str, dict]) -> list[str]:
    sizes = list(runs)
    head = " | ".join(f"{size}: share, queries" for size in sizes)
    rows = [f"| page | {head} |", "|---|" + "--:|" * len(sizes)]
    keys = [page["key"] for page in runs[sizes[-1]]["pages"]]
    by_size = {size: {p["key"]: p for p in run["pages"]} for size, run in runs.items()}
    for key in keys:
        cells = []
        for size in sizes:
            page = by_size[size].get(key)
            cells.append(
                "n/a"
                if page is None
                else f"{100 * page['share_of_trivial']:.1f}%, {page['queries']}"
            )
        name = by_size[sizes[-1]][key]["name"]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


def engine_table(runs: dict[str, dict]) -> list[str]:
    rows = [
        "| size | p50 ms | p95 ms | p99 ms | queries | `SELECT 1` p50 ms | members |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for size, run in runs.items():
        engine = run.get("engine") or {}
        if not engine:
            rows.append(f"| {size} | no figures | | | | | |")
            continue
        rows.append(
            f"| {size} | {engine['p50_ms']:.2f} | {engine['p95_ms']:.2f} | "
            f"{engine['p99_ms']:.2f} | {engine['queries']} | {engine['select1_p50_ms']:.3f} | "
            f"{engine['members']} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--sizes", default="10k,100k,1m")
    args = parser.parse_args()
    runs = load(Path(args.dir), args.sizes.split(","))
    largest = list(runs)[-1]
    print("\n".join(pages_table(runs[largest])))
    print()
    print("\n".join(growth_table(runs)))
    print()
    print("\n".join(engine_table(runs)))


if __name__ == "__main__":
    main()
