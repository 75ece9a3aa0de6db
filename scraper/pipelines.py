"""Storage only: raw captures to WARC files, articles and deletions to the archive.

Every write goes through one writer thread, in the order the crawl made them, a batch of queued
writes per transaction: parsing, stemming and storage then run beside the downloads instead of
between them (the reactor thread only queues).
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import defer

from scraper.archive import Archive, ArchiveUnwritable, WriteLock, now, storage_fault
from scraper.captures import Capture, WarcFiles
from scraper.health import MIN_WORDS
from scraper.items import Article, Gone
from scraper.text import site_time

logger = logging.getLogger(__name__)


class CaptureRef:
    """A response's capture id (request.meta), set once the writer has stored the capture."""

    id: int | None = None


class Writer:
    """The thread that owns the archive and the WARC files. ``submit`` queues a write; up to
    BATCH queued writes are one transaction, and their futures are settled after its commit.

    A batch is first written with no savepoint around each write (one cost a seventh of a
    save, half of it FTS5 writing out its pending terms). If any write fails, the whole
    batch is rolled back and written again, each write in a savepoint of its own, so that it
    fails alone; a write is therefore safe to run twice, the second time after a rollback
    (its effects outside the database are done once: ``ArchivePipeline.capture``).

    Once the storage itself refuses a write (``storage_fault``: a full disk, a read-only or
    failing file system), ``fault`` says why and every later write fails at once with
    ArchiveUnwritable, but for those submitted ``always`` (the run's own record): nothing is
    stored after the fault that its capture or its batch might lack."""

    BATCH = 500

    def __init__(self, db_path: str, warc_dir: Path):
        self.tasks: queue.Queue = queue.Queue()
        self.fault: str | None = None
        opened: Future = Future()
        self.thread = threading.Thread(
            target=self.run, args=(db_path, warc_dir, opened), name="archive-writer", daemon=True
        )
        self.thread.start()
        self.archive, self.warc = opened.result()  # ArchiveError as before, in open_spider

    def submit(self, work: Callable[[], object] | None, always: bool = False) -> Future:
        future: Future = Future()
        self.tasks.put((work, future, always))
        return future

    def run(self, db_path: str, warc_dir: Path, opened: Future) -> None:
        try:
            archive = Archive(db_path)
            warc = WarcFiles(warc_dir, originals=archive.original_capture)
        except BaseException as error:
            opened.set_exception(error)
            return
        opened.set_result((archive, warc))
        closing = False
        while not closing:
            batch = [self.tasks.get()]
            while len(batch) < self.BATCH and not self.tasks.empty():
                batch.append(self.tasks.get())
            closing = any(work is None for work, _, _ in batch)
            for group in transactions(batch):
                if self.fault and not group[0][2]:  # refused, but the close (None)
                    for work, future, _ in group:
                        if work is None:
                            future.set_result(None)
                        else:
                            future.set_exception(ArchiveUnwritable(self.fault))
                    continue
                for future, value, error in write_batch(archive, [task[:2] for task in group]):
                    self.fault = self.fault or (error and storage_fault(error))
                    future.set_exception(error) if error else future.set_result(value)
        try:
            warc.close()
            archive.close()
        except (OSError, sqlite3.Error):  # what was committed is in the database already
            logger.exception("closing the archive failed")

    def call(self, work: Callable[[], object], always: bool = False) -> object:
        """Run ``work`` in the writer, after everything queued before it; wait for it."""
        return self.submit(work, always).result()

    def close(self) -> None:
        self.submit(None).result()
        self.thread.join()


def transactions(batch: list[tuple]) -> Iterator[list[tuple]]:
    """A batch's tasks (work, future, always) in the order queued, one transaction each run of
    them: an ``always`` write alone, so that no other write's failure takes it along."""
    group: list[tuple] = []
    for task in batch:
        if task[2] and group:
            yield group
            group = []
        group.append(task)
        if task[2]:
            yield group
            group = []
    if group:
        yield group


def write_batch(
    archive: Archive, batch: list[tuple[Callable[[], object] | None, Future]]
) -> list[tuple[Future, object, BaseException | None]]:
    """The writes of a batch in one transaction: (future, value, error) for each (``Writer``)."""
    try:
        with archive.transaction(), archive.unguarded():
            values = [work and work() for work, _ in batch]
        return [(future, value, None) for (_, future), value in zip(batch, values, strict=True)]
    except Exception:  # rolled back: written again below, where the failure is logged
        logger.debug("archive batch rolled back, written again write by write", exc_info=True)
    settled: list[tuple[Future, object, BaseException | None]] = []
    try:
        with archive.transaction():
            for work, future in batch:
                try:
                    with archive.transaction():
                        settled.append((future, work and work(), None))
                except Exception as error:  # this write fails, not its batch
                    logger.exception("archive write failed")
                    settled.append((future, None, error))
    except Exception as error:  # the commit failed: nothing of the batch was stored
        logger.exception("archive commit failed")
        settled = [(future, None, error) for _, future in batch]
    return settled


class Handoff:
    """Deferreds of the reactor's thread that fire when Futures settled in the writer's thread
    do: one wake-up of the reactor for every Future settled since the last one (a batch), not
    one for each item."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.settled: list[tuple[defer.Deferred, Future]] = []

    def deferred(self, future: Future) -> defer.Deferred:
        waiting = defer.Deferred()
        future.add_done_callback(lambda done: self._queue(waiting, done))
        return waiting

    def _queue(self, waiting: defer.Deferred, done: Future) -> None:
        from twisted.internet import reactor

        with self.lock:
            self.settled.append((waiting, done))
            first = len(self.settled) == 1
        if first:
            reactor.callFromThread(self._fire)

    def _fire(self) -> None:
        with self.lock:
            settled, self.settled = self.settled, []
        for waiting, done in settled:
            error = done.exception()
            waiting.errback(error) if error else waiting.callback(done.result())


# One writer per archive in a process: crawls of several sites side by side (``ham-archive
# crawl --site A --site B``) share it, so their writes never wait on each other's locks.
WRITERS: dict[tuple[str, str], list] = {}  # (db, warc dir) -> [writer, pipelines using it]


def open_writer(db_path: str, warc_dir: Path) -> Writer:
    key = (str(Path(db_path).resolve()), str(Path(warc_dir).resolve()))
    if key not in WRITERS:
        WRITERS[key] = [Writer(db_path, warc_dir), 0]
    WRITERS[key][1] += 1
    return WRITERS[key][0]


def close_writer(writer: Writer) -> None:
    for key, (shared, users) in list(WRITERS.items()):
        if shared is writer:
            if users > 1:
                WRITERS[key][1] -= 1
                return
            del WRITERS[key]
    writer.close()


class ArchivePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = settings.get("ARCHIVE_DB")
        self.warc_dir = settings.get("WARC_DIR") or Path(self.db_path).parent / "warc"
        self.full = settings.getbool("FULL_CRAWL")
        self.writer: Writer | None = None
        self.handoff = Handoff()
        self.archive: Archive | None = None  # used in the writer's thread only
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
        spider = self.crawler.spider
        site, full, mode = spider.site, self.full, getattr(spider, "run_mode", None)
        try:
            self.writer = open_writer(self.db_path, self.warc_dir)
            try:
                self.archive, self.warc = self.writer.archive, self.writer.warc
                self.run_id = self.writer.call(lambda: self.archive.start_run(site, full, mode))
            except BaseException:
                close_writer(self.writer)
                self.writer = None
                raise
        except Exception as error:  # the crawl stops before any request: its line says why
            self.lock.release()
            self.stats.set_value("ham/open_error", str(error) or type(error).__name__)
            raise

    def capture(self, response, request, spider=None) -> None:
        """Every response, before any callback sees it: to a WARC record and a captures row
        (queued; the item that the response gives is stored after it)."""
        if self.writer is None:
            return
        reason = getattr(response, "reason", "") or ""
        record = (response.url, response.status, reason, _header_list(response.headers))
        body = response.body
        sent = {"request_headers": _header_list(request.headers), "method": request.method}
        ref = request.meta["capture_id"] = CaptureRef()
        written: list[Capture] = []

        def write() -> None:
            if not written:  # once, even if its batch is rolled back and written again
                written.append(self.warc.write(*record, body, **sent))
            ref.id = self.archive.add_capture(written[0], self.run_id)
            self.fetched_at[ref.id] = site_time(written[0].fetched_at)

        self.writer.submit(write)

    async def process_item(self, item, spider=None):
        return await self.in_writer(lambda: self.store(item), item)

    def in_writer(self, work: Callable[[], list[str]], item) -> Awaitable:
        """``work`` (which returns the stats it adds to) in the writer's thread, after the
        captures queued before it; to await, it gives ``item`` once it is committed."""
        stored = self.handoff.deferred(self.writer.submit(work))
        stored.addCallbacks(self.count, self.refused, callbackArgs=(item,))
        return maybe_deferred_to_future(stored)

    def refused(self, failure):
        """A write that failed: when the storage refused it, the crawl stops (nothing more
        could be kept; the run is recorded as failed, and the next one fetches the rest)."""
        if self.writer.fault and not self.stats.get_value("ham/archive_fault"):
            self.stats.set_value("ham/archive_fault", self.writer.fault)
            engine = self.crawler.engine
            deferred_from_coro(engine.close_spider_async(reason="archive_unwritable"))
        return failure

    def store(self, item) -> list[str]:
        """In the writer's thread: the item into the archive; the stats it adds to."""
        resolve_capture(item)
        seen_at = self.fetched_at.get(item.capture_id)
        if isinstance(item, Article):
            counts = [f"archive/{self.archive.save(item, seen_at)}"]
            counts.append(f"extractor/{item.extractor or 'unnamed'}")
            if not item.title or item.word_count < MIN_WORDS:
                counts.append("extractor/empty")
            return counts
        if isinstance(item, Gone) and self.archive.mark_deleted(item.url, seen_at, item.evidence):
            return ["archive/deleted"]
        return []

    def count(self, counts: list[str], item):
        for key in counts:
            self.stats.inc_value(key)
        return item

    def finish_run(self, spider, reason: str) -> None:
        """After every item is stored: the run's row in crawl_runs (its status read by `check`)."""
        if self.writer is None:
            return
        stats = self.stats.get_stats()
        saved = sum(stats.get(f"archive/{k}", 0) for k in ("added", "changed", "unchanged"))
        failures = getattr(spider, "failures", [])  # the live crawl's (HamSpider) record
        if hasattr(spider, "failure_count"):  # what a second try fetched is no failure
            self.stats.set_value("ham/failed", spider.failure_count())
        failed = self.stats.get_value("ham/failed", 0)
        seen_site = stats.get("response_received_count", 0) > 0
        status = run_status(reason, self.stats.get_stats(), saved, spider)
        if fault := self.writer.fault:  # even if the last write was the one refused
            status = "failed"
            self.stats.set_value("ham/archive_fault", fault)
        elif reason != "finished":  # SIGTERM (shutdown), a CLOSESPIDER_* limit, ...
            self.stats.set_value("ham/stopped", reason)
        self.stats.set_value("ham/status", status)
        kept = {}
        if not getattr(spider, "listing_complete", lambda: True)():  # asked again next run
            kept = {"listing_complete": False, "previous_watermark": spider.state.modified_after}
        asked = getattr(spider, "asked", spider.site)
        fields = dict(
            mode=spider.mode,
            status=status,
            requests=stats.get("downloader/request_count", 0),
            new=stats.get("archive/added", 0),
            updated=stats.get("archive/changed", 0),
            unchanged=stats.get("archive/unchanged", 0),
            deleted=stats.get("archive/deleted", 0),
            failed=failed,
            errors=(
                f"cannot write the archive: {fault}"
                if fault
                else f"stopped before the end ({reason})"
                if reason != "finished"
                else spider.first_failure
            ),
            sources=json.dumps(sorted(spider.seen)),
            coverage=json.dumps(spider.coverage()),
            failures=failures,
            moved_to=spider.site if spider.site != asked else None,
            extractors=json.dumps(
                {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("extractor/")}
            ),
            cms=getattr(spider, "cms", None),
            site_clock_offset=getattr(spider, "clock_offset", None),
            **kept,
        )
        site = (
            (spider.asked, spider.site, spider.cms, spider.hops)
            if hasattr(spider, "hops")
            else None
        )

        def finish(listed: list[dict]) -> None:  # after every queued capture: ids known
            fields["failures"] = [
                {**failure, "capture_id": capture_id_of(failure.get("capture_id"))}
                for failure in listed
            ]
            self.archive.finish_run(self.run_id, **fields)
            if seen_site and site:
                self.archive.record_site(*site, now())

        try:
            try:
                self.writer.call(lambda: finish(failures), always=True)
            except Exception as error:
                if not storage_fault(error):
                    raise
                # The run's row alone, where its failures did not fit: a failed run is not
                # trusted, the next one starts from the last good run and meets them again.
                self.writer.call(lambda: finish([]), always=True)
        except Exception as error:  # ``check`` tells a run left 'running' by its free lock
            logger.exception("the run's record could not be written")
            self.stats.set_value("ham/run_unrecorded", storage_fault(error) or repr(error))
        finally:
            close_writer(self.writer)
            self.lock.release()


def resolve_capture(item) -> None:
    """In the writer's thread: the capture ids the item names (its own, and those of its
    deletion evidence), stored before it (the writer keeps the order)."""
    item.capture_id = capture_id_of(item.capture_id)
    evidence = getattr(item, "evidence", None)
    if evidence and evidence.get("capture_ids"):
        ids = {capture_id_of(capture) for capture in evidence["capture_ids"]}
        evidence["capture_ids"] = sorted(ids - {None})


def capture_id_of(capture: CaptureRef | int | None) -> int | None:
    """A capture's id, whether the spider held the id itself or a CaptureRef to it."""
    return capture.id if isinstance(capture, CaptureRef) else capture


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
