"""Storage of a backfill: the live crawl's pipeline, with each memento's provenance and dates.

A memento's bytes go to our WARC files like any response (the record's URI is the memento URL:
what we fetched). Once the page is read, the web archive's captures it stands for go to
``mementos`` and the article read from it is saved once per capture, dated when the web archive
captured it, all in one transaction: so the earliest capture is ``first_seen_at``, each state
joins the history in capture order, and a backfill killed at any point resumes exactly.
"""

from __future__ import annotations

from scraper.items import Article
from scraper.pipelines import ArchivePipeline, resolve_capture
from scraper.text import site_time
from scraper.wayback import CdxRecord, memento_time


class BackfillPipeline(ArchivePipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.mementos: dict[int, list[dict]] = {}  # capture id -> its mementos rows, once read

    def capture(self, response, request, spider=None) -> None:
        super().capture(response, request, spider)
        group: list[CdxRecord] | None = request.meta.get("mementos")
        capture = request.meta.get("capture_id")  # a CaptureRef: its id comes with the write
        if group and capture is not None and response.status == 200:
            self.mementos[capture] = memento_rows(group, self.crawler.spider.wayback, response.url)

    async def process_item(self, item, spider=None):
        """An Article or a NoArticle read from a memento: its captures, then its states."""
        rows = self.mementos.pop(item.capture_id, None)
        if rows is None:
            return item

        def store() -> list[str]:  # in the writer's thread, after the memento's capture
            resolve_capture(item)
            with self.archive.transaction():  # a kill leaves the memento unread, to read again
                self.archive.add_mementos(rows, item.capture_id)
                if not isinstance(item, Article):
                    return []
                return [
                    f"archive/{self.archive.save(item, seen_at=row['archived_at'])}" for row in rows
                ]

        return await self.in_writer(store, item)


def memento_rows(group: list[CdxRecord], prefix: str, fetched_url: str) -> list[dict]:
    """The ``mementos`` rows of one state: the capture fetched, then those collapsed into it."""
    rows = []
    for number, record in enumerate(group):
        when = record.timestamp if number else memento_time(fetched_url, record.timestamp)
        rows.append(
            {
                "archive": prefix,
                "original": record.original,
                "timestamp": record.stamp,
                "archived_at": site_time(when.isoformat()),
                "urlkey": record.urlkey,
                "mimetype": record.mimetype,
                "statuscode": record.statuscode,
                "digest": record.digest,
                "length": record.length,
                "memento_url": record.memento_url(prefix),
            }
        )
    return rows
