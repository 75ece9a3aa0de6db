"""Hands each Article to the archive; counts what was added, changed and unchanged."""

from __future__ import annotations

from scraper.archive import Archive
from scraper.items import Article


class ArchivePipeline:
    def __init__(self, db_path: str, stats):
        self.db_path = db_path
        self.stats = stats
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("ARCHIVE_DB"), crawler.stats)

    def open_spider(self, spider=None) -> None:
        self.archive = Archive(self.db_path)

    def close_spider(self, spider=None) -> None:
        if self.archive:
            self.archive.close()

    def process_item(self, item: Article, spider=None) -> Article:
        outcome = self.archive.save(item)
        self.stats.inc_value(f"archive/{outcome}")
        return item
