"""One crawl writes an archive at a time; Datasette reads it while a crawl writes."""

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import ham_archive
from test_cli import closed_port

from scraper.archive import WriteLock

LOCKED = 75  # the documented exit status of a crawl refused by the lock


def start_crawl(site_url: str, db: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "scraper.cli", "crawl", "--site", site_url, "--db", str(db)]
    return subprocess.Popen(
        [*command, *extra], stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def holding(db: Path, process: subprocess.Popen, timeout: float = 60) -> str:
    """Wait until ``process`` holds the archive's lock; returns when it took it."""
    lock = Path(f"{db}.lock")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        fields = lock.read_text().split() if lock.exists() else []
        if fields and fields[0] == str(process.pid):
            return fields[1]
        time.sleep(0.05)
    raise AssertionError("the crawl never took the lock")


def runs(db: Path) -> list[dict]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute("select * from crawl_runs order by id")]


def test_a_second_crawl_is_refused_or_waits(wp_fresh, tmp_path):
    site, db = wp_fresh, tmp_path / "archive.db"
    site.wp.php("update_option('ham_test_rest_locked', 1);")  # HTML mode: a crawl of seconds
    first = start_crawl(site.url, db)
    since = holding(db, first)

    refused = ham_archive("crawl", "--site", site.url, "--db", str(db), timeout=120)
    assert refused.returncode == LOCKED, refused.stderr
    assert refused.stderr.splitlines() == [
        f"Error: {str(db.resolve())!r} is being written by another ham-archive "
        f"(process {first.pid}, since {since}); try later, or pass --wait"
    ]
    waiting = start_crawl(site.url, db, "--wait")
    assert first.wait(300) == 0, first.stderr.read()
    assert waiting.wait(300) == 0
    lines = waiting.stderr.read().splitlines()
    assert lines[0].endswith(f"(process {first.pid}, since {since}); waiting for it to finish")
    assert lines[-1].startswith("Crawled") and "(incremental)" in lines[-1]

    done = runs(db)
    assert [r["status"] for r in done] == ["ok", "ok"]  # the refused crawl wrote nothing
    assert done[1]["started_at"] >= done[0]["ended_at"]
    with sqlite3.connect(db) as connection:
        counts = connection.execute("select count(*), count(distinct url) from articles")
        assert counts.fetchone() == (len(site.published()),) * 2


def test_scrapy_crawl_is_refused_in_one_line_while_the_archive_is_written(tmp_path):
    """Scrapyd runs `scrapy crawl`: another writer is an `Error:` line and 75, no request sent."""
    db, site = tmp_path / "archive.db", f"http://127.0.0.1:{closed_port()}"
    with WriteLock(db):
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "ham", "-a", f"site={site}"]
            + ["-s", f"ARCHIVE_DB={db}", "-s", "LOG_LEVEL=ERROR"],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == LOCKED, result.stderr
    assert result.stderr.splitlines() == [
        f"Error: {str(db.resolve())!r} is being written by another ham-archive "
        f"(process {os.getpid()}, since {Path(f'{db}.lock').read_text().split()[1]}); try later"
    ]
    assert not db.exists()


INVARIANTS = """select
  (select count(*) from articles where url not in (select url from article_urls)) as unlisted,
  (select count(*) from articles as a where a.version_count - 1 !=
    (select count(*) from article_versions as v where v.article_url = a.url)) as torn,
  (select count(*) from articles) as articles"""


def test_datasette_reads_while_a_full_crawl_writes(wp_fresh, tmp_path):
    site, db = wp_fresh, tmp_path / "archive.db"
    result = ham_archive("crawl", "--site", site.url, "--db", str(db))
    assert result.returncode == 0, result.stderr
    for post_id in site.ids[:5]:  # the full crawl below writes versions too
        site.wp.update_post(post_id, post_content="Isi baru. (Humas DJHAM)")
    site.wp.php("update_option('ham_test_rest_locked', 1);")
    port = closed_port()
    command = [sys.executable, "-m", "scraper.cli", "serve", "--db", str(db), "--port", str(port)]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    paths = [
        "/archive.json?" + urllib.parse.urlencode({"sql": INVARIANTS, "_shape": "array"}),
        "/archive/articles.json?_shape=array&_size=20",
        "/archive/search.json?q=lapor&_shape=array",
        "/archive/article_urls.json?_shape=array",
        "/archive/edited_articles.json?_shape=array",
        "/archive/articles?_facet=author",
    ]
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + paths[0], timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        crawl = start_crawl(site.url, db, "--full")
        answers, during = [], 0
        while crawl.poll() is None or not answers:
            path = paths[len(answers) % len(paths)]
            try:
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    answers.append((path, response.status, response.read()))
            except urllib.error.HTTPError as error:
                answers.append((path, error.code, error.read()))
            during += crawl.poll() is None
        assert crawl.wait(300) == 0, crawl.stderr.read()
    finally:
        server.terminate()
        server.wait(10)
    assert during >= 20, during
    assert [a[:2] for a in answers if a[1] != 200] == []
    assert not [a[0] for a in answers if b"database is locked" in a[2]]
    for path, _, body in answers:
        if path == paths[0]:
            (row,) = json.loads(body)
            assert (row["unlisted"], row["torn"]) == (0, 0), row
            assert row["articles"] == len(site.published())
    assert runs(db)[-1]["updated"] == 5


def test_a_reparse_is_refused_while_a_crawl_writes(tmp_path, archive_with_article):
    """A reparse is a writer too: refused while a crawl holds the lock, and no file touched."""
    from scraper.archive import WriteLock

    lock = WriteLock(archive_with_article)
    lock.acquire()
    before = Path(archive_with_article).read_bytes()
    try:
        result = ham_archive("reparse", "--db", archive_with_article, timeout=60)
    finally:
        lock.release()
    assert result.returncode == LOCKED
    assert result.stderr.startswith(
        f"Error: {str(Path(archive_with_article).resolve())!r} is "
        f"being written by another ham-archive (process {os.getpid()}"
    )
    assert Path(archive_with_article).read_bytes() == before
    result = ham_archive("reparse", "--db", archive_with_article, timeout=60)
    assert result.returncode == 0, result.stderr
