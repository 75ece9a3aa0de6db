"""Time a whole crawl of a real WordPress, REST mode then HTML mode, against a plain fetcher.

    python bench/crawl.py [--posts 3000] [--theme twentytwentyone] [--locale en_US]
                          [--skip-polite-html] [--json results.json]

Starts a WordPress on 127.0.0.1 with the test harness (``tests/wordpress.py``) loaded with
``corpus.make_corpus(N)`` (topped up with further seeds above 800 posts: see bench_corpus),
then, in one run:

1. REST mode: baselines first, a plain urllib fetcher (a process of its own, like the crawl)
   GETting robots.txt, then the home page and every
   ``/wp-json/wp/v2/posts?per_page=100&page=N&_embed=...`` page with 2 threads
   (CONCURRENT_REQUESTS_PER_DOMAIN) and with 8 (CONCURRENT_REQUESTS): the crawl's requests; then
   ``scrapy crawl ham -a site=URL -s AUTOTHROTTLE_ENABLED=0 -s DOWNLOAD_DELAY=0`` (the same
   spider with no delay at all, where Scrapy 2.19 starts up to CONCURRENT_REQUESTS at once)
   and ``ham-archive crawl --site URL --db X`` (the polite settings as shipped: two requests
   in flight at most), each into a fresh db.
2. The REST API is locked at run time (``update_option('ham_test_rest_locked', 1)``: 401 to
   anonymous REST), and the same runs in HTML mode (sitemaps, then every article page);
   baseline: robots.txt, the sitemap index, its sub-sitemaps and every article page.

Reported per run: articles archived (checked == published posts, with ``source`` = the mode),
wall seconds, pages/s (requests counted in the PHP server's access log, so crawler and
baseline are counted the same way), the ratio crawl/baseline and the crawl's peak RSS (its
own VmHWM, sampled from /proc while it runs; see ``peak_rss``). Nothing is asserted on
absolute times.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import datetime as dt
import functools
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import corpus  # noqa: E402
import wordpress  # noqa: E402

from scraper.pages.rest import EMBED  # noqa: E402

BIN = Path(sys.executable).parent
CONCURRENCY = 2  # CONCURRENT_REQUESTS_PER_DOMAIN in scraper/settings.py
# CONCURRENT_REQUESTS: with DOWNLOAD_DELAY=0, Scrapy 2.19 was measured keeping up to this many
# requests in flight to one host despite the per-domain limit (see docs/benchmarks.md), so the
# unthrottled crawl is also compared with a fetcher this wide.
WIDE = 8
ACCEPTED = re.compile(rb" Accepted$", re.MULTILINE)  # php -S: one connection per request
PER_SEED = 800  # corpus.make_corpus runs out of unique titles near 1000 (seed 0: 1015)
LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>")


class AccessLog:
    """Counts the requests the PHP server logged since the last mark."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size

    def requests(self) -> int:
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            return len(ACCEPTED.findall(fh.read()))


def bench_corpus(n: int) -> list[dict]:
    """``corpus.make_corpus(n)`` for n up to its limit (it runs out of unique titles near 1000),
    beyond that topped up with the published posts of further seeds, their titles and dates made
    unique (a suffix, a few seconds later) so that WordPress's date ordering stays total."""
    posts = corpus.make_corpus(min(n, PER_SEED))
    titles = {p["title"] for p in posts}
    dates = {p["date"] for p in posts}
    count = len(corpus.published(posts))
    seed = 0
    while count < n:
        seed += 1
        for post in corpus.published(corpus.make_corpus(min(n - count + 1, PER_SEED), seed)):
            if "seed" in post["features"] or count >= n:
                continue
            post = dict(post, slug=None)
            if post["title"] and post["title"] in titles:
                post["title"] = f"{post['title']} ({seed})"
            moment = dt.datetime.fromisoformat(post["date"])
            while moment.isoformat(" ") in dates:
                moment += dt.timedelta(seconds=7)
            post["date"] = moment.isoformat(" ")
            titles.add(post["title"])
            dates.add(post["date"])
            posts.append(post)
            count += 1
    return posts


def peak_rss(pid: int, peak: list[int], stop: threading.Event) -> None:
    """The process's own high-water mark (VmHWM, KiB), read until it exits. Not rusage's
    ru_maxrss: Linux carries into it the RSS of the parent at fork (this script, with its
    corpus and its baseline fetches in memory), which is how 243 MiB was once reported for a
    crawl that used under 100."""
    while not stop.wait(0.2):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]))


@functools.cache
def installed_env() -> dict[str, str]:
    """The environment of a crawl process: the project's modules byte-compiled, as an installed
    package has them. Where PYTHONDONTWRITEBYTECODE is set (some containers and sandboxes set
    it) every start compiled scraper/ again: 0.04 s of each crawl, a tenth of its start."""
    compileall.compile_dir(ROOT / "scraper", quiet=1)
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run_crawl(cmd: list[str], cwd: Path, cpus: set[int] | None = None) -> dict:
    """Run one crawl process (on ``cpus`` only, when given); wall seconds, peak RSS (MiB) of
    that process, its stderr."""
    env = installed_env()
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=on_cpus(cpus),
        )
        peak, stop = [0], threading.Event()
        watcher = threading.Thread(target=peak_rss, args=(proc.pid, peak, stop), daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        stop.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{stderr[-3000:]}")
    return {
        "seconds": wall,
        "peak_rss_mib": peak[0] / 1024,  # VmHWM, KiB
        "rusage_maxrss_mib": usage.ru_maxrss / 1024,  # with the parent's RSS at fork
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "summary": stderr.strip().splitlines()[-1] if stderr.strip() else "",
    }


def on_cpus(cpus: set[int] | None):
    """A ``preexec_fn`` that keeps a child process (and its threads) on ``cpus``."""
    return (lambda: os.sched_setaffinity(0, cpus)) if cpus else None


def pin_server(site, cpus: set[int]) -> None:
    """Keep the site's servers (MariaDB, ``php -S`` and its workers, every thread of each) on
    ``cpus``: with the crawler on the other core, the crawl meets a server whose CPU it does
    not share, as ham.go.id's is."""
    roots = [proc.pid for proc in (site.wp.proc, getattr(site.mariadb, "proc", None)) if proc]
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    pids = set(roots)
    while grown := {pid for pid, parent in parents.items() if parent in pids} - pids:
        pids |= grown
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(task.name), cpus)


def archived(db: Path, mode: str) -> tuple[int, int]:
    """(rows, rows whose source is ``mode``)."""
    with sqlite3.connect(db) as con:
        total = con.execute("select count(*) from articles").fetchone()[0]
        right = con.execute("select count(*) from articles where source = ?", (mode,)).fetchone()[0]
    return total, right


def fetch_all(urls: list[str], threads: int = CONCURRENCY) -> list[bytes]:
    def get(url: str) -> bytes:
        status, _, body = wordpress.fetch(url, timeout=120)
        if status != 200:
            raise SystemExit(f"baseline: {url} answered {status}")
        return body

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(get, urls))


# The plain fetcher of the REST baseline, as a process of its own like the crawl: robots.txt
# alone first (a crawler that obeys it waits for it), then the other URLs, ``threads`` at a time.
FETCHER = """
import sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
threads, robots, *urls = sys.argv[1:]
def get(url):
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()
get(robots)
with ThreadPoolExecutor(int(threads)) as pool:
    list(pool.map(get, urls))
"""


def baseline_rest(site: str, published: int, threads: int, cpus: set[int] | None = None) -> None:
    """The requests of a full REST crawl: robots.txt, the home page (where the site is, what
    serves it) and every page of 100 posts; a new process, as the crawl is (on ``cpus``)."""
    pages = max(1, math.ceil(published / 100))
    urls = [f"{site}/robots.txt", f"{site}/"] + [
        f"{site}/wp-json/wp/v2/posts?per_page=100&page={n}&_embed={EMBED}"
        for n in range(1, pages + 1)
    ]
    fetched = subprocess.run(
        [sys.executable, "-c", FETCHER, str(threads), *urls], check=False, preexec_fn=on_cpus(cpus)
    )
    if fetched.returncode:
        raise SystemExit(f"baseline fetch of {site} failed ({fetched.returncode})")


def baseline_html(site: str, threads: int) -> int:
    """robots.txt, the sitemap index, the post sitemaps, then every article page."""
    fetch_all([f"{site}/robots.txt"])
    index = wordpress.fetch(f"{site}/wp-sitemap.xml")[2].decode()
    subs = [u for u in LOC.findall(index) if "-posts-post-" in u]
    articles = [u for body in fetch_all(subs) for u in LOC.findall(body.decode())]
    fetch_all(articles, threads)
    return len(articles)


def measure(name: str, log: AccessLog, action) -> dict:
    log.mark()
    started = time.perf_counter()
    result = action() or {}
    if "seconds" not in result:
        result["seconds"] = time.perf_counter() - started
    result["requests"] = log.requests()
    result["pages_per_s"] = result["requests"] / result["seconds"]
    print(  # progress on stderr; a script's report (stdout) is its table
        f"  {name:<34} {result['seconds']:8.1f} s  {result['requests']:6d} requests  "
        f"{result['pages_per_s']:6.1f} pages/s"
        + (f"  peak RSS {result['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in result else ""),
        file=sys.stderr,
        flush=True,
    )
    return result


def crawl_mode(mode: str, site: str, work: Path, log: AccessLog, published: int, polite: bool):
    results = {}

    def shipped():
        db = work / f"{mode}-shipped.db"
        return run_crawl([str(BIN / "ham-archive"), "crawl", "--site", site, "--db", str(db)], ROOT)

    def unthrottled():
        db = work / f"{mode}-unthrottled.db"
        cmd = [str(BIN / "scrapy"), "crawl", "ham", "-a", f"site={site}"]
        for setting in (
            "AUTOTHROTTLE_ENABLED=0",
            "DOWNLOAD_DELAY=0",
            f"ARCHIVE_DB={db}",
            "LOG_LEVEL=CRITICAL",  # as ham-archive crawl without -v
        ):
            cmd += ["-s", setting]
        return run_crawl(cmd, ROOT)

    def baseline(threads: int):
        if mode == "rest":
            baseline_rest(site, published, threads)
        else:
            baseline_html(site, threads)

    for name, threads in (("baseline", CONCURRENCY), ("baseline_wide", WIDE)):
        results[name] = measure(
            f"{mode}: {name} (urllib, {threads} threads)", log, lambda t=threads: baseline(t)
        )
    results["unthrottled"] = measure(f"{mode}: scrapy crawl, no delays", log, unthrottled)
    if polite:
        results["shipped"] = measure(f"{mode}: ham-archive crawl (as shipped)", log, shipped)
    for run in ("unthrottled", "shipped"):
        if run not in results:
            continue
        total, right = archived(work / f"{mode}-{run}.db", mode)
        results[run].update(
            articles=total,
            complete=total == published and right == published,
            ratio=results[run]["seconds"] / results["baseline"]["seconds"],
            ratio_wide=results[run]["seconds"] / results["baseline_wide"]["seconds"],
        )
        if not results[run]["complete"]:
            print(
                f"  !! {mode}/{run}: {total} rows ({right} source={mode}), {published} published",
                file=sys.stderr,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--theme", default="twentytwentyone", choices=wordpress.THEMES)
    parser.add_argument("--locale", default="en_US", choices=wordpress.LOCALES)
    parser.add_argument(
        "--skip-polite-html",
        action="store_true",
        help="skip ham-archive crawl (the shipped settings) in HTML mode, the slowest run",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    if not wordpress.available():
        raise SystemExit("needs Debian's wordpress, mariadb-server and php (.ci/install-system)")
    work = Path(tempfile.mkdtemp(prefix="ham-bench-crawl-"))
    try:
        started = time.perf_counter()
        posts = bench_corpus(args.posts)
        site = wordpress.start_site(work / "wp", posts, theme=args.theme, locale=args.locale)
        published = len(site.published())
        print(
            f"WordPress {site.url} ({args.theme}/{args.locale}): {published} published posts "
            f"of {len(posts)}, ready in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        log = AccessLog(site.wp.access_log)
        with site:
            results = {
                "posts": published,
                "theme": f"{args.theme}/{args.locale}",
                "rest": crawl_mode("rest", site.url, work, log, published, polite=True),
            }
            site.wp.php("update_option('ham_test_rest_locked', 1);")
            status = wordpress.fetch(f"{site.url}/wp-json/wp/v2/posts")[0]
            if status != 401:
                raise SystemExit(f"REST lock did not take: HTTP {status}")
            results["html"] = crawl_mode(
                "html", site.url, work, log, published, polite=not args.skip_polite_html
            )
        report(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
        if not all(r.get("complete", True) for m in ("rest", "html") for r in results[m].values()):
            raise SystemExit("incomplete crawl")
    finally:
        shutil.rmtree(work, ignore_errors=True)


RUN_NAMES = {
    "baseline": "plain fetch, 2 threads",
    "baseline_wide": "plain fetch, 8 threads",
    "unthrottled": "`scrapy crawl`, no delays",
    "shipped": "`ham-archive crawl` (shipped)",
}


def report(results: dict) -> None:
    """The table of docs/benchmarks.md (markdown, on stdout)."""
    print(f"{results['posts']:,} published posts, {results['theme']}.\n")
    print(
        "| mode | run | articles | seconds | requests | pages/s | ÷ plain (2) | ÷ plain (8) "
        "| peak RSS |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for mode in ("rest", "html"):
        for run, name in RUN_NAMES.items():
            r = results[mode].get(run)
            if not r:
                continue
            articles = (
                f"{r['articles']}{'' if r['complete'] else ' (**incomplete**)'}"
                if "articles" in r
                else ""
            )
            ratio = f"{r['ratio']:.2f}" if "ratio" in r else ""
            wide = f"{r['ratio_wide']:.2f}" if "ratio_wide" in r else ""
            rss = f"{r['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in r else ""
            print(
                f"| {mode.upper()} | {name} | {articles} | {r['seconds']:.1f} | {r['requests']} | "
                f"{r['pages_per_s']:.1f} | {ratio} | {wide} | {rss} |"
            )


if __name__ == "__main__":
    main()
