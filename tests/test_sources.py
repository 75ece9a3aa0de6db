"""Sites that are not WordPress, end to end: ``ham-archive crawl`` reads every release exactly."""

import sqlite3
import threading
import time
from datetime import datetime

import press_sites
import pytest
from conftest import ham_archive

from scraper.archive import Archive
from scraper.text import SITE_TZ


@pytest.fixture(scope="module")
def corpus_posts(wp_corpus):
    return press_sites.published(wp_corpus)


def serve(make, posts):
    server = press_sites.Server()
    server.routes, truth = (
        make(posts, origin=server.url) if make is press_sites.headless_site else make(posts)
    )
    return server, {server.url + path: row for path, row in truth.items()}


def archived(db: str) -> dict[str, dict]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return {row["url"]: dict(row) for row in connection.execute("select * from articles")}


@pytest.fixture(scope="module")
def elsewhere():
    """Another host the sites link to: a crawl must never go there."""
    with press_sites.Server() as server:
        old, press_sites.OFFSITE = press_sites.OFFSITE, server.url.replace("127.0.0.1", "localhost")
        yield server
        press_sites.OFFSITE = old


@pytest.fixture(scope="module", params=["listing_site", "headless_site"])
def crawled(request, corpus_posts, tmp_path_factory, elsewhere):
    server, truth = serve(getattr(press_sites, request.param), corpus_posts)
    db = str(tmp_path_factory.mktemp(request.param) / "archive.db")
    result = ham_archive("crawl", "--site", server.url, "--db", db)
    yield request.param, server, truth, db, result
    server.stop()


def test_every_release_exactly(crawled):
    name, server, truth, db, result = crawled
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = archived(db)
    assert sorted(rows) == sorted(truth)
    misses = [
        (url, field, rows[url][field], want[field])
        for url, want in truth.items()
        for field in ("title", "published_at", "body_text")
        if rows[url][field] != want[field]
    ]
    assert misses == [], misses[:3]
    extractor = "generic-dom" if name == "listing_site" else "generic-structured"
    assert {row["extractor"] for row in rows.values()} == {extractor}
    assert f"{len(truth)} added" in result.stderr


def test_never_leaves_the_site(crawled, elsewhere):
    name, server, _, _, _ = crawled
    assert server.hits
    assert elsewhere.hits == []
    assert f"{press_sites.OFFSITE}/elsewhere" in server.routes["/"][2].decode()


def test_second_crawl_is_idempotent(crawled):
    _, server, truth, db, _ = crawled
    result = ham_archive("crawl", "--site", server.url, "--db", db)
    assert result.returncode == 0, result.stderr
    assert "(0 added, 0 changed," in result.stderr
    assert len(archived(db)) == len(truth)


def test_check_warns_when_the_layout_changes(corpus_posts, tmp_path):
    """The front end starts rendering its text in the browser: pages keep their JSON-LD but
    lose the body; the next run reads them empty and `check` says so."""
    server, truth = serve(press_sites.headless_site, corpus_posts)
    db = str(tmp_path / "archive.db")
    try:
        assert ham_archive("crawl", "--site", server.url, "--db", db).returncode == 0
        assert ham_archive("check", "--db", db).returncode == 0
        for path, (status, content_type, body) in list(server.routes.items()):
            if path.startswith("/siaran-pers/"):
                emptied = body.split(b'<div class="prose">')[0] + b'<div id="root"></div></main>'
                server.routes[path] = (status, content_type, emptied)
        result = ham_archive("crawl", "--site", server.url, "--db", db, "--full")
        assert result.returncode == 1
        assert (
            f"Error: {len(truth)} article pages of {server.url} could not be read" in result.stderr
        )
    finally:
        server.stop()
    check = ham_archive("check", "--db", db)
    assert check.returncode == 1
    assert "100% of the articles of run 2 were read empty (run 1: 0%)" in check.stderr
    assert "change its layout?" in check.stderr
    with sqlite3.connect(db) as connection:  # and nothing archived was lost
        texts = dict(connection.execute("select url, body_text from articles"))
    assert texts == {url: row["body_text"] for url, row in truth.items()}


def test_several_sites_in_one_archive_with_republications_linked(corpus_posts, tmp_path):
    """The same releases on both non-WordPress sites, and a third address that is down: both
    sites are archived whole, each copy keeps its row, every pair is linked once."""
    listing, listing_truth = serve(press_sites.listing_site, corpus_posts)
    headless, headless_truth = serve(press_sites.headless_site, corpus_posts)
    down = press_sites.Server()
    down.stop()  # nothing listens there any more
    db = str(tmp_path / "archive.db")
    try:
        result = ham_archive(
            "crawl", "--site", listing.url, "--site", headless.url, "--site", down.url, "--db", db
        )
    finally:
        listing.stop()
        headless.stop()
    assert result.returncode == 3, result.stderr  # partial: one site failed (docs/operations.md)
    assert f"Error: cannot reach {down.url}" in result.stderr
    assert result.stderr.count("(60 added, 0 changed, 0 unchanged)") == 2
    rows = archived(db)
    assert sorted(rows) == sorted({**listing_truth, **headless_truth})
    assert {rows[url]["site"] for url in listing_truth} == {listing.url}
    assert {rows[url]["site"] for url in headless_truth} == {headless.url}
    pairs = dict(zip(listing_truth, headless_truth, strict=True))  # same order: newest first
    for first, second in pairs.items():
        links = {rows[first]["same_as"], rows[second]["same_as"]}
        assert links in ({None, first}, {None, second}), (first, second, links)
        assert rows[first]["body_text"] == rows[second]["body_text"]
    with sqlite3.connect(db) as connection:
        runs = dict(connection.execute("select site, status from crawl_runs"))
        sites = connection.execute("select address, led_to from sites order by address").fetchall()
    assert runs == {listing.url: "ok", headless.url: "ok", down.url: "failed"}
    assert sorted(sites) == sorted([(listing.url, listing.url), (headless.url, headless.url)])
    check = ham_archive("check", "--db", db)  # every site of the last crawl is judged
    assert check.returncode == 1
    assert check.stderr.startswith(f"Error: {down.url}: last run (") and "failed" in check.stderr


def test_sitemap_lastmod_brings_an_edit_older_than_the_rechecked(corpus_posts, tmp_path):
    """An edit to an old release shows only in its sitemap's lastmod: the next incremental run
    fetches that page (and not the other 39 unchanged ones older than the 20 re-checked)."""
    server, truth = serve(press_sites.headless_site, corpus_posts)
    db = str(tmp_path / "archive.db")
    try:
        assert ham_archive("crawl", "--site", server.url, "--db", db).returncode == 0
        old = dict(corpus_posts[45])
        old["content"] = old["content"].replace("HAM", "Hak Asasi Manusia", 1)
        time.sleep(1.1)  # lastmod has whole seconds: edited after the first run started
        old["modified"] = datetime.now(SITE_TZ).strftime("%Y-%m-%d %H:%M:%S")
        edited = [old if i == 45 else p for i, p in enumerate(corpus_posts)]
        server.routes = press_sites.headless_site(edited, origin=server.url)[0]
        result = ham_archive("crawl", "--site", server.url, "--db", db)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert (
        "(incremental)" in result.stderr and "(0 added, 1 changed, 20 unchanged)" in result.stderr
    )


def test_the_listing_is_asked_beside_the_home_page_and_read_after_it(corpus_posts, tmp_path):
    """The first REST page does not wait for the home page (the home page is held until it is
    asked); its refusal is read once the home page has named the feeds and the CMS, so the
    fall-back finds every release as before."""
    server, truth = serve(press_sites.headless_site, corpus_posts)
    asked, held = threading.Event(), []

    def before(path: str) -> None:
        if path.startswith("/wp-json/"):
            asked.set()
        elif path == "/":  # a crawl that waits for the home page waits here in vain
            held.append(asked.wait(60))

    server.before = before
    db = str(tmp_path / "archive.db")
    try:
        result = ham_archive("crawl", "--site", server.url, "--db", db)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert held == [True]  # the listing was asked while the home page was held
    assert sorted(archived(db)) == sorted(truth)
    assert "found by feed, sitemap" in result.stderr


def test_a_site_that_moved_is_archived_whole_with_its_old_urls(corpus_posts, tmp_path, elsewhere):
    """Archived at A; then every path of A answers 301 to the same path on B (another port).
    The next crawl of A archives B; each article keeps its row and its old URL."""
    old, old_truth = serve(press_sites.headless_site, corpus_posts)
    new = press_sites.Server()
    new.routes, new_paths = press_sites.headless_site(corpus_posts, origin=new.url)
    db, fresh = str(tmp_path / "archive.db"), str(tmp_path / "fresh.db")
    try:
        assert ham_archive("crawl", "--site", old.url, "--db", db).returncode == 0
        old.redirect_to(new)
        result = ham_archive("crawl", "--site", old.url, "--db", db)
        first = ham_archive("crawl", "--site", old.url, "--db", fresh)
    finally:
        old.stop()
        new.stop()
    assert result.returncode == 0, result.stderr
    assert f"Crawled {old.url} (moved to {new.url})" in result.stderr
    assert first.returncode == 0, first.stderr
    moved = {new.url + path: row for path, row in new_paths.items()}
    for path in (db, fresh):
        rows = archived(path)
        assert sorted(rows) == sorted(moved)
        assert all(rows[url][f] == moved[url][f] for url in moved for f in ("title", "body_text"))
        assert {row["site"] for row in rows.values()} == {new.url}
    with sqlite3.connect(db) as connection:
        aliases = set(connection.execute("select url, article_url from article_urls"))
        sites = set(connection.execute("select address, led_to from sites"))
        runs = connection.execute("select site, moved_to from crawl_runs order by id").fetchall()
    for old_url, new_url in zip(old_truth, moved, strict=True):
        assert (old_url, new_url) in aliases and (new_url, new_url) in aliases
    for path in (db, fresh):  # no network: read again from the captures, the redirects too
        with sqlite3.connect(path) as connection:
            known = set(connection.execute("select url, article_url from article_urls"))
        assert ham_archive("reparse", "--db", path).returncode == 0
        assert sorted(archived(path)) == sorted(moved)
        with sqlite3.connect(path) as connection:
            assert set(connection.execute("select url, article_url from article_urls")) == known
    assert sites == {(old.url, old.url), (old.url, new.url)}
    assert runs == [(old.url, None), (old.url, new.url)]
    archive = Archive(db)
    try:
        assert archive.find(next(iter(old_truth)))["url"] == next(iter(moved))
    finally:
        archive.close()
    assert elsewhere.hits == []
