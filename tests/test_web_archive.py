"""Our captures are a web archive: warcio, pywb and py-wacz read them, and an unchanged re-crawl
writes revisit records instead of full copies."""

import sqlite3
import subprocess
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import ham_archive
from pywb import BIN, Wayback
from warcio.archiveiterator import ArchiveIterator

from scraper.captures import read_body


def query(db: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def crawled(wp_sites, tmp_path_factory):
    """An HTML-mode site crawled twice, unchanged in between (the second time with --full)."""
    site = wp_sites("classic-id-locked")
    directory = tmp_path_factory.mktemp("crawled")
    db = directory / "archive.db"
    for extra in ([], ["--full"]):
        result = ham_archive("crawl", "--site", site.url, "--db", str(db), *extra)
        assert result.returncode == 0, result.stderr
    return db


def records(path: Path) -> list:
    with path.open("rb") as file:
        return [
            (r.rec_type, dict(r.rec_headers.headers), r.content_stream().read())
            for r in ArchiveIterator(file)
        ]


def test_every_file_passes_warcio_check_with_warcinfo_first_and_linked_requests(crawled):
    files = sorted((crawled.parent / "warc").glob("*.warc.gz"))
    assert len(files) == 2
    check = subprocess.run([str(BIN / "warcio"), "check", *map(str, files)], capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for path in files:
        found = records(path)
        assert found[0][0] == "warcinfo" and b"ham-archive" in found[0][2]
        assert found[0][1]["WARC-Filename"] == path.name
        for (kind, headers, _), (next_kind, next_headers, _) in zip(found, found[1:], strict=False):
            if kind in ("response", "revisit"):
                assert headers["WARC-Payload-Digest"].startswith("sha1:")
                assert next_kind == "request"
                assert next_headers["WARC-Concurrent-To"] == headers["WARC-Record-ID"]
                assert next_headers["WARC-Target-URI"] == headers["WARC-Target-URI"]


def test_an_unchanged_recrawl_writes_revisits_not_copies(crawled):
    first, second = sorted((crawled.parent / "warc").glob("*.warc.gz"))
    runs = query(crawled, "select id from crawl_runs order by id")
    assert len(runs) == 2
    again = query(
        crawled,
        "select c.url, c.revisit_of, o.url, o.sha256 = c.sha256 from captures c"
        " left join captures o on o.id = c.revisit_of where c.run_id = ?",
        runs[1],
    )
    pages = [row for row in again if "/20" in row[0]]  # article permalinks /YYYY/MM/DD/...
    assert len(pages) >= 60
    assert all(revisit_of and url == original and same for url, revisit_of, original, same in pages)
    kinds = [kind for kind, _, _ in records(second)]
    assert kinds.count("response") + kinds.count("revisit") == len(again)
    assert kinds.count("revisit") >= len(pages)
    for kind, headers, body in records(second):
        if kind == "revisit":
            assert headers["WARC-Profile"].endswith("/revisit/identical-payload-digest")
            assert headers["WARC-Refers-To-Target-URI"] == headers["WARC-Target-URI"]
            # WARC 1.0 dates to the second: the last page of one run and the first of the next
            # can share one (two crawls of the test site take about a second each).
            assert headers["WARC-Refers-To-Date"] <= headers["WARC-Date"]
            assert body == b""  # headers only: the payload stays in the original record
    assert second.stat().st_size < first.stat().st_size / 3


def test_reparse_reads_a_revisits_payload_from_its_original(crawled, tmp_path):
    db = tmp_path / "archive.db"
    db.write_bytes(crawled.read_bytes())
    (tmp_path / "warc").symlink_to(crawled.parent / "warc")
    columns = "url, title, body_text, published_at, capture_id, version_count, deleted_at"
    before = sorted(query(db, f"select {columns} from articles"))
    assert (
        query(
            db,
            "select count(*) from articles a join captures c on c.id = a.capture_id"
            " where c.revisit_of is not null",
        )[0][0]
        >= 60
    )  # current states are revisits
    result = ham_archive("reparse", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert sorted(query(db, f"select {columns} from articles")) == before
    assert query(db, "select count(*) from article_versions") == [(0,)]


def test_captures_replay_byte_equal_in_pywb_and_export_as_a_valid_wacz(crawled, tmp_path):
    warc = crawled.parent / "warc"
    rows = query(
        crawled,
        "select c.url, c.fetched_at, c.revisit_of, coalesce(o.warc_file, c.warc_file),"
        " coalesce(o.warc_offset, c.warc_offset) from articles a"
        " join article_captures ac on ac.article_url = a.url"
        " join captures c on c.id = ac.capture_id"
        " left join captures o on o.id = c.revisit_of order by a.url, c.id limit 4",
    )
    assert {bool(row[2]) for row in rows} == {False, True}  # a full record and a revisit
    wayback = Wayback(tmp_path / "pywb")
    wayback.add("ours", sorted(warc.glob("*.warc.gz")))
    with wayback:
        for url, fetched_at, _, warc_file, offset in rows:
            stamp = "".join(ch for ch in fetched_at if ch.isdigit())
            with urllib.request.urlopen(f"{wayback.url}/ours/{stamp}id_/{url}") as response:
                assert response.status == 200
                assert response.read() == read_body(warc, warc_file, offset)

    out = tmp_path / "archive.wacz"
    result = ham_archive("export-wacz", "--db", str(crawled), str(out))
    assert result.returncode == 0, result.stderr
    assert "Exported 2 WARC files" in result.stdout
    validate = subprocess.run(
        [str(BIN / "wacz"), "validate", "-f", str(out)], capture_output=True, text=True
    )
    assert validate.returncode == 0 and "is valid" in validate.stdout, validate.stdout
    with zipfile.ZipFile(out) as wacz:
        pages = wacz.read("pages/pages.jsonl")
    assert pages.count(b'"url"') == query(crawled, "select count(*) from articles")[0][0]


def test_export_wacz_says_what_is_wrong_in_one_line(tmp_path, archive_with_article):
    result = ham_archive("export-wacz", "--db", str(tmp_path / "none.db"), str(tmp_path / "a.wacz"))
    assert result.returncode == 1 and result.stderr.startswith("Error: no archive at")
    result = ham_archive("export-wacz", "--db", archive_with_article, str(tmp_path / "a.wacz"))
    assert result.returncode == 1 and "Error: no WARC files in" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
