"""Time every page on a researcher's path through the archive with Datasette, in-process.

    python bench/bench_search.py /tmp/bench/archive.db [--runs 3] [--json FILE]

Runs Datasette's own test client (no network) with the settings of ``ham-archive serve`` and
times, interleaved so that every page sees the same machine: the ``search`` canned query over a
fixed set of queries (and the same queries on the exact-word index, for the ratio), the
articles table with its facets unfiltered and with one and two filters (the two filters both
ways: ``categories__term``, answered by ``article_terms``, and the old
``categories__arraycontains``, ``json_each`` over every row), a filter on an array column, the
people view, the articles-per-month chart query and the page of one article. Prints p50/p95 per
page, the archive's size per table and per 1,000 articles, and stem_text's speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import yaml
from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import tilde_encode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import scraper.datasette_plugin  # noqa: E402
from scraper.search import SEARCH_SQL, exact_query, stem_query, stem_text, stem_word  # noqa: E402

QUERIES = [
    "lapor", "melaporkan", "laporan", "dilaporkan", "pelaporan", "pelapor*", "lapor*",
    '"hak asasi"', '"hak asasi manusia"', '"hak anak"', "perempuan", "diskriminasi",
    "perlindungan", "dilindungi", "pengaduan", "mengadukan", "kekerasan", "disabilitas",
    "bimbingan teknis", "kabupaten/kota", "Medan", "Jayapura", "Raoul Wallenberg",
    "laporan NOT kekerasan", "perempuan OR anak", "(lapor OR adu) migran", "penyiks*",
    '"hak asasi', "sengketa lahan", "Waha", "diseminasi*", "pe*",
]  # fmt: skip
# Not timed: a one-letter prefix (p*) runs past the 3 s limit on both indexes at 100,000
# articles (FTS5 merges the lists of every word that begins with the letter).
# The same query on the exact-word index. It keeps ham_snippet: FTS5's own snippet() inside the
# ranking subquery runs for every match (2-7 s at 100,000 articles), and as a correlated
# subquery it runs the MATCH again per row (over 3 s for a prefix query).
EXACT_SQL = SEARCH_SQL.replace("articles_stemmed_fts", "articles_fts").replace(
    "ham_stem_query(:q)", "ham_exact_query(:q)"
)
# Pages (besides search), each with the facets of metadata.yml where it is the articles table.
PAGES = {
    "articles, facets, no filter": "/{db}/articles",
    "articles, facets, 1 filter (year)": "/{db}/articles?year=2020",
    "articles, facets, 2 filters (year + category)": (
        "/{db}/articles?year=2020&categories__term=RANHAM"
    ),
    "before: 2 filters, categories__arraycontains": (
        "/{db}/articles?year=2020&categories__arraycontains=RANHAM"
    ),
    "articles, facets, array filter (tag)": "/{db}/articles?tags__term=HAM",
    "people view": "/{db}/people",
    "articles per month (chart query)": "/{db}/articles_per_month.json?_shape=array",
}
SETTINGS = {"sql_time_limit_ms": 3000, "suggest_facets": False}  # as ham-archive serve


def metadata(path: Path, name: str) -> dict:
    """metadata.yml, its ``archive`` database renamed ``name``, as ``serve`` passes it."""
    data = yaml.safe_load(path.read_text())
    data["databases"] = {name: data["databases"]["archive"]}
    return data


class ExactQuery:
    """The exact-word twin of ``search``, from a plugin: in the metadata, it would make the
    archive's block differ from the site plugin's, which ``serve`` avoids (its metadata is
    then merged at every call, see ``get_metadata`` in the plugin)."""

    @staticmethod
    @hookimpl
    def canned_queries(database):
        return {"search_exact": {"sql": EXACT_SQL}}


FAILED: list[str] = []  # pages that did not answer 200 (over the time limit): reported


async def timed(ds: Datasette, path: str, params: dict | None = None) -> float:
    started = time.perf_counter()
    response = await ds.client.get(path, params=params)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        FAILED.append(f"{path} {params or ''}: HTTP {response.status_code}")
    return seconds


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": p(values, 50) * 1000, "p95_ms": p(values, 95) * 1000}


def sizes(path: Path, count: int) -> dict:
    """MiB per table (indexes and FTS shadow tables apart) and per 1,000 articles."""
    conn = sqlite3.connect(path)
    tables = dict(conn.execute("select name, sum(pgsize) from dbstat group by name"))
    conn.close()
    mib = {name: size / 2**20 for name, size in sorted(tables.items(), key=lambda kv: -kv[1])}
    total = sum(mib.values())  # pages in use; the file may also hold free pages
    return {
        "total_mib": total,
        "file_mib": path.stat().st_size / 2**20,
        "per_1000_mib": total / count * 1000,
        "tables_mib": mib,
    }


async def bench(path: Path, runs: int, metadata_path: Path) -> dict:
    if pm.get_plugin("ham_archive") is None:
        pm.register(scraper.datasette_plugin, name="ham_archive")
    if pm.get_plugin("ham_bench_exact") is None:
        pm.register(ExactQuery, name="ham_bench_exact")
    name = path.stem
    ds = Datasette([str(path)], metadata=metadata(metadata_path, name), settings=SETTINGS)
    await ds.invoke_startup()
    db = ds.get_database(name)
    count = (await db.execute("select count(*) from articles")).first()[0]
    print(f"{path}: {count} articles, {path.stat().st_size / 2**20:.0f} MiB", file=sys.stderr)
    urls = [r[0] for r in await db.execute("select url from articles order by random() limit 50")]
    rows = [ds.urls.row(name, "articles", tilde_encode(url)) for url in urls]
    search, exact_page = f"/{name}/search.json", f"/{name}/search_exact.json"
    pages = {label: page.format(db=name) for label, page in PAGES.items()}

    async def one_pass(times: dict, ratios: list) -> None:
        for q in QUERIES:  # stemmed and exact in turn: both see the same machine state
            s = await timed(ds, search, {"q": q, "_shape": "array"})
            e = await timed(ds, exact_page, {"q": q, "_shape": "array"})
            times.setdefault("search (stemmed, canned)", []).append(s)
            times.setdefault("search on articles_fts (exact)", []).append(e)
            ratios.append(s / e)
        for _ in range(3):
            for label, page in pages.items():
                times.setdefault(label, []).append(await timed(ds, page))
            row = random.choice(rows)
            times.setdefault("one article's page", []).append(await timed(ds, row))

    await one_pass({}, [])  # warm the page cache and the stem caches once
    times: dict[str, list[float]] = {}
    ratios: list[float] = []
    for _ in range(runs):
        await one_pass(times, ratios)
    results = {label: summary(values) for label, values in times.items()}
    stemmed, exact = times["search (stemmed, canned)"], times["search on articles_fts (exact)"]
    hits = {}
    for q in QUERIES:
        sql = "select count(*) from articles_stemmed_fts where articles_stemmed_fts match ?"
        stemmed_n = (await db.execute(sql, [stem_query(q, _expand(path))])).first()[0]
        sql = "select count(*) from articles_fts where articles_fts match ?"
        hits[q] = (stemmed_n, (await db.execute(sql, [exact_query(q)])).first()[0])
    timed_out = {}
    for label, page in pages.items():
        if "/articles" in page and ".json" not in page:
            response = await ds.client.get(page.replace("/articles", "/articles.json", 1))
            timed_out[label] = response.json().get("facets_timed_out")
    return {
        "articles": count,
        "pages": results,
        "stemmed_over_exact": {
            "total": sum(stemmed) / sum(exact),
            "median_per_query": p(ratios, 50),
        },
        "matches": hits,
        "facets_timed_out": timed_out,
        "size": sizes(path, count),
        "failed": sorted(set(FAILED)),
        "times_s": times,
    }


def _expand(path: Path):
    from scraper.search import vocabulary

    conn = sqlite3.connect(path)
    return vocabulary(conn)


def bench_stem_text() -> dict:
    """Articles per second for ~400-word articles, with an empty word cache and a warm one."""
    from bench.make_articles import articles

    texts = [a.body_text for a in articles(300, seed=1) if 350 <= a.word_count <= 450][:100]
    stem_word.cache_clear()
    started = time.perf_counter()
    for text in texts:
        stem_text(text)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        stem_text(text)
    warm = time.perf_counter() - started
    return {"cold_per_s": len(texts) / cold, "warm_per_s": len(texts) / warm}


def report(results: dict) -> str:
    lines = ["| page | p50 | p95 | target |", "| --- | --- | --- | --- |"]
    for label, r in results["pages"].items():
        target = (
            ""
            if label.startswith("before")
            else "≤ 500 ms: " + ("met" if r["p95_ms"] <= 500 else "**not met**")
        )
        lines.append(f"| {label} | {r['p50_ms']:,.0f} ms | {r['p95_ms']:,.0f} ms | {target} |")
    ratio = results["stemmed_over_exact"]
    lines.append(
        f"\nStemmed / exact search, total time {ratio['total']:.2f}×, per-query median "
        f"{ratio['median_per_query']:.2f}×. Facets timed out: "
        + (", ".join(f"{k}: {v}" for k, v in results["facets_timed_out"].items() if v) or "none")
        + "."
    )
    if results["failed"]:
        lines.append("\nNot answered (counted at their time): " + "; ".join(results["failed"]))
    size = results["size"]
    lines.append(
        f"\nSize: {size['total_mib']:,.0f} MiB in use ({size['file_mib']:,.0f} MiB file), "
        f"{size['per_1000_mib']:.2f} MiB per 1,000 articles; "
        + ", ".join(f"`{k}` {v:,.0f} MiB" for k, v in size["tables_mib"].items() if v >= 5)
        + "."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="timed passes over every page")
    parser.add_argument("--metadata", type=Path, default=ROOT / "scraper" / "metadata.yml")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    results = asyncio.run(bench(args.path, args.runs, args.metadata))
    results["stem_text"] = bench_stem_text()
    print(report(results))
    print("\nmatches (stemmed / exact):", file=sys.stderr)
    for q, (s, e) in results["matches"].items():
        print(f"  {q:26} {s:7} / {e:7}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
