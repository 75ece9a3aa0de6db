"""The reading page and the search page against Datasette's own pages for the same data.

    python bench/make_articles.py 100000 /tmp/bench/archive.db
    python bench/bench_reading.py /tmp/bench/archive.db --runs 20

Baselines, measured in the same run: for the reading page (``/<db>/articles/<key>``), the raw
row view of the same article (``?_raw=1``, Datasette's row page); for the search page (our
entries, plus the year, city and category counts of every match), the ``search.json`` of the
same query (the SQL alone, no page). Reported: p50/p95 of each and the ratio of medians.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datasette.app import Datasette  # noqa: E402
from datasette.utils import tilde_encode  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ("lapor", "bimbingan teknis", "disabilitas", "HAM", "Banjarmasin")
SETTINGS = {"sql_time_limit_ms": 3000, "facet_time_limit_ms": 500, "suggest_facets": False}


async def timed(ds: Datasette, path: str) -> float:
    started = time.perf_counter()
    response = await ds.client.get(path)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}\n{response.text[:500]}")
    return seconds


def summary(name: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1]
    return f"{name:34} n={len(ms):4}  p50 {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms"


async def bench(path: Path, runs: int) -> None:
    name = path.stem
    ds = Datasette([str(path)], template_dir=str(ROOT / "scraper" / "templates"), settings=SETTINGS)
    await ds.invoke_startup()
    with sqlite3.connect(path) as conn:
        count = conn.execute("select count(*) from articles").fetchone()[0]
        urls = [r[0] for r in conn.execute("select url from articles order by random() limit 50")]
    print(f"{path}: {count} articles")
    pairs = {
        "reading page": [
            (f"/{name}/articles/{tilde_encode(u)}", f"/{name}/articles/{tilde_encode(u)}?_raw=1")
            for u in urls
        ],
        "search page": [
            (f"/{name}/search?q={q}", f"/{name}/search.json?q={q}&_shape=array") for q in QUERIES
        ],
    }
    for label, paths in pairs.items():
        ours, base = [], []
        for page, baseline in paths:  # warm once
            await timed(ds, page)
            await timed(ds, baseline)
        for _ in range(runs):
            for page, baseline in paths:  # alternate: both see the same machine state
                ours.append(await timed(ds, page))
                base.append(await timed(ds, baseline))
        print(summary(label, ours))
        print(summary(f"  baseline ({'raw row' if 'reading' in label else 'search.json'})", base))
        print(f"  ratio of medians {statistics.median(ours) / statistics.median(base):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, Python {sys.version.split()[0]}")
    asyncio.run(bench(args.path, args.runs))


if __name__ == "__main__":
    main()
