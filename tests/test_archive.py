"""archive.py: the schema researchers query, filled from the page objects."""

import json
from pathlib import Path

import pytest
import sqlite_utils

from scraper.archive import Archive, ArchiveError
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
