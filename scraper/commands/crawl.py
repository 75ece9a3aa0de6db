"""``scrapy crawl``, as Scrapyd and cron jobs run it, with the archive's write lock taken first.

Another crawl writing the archive, or a database path that cannot be written, is then one
``Error: ...`` line on stderr and a non-zero exit (75 when locked, as ``ham-archive crawl``),
before any request is sent, instead of a traceback from the pipeline's ``open_spider``.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from scraper.archive import ArchiveError, ArchiveLocked, WriteLock, check_db_path
from scraper.cli import LOCKED


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        db_path = self.settings.get("ARCHIVE_DB")
        lock = WriteLock(db_path)
        try:
            check_db_path(db_path)
            lock.acquire()
        except ArchiveError as error:
            hint = "; try later" if isinstance(error, ArchiveLocked) else ""
            print(f"Error: {error}{hint}", file=sys.stderr)
            self.exitcode = LOCKED if isinstance(error, ArchiveLocked) else 1
            return
        try:
            super().run(args, opts)
        finally:
            lock.release()
