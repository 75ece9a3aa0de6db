"""Backfill from a web archive: CDX records and capture policies (pure), a past state joining an
article's history, and end to end against a real pywb loaded with WARCs recorded from a real
WordPress at several dates, with posts edited and deleted between the captures."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ham_archive, ham_archive_limited, reparse_keeps
from pywb import Wayback, record

from scraper.archive import Archive
from scraper.items import Article
from scraper.wayback import (
    CdxRecord,
    MalformedCdx,
    cdx_query,
    distinct_captures,
    memento_time,
    parse_cdx,
    parse_cdx_line,
    worth_fetching,
)

FIXTURES = Path(__file__).parent / "fixtures" / "cdx"
SEED = "https://ham.go.id/2022/09/14/bekerja-sama-dengan-rwi-ditjen-ham-gelar-bimtek-kkp-ham-di-kalimantan-selatan/"


def query(db: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


# CDX records and policies


def test_cdx_lines_become_typed_records():
    records, malformed = parse_cdx((FIXTURES / "good.cdx").read_text())
    assert malformed == [] and len(records) == 16
    first = records[0]
    assert first.timestamp == datetime(2022, 9, 15, 3, 12, 7, tzinfo=UTC)
    assert first.statuscode == 200 and first.length == 12034 and first.stamp == "20220915031207"
    assert first.memento_url("https://web.archive.org/web/") == (
        f"https://web.archive.org/web/20220915031207id_/{SEED}"
    )
    revisit = records[2]
    assert revisit.mimetype == "warc/revisit" and revisit.statuscode is None
    assert revisit.length is None
    assert records[12].mimetype == "text/html"  # media types are case-insensitive
    cdxj, cdxj_revisit, cdx11 = records[13:]  # pywb's CDXJ, and CDX 11
    assert (cdxj.original, cdxj.statuscode, cdxj.length) == (
        "https://ham.go.id/2019/05/06/sosialisasi/",
        200,
        5120,
    )
    assert (cdxj_revisit.mimetype, cdxj_revisit.statuscode) == ("warc/revisit", None)
    assert (cdx11.original, cdx11.length, cdx11.stamp) == (
        "http://ham.go.id/2018/02/03/rapat/",
        4410,
        "20180204000000",
    )


@pytest.mark.parametrize("line", (FIXTURES / "malformed.cdx").read_text().splitlines())
def test_a_malformed_cdx_line_is_refused_not_guessed(line):
    with pytest.raises(MalformedCdx):
        parse_cdx_line(line)


def test_malformed_lines_are_reported_beside_the_good_ones():
    text = (FIXTURES / "good.cdx").read_text() + (FIXTURES / "malformed.cdx").read_text()
    records, malformed = parse_cdx(text + "\n\n")
    assert len(records) == 16 and len(malformed) == 14


def test_only_captures_that_may_hold_an_article_are_fetched_one_per_state():
    records, _ = parse_cdx((FIXTURES / "good.cdx").read_text())
    wanted = [r for r in records if worth_fetching(r, None, None)]
    assert [r.original for r in wanted] == [
        SEED,
        SEED.replace("https://", "http://www."),
        "https://ham.go.id/2021/03/16/27306/",
        "https://ham.go.id/2021/03/16/27306/",
        "https://ham.go.id/2020/01/02/berita-lama/",
        "https://ham.go.id/2019/05/06/sosialisasi/",
        "http://ham.go.id/2018/02/03/rapat/",
    ]  # no revisit, redirect, image, category, date archive, feed, search or reply link
    groups = distinct_captures(wanted)
    assert [[r.stamp for r in g] for g in groups] == [
        ["20180204000000"],
        ["20190507010203"],
        ["20200103000000"],
        ["20210317000102"],
        ["20220101000000"],
        ["20220915031207", "20221102110843"],  # http://www. and https:// share a urlkey
    ]
    assert [r.stamp for r in wanted if worth_fetching(r, 2021, 2021)] == ["20210317000102"]


def test_a_reverted_state_is_fetched_again():
    base = parse_cdx_line(
        f"go,ham)/a 20200101000000 https://ham.go.id/a/ text/html 200 {'A' * 32} 1"
    )
    states = [("20200101000000", "A"), ("20200201000000", "B"), ("20200301000000", "A")]
    records = [
        base._replace(
            timestamp=datetime.strptime(t, "%Y%m%d%H%M%S").replace(tzinfo=UTC), digest=d * 32
        )
        for t, d in states
    ]
    assert [len(g) for g in distinct_captures(reversed(records))] == [1, 1, 1]


def test_the_cdx_query_covers_the_site_and_narrows_to_html_pages():
    url = cdx_query("https://web.archive.org/cdx/search/cdx", "https://ham.go.id", 2015, 2023)
    assert url.startswith("https://web.archive.org/cdx/search/cdx?url=ham.go.id%2F%2A&")
    assert "&filter=statuscode%3A200&filter=mimetype%3Atext%2Fhtml&" in url
    assert url.endswith("&from=2015&to=2023")
    assert memento_time("http://a/web/20190101000000id_/http://x/", None).year == 2019
    assert CdxRecord._fields == (
        "urlkey",
        "timestamp",
        "original",
        "mimetype",
        "statuscode",
        "digest",
        "length",
    )


# A past state joins the history where it belongs


def article(title: str, text: str) -> Article:
    return Article(
        url="https://ham.go.id/2020/01/02/x/",
        title=title,
        published_at="2020-01-02T09:00:00+07:00",
        body_html=f"<p>{text}</p>",
        body_text=text,
        source="wayback",
    )


def test_states_seen_before_the_current_one_go_into_the_history(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    archive.save(article("Now", "Now."), seen_at="2024-01-01T00:00:00+07:00")  # a live crawl
    assert archive.save(article("Was", "Was."), seen_at="2020-01-03T00:00:00+07:00") == "earlier"
    assert archive.save(article("Was", "Was."), seen_at="2020-01-02T00:00:00+07:00") == "unchanged"
    assert archive.save(article("Mid", "Mid."), seen_at="2022-01-01T00:00:00+07:00") == "earlier"
    row = next(archive.articles.rows)
    assert (row["title"], row["version_count"]) == ("Now", 3)
    assert row["first_seen_at"] == "2020-01-02T00:00:00+07:00"
    assert row["changed_at"] == row["last_seen_at"] == "2024-01-01T00:00:00+07:00"
    versions = archive.db.execute(
        "select title, valid_from, valid_to from article_versions order by valid_from"
    ).fetchall()
    assert versions == [
        ("Was", "2020-01-02T00:00:00+07:00", "2022-01-01T00:00:00+07:00"),
        ("Mid", "2022-01-01T00:00:00+07:00", "2024-01-01T00:00:00+07:00"),
    ]
    archive.save(article("Now", "Now."), seen_at="2023-06-01T00:00:00+07:00")
    assert next(archive.articles.rows)["changed_at"] == "2023-06-01T00:00:00+07:00"
    archive.save(article("Blip", "Blip."), seen_at="2023-07-01T00:00:00+07:00")  # then Now again
    assert archive.db.execute(
        "select valid_from, valid_to from article_versions where title = 'Blip'"
    ).fetchall() == [("2023-07-01T00:00:00+07:00", "2023-07-01T00:00:00+07:00")]
    assert next(archive.articles.rows)["title"] == "Now"


# End to end against pywb


@pytest.fixture
def history(wp_fresh, tmp_path):
    """A web archive that captured the site four times while it changed; returns what it saw."""
    site = wp_fresh
    info = site.wp.post_info([i for i, _ in site.published()])
    links = {i: info[i]["link"] for i in info}
    ids = sorted(links)
    edited, dropped, late, new = ids[0], ids[1], ids[2], ids[3]
    extra = [f"{site.url}/", f"{site.url}/feed/", f"{site.url}/wp-sitemap.xml"]
    warcs = tmp_path / "archived"
    warcs.mkdir()
    seen = {}

    def capture(date: str, urls: list[str]) -> None:
        seen[date] = record(urls, date, warcs / f"{date[:10]}.warc.gz")

    capture("2019-03-01T00:00:00Z", [links[i] for i in ids if i != new] + extra)
    site.wp.update_post(edited, title="Judul kedua", content="Isi kedua. (Humas DJHAM)")
    site.wp.trash_post(dropped)
    capture("2020-06-01T00:00:00Z", [links[i] for i in ids if i != new] + extra)
    site.wp.update_post(edited, title="Judul ketiga", content="Isi ketiga. (Humas DJHAM)")
    capture("2021-09-01T00:00:00Z", [links[edited], links[new], links[late]])
    capture("2021-10-01T00:00:00Z", [links[new]])  # unchanged bytes: one state, two captures
    site.wp.trash_post(late)
    site.wp.update_post(edited, title="Judul keempat", content="Isi keempat. (Humas DJHAM)")
    wayback = Wayback(tmp_path / "pywb")
    wayback.add("web", sorted(warcs.glob("*.warc.gz")))
    with wayback:
        yield {
            "site": site,
            "wayback": wayback,
            "links": links,
            "edited": links[edited],
            "title": info[edited]["title"] or "Untitled",
            "dropped": links[dropped],
            "late": links[late],
            "new": links[new],
            "seen": seen,
        }


def backfill(history: dict, db: Path, *extra: str, run=ham_archive):
    prefix = f"{history['wayback'].url}/web"
    args = ["backfill", "--site", history["site"].url, "--db", str(db), "--cdx", f"{prefix}/cdx"]
    return run(*args, "--wayback", f"{prefix}/", *extra)


def test_backfill_then_live_crawl_holds_every_post_ever_captured(history, tmp_path):
    db = tmp_path / "archive.db"
    # On a disk that fills up: stopped at the first refused write, in one line.
    full = tmp_path / "full" / "archive.db"
    full.parent.mkdir()
    Archive(full).close()
    limited = backfill(history, full, run=lambda *a: ham_archive_limited(300_000, *a))
    assert limited.returncode == 1, limited.stderr
    assert limited.stderr.splitlines()[-1].startswith(
        f"Error: cannot write the archive {str(full)!r} ("
    )
    assert "the backfill stopped there" in limited.stderr and "Traceback" not in limited.stderr
    assert query(full, "pragma integrity_check") == [("ok",)]
    # Interrupted: killed once a few mementos are in, then run again to the end.
    command = [sys.executable, "-m", "scraper.cli"]
    process = backfill(
        history,
        db,
        "--delay",
        "0.2",
        run=lambda *a: subprocess.Popen(
            [*command, *a], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        tables = query(db, "select name from sqlite_master") if db.exists() else []
        if ("mementos",) in tables and query(db, "select count(*) from mementos")[0][0] >= 10:
            break
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = query(db, "select count(distinct capture_id) from mementos")[0][0]
    assert 10 <= partial < 60
    result = backfill(history, db, "--delay", "0")
    assert result.returncode == 0, result.stderr
    assert f"({partial} read before)" in result.stderr

    captured = {
        url
        for statuses in history["seen"].values()
        for url, s in statuses.items()
        if s == 200 and url in history["links"].values()
    }
    rows = dict(query(db, "select url, source from articles"))
    assert set(rows) == captured and set(rows.values()) == {"wayback"}
    first = query(db, "select first_seen_at from articles where url = ?", [history["new"]])
    assert first == [("2021-09-01T07:00:00+07:00",)]
    assert query(db, "select count(*) from mementos where original = ?", [history["new"]]) == [(2,)]
    edited = history["edited"]
    states = query(
        db,
        "select title, valid_from, valid_to from article_versions where article_url = ?"
        " order by valid_from",
        [edited],
    )
    assert [s[0] for s in states] == [history["title"], "Judul kedua"]
    assert [s[1] for s in states] == ["2019-03-01T07:00:00+07:00", "2020-06-01T07:00:00+07:00"]
    current = query(db, "select title, changed_at from articles where url = ?", [edited])
    assert current == [("Judul ketiga", "2021-09-01T07:00:00+07:00")]
    provenance = query(
        db,
        "select source, archive, captured_at, url from provenance where article_url = ?"
        " order by captured_at",
        [edited],
    )
    assert [p[2] for p in provenance] == [
        "2019-03-01T07:00:00+07:00",
        "2020-06-01T07:00:00+07:00",
        "2021-09-01T07:00:00+07:00",
    ]
    assert all(p[0] == "wayback" and p[3].startswith(p[1]) and "id_/" in p[3] for p in provenance)

    # Run again: nothing new is fetched.
    again = backfill(history, db, "--delay", "0")
    assert again.returncode == 0 and " 0 articles added, 0 earlier states" in again.stderr

    # The live crawl merges: what the site dropped is marked gone, what it still has is current.
    live = ham_archive("crawl", "--site", history["site"].url, "--db", str(db))
    assert live.returncode == 0, live.stderr
    gone = {url for (url,) in query(db, "select url from articles where deleted_at is not null")}
    assert gone == {history["dropped"], history["late"]}
    # ...each with the evidence of the live crawl: its own URL's not-found page, a complete
    # listing and a lookup by id, naming captures a researcher can read back.
    for (evidence,) in query(
        db, "select deletion_evidence from articles where deleted_at is not null"
    ):
        proof = json.loads(evidence)
        assert [reason.split(" of ")[0] for reason in proof["reasons"]] == [
            "HTTP 404 with the site's not-found page",
            "absent from a complete listing",
            "not returned when asked for by id",
        ]
        assert proof["capture_ids"]
        assert all(isinstance(c, int) for c in proof["capture_ids"])
        listed = "select count(*) from captures where id in (select value from json_each(?))"
        known = query(db, listed, [json.dumps(proof["capture_ids"])])
        assert known == [(len(proof["capture_ids"]),)]
    run = query(db, "select status from crawl_runs order by id desc limit 1")
    assert run == [("ok",)]
    assert query(db, "select count(*) from articles") == [(len(captured),)]
    current = query(db, "select title, source, version_count from articles where url = ?", [edited])
    assert current == [("Judul keempat", "rest", 4)]
    titles = [
        t
        for (t,) in query(
            db,
            "select title from article_versions where article_url = ? order by valid_from",
            [edited],
        )
    ]
    assert titles[1:] == ["Judul kedua", "Judul ketiga"]
    sources = {
        s for (s,) in query(db, "select source from provenance where article_url = ?", [edited])
    }
    assert sources == {"ours", "wayback"}

    # Every row comes back the same from the captures alone.
    history["wayback"].stop()
    history["site"].stop()
    tables = {
        "articles": "*",
        "article_versions": "article_url, title, body_text, capture_id, valid_from, valid_to",
        "article_captures": "*",
    }
    reparse_keeps(db, tables)


def test_backfill_says_what_is_wrong_in_one_line(tmp_path):
    db = str(tmp_path / "a.db")
    result = ham_archive("backfill", "--site", "ftp://x", "--db", db)
    assert result.returncode == 2 and "is not an http(s) URL" in result.stderr
    result = ham_archive("backfill", "--site", "http://127.0.0.1:9", "--db", db, "--cdx", "x")
    assert result.returncode == 2 and "'--cdx'" in result.stderr
    result = ham_archive(
        "backfill", "--site", "http://127.0.0.1:9", "--db", db, "--from", "2020", "--to", "2019"
    )
    assert result.returncode == 2 and "2020 is after 2019" in result.stderr
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens
    result = ham_archive(
        "backfill",
        "--site",
        closed,
        "--db",
        db,
        "--cdx",
        f"{closed}/cdx",
        "--wayback",
        f"{closed}/web/",
        "--delay",
        "0",
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"Error: cannot read {closed}/cdx (")
    assert len(result.stderr.strip().splitlines()) == 1
