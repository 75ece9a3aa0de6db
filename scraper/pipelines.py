"""Storage only: raw captures to WARC files, articles and deletions to the archive."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import signals

from scraper.archive import Archive, WriteLock, now
from scraper.captures import WarcFiles
from scraper.health import MIN_WORDS
from scraper.items import Article, Gone
from scraper.text import site_time


class ArchivePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = settings.get("ARCHIVE_DB")
        self.warc_dir = settings.get("WARC_DIR") or Path(self.db_path).parent / "warc"
        self.full = settings.getbool("FULL_CRAWL")
        self.archive: Archive | None = None
        self.warc: WarcFiles | None = None
        self.run_id: int | None = None
        self.fetched_at: dict[int, str] = {}  # capture id -> when, so a reparse dates alike

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.capture, signal=signals.response_received)
        crawler.signals.connect(pipeline.finish_run, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider=None) -> None:
        self.lock = WriteLock(self.db_path)  # already held when run by ham-archive crawl
        self.lock.acquire()
        self.archive = Archive(self.db_path)
        self.warc = WarcFiles(self.warc_dir, originals=self.archive.original_capture)
        spider = self.crawler.spider
        self.run_id = self.archive.start_run(
            spider.site, self.full, getattr(spider, "run_mode", None)
        )

    def capture(self, response, request, spider=None) -> None:
        """Every response, before any callback sees it: to a WARC record and a captures row."""
        if self.archive is None:
            return
        reason = getattr(response, "reason", "") or ""
        capture = self.warc.write(
            response.url,
            response.status,
            reason,
            _header_list(response.headers),
            response.body,
            request_headers=_header_list(request.headers),
            method=request.method,
        )
        capture_id = self.archive.add_capture(capture, self.run_id)
        request.meta["capture_id"] = capture_id
        self.fetched_at[capture_id] = site_time(capture.fetched_at)

    def process_item(self, item, spider=None):
        seen_at = self.fetched_at.get(item.capture_id)
        if isinstance(item, Article):
            self.stats.inc_value(f"archive/{self.archive.save(item, seen_at)}")
            self.stats.inc_value(f"extractor/{item.extractor or 'unnamed'}")
            if not item.title or item.word_count < MIN_WORDS:
                self.stats.inc_value("extractor/empty")
        elif isinstance(item, Gone) and self.archive.mark_deleted(item.url, seen_at, item.evidence):
            self.stats.inc_value("archive/deleted")
        return item

    def finish_run(self, spider, reason: str) -> None:
        """After every item is stored: the run's row in crawl_runs (its status read by `check`)."""
        if self.archive is None:
            return
        stats = self.stats.get_stats()
        saved = sum(stats.get(f"archive/{k}", 0) for k in ("added", "changed", "unchanged"))
        failures = getattr(spider, "failures", [])  # the live crawl's (HamSpider) record
        if hasattr(spider, "failure_count"):  # what a second try fetched is no failure
            self.stats.set_value("ham/failed", spider.failure_count())
        failed = self.stats.get_value("ham/failed", 0)
        seen_site = stats.get("response_received_count", 0) > 0
        status = run_status(reason, self.stats.get_stats(), saved, spider)
        self.stats.set_value("ham/status", status)
        kept = {}
        if not getattr(spider, "listing_complete", lambda: True)():  # asked again next run
            kept = {"listing_complete": False, "previous_watermark": spider.state.modified_after}
        asked = getattr(spider, "asked", spider.site)
        self.archive.finish_run(
            self.run_id,
            mode=spider.mode,
            status=status,
            requests=stats.get("downloader/request_count", 0),
            new=stats.get("archive/added", 0),
            updated=stats.get("archive/changed", 0),
            unchanged=stats.get("archive/unchanged", 0),
            deleted=stats.get("archive/deleted", 0),
            failed=failed,
            errors=spider.first_failure,
            sources=json.dumps(sorted(spider.seen)),
            coverage=json.dumps(spider.coverage()),
            failures=failures,
            moved_to=spider.site if spider.site != asked else None,
            extractors=json.dumps(
                {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("extractor/")}
            ),
            cms=getattr(spider, "cms", None),
            **kept,
        )
        if seen_site and hasattr(spider, "hops"):
            self.archive.record_site(spider.asked, spider.site, spider.cms, spider.hops, now())
        self.warc.close()
        self.archive.close()
        self.lock.release()


def run_status(reason: str, stats: dict, saved: int, spider) -> str:
    """moved: the site moved into another one crawled beside it; failed: stopped, or the site
    never answered; empty: nothing found on a first run, and nothing failed; partial: anything
    failed (download, HTTP status, page object, spider or item error)."""
    if getattr(spider, "moved_into", None):
        return "moved"
    if reason != "finished" or not stats.get("response_received_count"):
        return "failed"
    if not saved and not spider.incremental and not stats.get("ham/failed"):
        return "empty"
    return "partial" if stats.get("ham/failed") else "ok"


def _header_list(headers) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, values in headers.items() for value in values]
