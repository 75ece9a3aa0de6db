"""Time the search canned query and the faceted articles pages with Datasette, in-process.

    python bench/bench_search.py /tmp/bench/archive.db [--runs 3]

Runs Datasette's own test client (no network) with the settings of ``ham-archive serve``, over
a fixed set of queries, and prints p50/p95 per page, the cost of the stemmed search as a ratio
to the same query shape on the exact-word index ``articles_fts``, and stem_text's speed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import yaml
from datasette.app import Datasette
from datasette.plugins import pm

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
    '"hak asasi', "sengketa lahan", "Waha",
]  # fmt: skip
# The same query on the exact-word index. It keeps ham_snippet: FTS5's own snippet() inside the
# ranking subquery runs for every match (2-7 s at 100,000 articles), and as a correlated
# subquery it runs the MATCH again per row (over 3 s for a prefix query).
EXACT_SQL = SEARCH_SQL.replace("articles_stemmed_fts", "articles_fts").replace(
    "ham_stem_query(:q)", "ham_exact_query(:q)"
)
# The articles page with the facets of metadata.yml (year, month, categories, tags, author,
# dateline_city, credit, language), unfiltered and with a year and a category selected.
FACET_PAGES = {
    "faceted articles page": "/{}/articles",
    "faceted page, 2 filters": "/{}/articles?year=2020&categories__arraycontains=RANHAM",
}
FACET_COLUMNS = ("author", "year", "dateline_city", "credit", "language", "categories", "tags")
SETTINGS = {"sql_time_limit_ms": 3000, "suggest_facets": False}  # as ham-archive serve


def metadata(path: Path, name: str) -> dict:
    """metadata.yml, its ``archive`` database renamed ``name``, plus the exact-word query."""
    data = yaml.safe_load(path.read_text())
    data["databases"] = {name: data["databases"]["archive"]}
    queries = data["databases"][name].setdefault("queries", {})
    queries.setdefault("search", {"sql": SEARCH_SQL})
    queries["search_exact"] = {"sql": EXACT_SQL}
    return data


async def timed(ds: Datasette, path: str, params: dict | None = None) -> float:
    started = time.perf_counter()
    response = await ds.client.get(path, params=params)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{path} {params}: HTTP {response.status_code}\n{response.text[:500]}")
    return seconds


INDEXED_COLUMNS = """
select ii.name from pragma_index_list('articles') as il, pragma_index_info(il.name) as ii
where ii.seqno = 0
"""


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{name:32} n={len(ms):4}  p50 {p(ms, 50):7.1f} ms  p95 {p(ms, 95):7.1f} ms"


async def bench(path: Path, runs: int, metadata_path: Path, settings: dict) -> None:
    if pm.get_plugin("ham_archive") is None:
        pm.register(scraper.datasette_plugin, name="ham_archive")
    name = path.stem
    ds = Datasette(
        [str(path)], metadata=metadata(metadata_path, name), settings={**SETTINGS, **settings}
    )
    await ds.invoke_startup()
    db = ds.get_database(name)
    search, exact_page = f"/{name}/search.json", f"/{name}/search_exact.json"
    count = (await db.execute("select count(*) from articles")).first()[0]
    print(f"{path}: {count} articles, {path.stat().st_size / 2**20:.0f} MiB")
    indexed = {r[0] for r in await db.execute(INDEXED_COLUMNS)}
    if missing := [c for c in FACET_COLUMNS if c not in indexed]:
        print(f"warning: no index on {', '.join(missing)}: open it once with Archive() first")

    for q in QUERIES:  # warm the page cache and the stem caches once
        await timed(ds, search, {"q": q, "_shape": "array"})
        await timed(ds, exact_page, {"q": q, "_shape": "array"})
    stemmed, exact, ratios, hits = [], [], [], {}
    for _ in range(runs):
        for q in QUERIES:  # alternate so that both see the same machine state
            s = await timed(ds, search, {"q": q, "_shape": "array"})
            e = await timed(ds, exact_page, {"q": q, "_shape": "array"})
            stemmed.append(s)
            exact.append(e)
            ratios.append(s / e)
    for q in QUERIES:
        sql = "select count(*) from articles_stemmed_fts where articles_stemmed_fts match ?"
        stemmed_n = (await db.execute(sql, [stem_query(q)])).first()[0]
        sql = "select count(*) from articles_fts where articles_fts match ?"
        exact_n = (await db.execute(sql, [exact_query(q)])).first()[0]
        hits[q] = (stemmed_n, exact_n)

    facets = {}
    for label, page in FACET_PAGES.items():
        page = page.format(name)
        await timed(ds, page)
        times = [await timed(ds, page) for _ in range(max(runs * 10, 10))]
        response = await ds.client.get(page.replace("/articles", "/articles.json", 1))
        facets[label] = (times, response.json().get("facets_timed_out"))

    print(line("search (stemmed, canned)", stemmed))
    print(line("search_exact (articles_fts)", exact))
    total = sum(stemmed) / sum(exact)
    print(f"stemmed/exact: total time {total:.2f}x, per query median {p(ratios, 50):.2f}x")
    for label, (times, timed_out) in facets.items():
        print(line(f"{label} (HTML)", times), f" facets timed out: {timed_out or 'none'}")
    print("\nmatches (stemmed / exact):")
    for q, (s, e) in hits.items():
        print(f"  {q:26} {s:7} / {e:7}")


def bench_stem_text() -> None:
    """Articles per second for ~400-word articles, with an empty word cache and a warm one."""
    from bench.make_articles import articles

    texts = [a.body_text for a in articles(300, seed=1) if 350 <= a.word_count <= 450][:100]
    words = sum(len(t.split()) for t in texts)
    stem_word.cache_clear()
    started = time.perf_counter()
    for text in texts:
        stem_text(text)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        stem_text(text)
    warm = time.perf_counter() - started
    print(
        f"stem_text: {len(texts)} articles of ~{words // len(texts)} words: "
        f"{len(texts) / cold:.0f} articles/s from an empty cache, {len(texts) / warm:.0f} warm"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each query")
    parser.add_argument("--metadata", type=Path, default=ROOT / "scraper" / "metadata.yml")
    parser.add_argument(
        "--setting",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a Datasette setting, e.g. --setting suggest_facets off",
    )
    args = parser.parse_args()
    settings = {name: {"on": True, "off": False}.get(v, v) for name, v in args.setting}
    settings = {k: int(v) if isinstance(v, str) and v.isdigit() else v for k, v in settings.items()}
    print(f"settings: {settings or 'defaults'} (sql_time_limit_ms 3000 as ham-archive serve)")
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, Python {sys.version.split()[0]}")
    asyncio.run(bench(args.path, args.runs, args.metadata, settings))
    bench_stem_text()


if __name__ == "__main__":
    main()
