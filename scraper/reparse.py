"""Rebuild the articles from the stored captures, with no network: how a parser fix reaches the
whole archive. Captures are replayed in the order they were fetched, through the same page
objects and the same ``Archive.save`` as a live crawl, so versions and dates come out as the
crawls made them. Articles that no capture backs (older archives) are left as they are."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from scrapy.http import HtmlResponse
from scrapy.settings.default_settings import METAREFRESH_IGNORE_TAGS, METAREFRESH_MAXDELAY
from scrapy.utils.response import get_meta_refresh

from scraper.archive import Archive, refresh_people
from scraper.captures import UnreadableCapture, read_body, read_location
from scraper.items import Article
from scraper.pages import (
    NotAnArticle,
    RestPost,
    RestRefused,
    Unreadable,
    rest_posts,
)
from scraper.pages.site import read_article
from scraper.text import SITE_TZ, canonical_url, site_time


class ReparseError(Exception):
    """A capture cannot be read: nothing was changed."""


REBUILT = (
    "article_people",
    "article_images",
    "article_documents",
    "article_versions",
    "article_urls",
)


def articles_in(capture: dict, body: bytes, site: str) -> list:
    """The articles one capture holds: a REST page of posts, or one article page."""
    path = urlsplit(capture["url"]).path
    if path.rstrip("/").endswith("/wp-json/wp/v2/posts"):
        try:
            posts = rest_posts(capture["status"], capture["content_type"] or "", body)
        except RestRefused:
            return []
        return list(rest_articles(posts, site))
    if capture["status"] == 200 and "html" in (capture["content_type"] or ""):
        try:
            return [read_article(capture["url"], body, site, capture["content_type"])]
        except NotAnArticle:
            return []
    return []


def rest_articles(posts: list[dict], site: str) -> Iterator[Article]:
    """The posts of a REST page, each as the crawl read it: one that is no article (a post
    behind a password, say) is skipped, as the crawl skipped it."""
    for post in posts:
        if "content" in post:  # a post object, not an id of a listing of ids (_fields=id)
            try:
                yield RestPost(post, site).to_article()
            except NotAnArticle:
                continue


class Redirects:
    """The redirects a reparse has read so far. A crawl archives each redirect it follows (a
    3xx, a ``<meta refresh>``) before the page it leads to, so replayed in fetch order they
    are known before that page is read again. The page gets back the URLs that led to it in
    its run, as the crawl gave them: a moved site's old and new addresses stay one row.

    Archives from before redirects were archived have only ``article_urls`` to show for them:
    its ``redirect`` rows (``legacy``), each given back from the time it was first followed.
    """

    def __init__(self, db) -> None:
        self.into: dict[tuple[int, str], set[str]] = {}  # (run, target) -> sources
        self.legacy: dict[str, list[tuple[str, str]]] = {}  # a URL of a row -> (alias, since)
        for url, alias, since in db.execute(
            """select known.url, redirect.url, redirect.first_seen_at
            from article_urls as known join article_urls as redirect
            on redirect.article_url = known.article_url and redirect.url != known.url
            where redirect.found_by = 'redirect' order by redirect.first_seen_at, redirect.url"""
        ):
            self.legacy.setdefault(url, []).append((alias, since))

    def add(self, run_id: int, source: str, target: str) -> None:
        self.into.setdefault((run_id, target), set()).add(source)

    def leading_to(self, run_id: int, url: str) -> list[str]:
        """Every URL whose redirects led to ``url`` in run ``run_id``."""
        found, todo = [], [url]
        while todo:
            for source in sorted(self.into.get((run_id, todo.pop()), ())):
                if source not in found and source != url:
                    found += [source]
                    todo += [source]
        return found

    def followed_before(self, url: str, when: str) -> list[str]:
        """The legacy redirects to the row that had ``url``, first followed by ``when``."""
        return [alias for alias, since in self.legacy.get(url, ()) if since <= when]


def redirect_target(capture: dict, body: bytes, warc_dir: str | Path) -> str | None:
    """Where a capture sent the crawler, as Scrapy's redirect middlewares read it: the
    ``Location`` of a 3xx, or the ``<meta refresh>`` of an HTML page."""
    if 300 <= capture["status"] < 400:
        location = read_location(warc_dir, capture["warc_file"], capture["warc_offset"])
        return urljoin(capture["url"], location) if location else None
    if capture["status"] == 200 and "html" in (capture["content_type"] or ""):
        page = HtmlResponse(
            capture["url"], body=body, headers={"Content-Type": capture["content_type"]}
        )
        delay, target = get_meta_refresh(page, ignore_tags=METAREFRESH_IGNORE_TAGS)
        return target if target and delay < METAREFRESH_MAXDELAY else None
    return None


def reparse(
    archive: Archive, warc_dir: str | Path, progress: Callable[[int, int], None] | None = None
) -> Counter:
    """Replay every capture into ``archive``; returns counts of articles saved and gone.

    Raises ReparseError, with the archive untouched, when a capture cannot be read."""
    db = archive.db
    sites = {r["id"]: r.get("moved_to") or r["site"] for r in db["crawl_runs"].rows}
    captures = archive.capture_payloads()
    mementos = archive.memento_times()
    wayback_runs = archive.wayback_runs()
    counts: Counter = Counter()
    # One transaction, all of it or none of it: no savepoint inside (a failure rolls back all).
    with archive.transaction(), archive.unguarded():
        redirects = Redirects(db)
        backed = [r[0] for r in db.execute("select distinct article_url from article_captures")]
        deleted = {  # decided on evidence by the crawl (scraper.deletion): kept as they are
            url: (deleted_at, json.loads(evidence) if evidence else None)
            for url, deleted_at, evidence in db.execute(
                "select url, deleted_at, deletion_evidence from articles"
                " where deleted_at is not null"
            )
        }
        for url in backed:
            for table in REBUILT:
                db.execute(f"delete from [{table}] where article_url = ?", [url])
            db.execute("delete from articles where url = ?", [url])
        db.execute("delete from article_captures")
        for done, capture in enumerate(captures, 1):
            if capture["run_id"] in wayback_runs and capture["id"] not in mementos:
                continue  # a backfill's CDX answer, or a memento it never finished reading
            memento = mementos.get(capture["id"])
            counts += replay(archive, capture, warc_dir, sites, memento, redirects)
            if progress:
                progress(done, len(captures))
        for url, (deleted_at, evidence) in deleted.items():  # a 404 alone proves nothing
            counts["deleted"] += archive.mark_deleted(url, deleted_at, evidence)
        refresh_people(db)  # the names of rows cleared and not read again go too
    return counts


def replay(
    archive: Archive,
    capture: dict,
    warc_dir: str | Path,
    sites: dict,
    mementos: list[tuple[str, str]] | None = None,
    redirects: Redirects | None = None,
) -> Counter:
    """One capture into the archive. A web archive's memento (``mementos``: the page it archived
    and every time it archived these bytes) is read as that page, dated when it was archived.
    A redirect is added to ``redirects``; an article gets back the URLs that led to it."""
    seen_at = site_time(capture["fetched_at"], SITE_TZ)
    url = urlsplit(capture["url"])
    site = sites.get(capture["run_id"]) or f"{url.scheme}://{url.netloc}"
    try:
        body = read_body(warc_dir, capture["payload_file"], capture["payload_offset"])
        target = redirect_target(capture, body, warc_dir) if redirects and not mementos else None
    except (OSError, StopIteration, UnreadableCapture) as error:  # inside the transaction
        raise ReparseError(
            f"capture {capture['id']} cannot be read from"
            f" {Path(warc_dir) / capture['payload_file']}"
            f" ({type(error).__name__}); the archive was left unchanged"
        ) from None
    counts = Counter()
    if target:
        redirects.add(capture["run_id"], capture["url"], target)
        return counts
    page, times = capture, [seen_at]
    if mementos:  # a web archive's capture: the page it archived, at each time it did
        page, times = {**capture, "url": mementos[0][0]}, [when for _, when in mementos]
    try:
        articles = articles_in(page, body, site)
    except Unreadable as error:  # the rows it backs were cleared: stop, change nothing
        raise ReparseError(
            f"capture {capture['id']} ({page['url']}) cannot be read: {error};"
            " the archive was left unchanged"
        ) from None
    for article in articles:
        article.capture_id = capture["id"]
        article.site = site
        if mementos:
            article.source = "wayback"
        for when in times:
            if redirects:
                led = redirects.leading_to(capture["run_id"], capture["url"])
                led = [canonical_url(u, site) for u in led]
                led += redirects.followed_before(article.url, when)
                article.aliases = [u for u in dict.fromkeys(led) if u != article.url]
            counts[archive.save(article, seen_at=when)] += 1
    return counts
