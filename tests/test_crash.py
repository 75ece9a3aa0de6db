"""SIGKILL of the whole crawl at random points, run after run: the next run ends with the
archive complete, without duplicates, every capture readable, and integrity_check ok."""

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import corpus
import wordpress
from conftest import ham_archive

from scraper.captures import read_body

RUNS = 20
SEED = 20261201  # the kill points: reproducible, as any other test


def query(db, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def stored_any(db) -> bool:
    """Whether the crawl has stored an article: its file may exist before its tables do."""
    try:
        return db.exists() and query(db, "select count(*) from articles")[0][0] > 0
    except sqlite3.OperationalError:  # no such table: the archive is being made
        return False


def crawl(site_url: str, db, full: bool = False) -> subprocess.Popen:
    command = [sys.executable, "-m", "scraper.cli", "crawl", "--site", site_url, "--db", str(db)]
    return subprocess.Popen(
        command + (["--full"] if full else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def timed(process: subprocess.Popen) -> float:
    """Seconds an uncut run takes on this machine: the kill points are drawn within it, so
    a fast machine cuts runs as often as a slow one."""
    start = time.monotonic()
    assert process.wait() == 0
    return time.monotonic() - start


def killed_runs(
    site_url: str, db, rng: random.Random, runs: int, full: float, incremental: float
) -> int:
    """``runs`` crawls, each SIGKILLed (its whole process group) at a random point of its
    expected duration (``full`` or ``incremental`` seconds) unless it ended before; after
    each, integrity_check. Returns how many were killed."""
    killed = 0
    for number in range(runs):
        is_full = not db.exists() or rng.random() < 0.3
        process = crawl(site_url, db, full=is_full)
        try:
            process.wait(rng.uniform(0.05, 0.95) * (full if is_full else incremental))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            killed += 1
        if db.exists():
            assert query(db, "pragma integrity_check") == [("ok",)], number
    return killed


def assert_complete(db, site, versions: int) -> None:
    published = len(site.published())
    assert query(db, "pragma integrity_check") == [("ok",)]
    counts = "count(*), count(distinct url), count(distinct post_id), count(deleted_at)"
    assert query(db, f"select {counts} from articles") == [(published, published, published, 0)]
    assert query(db, "select count(*) from article_urls") == [(published,)]
    unlisted = "select count(*) from articles where url not in (select url from article_urls)"
    assert query(db, unlisted) == [(0,)]
    assert query(db, "select count(*) from article_versions") == [(versions,)]
    assert query(db, "select sum(version_count) from articles") == [(published + versions,)]
    captures = query(  # a revisit's payload is its original's record
        db,
        "select coalesce(o.warc_file, c.warc_file), coalesce(o.warc_offset, c.warc_offset),"
        " c.sha256 from captures as c left join captures as o on o.id = c.revisit_of",
    )
    for warc_file, offset, sha256 in captures:  # every capture indexed is whole in its WARC
        body = read_body(db.parent / "warc", warc_file, offset)
        assert hashlib.sha256(body).hexdigest() == sha256
    assert query(db, "select status from crawl_runs order by id desc limit 1") == [("ok",)]


def test_sigkill_at_random_points_loses_and_duplicates_nothing(mariadb, tmp_path):
    rng = random.Random(SEED)
    posts = corpus.make_corpus(30)
    with wordpress.start_site(tmp_path / "wp", posts, mariadb=mariadb, rest_locked=True) as site:
        scratch = tmp_path / "scratch" / "archive.db"
        scratch.parent.mkdir()
        full = timed(crawl(site.url, scratch))  # a first crawl, uncut
        incremental = timed(crawl(site.url, scratch))  # and a run with nothing new
        db = tmp_path / "archive.db"
        killed = killed_runs(site.url, db, rng, RUNS // 2, full, full)  # first crawls cut
        result = ham_archive("crawl", "--site", site.url, "--db", str(db))
        assert result.returncode == 0, result.stderr
        assert_complete(db, site, versions=0)

        newest = max(site.published(), key=lambda pair: pair[1]["date"])[0]
        (before,) = query(db, f"select body_text from articles where post_id = {newest}")
        site.wp.update_post(newest, post_content="Isi yang diperbarui. (Humas DJHAM)")
        killed += killed_runs(site.url, db, rng, RUNS - RUNS // 2, full, incremental)
        result = ham_archive("crawl", "--site", site.url, "--db", str(db))
        assert result.returncode == 0, result.stderr
        assert_complete(db, site, versions=1)
        assert query(db, "select body_text from article_versions") == [before]
        edited = f"select body_text, version_count from articles where post_id = {newest}"
        assert query(db, edited) == [("Isi yang diperbarui. (Humas DJHAM)", 2)]
        assert killed >= RUNS // 2, killed  # most runs were cut, not finished


def test_sigterm_stops_the_crawl_in_one_line_and_the_next_run_completes(wp_sites, tmp_path):
    """systemd's stop (and Ctrl-C): Scrapy's graceful shutdown. The run is recorded failed,
    'stopped before the end (shutdown)', exit 1; the next run starts over and completes."""
    site, db = wp_sites("classic-en-rest"), tmp_path / "archive.db"
    slow = ["-s", "REST_PER_PAGE=2", "-s", "DOWNLOAD_DELAY=0.2"]  # 30 pages: seconds to stop in
    command = [sys.executable, "-m", "scraper.cli", "crawl", "--site", site.url, "--db", str(db)]
    process = subprocess.Popen(command + slow, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not stored_any(db):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    assert stderr.splitlines()[-1] == (
        "Error: stopped before the end (shutdown): what it stored is kept; the next run starts"
        " again from the last good one"
    )
    assert stderr.splitlines()[-2].startswith(f"Crawled {site.url} (full)")
    stored = query(db, "select count(*) from articles")[0][0]
    assert 0 < stored < len(site.published())
    assert query(db, "select status, errors from crawl_runs") == [
        ("failed", "stopped before the end (shutdown)")
    ]
    check = ham_archive("check", "--db", str(db))
    assert check.returncode == 1
    assert check.stderr.endswith("failed: stopped before the end (shutdown)\n")

    result = ham_archive("crawl", "--site", site.url, "--db", str(db))
    assert result.returncode == 0, result.stderr
    published = len(site.published())
    assert query(db, "select count(*), count(distinct post_id) from articles") == [
        (published, published)
    ]
    assert ham_archive("check", "--db", str(db)).returncode == 0
