"""The pipeline's writer thread: writes in order, a batch per transaction, failures apart."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from scraper.archive import Archive, ArchiveError
from scraper.items import Article
from scraper.pipelines import Writer


def article(n: int) -> Article:
    return Article(
        url=f"https://ham.go.id/2023/01/01/a{n}/",
        title=f"Berita {n}",
        published_at="2023-01-01T09:00:00+07:00",
        body_html=f"<p>Warga melaporkan {n}.</p>",
        body_text=f"Warga melaporkan {n}.",
        source="html",
    )


def test_writes_run_in_order_in_one_thread_and_a_failure_stays_alone(tmp_path: Path):
    writer = Writer(str(tmp_path / "archive.db"), tmp_path / "warc")
    threads: set[str] = set()

    def save(n: int):
        threads.add(threading.current_thread().name)
        return writer.archive.save(article(n))

    def fail():
        raise ValueError("one bad write")

    futures = [writer.submit(lambda n=n: save(n)) for n in range(50)]
    bad = writer.submit(fail)
    futures += [writer.submit(lambda n=n: save(n)) for n in range(50, 60)]
    assert [f.result() for f in futures] == ["added"] * 60
    with pytest.raises(ValueError):
        bad.result()
    writer.close()
    assert threads == {"archive-writer"}
    archive = Archive(tmp_path / "archive.db")
    assert archive.count() == 60  # committed, the failed write apart
    archive.close()


def test_an_archive_that_cannot_be_opened_fails_at_once(tmp_path: Path):
    (tmp_path / "not.db").write_text("not sqlite")
    with pytest.raises(ArchiveError):
        Writer(str(tmp_path / "not.db"), tmp_path / "warc")


def test_a_clean_batch_is_one_transaction_with_no_savepoint_inside(tmp_path: Path):
    """A savepoint per write made FTS5 write out its pending terms at every one (a seventh of
    a save): a batch that does not fail has none."""
    writer = Writer(str(tmp_path / "archive.db"), tmp_path / "warc")
    statements: list[str] = []
    writer.call(lambda: writer.archive.db.conn.set_trace_callback(statements.append))
    futures = [writer.submit(lambda n=n: writer.archive.save(article(n))) for n in range(20)]
    assert [f.result() for f in futures] == ["added"] * 20
    writer.call(lambda: writer.archive.db.conn.set_trace_callback(None))
    writer.close()
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]


def test_a_write_that_fails_halfway_leaves_nothing_and_the_others_are_stored_once(tmp_path):
    """The batch is rolled back and written again, a savepoint per write: what the failed write
    had written goes, each other write is in the archive once."""
    writer = Writer(str(tmp_path / "archive.db"), tmp_path / "warc")

    def save_then_fail():
        writer.archive.save(article(99))
        raise ValueError("failed after its save")

    first = [writer.submit(lambda n=n: writer.archive.save(article(n))) for n in range(10)]
    bad = writer.submit(save_then_fail)
    later = [writer.submit(lambda n=n: writer.archive.save(article(n))) for n in range(10, 20)]
    assert [f.result() for f in first + later] == ["added"] * 20
    with pytest.raises(ValueError, match="failed after its save"):
        bad.result()
    writer.close()
    archive = Archive(tmp_path / "archive.db")
    assert archive.count() == 20
    assert not archive.db.execute("select 1 from articles where url like '%/a99/'").fetchall()
    assert archive.db.execute("select count(*) from article_urls").fetchone()[0] == 20
    assert archive.db.execute("select count(*) from article_versions").fetchone()[0] == 0
    found = archive.db.execute(
        "select count(*) from articles_stemmed_fts where articles_stemmed_fts match 'lapor'"
    ).fetchone()[0]
    assert found == 20  # the index holds each article once, and not the failed one
    archive.close()


def test_a_capture_is_written_to_its_warc_once_when_its_batch_is_written_again(tmp_path):
    """A batch with a failed write is written again: its captures' rows are, their WARC
    records are not (each record once, each row reading back its own body)."""
    from scrapy import Spider
    from scrapy.http import Request, Response
    from scrapy.utils.test import get_crawler
    from warcio.archiveiterator import ArchiveIterator

    from scraper.captures import read_body
    from scraper.pipelines import ArchivePipeline, close_writer

    settings = {"ARCHIVE_DB": str(tmp_path / "archive.db"), "WARC_DIR": str(tmp_path / "warc")}
    crawler = get_crawler(Spider, settings)
    crawler.spider = crawler._create_spider("test", site="http://127.0.0.1:9")
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    # Held until all are queued, so that they are one batch.
    hold = threading.Event()
    pipeline.writer.submit(hold.wait)
    requests = [Request(f"http://127.0.0.1:9/p{n}/") for n in range(3)]
    for n, request in enumerate(requests):
        response = Response(request.url, status=200, body=f"page {n}".encode(), request=request)
        pipeline.capture(response, request)

    def fail():
        raise ValueError("a write of the batch fails")

    bad = pipeline.writer.submit(fail)
    hold.set()
    with pytest.raises(ValueError):
        bad.result()
    ids = [request.meta["capture_id"].id for request in requests]
    close_writer(pipeline.writer)
    pipeline.lock.release()
    uris = []
    for path in sorted((tmp_path / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            records = ArchiveIterator(stream)
            uris += [r.rec_headers["WARC-Target-URI"] for r in records if r.rec_type == "response"]
    assert uris == [request.url for request in requests]  # once each, in order
    archive = Archive(tmp_path / "archive.db")
    rows = archive.db.execute("select id, warc_file, warc_offset from captures order by id")
    stored = [(id, read_body(tmp_path / "warc", file, offset)) for id, file, offset in rows]
    archive.close()
    assert stored == [(ids[n], f"page {n}".encode()) for n in range(3)]
