"""Parse speed and field accuracy of our page objects against trafilatura and newspaper4k.

    python bench/parse.py [--posts 300] [--rounds 5] [--profile] [--fixtures-only] [--json FILE]

The report (stdout) is the Markdown of docs/benchmarks.md's ``bench:parse`` section; progress
goes to stderr. Pages, all held in memory before any timing:

* WordPress (the 5x bar): the saved real pages ``tests/fixtures/*/*/response.html`` with their
  ``expected.json``, and the article pages of ``corpus.make_corpus(N)`` on two WordPress sites
  started with the harness (``tests/wordpress.py``), Twenty Twenty-One/en_US and Twenty
  Twenty-Three/id_ID, fetched once over 127.0.0.1; ground truth from the corpus.
* Not WordPress: the article pages of the same corpus on the two press sites the test suite
  serves (``tests/press_sites.py``: a custom framework with text dates, a headless front end
  with JSON-LD), rendered in memory, and the saved ``tests/fixtures/*-cms-*`` pages.

Parsers, on the same bytes: ``ours`` is ``ArticlePage(url, body, site).to_article()`` on a
WordPress page and ``GenericArticlePage(...).to_article()`` on the others (the whole record:
title, date, author, terms, cleaned body, press-release fields); ``trafilatura.extract``
(``include_comments=False``), the same with ``fast=True``, ``trafilatura.bare_extraction``
(``with_metadata=True``: text, title, date) and newspaper4k (``download(input_html=...)`` and
``parse()``: it fetches nothing).

Timing: CPU time (``time.process_time``; the machine is shared), every parser over every set in
each round, parsers interleaved within the round so that load from elsewhere falls on all of
them alike; ``--rounds`` rounds, the median counts (pages/s, and each ratio taken within a
round). Accuracy against the ground truth: title exactly equal; publication date (ours: the
full ISO timestamp; the others give a day, compared on the day); body text exactly equal, and
equal once all white space is collapsed to single spaces (fair to other paragraph separators).
``--profile`` prints where our parsers spend their time (cProfile, by own time) on stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import corpus  # noqa: E402
import press_sites  # noqa: E402
import wordpress  # noqa: E402

from scraper.pages import ArticlePage  # noqa: E402
from scraper.pages.generic import GenericArticlePage  # noqa: E402

BAR = 5.0  # ours should be at least this many times faster than trafilatura.extract
SITES = (("tt1-en", "twentytwentyone", "en_US"), ("tt3-id", "twentytwentythree", "id_ID"))
PRESS_SITES = (
    ("custom-cms", press_sites.listing_site, "http://127.0.0.1:8001"),
    ("headless-cms", press_sites.headless_site, "http://127.0.0.1:8002"),
)
SPACES = re.compile(r"\s+")
WORDPRESS, OTHER = "WordPress", "Not WordPress"
HAS_META = ("ours", "trafilatura.bare_extraction", "newspaper4k")
SET_NAMES = {
    "fixtures": "saved WordPress pages (tests/fixtures)",
    "tt1-en": "Twenty Twenty-One/en_US",
    "tt3-id": "Twenty Twenty-Three/id_ID",
    "custom-cms": "custom framework (text dates, listings only)",
    "headless-cms": "headless front end (JSON-LD, sitemaps)",
    "saved-cms": "saved non-WordPress pages (tests/fixtures)",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Page:
    group: str
    kind: str  # WORDPRESS or OTHER
    url: str
    html: bytes
    title: str
    text: str
    published_at: str
    content_type: str = "text/html; charset=UTF-8"

    @property
    def site(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


def fixture_pages() -> list[Page]:
    """The saved pages of tests/fixtures: WordPress themes in ``<theme>/<case>/``, other CMSs in
    ``<cms>-<case>/``."""
    pages = []
    fixtures = ROOT / "tests" / "fixtures"
    saved = sorted(fixtures.glob("*/*/response.html")) + sorted(
        fixtures.glob("*-cms-*/response.html")
    )
    for response in saved:
        meta = json.loads((response.parent / "meta.json").read_text())
        expected = json.loads((response.parent / "expected.json").read_text())
        wordpress_page = response.parent.parent != fixtures
        pages.append(
            Page(
                "fixtures" if wordpress_page else "saved-cms",
                WORDPRESS if wordpress_page else OTHER,
                meta["url"],
                response.read_bytes(),
                expected["title"],
                expected["body_text"],
                expected["published_at"],
                meta.get("content_type") or "text/html; charset=UTF-8",
            )
        )
    return pages


def site_pages(n: int, work: Path) -> list[Page]:
    """Every published post of make_corpus(n), fetched once from each theme's WordPress."""
    posts = corpus.make_corpus(n)
    pages: list[Page] = []
    with wordpress.MariaDB(work / "mariadb") as db:
        for group, theme, locale in SITES:
            started = time.perf_counter()
            with wordpress.start_site(
                work / group, posts, mariadb=db, theme=theme, locale=locale
            ) as site:
                info = site.wp.post_info(site.ids)
                published = site.published()
                urls = [info[post_id]["link"] for post_id, _ in published]
                with ThreadPoolExecutor(4) as pool:
                    responses = list(pool.map(lambda u: wordpress.fetch(u, timeout=60), urls))
            for url, (_, post), (status, _, body) in zip(urls, published, responses, strict=True):
                if status != 200:
                    raise SystemExit(f"{url} answered {status}")
                untitled = "Untitled" if theme == "twentytwentyone" else ""
                pages.append(
                    Page(
                        group,
                        WORDPRESS,
                        url,
                        body,
                        post["title"] or untitled,
                        post["expected_text"],
                        corpus.published_at_iso(post["date"]),
                    )
                )
            log(
                f"  {group}: {len(urls)} pages of {theme}/{locale} loaded and fetched in "
                f"{time.perf_counter() - started:.0f} s"
            )
    return pages


def press_site_pages(n: int) -> list[Page]:
    """The article pages of make_corpus(n) on the suite's two non-WordPress press sites."""
    posts = corpus.make_corpus(n)
    pages = []
    for group, make, origin in PRESS_SITES:
        routes, truth = make(posts) if make is press_sites.listing_site else make(posts, origin)
        for path, expected in truth.items():
            _, content_type, body = routes[path]
            pages.append(
                Page(
                    group,
                    OTHER,
                    origin + path,
                    body,
                    expected["title"],
                    expected["body_text"],
                    expected["published_at"],
                    content_type,
                )
            )
    return pages


# The parsers: page -> (title, text, date) or None when nothing was extracted.


def ours(page: Page):
    if page.kind == WORDPRESS:
        article = ArticlePage(page.url, page.html, page.site).to_article()
    else:
        reader = GenericArticlePage(page.url, page.html, page.site, content_type=page.content_type)
        article = reader.to_article()
    return article.title, article.body_text, article.published_at


def make_trafilatura() -> dict:
    import trafilatura

    def extract(page: Page):
        return None, trafilatura.extract(page.html, url=page.url, include_comments=False), None

    def extract_fast(page: Page):
        text = trafilatura.extract(page.html, url=page.url, include_comments=False, fast=True)
        return None, text, None

    def bare(page: Page):
        doc = trafilatura.bare_extraction(
            page.html, url=page.url, include_comments=False, with_metadata=True
        )
        if doc is None:
            return None
        return doc.title, doc.text, doc.date

    return {
        "trafilatura.extract": extract,
        "trafilatura fast": extract_fast,
        "trafilatura.bare_extraction": bare,
    }


def make_newspaper() -> dict:
    """newspaper4k on the HTML we hand it (``input_html``: it fetches nothing, images off)."""
    import newspaper

    def parse(page: Page):
        article = newspaper.Article(page.url, language="id", fetch_images=False)
        article.download(input_html=page.html.decode("utf-8", "replace"))
        article.parse()
        published = article.publish_date.date().isoformat() if article.publish_date else None
        return article.title, article.text, published

    return {"newspaper4k": parse}


def timed_rounds(parsers: dict, groups: dict[str, list[Page]], rounds: int) -> dict:
    """{(group, parser): [CPU seconds of each round]}. Within a round every parser runs over
    every group in turn (interleaved), so that load from elsewhere falls on all alike."""
    seconds: dict = {}
    for number in range(rounds):
        for name, parse in parsers.items():
            for group, pages in groups.items():
                gc.collect()
                started = time.process_time()
                for page in pages:
                    parse(page)
                seconds.setdefault((group, name), []).append(time.process_time() - started)
        log(f"  round {number + 1} of {rounds} done, load {load()}")
    return seconds


def squash(text: str | None) -> str:
    return SPACES.sub(" ", text or "").strip()


def accuracy(outputs: dict[int, tuple | None], pages: list[Page]) -> dict:
    """Match rates of one parser's outputs ({id(page): (title, text, date)}) on ``pages``."""
    counts = dict(text=0, exact=0, title=0, date=0, empty=0)
    misses: list[str] = []
    for page in pages:
        result = outputs[id(page)]
        if result is None or not result[1]:
            counts["empty"] += 1
            continue
        title, text, date = result
        if squash(text) == squash(page.text):
            counts["text"] += 1
        elif not misses:
            misses.append(page.url)
        counts["exact"] += text == page.text
        counts["title"] += title == page.title
        if date:  # ours: full ISO timestamp; the others: YYYY-MM-DD
            expected = page.published_at if len(date) > 10 else page.published_at[:10]
            counts["date"] += date == expected
    return {k: v / len(pages) for k, v in counts.items()} | {"misses": misses}


def summarise(seconds: dict, groups: dict[str, list[Page]], sets: dict[str, list[str]]) -> dict:
    """Median pages/s and median ratio (ours ÷ it, within each round) per set of groups."""
    names = list(dict.fromkeys(name for _, name in seconds))  # in the order they ran
    out: dict = {}
    for label, members in sets.items():
        pages = sum(len(groups[g]) for g in members)
        per_round = {  # {parser: [CPU seconds over the set, in each round]}
            name: list(map(sum, zip(*(seconds[(g, name)] for g in members), strict=True)))
            for name in names
        }
        for name in names:
            pairs = zip(per_round["ours"], per_round[name], strict=True)
            ratios = [theirs / own for own, theirs in pairs]
            out.setdefault(label, {})[name] = {
                "pages": pages,
                "pages_per_s": pages / statistics.median(per_round[name]),
                "ours_x": statistics.median(ratios),
                "ours_x_range": (min(ratios), max(ratios)),
            }
    return out


def profile(pages: list[Page], top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        for page in pages:
            ours(page)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    log(f"\n--- ours, cProfile, 3 passes over {len(pages)} pages, by own time ---")
    log(out.getvalue().split("\n\n", 1)[-1].rstrip())


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300, help="corpus posts per site")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; the median counts")
    parser.add_argument("--fixtures-only", action="store_true", help="no WordPress: fixtures only")
    parser.add_argument("--profile", action="store_true", help="profile our parsers (cProfile)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    log(f"load average {load()}")

    pages = fixture_pages()
    if not args.fixtures_only:
        if not wordpress.available():
            raise SystemExit(
                "needs Debian's wordpress, mariadb-server and php (.ci/install-system)"
            )
        work = Path(tempfile.mkdtemp(prefix="ham-bench-parse-"))
        try:
            pages += site_pages(args.posts, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        pages += press_site_pages(args.posts)

    parsers = {"ours": ours} | make_trafilatura() | make_newspaper()
    groups: dict[str, list[Page]] = {}
    for page in pages:
        groups.setdefault(page.group, []).append(page)
    kinds = {
        kind: [g for g, ps in groups.items() if ps[0].kind == kind] for kind in (WORDPRESS, OTHER)
    }
    sets = {kind: members for kind, members in kinds.items() if members} | {g: [g] for g in groups}
    for parse in parsers.values():  # warm up: imports, caches, lazy initialisation
        for group in groups.values():
            for page in group[:3]:
                parse(page)

    log(f"timing {len(parsers)} parsers over {len(pages)} pages, {args.rounds} rounds")
    seconds = timed_rounds(parsers, groups, args.rounds)
    speed = summarise(seconds, groups, sets)
    outputs = {name: {id(page): parse(page) for page in pages} for name, parse in parsers.items()}
    results: dict = {}
    for label, members in sets.items():
        selected = [page for g in members for page in groups[g]]
        for name in parsers:
            results.setdefault(label, {})[name] = speed[label][name] | accuracy(
                outputs[name], selected
            )
    if args.profile:
        for members in kinds.values():
            if members:
                profile([page for g in members for page in groups[g]], top=30)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(markdown(results, kinds, groups, args, started))


def markdown(results: dict, kinds: dict, groups: dict, args, started: str) -> str:
    """The generated section: the headline ratios, a table per kind of site, the sets."""
    import newspaper
    import trafilatura

    lines = []
    for kind, reader in ((WORDPRESS, "ArticlePage"), (OTHER, "GenericArticlePage")):
        if kind not in results:
            continue
        r = results[kind]["trafilatura.extract"]
        low, high = r["ours_x_range"]
        bar = f"; the bar is {BAR:.0f}×" if kind == WORDPRESS else ""
        lines.append(
            f"**{kind}: vs trafilatura {r['ours_x']:.1f}×** (`{reader}(...).to_article()` over"
            f" `trafilatura.extract`, {r['pages']} pages, CPU time, median of {args.rounds}"
            f" rounds, {low:.2f}-{high:.2f}×{bar})  "
        )
    lines += [
        "",
        f"`python bench/parse.py --posts {args.posts} --rounds {args.rounds}`, {started};"
        f" trafilatura {trafilatura.__version__}, newspaper4k {newspaper.__version__}."
        " Each round times every"
        " parser over every set in turn; pages/s and ratios are medians of the rounds (a ratio"
        " is taken within a round). Title exact; date: ours the full ISO timestamp, the others"
        " the day; body exact, and with all white space collapsed.",
    ]
    for kind in (WORDPRESS, OTHER):
        if kind not in results:
            continue
        sizes = ", ".join(f"{len(groups[g])} {SET_NAMES.get(g, g)}" for g in kinds[kind])
        lines += [
            "",
            f"{kind} ({sizes}):",
            "",
            "| parser | pages/s | ours ÷ it | title | date | body exact | body, spaces collapsed |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, r in results[kind].items():
            title, date = (
                (f"{r['title']:.1%}", f"{r['date']:.1%}") if name in HAS_META else ("-", "-")
            )
            lines.append(
                f"| {name} | {r['pages_per_s']:.1f} | {r['ours_x']:.2f} | {title} | {date}"
                f" | {r['exact']:.1%} | {r['text']:.1%} |"
            )
    lines += [
        "",
        "Per set, ours and `trafilatura.extract` (median pages/s) and ours ÷ it:",
        "",
        "| set | pages | ours pages/s | trafilatura.extract pages/s | ours ÷ it |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for group in groups:
        r, t = results[group]["ours"], results[group]["trafilatura.extract"]
        lines.append(
            f"| {SET_NAMES.get(group, group)} | {r['pages']} | {r['pages_per_s']:.1f}"
            f" | {t['pages_per_s']:.1f} | {t['ours_x']:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
