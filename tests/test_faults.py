"""Crawls through the suite's fault-injecting proxy (tests/faultproxy.py) to a real WordPress.

The site's WP_HOME is the proxy's address, so every link the site prints goes through it. The
headline tests (REST and HTML mode): a mix of faults over a third of all requests ends, within
three runs, in an archive equal to a clean crawl; and four incremental runs and one --full run
through the faults leave zero rows marked deleted. docs/reliability.md reports the figures.
"""

import base64
import json
import random
import re
import shutil
import sqlite3
from pathlib import Path

import corpus
import faultproxy
import pytest
import wordpress
from conftest import ham_archive

from scraper.archive import Archive
from scraper.pages.rest import RestPost
from scraper.reparse import REBUILT

N_POSTS = 24
PER_PAGE = 5  # several REST pages and id pages for a small site
QUICK = {  # retries and timeouts in tenths of seconds, not the polite production values
    "RETRY_TIMES": "2",
    "RETRY_BACKOFF_BASE": "0.01",
    "RETRY_BACKOFF_MAX": "0.1",
    "DOWNLOAD_TIMEOUT": "1.5",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "PROGRESS_INTERVAL": "0",
    "REST_PER_PAGE": str(PER_PAGE),
}
MIX = [
    "500",
    "502",
    "503",
    "429",
    "reset",
    "timeout",
    "slow_body",
    "truncated",
    "strip_totals",
    "garbled_totals",
    "block_page",
    "firewall_404",
    "wrong_charset",
    "windows_1252_as_utf8",
    "redirect_loop",
    "offsite",
    "huge",
]
CONTENT = ("url", "title", "published_at", "author", "categories", "tags", "body_text", "body_html")
REPORT = Path(__file__).resolve().parent.parent / "test-output" / "faults.json"


class Proxied:
    """A WordPress behind a FaultProxy: ``site.url`` is the proxy."""

    def __init__(self, mariadb, directory: Path, rest_locked: bool):
        self.port, upstream = wordpress.free_port(), wordpress.free_port()
        self.proxy = faultproxy.FaultProxy(f"127.0.0.1:{upstream}", self.port)
        self.site = wordpress.start_site(
            directory,
            corpus.make_corpus(N_POSTS, seed=3),
            mariadb=mariadb,
            rest_locked=rest_locked,
            port=upstream,
            home=f"http://127.0.0.1:{self.port}",
        )
        self.url = self.site.url

    def crawl(self, db: Path, *extra: str) -> tuple[int, str]:
        settings = [arg for name, value in QUICK.items() for arg in ("-s", f"{name}={value}")]
        result = ham_archive("crawl", "--site", self.url, "--db", str(db), *settings, *extra)
        assert "Traceback" not in result.stderr, result.stderr
        return result.returncode, result.stderr

    def stop(self) -> None:
        self.site.stop()
        self.proxy.stop()


@pytest.fixture(scope="module")
def sites(mariadb, tmp_path_factory):
    """``sites("rest")`` or ``sites("html")`` (REST locked): (site, its clean archive), started
    once per module; the clean archive is what every faulty crawl must end equal to."""
    started: dict[str, tuple[Proxied, Path]] = {}

    def start(mode: str) -> tuple[Proxied, Path]:
        if mode not in started:
            site = Proxied(mariadb, tmp_path_factory.mktemp(mode), mode == "html")
            clean = tmp_path_factory.mktemp(f"clean-{mode}") / "archive.db"
            assert site.crawl(clean)[0] == 0
            assert len(content(clean)) == N_POSTS
            started[mode] = site, clean
        return started[mode]

    yield start
    for site, _ in started.values():
        site.stop()


def query(db: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


def content(db: Path) -> dict[str, tuple]:
    return {row[0]: row for row in query(db, f"select {', '.join(CONTENT)} from articles")}


def last_run(db: Path) -> dict:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return dict(connection.execute("select * from crawl_runs order by id desc").fetchone())


def failures(db: Path, run_id: int) -> dict[str, str]:
    rows = query(db, "select url, reason from crawl_failures where run_id = ?", [run_id])
    return dict(rows)


def assert_trustworthy(db: Path, clean_db: Path) -> None:
    """Nothing deleted, no version made, no row that the clean archive lacks."""
    assert (
        query(db, "select url, deletion_evidence from articles where deleted_at is not null") == []
    )
    assert query(db, "select count(*) from article_versions") == [(0,)]
    assert set(content(db)) <= set(content(clean_db))
    for url, row in content(db).items():
        assert row == content(clean_db)[url], url


@pytest.mark.parametrize("mode", ["rest", "html"])
def test_a_third_of_requests_spoiled_three_runs_equal_a_clean_crawl(sites, mode, tmp_path):
    """(a) within three runs, and (b) four incremental runs and one --full delete nothing."""
    site, clean = sites(mode)
    db = tmp_path / "archive.db"
    site.proxy.choose = faultproxy.random_faults(MIX, rate=0.5, seed=11)
    site.proxy.reset_counts()
    codes = []
    for run in range(1, 7):  # the first, four incremental, one --full
        extra = ("--full",) if run == 6 else ()
        code, summary = site.crawl(db, *extra)
        codes.append(code)
        if code == 1 and not db.exists():  # a first run that got nothing leaves no archive
            assert summary.startswith("Error: ") and summary.count("\n") == 1, summary
            continue
        status = last_run(db)["status"]
        assert (code, status) in ((0, "ok"), (3, "partial")), summary
        assert_trustworthy(db, clean)
        if status == "partial":
            assert failures(db, last_run(db)["id"]), "a partial run names what failed"
        if run == 3:
            assert content(db) == content(clean), "not equal to a clean crawl after three runs"
    assert content(db) == content(clean)
    assert query(db, "select count(*) from articles") == [(N_POSTS,)]
    assert site.proxy.hosts.keys() == {f"127.0.0.1:{site.port}"}, "the crawler left the site"
    spoiled = sum(site.proxy.injected.values())
    assert spoiled >= site.proxy.requests / 3, (spoiled, site.proxy.requests)
    assert set(site.proxy.injected) >= set(MIX) - {"strip_totals", "garbled_totals"}
    # Whether some run ends partial depends on which request meets which fault (the order of
    # arrival), and a run may recover all of them; that a fault that persists makes the run
    # partial and names itself is the next test's, fault by fault.
    record(mode, site.proxy, codes)


def record(mode: str, proxy, codes: list[int]) -> None:
    """The figures docs/reliability.md reports, in test-output/faults.json."""
    REPORT.parent.mkdir(exist_ok=True)
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report[mode] = {
        "requests": proxy.requests,
        "redirect_loop_hops": proxy.loop_hops,
        "injected": dict(sorted(proxy.injected.items())),
        "exit_codes": codes,
    }
    REPORT.write_text(json.dumps(report, indent=2) + "\n")


def oldest_urls(site, count: int) -> list[str]:
    """Old articles: an incremental run fetches them only when a failure asks it to."""
    info = site.site.wp.post_info(site.site.ids)
    by_date = sorted(site.site.published(), key=lambda pair: pair[1]["date"])
    return [info[post_id]["link"] for post_id, _ in by_date[:count]]


HARMLESS_TO_PAGES = {"strip_totals", "garbled_totals", "wrong_charset", "windows_1252_as_utf8"}
ARTICLE_FAULTS = [fault for fault in MIX if fault not in HARMLESS_TO_PAGES]  # they spoil a page


def test_each_fault_on_an_article_is_recorded_and_retried(sites, tmp_path):
    """One old article per fault, spoiled on every attempt of a --full run: each is recorded
    with its reason, the good copy stays, the run says partial; the next run retries them."""
    site, clean = sites("html")
    db = tmp_path / "archive.db"
    shutil.copy(clean, db)
    spoiled = dict(zip(oldest_urls(site, len(ARTICLE_FAULTS)), ARTICLE_FAULTS, strict=True))
    paths = {re.sub(r"^https?://[^/]+", "", url): fault for url, fault in spoiled.items()}
    site.proxy.choose = lambda request: paths.get(request.target)
    code, summary = site.crawl(db, "--full")
    assert code == 3 and "Run partial" in summary
    assert last_run(db)["status"] == "partial"
    recorded = failures(db, last_run(db)["id"])
    assert set(spoiled) <= set(recorded), [spoiled[u] for u in set(spoiled) - set(recorded)]
    for url in spoiled:
        assert recorded[url], url
    assert "larger than" in recorded[next(u for u, f in spoiled.items() if f == "huge")]
    assert_trustworthy(db, clean)
    assert content(db) == content(clean)

    site.proxy.choose = lambda request: None
    site.proxy.log.clear()
    code, summary = site.crawl(db)
    assert code == 0, summary
    asked = {target for target, _ in site.proxy.log}
    assert set(paths) <= asked, "the next run retries what failed"
    assert "(incremental)" in summary
    assert_trustworthy(db, clean)


def test_no_more_than_two_requests_are_ever_in_flight(sites, tmp_path):
    """The shipped politeness against a slow site (each reply 0.2 s late) whose listing pages
    are all known at once: two requests are answered at a time, never more (Scrapy 2.19 keeps
    to its limit per site only while a download delay is set)."""
    site, _ = sites("rest")
    site.proxy.choose = lambda request: None
    site.proxy.reset_counts()
    site.proxy.delay = 0.2
    shipped = ("-s", f"REST_PER_PAGE={PER_PAGE}", "-s", "PROGRESS_INTERVAL=0")
    try:
        result = ham_archive("crawl", "--site", site.url, "--db", str(tmp_path / "a.db"), *shipped)
    finally:
        site.proxy.delay = 0.0
    assert result.returncode == 0, result.stderr
    assert site.proxy.requests >= 2 + N_POSTS // PER_PAGE  # robots.txt, home, every page
    assert site.proxy.most_in_flight == 2


def test_no_total_no_deletion_and_full_finds_a_real_one(sites, tmp_path):
    """Stripped or garbled totals make a listing incomplete: nothing is deleted. A blocked
    lookup deletes nothing either; a clean --full run then finds the trashed post, with proof."""
    site, clean = sites("rest")
    db = tmp_path / "archive.db"
    shutil.copy(clean, db)
    for fault in ("strip_totals", "garbled_totals"):
        site.proxy.choose = lambda request, fault=fault: fault
        for extra in ((), ("--full",)):
            code, summary = site.crawl(db, *extra)
            assert code in (0, 3), summary
            assert_trustworthy(db, clean)
            assert content(db) == content(clean)
    site.proxy.choose = lambda request: "block_page" if "include=" in request.target else None
    trashed = site.site.published()[-1][0]
    url = site.site.wp.post_info([trashed])[trashed]["link"]
    site.site.wp.trash_post(trashed)
    try:
        code, _ = site.crawl(db, "--full")  # the lookup that would confirm it is blocked
        assert code == 3
        assert query(db, "select count(*) from articles where deleted_at is not null") == [(0,)]
        assert "lookup" in " ".join(failures(db, last_run(db)["id"]).values())
        site.proxy.choose = lambda request: None
        code, summary = site.crawl(db, "--full")  # item 6: --full detects deletions
        assert code == 0 and "1 gone" in summary, summary
        sql = "select deletion_evidence from articles where url = ?"
        evidence = json.loads(query(db, sql, [url])[0][0])
        assert "not returned when asked for by id" in evidence["reasons"]
        assert evidence["capture_ids"]
    finally:
        site.site.wp.php(f"wp_untrash_post({trashed}); wp_publish_post({trashed});")


def test_an_index_without_post_sitemaps_falls_back_to_listings(sites, tmp_path):
    """A sitemap index that parses but names no post sitemap does not switch listings off."""
    site, clean = sites("html")
    users_only = (
        b'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns='
        b'"http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
        + site.url.encode()
        + b"/wp-sitemap-users-1.xml</loc></sitemap></sitemapindex>"
    )

    def rewrite(request, reply):
        if request.path == "/wp-sitemap.xml":
            reply.body = users_only

    site.proxy.choose, site.proxy.rewrite = (lambda request: None), rewrite
    try:
        db = tmp_path / "archive.db"
        code, summary = site.crawl(db)
        assert code == 0, summary
        assert content(db) == content(clean)
        assert "listing" in json.loads(last_run(db)["sources"])
    finally:
        site.proxy.rewrite = None


def test_the_same_post_by_id_and_by_other_spellings_is_one_row(sites, tmp_path):
    """Sitemaps that list posts as ?p=ID, https://, www. and :80 variants: one row per post."""
    site, clean = sites("html")
    info = site.site.wp.post_info(site.site.ids)
    by_link = {data["link"]: post_id for post_id, data in info.items()}
    host = site.url.removeprefix("http://")
    spellings = ["{site}/?p={id}", "https://{host}{path}", "http://www.{host}{path}"]

    def rewrite(request, reply):
        if not request.path.startswith("/wp-sitemap-posts-"):
            return
        text = reply.body.decode()
        for number, (link, post_id) in enumerate(sorted(by_link.items())):
            path = link.removeprefix(site.url)
            spelling = spellings[number % len(spellings)]
            other = spelling.format(site=site.url, id=post_id, host=host, path=path)
            text = text.replace(f"<loc>{link}</loc>", f"<loc>{other}</loc>")
        reply.body = text.encode()

    site.proxy.choose, site.proxy.rewrite = (lambda request: None), rewrite
    site.proxy.reset_counts()
    try:
        db = tmp_path / "archive.db"
        for extra in ((), ()):  # the first run, then an incremental one: no duplicate either time
            code, summary = site.crawl(db, *extra)
            assert code == 0, summary
            assert content(db) == content(clean)
        assert site.proxy.hosts.keys() == {host}
        assert any("?p=" in target for target, _ in site.proxy.log)
    finally:
        site.proxy.rewrite = None


def test_a_404_is_a_deletion_only_with_the_sites_page_and_a_second_signal(sites, tmp_path):
    """Item 10: a firewall's 404 deletes nothing, even for a URL the sitemaps stopped listing.
    The site's own 404 for a URL still listed waits for a second run; then it is a deletion."""
    site, clean = sites("html")
    db = tmp_path / "archive.db"
    shutil.copy(clean, db)
    blocked, gone = oldest_urls(site, 2)
    hidden = f"<loc>{blocked}</loc>"

    def rewrite(request, reply):
        if request.path.startswith("/wp-sitemap-posts-"):
            reply.body = reply.body.replace(hidden.encode(), b"")

    path = {url.removeprefix(site.url): fault for url, fault in ((blocked, "firewall_404"),)}
    path[gone.removeprefix(site.url)] = "site_404"
    site.proxy.choose, site.proxy.rewrite = (lambda request: path.get(request.target)), rewrite
    try:
        code, summary = site.crawl(db)  # blocked is unlisted, so re-checked: a firewall's 404
        assert code == 3, summary
        reason = failures(db, last_run(db)["id"])[blocked]
        assert "unlike the site's own not-found page" in reason
        assert query(db, "select count(*) from articles where deleted_at is not null") == [(0,)]

        site.proxy.choose = lambda request: path.get(request.target)
        code, summary = site.crawl(db, "--full")  # gone: the site's 404, but still listed
        assert query(db, "select count(*) from articles where deleted_at is not null") == [(0,)]
        kinds = query(db, "select kind from crawl_failures where url = ?", [gone])
        assert ("unconfirmed-gone",) in kinds

        code, summary = site.crawl(db)  # the same answer on a later run: deleted, with proof
        sql = "select url, deletion_evidence from articles where deleted_at is not null"
        [(url, evidence)] = query(db, sql)
        assert url == gone
        evidence = json.loads(evidence)
        assert "the same not-found answer on an earlier run" in evidence["reasons"]
        assert len(evidence["capture_ids"]) == 3  # this answer, the probe, the earlier answer
    finally:
        site.proxy.rewrite = None


def test_a_post_no_page_object_can_read_fails_alone_and_is_retried(sites, tmp_path):
    """A REST page holding a malformed post and something that is not a post at all: the other
    posts of the page are archived, both failures recorded, the post fetched again next run."""
    site, clean = sites("rest")
    spoiled: list[int] = []

    def rewrite(request, reply):
        if "_embed" in request.target and "page=1&" in request.target and not spoiled:
            posts = json.loads(reply.body)
            posts[0]["content"] = 42  # where {"rendered": "..."} belongs
            spoiled.append(posts[0]["id"])
            reply.body = json.dumps([*posts, "junk"]).encode()

    site.proxy.choose, site.proxy.rewrite = (lambda request: None), rewrite
    site.proxy.reset_counts()
    try:
        db = tmp_path / "archive.db"
        code, summary = site.crawl(db)
        assert code == 3, summary
        rows = query(db, "select kind, reason, post_id from crawl_failures")
        assert ("rest-post", "not a post object", None) in rows
        assert [kind for kind, _, post_id in rows if post_id == spoiled[0]] == ["rest-post"]
        assert len(content(db)) == N_POSTS - 1

        code, summary = site.crawl(db)
        assert code == 0, summary
        assert any(f"include={spoiled[0]}" in target for target, _ in site.proxy.log)
        assert content(db) == content(clean)
    finally:
        site.proxy.rewrite = None


def test_a_post_wordpress_cannot_serve_costs_no_other_post(mariadb, tmp_path):
    """A real fault of a real WordPress: a post with megabytes of inline image fails PHP while
    it renders, so every REST page holding it answers 500 and its HTML page stops short (200,
    cut after the title). The page is read again in halves: every other post is archived, the
    post is one failure (its HTML page, not the REST page), retried; nothing is deleted."""
    posts = corpus.make_corpus(12, seed=5)
    listed = [p for p in posts if p["title"] and p.get("status", "publish") == "publish"]
    heavy = sorted(listed, key=lambda p: p["date"], reverse=True)[PER_PAGE + 1]  # on page 2
    image = base64.b64encode(random.Random(5).randbytes(1_500_000)).decode()
    heavy["content"] += f'<p><img src="data:image/png;base64,{image}" alt=""></p>'
    settings = [arg for name, value in QUICK.items() for arg in ("-s", f"{name}={value}")]
    with wordpress.start_site(tmp_path / "wp", posts, mariadb=mariadb) as site:
        db, published = tmp_path / "archive.db", dict(site.published())
        (heavy_id,) = [i for i, p in published.items() if p is heavy]
        heavy_url = site.wp.post_info([heavy_id])[heavy_id]["link"]
        for extra in ([], ["--full"]):
            result = ham_archive("crawl", "--site", site.url, "--db", str(db), *settings, *extra)
            assert result.returncode == 3 and " 1 failed" in result.stderr, result.stderr
            assert "Traceback" not in result.stderr
            run = query(db, "select max(id) from crawl_runs")[0][0]
            failed = query(
                db, "select kind, url, reason from crawl_failures where run_id = ?", [run]
            )
            assert [(kind, url) for kind, url, _ in failed] == [("article", heavy_url)]
            assert failed[0][2].endswith("(the page stops before its </html>: cut short)")
            rows = dict(query(db, "select post_id, extractor from articles"))
            assert sorted(rows) == sorted(set(published) - {heavy_id})
            assert set(rows.values()) == {RestPost.EXTRACTOR}
        assert query(db, "select count(*) from articles where deleted_at is not null") == [(0,)]


def test_a_post_rest_cannot_give_is_read_from_its_html_page(sites, tmp_path):
    """Every REST answer holding one post's content is a 500 (its HTML page is fine): the
    pages are read again in halves, that post from its HTML page; the run is whole."""
    site, clean = sites("rest")
    post_id = query(clean, "select post_id from articles order by published_at desc")[PER_PAGE + 2][
        0
    ]

    def rewrite(request, reply):
        posts = json.loads(reply.body) if "_embed" in request.target else []
        if isinstance(posts, list) and any(post.get("id") == post_id for post in posts):
            reply.status, reply.reason, reply.body = 500, "Internal Server Error", b"{}"

    site.proxy.choose, site.proxy.rewrite = (lambda request: None), rewrite
    try:
        db = tmp_path / "archive.db"
        for extra in ([], ["--full"]):
            code, summary = site.crawl(db, *extra)
            assert code == 0 and " 0 failed" in summary, summary
            read_by = "select extractor from articles where post_id = ?"
            assert query(db, read_by, [post_id]) != [(RestPost.EXTRACTOR,)]
            assert set(content(db)) == set(content(clean))
        assert query(db, "select count(*) from articles where deleted_at is not null") == [(0,)]

        # Posts the archive lacks, that post among them: the id sweep finds them, the lookup
        # by id holding that post is a 500; asked in halves, and that one by its page.
        near = "select post_id from articles where post_id != ? order by abs(post_id - ?) limit 2"
        lacking = [post_id, *(i for (i,) in query(db, near, [post_id, post_id]))]
        archive = Archive(db)  # as a reparse clears a row: its children, then the row
        for (url,) in archive.db.execute(
            f"select url from articles where post_id in ({', '.join('?' * len(lacking))})", lacking
        ).fetchall():
            for table in REBUILT:
                archive.db.execute(f"delete from [{table}] where article_url = ?", [url])
            archive.db.execute("delete from articles where url = ?", [url])
        archive.close()
        code, summary = site.crawl(db)
        assert code == 3, summary  # the lookup failed, and says so
        run = last_run(db)["id"]
        kinds = query(db, "select kind from crawl_failures where run_id = ?", [run])
        assert kinds == [("lookup",)]
        assert content(db) == content(clean)
        assert query(db, read_by, [post_id]) != [(RestPost.EXTRACTOR,)]
        assert query(db, "select count(*) from articles where deleted_at is not null") == [(0,)]
    finally:
        site.proxy.rewrite = None


def test_addresses_cloudflare_hides_read_as_the_addresses_and_no_edit(mariadb, tmp_path):
    """Cloudflare's Email Address Obfuscation between the crawler and the site, a key drawn
    for each response: the pages read as they do without it, and a --full run changes nothing
    (every fetch made each article with an address an edit, ``[email protected]`` its text)."""
    site = Proxied(mariadb, tmp_path / "wp", rest_locked=True)
    try:
        post_id, post = next(iter(site.site.by_id().items()))
        contact = (
            '<p>Informasi: <a href="mailto:humas@ham.go.id">humas@ham.go.id</a>, <a href='
            '"mailto:pengaduan@ham.go.id">kanal pengaduan</a> atau surel humas.djham@gmail.com.</p>'
        )
        site.site.wp.update_post(post_id, content=post["content"] + "\n\n" + contact)
        clean = tmp_path / "clean.db"
        assert site.crawl(clean)[0] == 0
        site.proxy.choose = lambda request: "cloudflare_email"
        db = tmp_path / "archive.db"
        for extra in ([], ["--full"]):
            code, summary = site.crawl(db, *extra)
            assert code == 0 and " 0 changed" in summary, summary
            assert content(db) == content(clean)
        assert site.proxy.injected["cloudflare_email"] > 2 * N_POSTS
        ((text, html),) = query(
            db, "select body_text, body_html from articles where post_id = ?", [post_id]
        )
        assert "humas@ham.go.id, kanal pengaduan atau surel humas.djham@gmail.com." in text
        assert 'href="mailto:pengaduan@ham.go.id"' in html and "protected" not in text + html
        assert query(db, "select count(*) from article_versions") == [(0,)]
    finally:
        site.stop()
