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
