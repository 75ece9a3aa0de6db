"""Backfill from a web archive: discovery and fetching only.

One CDX request lists every capture of the site's URL space; the captures that may hold an
article (``scraper.wayback.worth_fetching``), one per state (``distinct_captures``), are fetched
as original bytes (``id_``) one after another, oldest first, each read by the same page objects
as a live crawl. Captures read by an earlier run are skipped, so an interrupted backfill resumes
where it stopped. Politeness: one request at a time, ``delay`` seconds apart (one a second by
default), and the project's retries, which honour Retry-After.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from scraper.archive import Archive
from scraper.items import NoArticle
from scraper.pages import NotAnArticle, Unreadable
from scraper.pages.site import read_article
from scraper.wayback import (
    INTERNET_ARCHIVE_CDX,
    INTERNET_ARCHIVE_WAYBACK,
    cdx_query,
    distinct_captures,
    parse_cdx,
    worth_fetching,
)

CDX_TIMEOUT = 600  # seconds: the Internet Archive takes its time to list a whole site


class WaybackSpider(scrapy.Spider):
    name = "wayback"
    run_mode = "wayback"  # crawl_runs.mode from the start, so a reparse knows a killed run
    custom_settings = {
        "HTTPERROR_ALLOW_ALL": True,
        "AUTOTHROTTLE_ENABLED": False,  # a fixed, predictable pace for a shared public service
        "CONCURRENT_REQUESTS": 1,
        "DOWNLOAD_DELAY_JITTER": 0,
        "ITEM_PIPELINES": {"scraper.backfill.BackfillPipeline": 300},
    }

    def __init__(
        self,
        site: str,
        cdx: str = INTERNET_ARCHIVE_CDX,
        wayback: str = INTERNET_ARCHIVE_WAYBACK,
        year_from: int | str | None = None,
        year_to: int | str | None = None,
        delay: float | str = 1.0,
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.site = site.rstrip("/")
        self.cdx = cdx
        self.wayback = wayback.rstrip("/") + "/"
        self.year_from = int(year_from) if year_from else None
        self.year_to = int(year_to) if year_to else None
        self.download_delay = float(delay)
        self.allowed_domains = sorted({urlsplit(u).hostname for u in (cdx, self.wayback)})
        self.mode = "wayback"
        self.incremental = False
        self.first_failure: str | None = None
        self.seen: dict[str, set[str]] = {}
        self.queue: deque[list] = deque()
        self.report = {"listed": 0, "malformed": 0, "distinct": 0, "read_before": 0}
        self.malformed: list[str] = []

    async def start(self):
        archive = Archive(self.settings.get("ARCHIVE_DB"))
        self.read_before = archive.mementos_read(self.wayback)
        archive.close()
        self.incremental = bool(self.read_before)  # a resumed run may well find nothing new
        query = cdx_query(self.cdx, self.site, self.year_from, self.year_to)
        yield scrapy.Request(
            query,
            callback=self.parse_cdx,
            errback=self.failed,
            meta={"download_timeout": CDX_TIMEOUT},
        )

    def parse_cdx(self, response: Response):
        if response.status != 200:
            self.first_failure = f"the CDX server answered HTTP {response.status}"
            self.count("failed")
            return
        records, self.malformed = parse_cdx(response.text)
        if self.malformed and not records:
            self.first_failure = f"its answer is not CDX: {self.malformed[0]}"
        for line in self.malformed[:20]:
            self.logger.warning("malformed CDX line: %s", line)
        groups = distinct_captures(
            r for r in records if worth_fetching(r, self.year_from, self.year_to)
        )
        todo = [g for g in groups if (g[0].original, g[0].stamp) not in self.read_before]
        self.report.update(
            listed=len(records),
            malformed=len(self.malformed),
            distinct=len(groups),
            read_before=len(groups) - len(todo),
        )
        self.count("malformed_cdx", len(self.malformed))
        self.queue.extend(todo)
        yield from self.next_memento()

    def next_memento(self):
        """One memento at a time, oldest first: the next is asked for once this one is read."""
        if self.queue:
            group = self.queue.popleft()
            yield scrapy.Request(
                group[0].memento_url(self.wayback),
                callback=self.parse_memento,
                errback=self.memento_failed,
                meta={"mementos": group},
                dont_filter=True,
            )

    def parse_memento(self, response: Response):
        """The next memento is asked for first, so that it downloads while this one is read
        and stored (still one request at a time); the archive takes states in any order."""
        yield from self.next_memento()
        group = response.meta["mementos"]
        if response.status != 200:
            self.count("failed")
            self.logger.warning("memento %s answered HTTP %d", response.url, response.status)
        else:
            try:
                content_type = response.headers.get("Content-Type")
                article = read_article(group[0].original, response.body, self.site, content_type)
                article.source, article.site = "wayback", self.site
                article.capture_id = response.meta.get("capture_id")
                self.seen.setdefault("wayback", set()).add(article.url)
                yield article
            except NotAnArticle as error:
                self.count("skipped")
                self.logger.info("%s", error)
                yield NoArticle(url=group[0].original, capture_id=response.meta.get("capture_id"))
            except Unreadable as error:  # a failure, not a skip: read again by the next run
                self.count("failed")
                self.logger.error("memento %s cannot be read: %s", response.url, error)

    def memento_failed(self, failure: Failure):
        self.failed(failure)
        yield from self.next_memento()

    def failed(self, failure: Failure):
        self.first_failure = self.first_failure or failure.getErrorMessage()
        self.count("failed")
        self.logger.warning("%s failed: %s", failure.request.url, failure.getErrorMessage())

    def count(self, what: str, by: int = 1) -> None:
        self.crawler.stats.inc_value(f"ham/{what}", by)

    def coverage(self) -> dict:
        return {**self.report, "articles": len(self.seen.get("wayback", ())), "cdx": self.cdx}
