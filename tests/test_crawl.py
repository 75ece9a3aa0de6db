"""End to end on real WordPress sites: ``ham-archive crawl`` archives every published post."""

import atexit
import gc
import json
import sqlite3
import sys
from types import SimpleNamespace

import corpus
import pytest
from conftest import SITES, ham_archive
from scrapy import signals
from scrapy.settings import Settings
from scrapy.signalmanager import SignalManager
from scrapy.utils.conf import build_component_list

from scraper.cli import main
from scraper.extensions import FreezeStartup

FIELDS = ("url", "title", "published_at", "author", "categories", "tags", "body_text")


def crawl(site_url: str, db: str) -> sqlite3.Connection:
    result = ham_archive("crawl", "--site", site_url, "--db", db)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    return connection


def rows(db: sqlite3.Connection) -> dict[str, dict]:
    return {row["url"]: dict(row) for row in db.execute("select * from articles")}


@pytest.fixture(scope="module", params=list(SITES))
def crawled(request, wp_sites, tmp_path_factory):
    """Each site crawled once into its own archive: (site, archive rows, summary line)."""
    site = wp_sites(request.param)
    db = str(tmp_path_factory.mktemp("crawl") / "archive.db")
    result = ham_archive("crawl", "--site", site.url, "--db", db)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        archived = {row["url"]: dict(row) for row in connection.execute("select * from articles")}
    return request.param, site, db, archived, result.stderr


def expected_articles(site) -> dict[str, dict]:
    """Ground truth by permalink, from the corpus and the ids WordPress gave the posts."""
    info = site.wp.post_info(site.ids)
    return {info[post_id]["link"]: post for post_id, post in site.published()}


def test_every_published_post_and_nothing_else(crawled):
    name, site, _, archived, summary = crawled
    expected = expected_articles(site)
    assert sorted(archived) == sorted(expected)
    mode = "via REST API" if "rest" in name else "via HTML pages (REST API: HTTP 401"
    assert mode in summary
    assert f"{len(expected)} added" in summary


def test_exact_titles_dates_and_text(crawled):
    name, site, _, archived, _ = crawled
    for url, post in expected_articles(site).items():
        row = archived[url]
        title = post["title"] or ("Untitled" if "classic" in name else "")
        assert row["title"] == title, url
        assert row["published_at"] == corpus.published_at_iso(post["date"]), url
        assert row["body_text"] == post["expected_text"], url
        assert row["author"] == post["author_name"], url
        assert json.loads(row["categories"]) == sorted(post["categories"], key=str.casefold), url
        assert json.loads(row["tags"]) == sorted(post["tags"], key=str.casefold), url
        assert row["source"] == ("rest" if "rest" in name else "html")
        assert row["post_id"] in site.ids
        assert row["word_count"] == len(post["expected_text"].split())


def test_no_draft_private_or_page_text(crawled):
    _, site, _, archived, _ = crawled
    hidden = [p for p in site.posts if p["status"] != "publish" or p.get("post_type") == "page"]
    assert hidden
    texts = "\n".join(row["body_text"] + row["title"] for row in archived.values())
    for post in hidden:
        assert post["expected_text"][:80] not in texts


def test_body_html_is_sanitized(crawled):
    _, _, _, archived, _ = crawled
    for row in archived.values():
        for bad in ("<script", "<style", "<iframe", " onclick=", " onerror=", "javascript:"):
            assert bad not in row["body_html"].lower()


def test_second_crawl_adds_no_duplicates(crawled):
    _, site, db, archived, _ = crawled
    result = ham_archive("crawl", "--site", site.url, "--db", db, "--full")
    assert result.returncode == 0, result.stderr
    assert f"(0 added, 0 changed, {len(archived)} unchanged)" in result.stderr
    result = ham_archive("crawl", "--site", site.url, "--db", db)  # incremental
    assert result.returncode == 0, result.stderr
    assert "(incremental)" in result.stderr and "(0 added, 0 changed," in result.stderr
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from articles").fetchone() == (len(archived),)
        hits = connection.execute(
            "select count(*) from articles_fts where articles_fts match 'Banjarmasin'"
        ).fetchone()
        assert hits[0] >= 1
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)


def test_rest_and_html_paths_agree(wp_fresh, tmp_path):
    """One WordPress read through the REST API, then with the API locked through its pages."""
    via_rest = rows(crawl(wp_fresh.url, str(tmp_path / "rest.db")))
    wp_fresh.wp.php("update_option('ham_test_rest_locked', 1);")
    via_html = rows(crawl(wp_fresh.url, str(tmp_path / "html.db")))
    assert via_rest.keys() == via_html.keys()
    for url, rest_row in via_rest.items():
        html_row = via_html[url]
        assert (rest_row["source"], html_row["source"]) == ("rest", "html")
        for field in FIELDS + ("post_id", "slug", "word_count", "body_html"):
            assert rest_row[field] == html_row[field], (url, field)


def test_press_release_conventions(crawled):
    """Dateline, event date and credit, read from the archived text, against the corpus."""
    _, site, _, archived, _ = crawled
    misses = []
    for url, post in expected_articles(site).items():
        row = archived[url]
        event = post["expected_event_date"] or {}
        credit = row["credit_text"] and row["credit_text"].strip("().")
        checks = {
            "dateline_city": (row["dateline_city"] or "").casefold(),
            "event_date": row["event_date"],
            "event_date_end": row["event_date_end"],
            "event_date_text": row["event_date_text"],
            "credit": credit,
        }
        expected = {
            "dateline_city": (post["expected_dateline_city"] or "").casefold(),
            "event_date": event.get("date"),
            "event_date_end": event.get("end"),
            "event_date_text": event.get("text"),
            "credit": post["expected_credit"],
        }
        if not event.get("date") and row["event_date_note"] == "from the dateline":
            assert row["event_date_text"] in post["expected_dateline"]
            expected |= {k: checks[k] for k in ("event_date", "event_date_end", "event_date_text")}
        misses += [(url, k, checks[k], v) for k, v in expected.items() if checks[k] != v]
    assert misses == [], "\n".join(map(str, misses))


def test_a_crawl_logs_no_deprecation_warning(wp_sites, tmp_path):
    """What Scrapy deprecates (a pipeline returning a Deferred, RANDOMIZE_DOWNLOAD_DELAY) goes
    in its next major version: a crawl's whole log names none of it."""
    site = wp_sites(next(iter(SITES)))
    result = ham_archive("crawl", "--site", site.url, "--db", str(tmp_path / "a.db"), "-v")
    assert result.returncode == 0, result.stderr
    assert "Scraped from" in result.stderr  # the whole log, items included
    assert "Deprecat" not in result.stderr


def test_a_crawl_opens_no_console():
    """Neither Scrapy's telnet console nor its HTTP remote control (on by default since 2.19:
    it runs Python sent to it) is among the extensions a crawl loads; the others still are."""
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    loaded = {
        path.rpartition(".")[2] for path in build_component_list(settings.getwithbase("EXTENSIONS"))
    }
    assert {"CoreStats", "Progress", "FreezeStartup"} <= loaded
    assert not loaded & {"TelnetConsole", "RemoteControl"}
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    middlewares = build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    assert not [path for path in middlewares if path.endswith("CookiesMiddleware")]


def test_the_start_of_a_crawl_is_frozen_while_its_engine_runs():
    """What a crawl made before its engine started is out of the collector's reach while the
    engine runs, and back in it once the engine stops."""
    crawler = SimpleNamespace(signals=SignalManager())
    extension = FreezeStartup.from_crawler(crawler)  # kept: signals hold handlers weakly
    assert gc.get_freeze_count() == 0
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_freeze_count() > 0
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_freeze_count() == 0
    del extension


def test_the_console_script_leaves_the_last_collection_to_the_process(monkeypatch):
    registered = []
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr(sys, "argv", ["ham-archive", "--version"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    assert registered == [gc.freeze]
