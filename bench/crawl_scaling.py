"""How crawling scales: time and peak RSS of a crawl, an incremental crawl, a reparse and a
backfill at 1,000, 3,000 and 10,000 posts, and a REST crawl against a plain fetch of the same
pages.

    python bench/crawl_scaling.py [--sizes 1000,3000,10000] [--json FILE]

For each size, a fresh WordPress of the test harness loaded with that many posts
(``crawl.bench_corpus``; loading takes about 1 s per 110 posts), then, each into its own
archive and measured as its own process (``os.wait4``): REST mode, a plain 2-thread fetch of
the REST pages and ``ham-archive crawl`` as shipped (the ratio is the 1.3x target), then the
two again with the server's processes on CPU 0 and the fetcher and the crawl on CPU 1
(``pinned_rest``: as against a remote server, the crawl's CPU is not the server's); the REST
API locked, HTML mode: ``ham-archive crawl`` (sitemaps and every article page), the same again
(incremental: nothing changed), and ``ham-archive reparse`` of that archive from its WARC
files; then every article page is recorded into WARCs as a web archive's crawler would have
captured it (``tests/pywb.py``), served by a real pywb on 127.0.0.1, and ``ham-archive
backfill --delay 0`` reads every memento into a fresh archive. Seconds per 1,000 posts show
whether time is linear; peak RSS whether memory is flat.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import pywb  # noqa: E402
from crawl import (  # noqa: E402
    BIN,
    AccessLog,
    archived,
    baseline_rest,
    bench_corpus,
    measure,
    pin_server,
    run_crawl,
    wordpress,
)

RUNS = ("rest_crawl", "html_crawl", "html_incremental", "reparse", "backfill")


def one_size(posts: int, work: Path, parts: set[str]) -> dict:
    started = time.perf_counter()
    site = wordpress.start_site(work / "wp", bench_corpus(posts))
    published = len(site.published())
    loaded = time.perf_counter() - started
    print(f"{published} posts at {site.url}, loaded in {loaded:.0f} s", file=sys.stderr)
    log = AccessLog(site.wp.access_log)
    crawl = [str(BIN / "ham-archive"), "crawl", "--site", site.url, "--db"]
    results: dict = {"posts": published}
    html_db, warcs = work / "html.db", []
    with site:
        if "rest" in parts:
            results["rest_baseline"] = measure(
                "REST: plain fetch, 2 threads", log, lambda: baseline_rest(site.url, published, 2)
            )
            rest_db = work / "rest.db"
            results["rest_crawl"] = measure(
                "REST: ham-archive crawl", log, lambda: run_crawl([*crawl, str(rest_db)], ROOT)
            )
            results["rest_crawl"]["ratio"] = (
                results["rest_crawl"]["seconds"] / results["rest_baseline"]["seconds"]
            )
            results["rest_crawl"]["complete"] = archived(rest_db, "rest") == (published,) * 2
            results.update(pinned_rest(site, published, work, log))
        if "html" in parts:
            site.wp.php("update_option('ham_test_rest_locked', 1);")
            for name in ("html_crawl", "html_incremental"):
                results[name] = measure(
                    f"HTML: ham-archive crawl ({name})",
                    log,
                    lambda: run_crawl([*crawl, str(html_db)], ROOT),
                )
            results["html_crawl"]["complete"] = archived(html_db, "html") == (published,) * 2
        if "backfill" in parts:
            warcs = record(site, work)
    if "html" in parts:
        reparse = [str(BIN / "ham-archive"), "reparse", "--db", str(html_db)]
        results["reparse"] = measure("reparse", log, lambda: run_crawl(reparse, ROOT))
        results["reparse"]["complete"] = archived(html_db, "html") == (published,) * 2
    if warcs:
        results["backfill"] = backfill(site.url, work, warcs, log)
        results["backfill"]["complete"] = (
            archived(work / "backfill.db", "wayback") == (published,) * 2
        )
    return results


def pinned_rest(site, published: int, work: Path, log: AccessLog) -> dict:
    """The same two runs with the server on CPU 0 and the fetcher, then the crawl, on CPU 1:
    a crawler that does not share the server's CPU, as with ham.go.id. On two shared cores
    the plain fetch keeps both busy with PHP, and every millisecond the crawl spends parsing,
    stemming and storing is taken from the server; here it holds the downloads back only if
    the crawler cannot keep up with them."""
    crawl = [str(BIN / "ham-archive"), "crawl", "--site", site.url, "--db", str(work / "pin.db")]
    results = {}
    pin_server(site, {0})
    try:
        results["rest_baseline_pinned"] = measure(
            "REST, server on CPU 0: plain fetch on CPU 1",
            log,
            lambda: baseline_rest(site.url, published, 2, cpus={1}),
        )
        results["rest_crawl_pinned"] = measure(
            "REST, server on CPU 0: ham-archive crawl on CPU 1",
            log,
            lambda: run_crawl(crawl, ROOT, cpus={1}),
        )
    finally:
        pin_server(site, set(range(os.cpu_count() or 1)))
    crawled = results["rest_crawl_pinned"]
    crawled["ratio"] = crawled["seconds"] / results["rest_baseline_pinned"]["seconds"]
    crawled["complete"] = archived(work / "pin.db", "rest") == (published,) * 2
    return results


def backfill(site: str, work: Path, warcs: list[Path], log: AccessLog) -> dict:
    """``ham-archive backfill --delay 0`` from a pywb serving ``warcs``, into a fresh archive."""
    wayback = pywb.Wayback(work / "pywb")
    wayback.add("web", warcs)
    command = [str(BIN / "ham-archive"), "backfill", "--site", site, "--delay", "0"]
    command += ["--db", str(work / "backfill.db"), "--cdx", f"{wayback.url}/web/cdx"]
    command += ["--wayback", f"{wayback.url}/web/"]
    with wayback:
        return measure("backfill (pywb, no delay)", log, lambda: run_crawl(command, ROOT))


def record(site, work: Path) -> list[Path]:
    """Every article page, as a web archive captured it on 2019-03-01: two WARC files, recorded
    side by side."""
    links = [v["link"] for v in site.wp.post_info(site.ids).values() if "?p=" not in v["link"]]
    halves = [links[::2], links[1::2]]
    warcs = [work / f"2019-{n}.warc.gz" for n in range(2)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(pywb.record, halves, ["2019-03-01T00:00:00Z"] * 2, warcs))
    return warcs


def report(results: list[dict]) -> str:
    lines = [
        "| posts | run | seconds | s per 1,000 posts | peak RSS | complete |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        for run in (
            "rest_baseline",
            "rest_crawl",
            "rest_baseline_pinned",
            "rest_crawl_pinned",
            *RUNS[1:],
        ):
            r = result.get(run)
            if r is None:
                continue
            rss = f"{r['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in r else ""
            done = {True: "yes", False: "**no**"}.get(r.get("complete"), "")
            lines.append(
                f"| {result['posts']:,} | {run.replace('_', ' ')} | {r['seconds']:.1f} | "
                f"{r['seconds'] / result['posts'] * 1000:.1f} | {rss} | {done} |"
            )
    lines += [
        "",
        "| posts | REST crawl ÷ plain fetch (2 threads), two cores shared with the server |"
        " server on CPU 0, crawler on CPU 1 | crawl CPU per post |",
        "| --- | --- | --- | --- |",
    ]
    for result in results:
        if "rest_crawl" in result:
            shared, pinned = result["rest_crawl"], result.get("rest_crawl_pinned", {})
            apart = f"{pinned['ratio']:.2f}" if pinned else ""
            cpu = f"{shared['cpu_seconds'] / result['posts'] * 1000:.2f} ms"
            lines.append(f"| {result['posts']:,} | {shared['ratio']:.2f} | {apart} | {cpu} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument(
        "--runs",
        default="rest,html,backfill",
        help="rest; html (with incremental and reparse); backfill",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not wordpress.available():
        raise SystemExit("needs Debian's wordpress, mariadb-server and php (.ci/install-system)")
    results = []
    for posts in map(int, args.sizes.split(",")):
        work = Path(tempfile.mkdtemp(prefix=f"ham-bench-scaling-{posts}-"))
        try:
            results.append(one_size(posts, work, set(args.runs.split(","))))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if args.json:  # after each size: a long run keeps what it measured
            args.json.write_text(json.dumps(results, indent=2))
    print(report(results))
    if not all(r[run].get("complete", True) for r in results for run in r if run != "posts"):
        raise SystemExit("incomplete crawl")


if __name__ == "__main__":
    main()
