"""The archive's size per 1,000 articles and search time, before and after, on two archives of
the same articles built in the same run.

    python bench/index_size.py [--articles 5000] [--baseline COMMIT] [--json FILE]

"before" is the archive as it was when issue 11 set the target (18.23 MiB per 1,000): the code
of ``--baseline`` (read from git) with its stemmed index keeping its own copy of the stemmed
text, as it did until 2026-11-30; "after" is this tree: a contentless stemmed index,
article_terms keyed by rowid, article_facets, the people table. Both hold the same synthetic
articles (bench/make_articles.py, with people and terms), written by the bulk path. Sizes: the
file, the pages in use (a file keeps the pages FTS5 merges freed, for later writes), and the
copy ``ham-archive export`` writes (``VACUUM INTO``). Search: the ranking subquery of the
``search`` canned query (bm25, best 100) for every query of bench_search.py, the two archives
interleaved, best of 5.
"""

from __future__ import annotations

import argparse
import json
import os
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


BASELINE = "bc62bfec5cf25ea6667f63774e4f03c291149249"  # main when the target was set


def build(path: Path, articles: int, root: Path, before: bool) -> None:
    """make_articles.py of ``root`` in a process of its own; "before": the index keeps its
    own copy."""
    code = (BEFORE if before else "") + (
        f"import sys, runpy; sys.argv = ['make_articles', '{articles}', {str(path)!r}]; "
        "runpy.run_path('bench/make_articles.py', run_name='__main__')"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code], cwd=root, env=env, check=True, capture_output=True)


def checkout(commit: str, where: Path) -> Path:
    where.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    return where


def mib(path: Path) -> dict[str, float]:
    """The file, the pages in use, and the copy an export writes, in MiB."""
    copy = path.with_suffix(".copy.db")
    conn = sqlite3.connect(path)
    in_use = conn.execute("select sum(pgsize) from dbstat").fetchone()[0]
    conn.execute(f"vacuum into '{copy}'")
    conn.close()
    sizes = {"file": path.stat().st_size, "in use": in_use, "export": copy.stat().st_size}
    copy.unlink()
    return {name: size / 2**20 for name, size in sizes.items()}


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
    parser.add_argument("--baseline", default=BASELINE, help="the commit of 'before'")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"before": Path(tmp) / "before.db", "after": Path(tmp) / "after.db"}
        roots = {"before": checkout(args.baseline, Path(tmp) / "baseline"), "after": ROOT}
        for name, path in paths.items():
            build(path, args.articles, roots[name], before=name == "before")
        sizes = {name: mib(path) for name, path in paths.items()}
        tables = {name: tables_mib(path) for name, path in paths.items()}
        seconds = search_seconds(paths)
    n = args.articles / 1000
    print(f"| {args.articles:,} articles, MiB per 1,000 | before | after | after ÷ before |")
    print("| --- | --- | --- | --- |")
    for kind in ("file", "in use", "export"):
        before, after = sizes["before"][kind] / n, sizes["after"][kind] / n
        print(f"| archive ({kind}) | {before:.2f} | {after:.2f} | {after / before:.2f} |")
    groups = {  # what each part of the archive holds, before and after
        "stemmed index": ("articles_stemmed_fts",),
        "article_terms": ("article_terms", "idx_article_terms"),
        "article_people": ("article_people", "idx_article_people"),
        "people, article_facets": ("people", "sqlite_autoindex_people", "article_facets"),
    }
    for label, prefixes in groups.items():
        part = {k: sum(v for t, v in tables[k].items() if t.startswith(prefixes)) for k in paths}
        print(
            f"| {label} | {part['before'] / n:.2f} | {part['after'] / n:.2f} | "
            + (f"{part['after'] / part['before']:.2f} |" if part["before"] else "new |")
        )
    print(
        f"| {len(QUERIES)} searches (ranking, best of 5), ms | {seconds['before'] * 1000:.0f} | "
        f"{seconds['after'] * 1000:.0f} | {seconds['after'] / seconds['before']:.2f} |"
    )
    rest = {k: v for k, v in tables["after"].items() if v >= 0.05 * sizes["after"]["in use"]}
    print(
        "\nWhat the archive holds after (MiB per 1,000 articles): "
        + ", ".join(f"`{k}` {v / n:.2f}" for k, v in sorted(rest.items()))
        + "."
    )
    if args.json:
        args.json.write_text(
            json.dumps({"mib": sizes, "tables": tables, "search_s": seconds}, indent=1)
        )


if __name__ == "__main__":
    main()
