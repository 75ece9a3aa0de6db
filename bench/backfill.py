"""Time a backfill from a local pywb against a plain fetch of the same mementos, same politeness.

    python bench/backfill.py [--posts 300] [--delays 0,0.25] [--json results.json]

Starts a WordPress on 127.0.0.1 (``tests/wordpress.py``) with ``--posts`` press releases,
records every article page into a WARC as captured on 2019-03-01, edits a third of the posts,
records them again as captured on 2020-06-01 (so a backfill stores states and versions), and
serves both files from a real pywb on 127.0.0.1 (``tests/pywb.py``). Then, for each delay:

* ``baseline``: a plain fetcher (urllib, one request at a time, each request starting at least
  ``delay`` seconds after the previous one: Scrapy's DOWNLOAD_DELAY) GETting robots.txt, the
  CDX query and every memento the backfill fetches (the same list: ``distinct_captures`` of
  the CDX answer); and the same over one kept-alive connection (http.client), as Scrapy
  fetches: pywb's server answers a kept-alive connection about 40 ms later per request
  (delayed ACKs), which only a delay below that shows;
* ``backfill``: ``ham-archive backfill --delay D`` into a fresh database: the same requests,
  plus reading every page, storing it with its provenance and writing our WARC files.

Reported: wall seconds, requests, **backfill / baseline**, the backfill's own peak RSS (VmHWM)
and CPU seconds. The target (issue 11): within 1.3x. Nothing is asserted on absolute times.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sqlite3
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import pywb  # noqa: E402
import wordpress  # noqa: E402
from crawl import bench_corpus, run_crawl  # noqa: E402

from scraper.wayback import cdx_query, distinct_captures, parse_cdx, worth_fetching  # noqa: E402


def plain_fetch(urls: list[str], delay: float, keep_alive: bool) -> float:
    """Seconds to GET ``urls`` one by one, each start ``delay`` after the previous start: a new
    connection per request (urllib), or one kept open (http.client), as Scrapy does."""
    parts = urlsplit(urls[0])
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    started = time.perf_counter()
    last = None
    for url in urls:
        if last is not None:
            time.sleep(max(0.0, last + delay - time.perf_counter()))
        last = time.perf_counter()
        if keep_alive:
            target = urlsplit(url)
            connection.request("GET", target.path + (f"?{target.query}" if target.query else ""))
            connection.getresponse().read()  # robots.txt: a 404 from pywb, as for the backfill
            continue
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                response.read()
        except urllib.error.HTTPError as error:
            error.read()
    connection.close()
    return time.perf_counter() - started


def backfill(site: str, cdx: str, prefix: str, db: Path, delay: float) -> dict:
    cmd = [sys.executable, "-m", "scraper.cli", "backfill", "--site", site, "--db", str(db)]
    cmd += ["--cdx", cdx, "--wayback", prefix, "--delay", str(delay)]
    return run_crawl(cmd, ROOT)  # wall, the process's own peak RSS (VmHWM), CPU, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--delays", default="0,0.25", help="comma-separated seconds")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict = {"posts": args.posts, "runs": []}
    with tempfile.TemporaryDirectory(prefix="bench-backfill-") as tmp:
        work = Path(tmp)
        posts = bench_corpus(args.posts)
        with wordpress.start_site(work / "wp", posts) as site:
            links = [v["link"] for v in site.wp.post_info(site.ids).values()]
            links = [link for link in links if "?p=" not in link]
            pywb.record(links, "2019-03-01T00:00:00Z", work / "2019.warc.gz")
            for post_id, _ in site.published()[::3]:
                site.wp.update_post(post_id, content="Isi yang diperbarui. (Humas DJHAM)")
            pywb.record(links, "2020-06-01T00:00:00Z", work / "2020.warc.gz")
            wayback = pywb.Wayback(work / "pywb")
            wayback.add("web", [work / "2019.warc.gz", work / "2020.warc.gz"])
            with wayback:
                prefix, cdx = f"{wayback.url}/web/", f"{wayback.url}/web/cdx"
                query = cdx_query(cdx, site.url, None, None)
                with urllib.request.urlopen(query) as response:
                    records, _ = parse_cdx(response.read().decode())
                groups = distinct_captures(r for r in records if worth_fetching(r, None, None))
                urls = [f"{wayback.url}/robots.txt", query]  # what the backfill asks first
                urls += [group[0].memento_url(prefix) for group in groups]
                results["mementos"] = len(groups)
                for delay in map(float, args.delays.split(",")):
                    plain = plain_fetch(urls, delay, keep_alive=False)
                    kept = plain_fetch(urls, delay, keep_alive=True)
                    ours = backfill(site.url, cdx, prefix, work / f"db-{delay}.db", delay)
                    with sqlite3.connect(work / f"db-{delay}.db") as con:
                        rows = con.execute("select count(*) from articles").fetchone()[0]
                        versions = con.execute("select count(*) from article_versions").fetchone()
                    run = {
                        "delay": delay,
                        "requests": len(urls),
                        "baseline_seconds": plain,
                        "baseline_keep_alive_seconds": kept,
                        **ours,
                        "ratio": ours["seconds"] / plain,
                        "ratio_keep_alive": ours["seconds"] / kept,
                        "articles": rows,
                        "versions": versions[0],
                    }
                    results["runs"].append(run)
                    print(  # progress on stderr; the report (stdout) is the table below
                        f"delay {delay:>5.2f}s: {len(urls)} requests · plain fetch {plain:6.1f}s"
                        f" (kept-alive connection {kept:6.1f}s)"
                        f" · backfill {ours['seconds']:6.1f}s = {run['ratio']:.2f}x"
                        f" ({run['ratio_keep_alive']:.2f}x)"
                        f" · {rows} articles, {versions[0]} versions"
                        f" · peak RSS {ours['peak_rss_mib']:.0f} MiB"
                        f" · CPU {ours['cpu_seconds']:.1f}s",
                        file=sys.stderr,
                        flush=True,
                    )
                    print(f"  {ours['summary']}", file=sys.stderr, flush=True)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def report(results: dict) -> str:
    lines = [
        "| posts | mementos | delay | plain fetch | kept-alive fetch | backfill "
        "| backfill ÷ plain | ÷ kept-alive | peak RSS | CPU | articles, versions |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in results["runs"]:
        lines.append(
            f"| {results['posts']:,} | {results['mementos']:,} | {run['delay']:g} s "
            f"| {run['baseline_seconds']:.1f} s | {run['baseline_keep_alive_seconds']:.1f} s "
            f"| {run['seconds']:.1f} s | **{run['ratio']:.2f}x** | {run['ratio_keep_alive']:.2f}x "
            f"| {run['peak_rss_mib']:.0f} MiB | {run['cpu_seconds']:.1f} s "
            f"| {run['articles']:,}, {run['versions']:,} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
