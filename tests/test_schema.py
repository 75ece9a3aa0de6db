"""Schema versions: an archive of an older release is upgraded in place, losing no row; an
archive of a newer release is refused with one line and left untouched."""

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import ham_archive

from scraper import archive as schema
from scraper.archive import MIGRATIONS, SCHEMA_VERSION, Archive

LEGACY = Path(__file__).parent / "fixtures" / "archive-3398273"


@pytest.fixture
def legacy(tmp_path) -> Path:
    shutil.copytree(LEGACY, tmp_path / "old")
    return tmp_path / "old" / "archive.db"


def dump(path: Path) -> dict[str, list[dict]]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        return {t: [dict(r) for r in db.execute(f"select * from [{t}]")] for t in tables}


def search(path: Path, index: str) -> list[int]:
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
        sql = f"select rowid from {index} where {index} match 'padang OR banjarmasin' order by 1"
        return [r[0] for r in db.execute(sql)]


def shape(path: Path) -> dict:
    """Every table's columns and every index, trigger and view: what a schema is."""
    with sqlite3.connect(path) as db:
        objects = db.execute("select type, name, tbl_name from sqlite_master order by name")
        found = {"objects": sorted(objects.fetchall())}
        for (table,) in db.execute("select name from sqlite_master where type = 'table'"):
            columns = db.execute(f"pragma table_info([{table}])").fetchall()
            found[table] = sorted((c[1], c[2], c[5]) for c in columns)
    return found


def test_an_archive_of_release_3398273_upgrades_without_losing_a_row(legacy):
    before = dump(legacy)
    found = {index: search(legacy, index) for index in ("articles_fts", "articles_stemmed_fts")}
    assert sqlite3.connect(legacy).execute("pragma user_version").fetchone() == (0,)
    Archive(legacy).close()
    after = dump(legacy)
    with sqlite3.connect(legacy) as db:
        assert db.execute("pragma user_version").fetchone() == (SCHEMA_VERSION,)
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    for table, rows in before.items():
        if table.startswith(("articles_fts", "articles_stemmed_fts")):
            continue  # the indexes' own pages: searched below
        kept = [{k: row[k] for k in rows[0]} for row in after[table]] if rows else []
        assert kept == rows, table  # every row, every value, in order
    for index, rowids in found.items():
        assert search(legacy, index) == rowids != []
    urls = {(r["url"], r["article_url"]) for r in after["article_urls"]}
    assert urls == {(r["url"], r["url"]) for r in before["articles"]}
    (version,) = after["article_versions"]
    assert version["url"] == version["article_url"] and version["post_id"]


def test_the_upgraded_schema_is_the_new_schema(legacy, tmp_path):
    Archive(legacy).close()
    Archive(tmp_path / "new.db").close()
    assert shape(legacy) == shape(tmp_path / "new.db")


def test_the_upgraded_archive_crawls_and_reparses(legacy):
    """The fixture's captures are read back by today's reparse, on the upgraded schema."""
    result = ham_archive("reparse", "--db", str(legacy))
    assert result.returncode == 0, result.stderr
    assert "8 articles in all" in result.stderr
    with sqlite3.connect(legacy) as db:
        assert (
            db.execute("select count(*) from articles where deleted_at is not null").fetchone()[0]
            == 1
        )
        assert db.execute("select count(*) from article_versions").fetchone() == (1,)


@pytest.mark.parametrize("command", ["crawl", "reparse", "check", "serve"])
def test_a_newer_archive_is_refused_and_left_untouched(legacy, command):
    db = sqlite3.connect(legacy)
    db.execute(f"pragma user_version = {SCHEMA_VERSION + 1}")
    db.close()  # the last connection: the WAL is checkpointed into the file
    before = hashlib.sha256(legacy.read_bytes()).hexdigest()
    files = sorted(p.name for p in legacy.parent.iterdir())
    args = [command, "--db", str(legacy)]
    if command == "crawl":
        args += ["--site", "http://127.0.0.1:9"]  # refused before any request
    result = ham_archive(*args, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"Error: {str(legacy)!r} has schema version {SCHEMA_VERSION + 1}, newer than this "
        f"ham-archive knows ({SCHEMA_VERSION}): upgrade ham-archive; left untouched"
    ]
    assert hashlib.sha256(legacy.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in legacy.parent.iterdir()) == files


def test_migrations_are_numbered_in_order():
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 1
    for number, migration in enumerate(MIGRATIONS, 1):
        assert migration.__name__.startswith(f"_v{number}_"), migration.__name__
        assert migration.__doc__, migration.__name__
        assert getattr(schema, migration.__name__) is migration


@pytest.mark.parametrize("command", ["check", "serve"])
def test_readers_of_an_older_archive_say_how_to_upgrade_it(legacy, command):
    before = hashlib.sha256(legacy.read_bytes()).hexdigest()
    result = ham_archive(command, "--db", str(legacy), timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {str(legacy)!r} has an older schema than this ham-archive reads: run "
        "'ham-archive crawl' (or 'reparse') once to upgrade it in place"
    ]
    assert hashlib.sha256(legacy.read_bytes()).hexdigest() == before
