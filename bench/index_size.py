"""The stemmed index without its own copy of the stems: archive size and search time, before
and after, on two archives of the same articles built in the same run.

    python bench/index_size.py [--articles 5000] [--json FILE]

"before" is the stemmed index as it was until 2026-11-30 (an FTS5 table keeping its own copy
of the stemmed text); "after" is the contentless one of scraper/search.py. Both archives hold the
same synthetic articles (bench/make_articles.py, with people and terms), written by the bulk
path. Search: the ranking subquery of the ``search`` canned query (bm25, best 100) for every
query of bench_search.py, the two archives interleaved, best of 5.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_search import QUERIES  # noqa: E402
from scraper.search import stem_query, vocabulary  # noqa: E402

RANKED = """select rowid, bm25(articles_stemmed_fts, 3.0, 1.0) as score from articles_stemmed_fts
where articles_stemmed_fts match ? order by score limit 100"""


BEFORE = """
import scraper.search as s
s.STEMMED_SQL = s.STEMMED_SQL.replace("content='', ", "")
fill = s.rebuild_stemmed_index


def rebuild(db, batch=500):  # the index is empty here: no 'delete-all' (contentless only)
    execute = db.execute
    db.execute = lambda sql, *args: None if "delete-all" in sql else execute(sql, *args)
    try:
        return fill(db, batch)
    finally:
        db.execute = execute


s.rebuild_stemmed_index = rebuild
"""


def build(path: Path, articles: int, contentless: bool) -> None:
    """make_articles.py in a process of its own; "before": the index keeps its own copy."""
    code = (BEFORE if not contentless else "") + (
        f"import sys, runpy; sys.argv = ['make_articles', '{articles}', {str(path)!r}]; "
        "runpy.run_path('bench/make_articles.py', run_name='__main__')"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)


def tables_mib(path: Path) -> dict:
    conn = sqlite3.connect(path)
    sizes = dict(conn.execute("select name, sum(pgsize) from dbstat group by name"))
    conn.close()
    return {name: size / 2**20 for name, size in sizes.items()}


def search_seconds(paths: dict[str, Path], passes: int = 5) -> dict[str, float]:
    conns = {name: sqlite3.connect(path) for name, path in paths.items()}
    expands = {name: vocabulary(conn) for name, conn in conns.items()}
    best = {name: float("inf") for name in conns}
    for _ in range(passes):
        for name, conn in conns.items():
            started = time.perf_counter()
            for q in QUERIES:
                conn.execute(RANKED, [stem_query(q, expands[name])]).fetchall()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"before": Path(tmp) / "before.db", "after": Path(tmp) / "after.db"}
        for name, path in paths.items():
            build(path, args.articles, contentless=name == "after")
        sizes = {name: path.stat().st_size / 2**20 for name, path in paths.items()}
        tables = {name: tables_mib(path) for name, path in paths.items()}
        seconds = search_seconds(paths)
    per_1000 = {name: size / args.articles * 1000 for name, size in sizes.items()}
    stems = {name: sum(v for k, v in t.items() if "stemmed" in k) for name, t in tables.items()}
    print(f"| {args.articles:,} articles | before | after | after ÷ before |")
    print("| --- | --- | --- | --- |")
    print(
        f"| archive, MiB per 1,000 articles | {per_1000['before']:.2f} | {per_1000['after']:.2f} "
        f"| {per_1000['after'] / per_1000['before']:.2f} |"
    )
    print(
        f"| stemmed index, MiB per 1,000 | {stems['before'] / args.articles * 1000:.2f} | "
        f"{stems['after'] / args.articles * 1000:.2f} | {stems['after'] / stems['before']:.2f} |"
    )
    print(
        f"| {len(QUERIES)} searches (ranking, best of 5) | {seconds['before'] * 1000:.0f} ms | "
        f"{seconds['after'] * 1000:.0f} ms | {seconds['after'] / seconds['before']:.2f} |"
    )
    rest = {k: v for k, v in tables["after"].items() if v >= 0.05 * sizes["after"]}
    print(
        "\nWhat the archive holds after (MiB per 1,000 articles): "
        + ", ".join(f"`{k}` {v / args.articles * 1000:.2f}" for k, v in sorted(rest.items()))
        + "."
    )
    if args.json:
        args.json.write_text(
            json.dumps({"mib": sizes, "tables": tables, "search_s": seconds}, indent=1)
        )


if __name__ == "__main__":
    main()
