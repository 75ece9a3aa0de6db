"""archive.py: the schema researchers query, filled from the page objects."""

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from scraper.archive import STATE_COLUMNS, Archive, ArchiveError, watermark
from scraper.items import Article, Person
from scraper.pages import ArticlePage

FIXTURES = Path(__file__).parent / "fixtures" / "twentytwentyone-id_ID"


def parse(case: str):
    url = json.loads((FIXTURES / case / "meta.json").read_text())["url"]
    return ArticlePage(url, (FIXTURES / case / "response.html").read_bytes(), url[:22]).to_article()


@pytest.fixture
def db(tmp_path) -> sqlite_utils.Database:
    archive = Archive(tmp_path / "archive.db")
    for case in ("seed", "pdf-link", "caption-image"):
        assert archive.save(parse(case), seen_at="2026-11-28T09:00:00+07:00") == "added"
    archive.close()
    return sqlite_utils.Database(tmp_path / "archive.db")


def test_seed_article_row(db):
    (row,) = db.query("select * from articles where slug like 'bekerja-sama%'")
    assert row["published_at"] == "2022-09-14T09:00:00+07:00"
    assert row["year"] == 2022
    assert row["dateline_city"] == "Banjarmasin"
    assert (row["event_date"], row["event_date_text"]) == ("2022-09-13", "Selasa (13/9)")
    assert (row["credit"], row["credit_text"]) == ("Humas DJHAM", "(Humas DJHAM)")
    assert row["language"] == "id"
    assert row["first_seen_at"] == row["last_seen_at"] == "2026-11-28T09:00:00+07:00"


def test_people_images_and_documents(db):
    people = {r["name"]: r["position"] for r in db.query("select * from article_people")}
    assert people["Bambang Iriana Djajaatmadja"] == "Sekretaris Direktorat Jenderal HAM"
    (document,) = db.query("select * from article_documents")
    assert document["file_type"] == "pdf" and document["url"].startswith("http://127.0.0.1")
    captions = [r["caption"] for r in db.query("select caption from article_images")]
    assert any(captions)
    view = {r["name"]: r["articles"] for r in db.query("select * from people")}
    mentions = db.query(
        "select distinct article_url from article_people where name like 'Bambang I%'"
    )
    assert view["Bambang Iriana Djajaatmadja"] == len(list(mentions)) >= 1


def test_saving_again_is_idempotent(db, tmp_path):
    archive = Archive(tmp_path / "archive.db")
    assert archive.save(parse("seed"), seen_at="2026-11-29T09:00:00+07:00") == "unchanged"
    archive.close()
    assert db["articles"].count == 3
    people = db.query(
        "select count(*) c from article_people where name like 'Bambang I%' and article_url = ?",
        [parse("seed").url],
    )
    assert next(people)["c"] == 1
    (row,) = db.query("select * from articles where slug like 'bekerja-sama%'")
    assert (row["first_seen_at"], row["last_seen_at"]) == (
        "2026-11-28T09:00:00+07:00",
        "2026-11-29T09:00:00+07:00",
    )


def test_full_text_index_follows_updates(db, tmp_path):
    archive = Archive(tmp_path / "archive.db")
    article = parse("seed")
    article.body_text = article.body_text.replace("Banjarmasin", "Martapura")
    assert archive.save(article) == "changed"
    archive.close()
    search = "select count(*) c from articles_fts where articles_fts match ?"
    assert next(db.query(search, ["Martapura"]))["c"] == 1
    assert next(db.query(search, ["Banjarmasin"]))["c"] == 0


def test_refuses_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "a.db"
    path.write_text("not a database")
    with pytest.raises(ArchiveError, match="not an SQLite database"):
        Archive(path)
    assert path.read_text() == "not a database"


# One identity per post, whole versions (issue 8, items 7 and 8)

SEEN = [f"2026-11-{day:02d}T09:00:00+07:00" for day in range(1, 29)]


def article(**fields) -> Article:
    base = {
        "url": "https://ham.go.id/2022/09/14/judul/",
        "title": "Judul",
        "published_at": "2022-09-14T09:00:00+07:00",
        "body_html": "<p>Teks.</p>",
        "body_text": "Teks.",
        "source": "rest",
        "post_id": 7,
        "modified_at": "2022-09-15T10:00:00+07:00",
        "author": "operator.info2",
        "categories": ["Berita"],
        "tags": ["HAM"],
        "people": [Person("Bambang", "Sekretaris")],
    }
    return Article(**{**base, **fields})


def rows(path, sql, params=()) -> list[dict]:
    return list(sqlite_utils.Database(path).query(sql, params))


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Judul Baru"},
        {"body_text": "Teks baru."},
        {"body_html": "<p><b>Teks.</b></p>"},
        {"author": "operator.ks1"},
        {"categories": ["Berita", "Kanwil"]},
        {"tags": []},
        {"published_at": "2022-09-13T09:00:00+07:00"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_every_content_change_keeps_the_whole_earlier_state(tmp_path, change):
    path = tmp_path / "archive.db"
    archive = Archive(path)
    archive.save(article(), SEEN[0])
    (before,) = rows(path, "select * from articles")
    assert archive.save(article(**change), SEEN[1]) == "changed"
    assert archive.save(article(**change), SEEN[2]) == "unchanged"
    archive.close()
    (version,) = rows(path, "select * from article_versions")
    assert {name: version[name] for name in STATE_COLUMNS} == {
        name: before[name] for name in STATE_COLUMNS
    }
    assert (version["valid_from"], version["valid_to"]) == (SEEN[0], SEEN[1])
    (after,) = rows(path, "select * from articles")
    assert (after["version_count"], after["changed_at"]) == (2, SEEN[1])


def test_a_body_an_earlier_release_cleaned_otherwise_is_no_edit(tmp_path):
    """A row stored before this release dropped share buttons and numbered classes: the same
    page read again now is not an edit (the archive cleans the stored body again to compare),
    and the row takes the new body. A real edit beside it is still one."""
    path = tmp_path / "archive.db"
    archive = Archive(path)
    html = '<div class="is-layout-flex wp-block-columns"><p>Teks.</p></div>'
    older = {
        "body_html": '<div class="is-layout-flex wp-container-7 wp-block-columns"><p>Teks.</p>'
        '</div><div class="sharedaddy sd-sharing-enabled"><p>Bagikan ke Facebook</p></div>',
        "body_text": "Teks.\n\nBagikan ke Facebook",
    }
    other = "https://ham.go.id/2022/09/15/lain/"
    archive.save(article(**older), SEEN[0])
    archive.save(article(**older, url=other, post_id=8), SEEN[0])
    assert archive.save(article(body_html=html), SEEN[1]) == "unchanged"
    edited = article(body_html=html, url=other, post_id=8, title="Judul Baru")
    assert archive.save(edited, SEEN[1]) == "changed"
    assert archive.db.execute("select distinct body_html, body_text from articles").fetchall() == [
        (html, "Teks.")
    ]
    shared = "select count(*) from articles_fts where articles_fts match 'Bagikan'"
    assert archive.db.execute(shared).fetchone() == (0,)
    archive.close()
    versions = rows(path, "select article_url, title from article_versions")
    assert versions == [{"article_url": other, "title": "Judul"}]


def test_an_html_pass_keeps_what_only_rest_knows(tmp_path):
    path = tmp_path / "archive.db"
    archive = Archive(path)
    archive.save(article(), SEEN[0])
    html = article(source="html", modified_at=None, post_id=None)
    assert archive.save(html, SEEN[1]) == "unchanged"
    archive.close()
    (row,) = rows(path, "select * from articles")
    assert (row["modified_at"], row["post_id"]) == ("2022-09-15T10:00:00+07:00", 7)
    assert rows(path, "select count(*) n from article_versions") == [{"n": 0}]


@pytest.mark.parametrize("unsaid", [{"author": None}, {"categories": None, "tags": None}])
def test_an_author_or_terms_a_source_did_not_say_are_no_change(tmp_path, unsaid):
    """Now, or earlier (a web archive's state): the row and its history keep what they have.
    An article first seen so has no terms, and no author."""
    archive = Archive(tmp_path / "a.db")
    assert archive.save(article(), "2024-05-01T00:00:00+07:00") == "added"
    assert archive.save(article(**unsaid), "2024-05-02T00:00:00+07:00") == "unchanged"
    assert archive.save(article(**unsaid), "2024-04-01T00:00:00+07:00") == "unchanged"
    row = archive.db["articles"].get(article().url)
    assert (row["author"], row["categories"], row["tags"]) == (
        "operator.info2",
        '["Berita"]',
        '["HAM"]',
    )
    assert (row["version_count"], archive.db["article_versions"].count) == (1, 0)
    assert (
        archive.save(article(url="https://ham.go.id/2022/09/14/lain/", post_id=8, **unsaid))
        == "added"
    )
    other = archive.db["articles"].get("https://ham.go.id/2022/09/14/lain/")
    expected = {"author": None} if "author" in unsaid else {"categories": "[]", "tags": "[]"}
    assert {name: other[name] for name in expected} == expected


READER = (
    "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('select 1 from articles').fetchall()"
)


def test_opening_the_archive_again_in_the_process_keeps_sqlites_locks(tmp_path):
    """The spider reads its state (a second Archive) while the writer has the archive open.
    Reading the file's header for that closed a descriptor of it, which drops every POSIX lock
    the process holds on the file; a reader closing its connection elsewhere then took itself
    for the last one and deleted the write-ahead log under the writer (a crawl stopped by
    SIGTERM lost its last articles and its run record). The file is not opened again now."""
    db = tmp_path / "a.db"
    writer = Archive(db)
    assert writer.save(article(), SEEN[0]) == "added"
    Archive(db).close()
    subprocess.run([sys.executable, "-c", READER, str(db)], check=True)
    assert Path(f"{db}-wal").exists()  # the writer's log, still its
    assert writer.save(article(url="https://ham.go.id/2022/09/14/lain/", post_id=8)) == "added"
    writer.close()
    writer.close()  # twice is once
    assert rows(db, "select count(*) n from articles") == [{"n": 2}]
    with pytest.raises(ArchiveError, match="not an SQLite database"):  # checked when first opened
        (tmp_path / "b.db").write_text("not a database")
        Archive(tmp_path / "b.db")


def test_a_new_slug_or_date_moves_the_row_and_keeps_the_old_url(tmp_path):
    path = tmp_path / "archive.db"
    old, new = "https://ham.go.id/2022/09/14/judul/", "https://ham.go.id/2022/09/13/judul-baru/"
    archive = Archive(path)
    archive.save(article(capture_id=None), SEEN[0])
    moved = article(url=new, published_at="2022-09-13T09:00:00+07:00", source="html")
    assert archive.save(moved, SEEN[1]) == "changed"
    assert archive.find(old)["url"] == archive.find(new)["url"] == new
    assert archive.find(old, post_id=8) is None  # another post's record never takes this row
    archive.close()
    assert [r["url"] for r in rows(path, "select url from articles")] == [new]
    urls = rows(path, "select url, article_url, first_seen_at, last_seen_at from article_urls")
    assert sorted(urls, key=lambda r: r["first_seen_at"]) == [
        {"url": old, "article_url": new, "first_seen_at": SEEN[0], "last_seen_at": SEEN[0]},
        {"url": new, "article_url": new, "first_seen_at": SEEN[1], "last_seen_at": SEEN[1]},
    ]
    (version,) = rows(path, "select * from article_versions")
    assert (version["article_url"], version["url"]) == (new, old)
    assert rows(path, "select article_url from article_people") == [{"article_url": new}]


def test_a_record_without_post_id_is_found_by_an_old_url(tmp_path):
    path = tmp_path / "archive.db"
    old, new = "https://ham.go.id/2022/09/14/judul/", "https://ham.go.id/2022/09/14/baru/"
    archive = Archive(path)
    archive.save(article(), SEEN[0])
    archive.save(article(url=new), SEEN[1])
    assert archive.save(article(url=old, post_id=None, source="html"), SEEN[2]) == "changed"
    archive.close()
    assert [r["url"] for r in rows(path, "select url from articles")] == [old]


def test_a_slug_taken_over_by_another_post_keeps_both(tmp_path):
    """Post 7 is trashed and post 9 gets its slug: two posts, two rows, nothing overwritten."""
    path = tmp_path / "archive.db"
    url = "https://ham.go.id/2022/09/14/judul/"
    archive = Archive(path)
    archive.save(article(), SEEN[0])
    archive.mark_deleted(url, SEEN[1])
    assert archive.save(article(post_id=9, title="Lain"), SEEN[2]) == "added"
    archive.close()
    found = {r["post_id"]: r for r in rows(path, "select * from articles")}
    assert (found[9]["url"], found[9]["title"]) == (url, "Lain")
    assert found[7]["url"] == "https://ham.go.id/?p=7" and found[7]["deleted_at"] == SEEN[1]
    assert found[7]["title"] == "Judul"
    aliases = rows(path, "select article_url from article_urls where url = ?", [url])
    assert sorted(r["article_url"] for r in aliases) == sorted(["https://ham.go.id/?p=7", url])


def test_the_watermark_is_when_the_last_good_run_started(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    run = archive.start_run("https://ham.go.id", full=False)
    archive.save(article(modified_at="2031-01-01T00:00:00+07:00"), SEEN[0])  # a clock gone wrong
    archive.finish_run(run, status="ok")
    (started,) = [r["started_at"] for r in archive.db["crawl_runs"].rows]
    state = archive.crawl_state("https://ham.go.id")
    archive.close()
    assert state.modified_after == watermark(started)
    assert datetime.fromisoformat(started) - datetime.fromisoformat(state.modified_after) == (
        timedelta(seconds=1)
    )
    assert state.modified_after.endswith("+07:00")


def test_lookups_stay_per_site(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    archive.save(article(), SEEN[0])
    portal = article(url="https://portal.ham.go.id/2022/09/7/", title="Portal")
    assert archive.save(portal, SEEN[1]) == "added"  # the same post id on another site
    archive.close()
    assert len(rows(tmp_path / "archive.db", "select url from articles")) == 2


def test_a_row_without_post_id_at_the_new_url_is_the_one_updated(tmp_path):
    """An HTML record without post id took the new URL first; the REST record then finds that
    row (nothing moves onto an occupied URL)."""
    path = tmp_path / "archive.db"
    old, new = "https://ham.go.id/2022/09/14/judul/", "https://ham.go.id/2022/09/14/baru/"
    archive = Archive(path)
    archive.save(article(url=old), SEEN[0])
    archive.save(article(url=new, post_id=None, source="html"), SEEN[1])
    assert archive.save(article(url=new), SEEN[2]) == "unchanged"
    archive.close()
    found = rows(path, "select url, post_id from articles order by url")
    assert found == [{"url": new, "post_id": 7}, {"url": old, "post_id": 7}]


def test_words_of_a_rolled_back_save_are_written_again(tmp_path):
    """search_words is asked only for words this connection has not written; a transaction
    rolled back takes its words with it, and they are written again by the next save."""
    path = tmp_path / "archive.db"
    archive = Archive(path)
    archive.save(article(body_text="Penyuluhan hukum di Banjarmasin."))
    with pytest.raises(RuntimeError), archive.transaction():
        archive.save(article(url="https://ham.go.id/b/", post_id=8, body_text="Sosialisasi."))
        raise RuntimeError("the batch's commit failed")
    archive.save(article(url="https://ham.go.id/c/", post_id=9, body_text="Sosialisasi hukum."))
    archive.close()
    words = {r["word"]: r["stem"] for r in rows(path, "select * from search_words")}
    assert words["sosialisasi"] == "sosialisasi"
    assert words["penyuluhan"] == "suluh" and words["hukum"] == "hukum"


def test_an_edit_that_makes_a_release_another_sites_copy_links_them(tmp_path):
    """A release republished elsewhere first as a draft is linked once its text is the
    release's (``same_as`` was decided only when a row was added)."""
    archive = Archive(tmp_path / "archive.db")
    text = (
        "Jakarta, ham.go.id - Direktorat Jenderal HAM menggelar diseminasi prinsip bisnis dan"
        " hak asasi manusia bagi perusahaan daerah di Kalimantan Selatan pada Selasa (13/9)."
    )
    title = "Ditjen HAM Gelar Diseminasi Prinsip Bisnis dan HAM"
    release = {"title": title, "body_text": text, "body_html": f"<p>{text}</p>"}
    archive.save(
        article(url="https://ham.go.id/a/", site="https://ham.go.id", **release),
        "2022-09-14T10:00:00+07:00",
    )
    copy = {
        "url": "https://portal.ham.go.id/b/",
        "site": "https://portal.ham.go.id",
        "published_at": "2022-09-15T08:00:00+07:00",
    }
    draft = {"title": title, "body_text": "Draf.", "body_html": "<p>Draf.</p>"}
    archive.save(article(**copy, **draft), "2022-09-15T09:00:00+07:00")
    same_as = "select same_as from articles where url = 'https://portal.ham.go.id/b/'"
    assert archive.db.execute(same_as).fetchone() == (None,)
    assert archive.save(article(**copy, **release), "2022-09-15T12:00:00+07:00") == "changed"
    assert archive.db.execute(same_as).fetchone() == ("https://ham.go.id/a/",)


def test_the_exact_index_is_rewritten_only_when_the_words_change(tmp_path):
    """An update of other columns (seen again, marked deleted, linked, moved) leaves
    articles_fts as it was, byte for byte; an edit of the words, by save() or by hand, is
    indexed. An archive made with sqlite-utils' trigger gets this one when opened."""
    path = tmp_path / "archive.db"
    archive = Archive(path)
    archive.save(article(), SEEN[0])

    def index() -> list:
        return archive.db.execute("select id, block from articles_fts_data order by id").fetchall()

    def found(word: str) -> list:
        sql = "select rowid from articles_fts where articles_fts match ?"
        return archive.db.execute(sql, [word]).fetchall()

    before = index()
    assert archive.save(article(), SEEN[1]) == "unchanged"
    archive.mark_deleted(article().url, SEEN[2])
    with archive.db.conn:
        archive.db.execute("update articles set same_as = 'x', credit = 'Humas'")
    assert index() == before
    archive.save(article(body_text="Sosialisasi peraturan daerah."), SEEN[3])
    assert found("peraturan") and not found("teks")
    with archive.db.conn:
        archive.db.execute("update articles set body_text = 'Rapat koordinasi.'")
    assert found("koordinasi") and not found("peraturan")
    with archive.db.conn:  # as sqlite-utils' enable_fts made it
        archive.db.execute("drop trigger articles_au")
        archive.db.execute(
            "create trigger articles_au after update on articles begin insert into articles_fts"
            " (articles_fts, rowid, title, body_text) values"
            " ('delete', old.rowid, old.title, old.body_text); insert into articles_fts"
            " (rowid, title, body_text) values (new.rowid, new.title, new.body_text); end"
        )
    archive.close()
    archive = Archive(path)
    before = index()
    archive.mark_deleted(article().url, SEEN[4])
    assert index() == before
    archive.close()
