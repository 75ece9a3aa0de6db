"""Rebuild the articles from the stored captures, with no network: how a parser fix reaches the
whole archive. Captures are replayed in the order they were fetched, through the same page
objects and the same ``Archive.save`` as a live crawl, so versions and dates come out as the
crawls made them. Articles that no capture backs (older archives) are left as they are."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from scraper.archive import Archive, refresh_people
from scraper.captures import UnreadableCapture, read_body
from scraper.pages import (
    NotAnArticle,
    RestPost,
    RestRefused,
    Unreadable,
    rest_posts,
)
from scraper.pages.site import read_article
from scraper.text import SITE_TZ, site_time


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
        return [RestPost(post, site).to_article() for post in posts if "_embedded" in post]
    if capture["status"] == 200 and "html" in (capture["content_type"] or ""):
        try:
            return [read_article(capture["url"], body, site, capture["content_type"])]
        except NotAnArticle:
            return []
    return []


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
    with db.atomic():  # one transaction: all of it, or none of it
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
            counts += replay(archive, capture, warc_dir, sites, mementos.get(capture["id"]))
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
) -> Counter:
    """One capture into the archive. A web archive's memento (``mementos``: the page it archived
    and every time it archived these bytes) is read as that page, dated when it was archived."""
    seen_at = site_time(capture["fetched_at"], SITE_TZ)
    url = urlsplit(capture["url"])
    site = sites.get(capture["run_id"]) or f"{url.scheme}://{url.netloc}"
    try:
        body = read_body(warc_dir, capture["payload_file"], capture["payload_offset"])
    except (OSError, StopIteration, UnreadableCapture) as error:  # inside the transaction
        raise ReparseError(
            f"capture {capture['id']} cannot be read from"
            f" {Path(warc_dir) / capture['payload_file']}"
            f" ({type(error).__name__}); the archive was left unchanged"
        ) from None
    counts = Counter()
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
            counts[archive.save(article, seen_at=when)] += 1
    return counts
