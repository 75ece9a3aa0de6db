"""A disk that fills up under the archive: the kernel's own refusal, injected with
RLIMIT_FSIZE (a write past the limit fails with EFBIG, as one past a full disk fails with
ENOSPC), and SQLite's with ``max_page_count`` (SQLITE_FULL, "database or disk is full").

Whatever the command, it stops at the first refusal with one line and a non-zero exit, keeps
every row and record stored before it whole, and the same command run again with room to
write completes the work."""

import errno
import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ham_archive, ham_archive_limited, limited
from warcio.archiveiterator import ArchiveIterator

from scraper.archive import Archive, ArchiveUnwritable, storage_fault
from scraper.captures import read_body
from scraper.pipelines import Writer

PER_PAGE = "4"  # 15 REST pages for the 60 posts: a fault falls between two of them


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def assert_captures_whole(db: Path) -> None:
    """Every WARC file reads to its end, and every indexed capture is its own bytes."""
    for path in (db.parent / "warc").glob("*.warc.gz"):
        with path.open("rb") as file:
            assert sum(1 for _ in ArchiveIterator(file)) >= 1, path
    rows = query(
        db,
        "select coalesce(o.warc_file, c.warc_file), coalesce(o.warc_offset, c.warc_offset),"
        " c.sha256 from captures as c left join captures as o on o.id = c.revisit_of",
    )
    for warc_file, offset, sha256 in rows:
        assert (
            hashlib.sha256(read_body(db.parent / "warc", warc_file, offset)).hexdigest() == sha256
        )


def full_sqlite_error() -> sqlite3.Error:
    connection = sqlite3.connect(":memory:")
    connection.execute("create table t (x)")
    connection.execute(
        f"pragma max_page_count = {connection.execute('pragma page_count').fetchone()[0]}"
    )
    try:
        connection.execute("insert into t select zeroblob(100000)")
    except sqlite3.Error as error:
        return error
    raise AssertionError("max_page_count did not stop the insert")


def read_only_sqlite_error(tmp_path: Path) -> sqlite3.Error:
    sqlite3.connect(tmp_path / "ro.db").execute("create table t (x)").connection.close()
    connection = sqlite3.connect(f"{(tmp_path / 'ro.db').as_uri()}?mode=ro", uri=True)
    try:
        connection.execute("insert into t values (1)")
    except sqlite3.Error as error:
        return error
    raise AssertionError("a read-only database took a write")


def one_write_errors() -> list[BaseException]:
    connection = sqlite3.connect(":memory:")
    connection.execute("create table t (x primary key)")
    connection.execute("insert into t values (1)")
    found: list[BaseException] = []
    for sql in ("insert into t values (1)", "select nope from t", "insert into nowhere values (1)"):
        try:
            connection.execute(sql)
        except sqlite3.Error as error:
            found.append(error)
    return [*found, ValueError("bad date"), OSError(errno.ENOENT, "No such file or directory")]


def test_storage_fault_tells_a_refusing_disk_from_one_bad_write(tmp_path):
    assert storage_fault(full_sqlite_error()) == "database or disk is full"
    assert storage_fault(read_only_sqlite_error(tmp_path)) == "attempt to write a readonly database"
    assert storage_fault(OSError(errno.ENOSPC, "No space left on device")) == (
        "No space left on device"
    )
    for code in (errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG):
        assert storage_fault(OSError(code, "why")) == "why"
    assert storage_fault(ArchiveUnwritable("database or disk is full")) == (
        "database or disk is full"
    )
    for error in one_write_errors():  # a constraint, a bug, bad data: the next write may work
        assert storage_fault(error) is None, error


WRITE_RECORDS = """
import os, sys
from scraper.captures import WarcFiles
warc = WarcFiles(sys.argv[1])
for n in range(1000):
    try:  # 30 kB that gzip cannot shrink: the limit falls inside a record
        warc.write(f"http://127.0.0.1/{n}", 200, "OK", [(b"Content-Type", b"text/html")],
                   os.urandom(30_000))
    except OSError as error:
        print(n, error.errno, warc.file is None)
        break
warc.write("http://127.0.0.1/after", 200, "OK", [], b"after")  # fits: a small record
warc.close()
"""


def test_a_record_cut_short_leaves_its_warc_file_whole(tmp_path):
    """The record that meets the limit is cut off its file; the next goes to a new file."""
    result = subprocess.run(
        [sys.executable, "-c", WRITE_RECORDS, str(tmp_path)],
        capture_output=True,
        text=True,
        preexec_fn=limited(200_000),
    )
    assert result.returncode == 0, result.stderr
    failed_at, code, closed = result.stdout.split()
    assert int(failed_at) > 1 and int(code) == errno.EFBIG and closed == "True"
    first, second = sorted(tmp_path.glob("*.warc.gz"))
    with first.open("rb") as file:  # whole to its end: warcinfo, then response and request
        types = [record.rec_type for record in ArchiveIterator(file)]
    assert types == ["warcinfo"] + ["response", "request"] * int(failed_at)
    with second.open("rb") as file:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(file)
        ]
    assert records[1:] == [
        ("response", "http://127.0.0.1/after"),
        ("request", "http://127.0.0.1/after"),
    ]


def test_the_writer_refuses_every_write_after_a_full_disk_but_the_runs_own(tmp_path):
    archive = Archive(tmp_path / "a.db")
    archive.close()
    writer = Writer(str(tmp_path / "a.db"), tmp_path / "warc")
    db = writer.archive.db
    writer.call(lambda: db.execute("create table filler (x)"))
    pages = writer.call(lambda: db.execute("pragma page_count").fetchone()[0])
    writer.call(lambda: db.execute(f"pragma max_page_count = {pages + 2}"))
    big = writer.submit(lambda: db.execute("insert into filler select zeroblob(50000)"))
    with pytest.raises(sqlite3.OperationalError, match="full"):
        big.result()
    assert writer.fault == "database or disk is full"
    small = writer.submit(lambda: db.execute("insert into filler values (1)"))
    with pytest.raises(ArchiveUnwritable, match="database or disk is full"):
        small.result()  # it would fit: refused all the same, nothing stored after a fault
    assert writer.call(lambda: db.execute("insert into filler values (2)"), always=True)
    writer.close()
    assert query(tmp_path / "a.db", "select x from filler") == [(2,)]


@pytest.fixture
def site(wp_sites):
    return wp_sites("classic-en-rest")


def test_a_full_disk_stops_the_crawl_in_one_line_and_the_next_run_completes(site, tmp_path):
    reference, db = tmp_path / "reference" / "a.db", tmp_path / "a.db"
    reference.parent.mkdir()
    crawl = ("crawl", "--site", site.url, "-s", f"REST_PER_PAGE={PER_PAGE}", "--db")
    assert ham_archive(*crawl, str(reference)).returncode == 0
    Archive(db).close()  # an archive with its schema, as the disk fills up under a later crawl
    # Half what the whole archive takes: the write-ahead log grows past it midway.
    result = ham_archive_limited(reference.stat().st_size // 2, *crawl, str(db), "-v")
    assert result.returncode == 1, result.stderr
    line = result.stderr.splitlines()[-1]
    assert line.startswith(f"Error: cannot write the archive {str(db)!r} (")
    assert result.stderr.splitlines()[-2].startswith(f"Crawled {site.url} (full)")
    assert "Closing spider (archive_unwritable)" in result.stderr  # no fetching for nothing
    stored = query(db, "select count(*) from articles")[0][0]
    assert 0 < stored < len(site.published())
    assert query(db, "pragma integrity_check") == [("ok",)]
    assert_captures_whole(db)
    check = ham_archive("check", "--db", str(db))
    assert check.returncode == 1
    assert "cannot write the archive" in check.stderr or "ended without finishing" in check.stderr

    again = ham_archive(*crawl, str(db))
    assert again.returncode == 0, again.stderr
    published = len(site.published())
    assert query(db, "select count(*), count(distinct post_id) from articles") == [
        (published, published)
    ]
    assert query(db, "select count(*) from articles where capture_id is null") == [(0,)]
    assert query(db, "pragma integrity_check") == [("ok",)]
    assert_captures_whole(db)
    assert ham_archive("check", "--db", str(db)).returncode == 0


def test_a_disk_already_full_refuses_the_crawl_in_one_line(tmp_path):
    """No file may grow at all: not the lock file's holder line, not the write-ahead log."""
    db = tmp_path / "a.db"
    Archive(db).close()
    before = db.read_bytes()
    site = "http://127.0.0.1:9"  # never reached: the archive cannot be opened to write
    result = ham_archive_limited(1, "crawl", "--site", site, "--db", str(db))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"Error: cannot open {str(db)!r}: "), result.stderr
    assert db.read_bytes() == before


def test_reparse_and_exports_on_a_full_disk_say_so_and_change_nothing(site, tmp_path):
    db = tmp_path / "a.db"
    assert ham_archive("crawl", "--site", site.url, "--db", str(db)).returncode == 0
    before = query(db, "select url, title, body_text, capture_id from articles order by url")
    size = db.stat().st_size  # after the crawl's checkpoint: the file holds everything

    reparse = ham_archive_limited(size + 4096, "reparse", "--db", str(db))
    assert reparse.returncode == 1
    assert reparse.stderr.splitlines()[-1].startswith(f"Error: cannot write {str(db)!r} (")
    assert "rolled back" in reparse.stderr and "Traceback" not in reparse.stderr
    assert (
        query(db, "select url, title, body_text, capture_id from articles order by url") == before
    )

    small = 10_000
    out = tmp_path / "out"
    export = ham_archive_limited(small, "export", "--db", str(db), "--out", str(out))
    assert export.returncode == 1 and "Traceback" not in export.stderr
    assert export.stderr.startswith(f"Error: cannot export {str(db)!r} into {str(out)!r}: ")
    assert not [p for p in out.iterdir() if p.stat().st_size]  # no partial file left
    wacz = tmp_path / "a.wacz"
    packed = ham_archive_limited(small, "export-wacz", "--db", str(db), str(wacz))
    assert packed.returncode == 1 and "Traceback" not in packed.stderr
    assert packed.stderr == f"Error: cannot write {str(wacz)!r}: File too large\n"
    assert not [p.name for p in tmp_path.iterdir() if "wacz" in p.name]  # nor a partial one
