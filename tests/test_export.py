"""``ham-archive export``: the files to take home, their data package, and the home page that
links them (through Datasette's test client and the download route)."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette
from test_site import build_archive

from scraper.cli import cli

ROOT = Path(__file__).parent.parent
TEMPLATES = ROOT / "scraper" / "templates"
METADATA = yaml.safe_load((ROOT / "scraper" / "metadata.yml").read_text())
FRICTIONLESS_TYPES = {"string", "integer", "number", "date", "datetime", "array", "boolean"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path, dict]:
    directory = tmp_path_factory.mktemp("export")
    db = build_archive(directory / "mirror.db")
    (directory / "mirror.wacz").write_bytes(b"PK\x03\x04 not really a zip, but a file to offer")
    result = CliRunner().invoke(cli, ["export", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Exported {db} in ")
    assert "articles.csv (" in result.output and "mirror.wacz (" in result.output
    out = directory / "mirror-export"
    return db, out, json.loads((out / "datapackage.json").read_text())


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_every_file_is_described_with_its_size_and_hash(exported):
    _, out, package = exported
    assert package["profile"] == "data-package" and package["name"] == "ham-archive-mirror"
    names = {r["name"]: r for r in package["resources"]}
    assert set(names) == {"archive", "articles", "articles-jsonl", "wacz"}
    for item in package["resources"]:
        data = (out / item["path"]).read_bytes()
        assert item["bytes"] == len(data)
        assert item["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert sorted(p.name for p in out.iterdir() if p.name != "secret.txt") == sorted(
        [*(r["path"] for r in package["resources"]), "datapackage.json"]
    )  # nothing half-written left behind


def test_schema_types_and_descriptions_come_from_the_archive_and_metadata(exported):
    db, _, package = exported
    schema = next(r for r in package["resources"] if r["name"] == "articles")["schema"]
    columns = [name for (_, name, *_) in rows(db, "pragma table_info(articles)")]
    assert [f["name"] for f in schema["fields"]] == columns and schema["primaryKey"] == ["url"]
    docs = METADATA["databases"]["archive"]["tables"]["articles"]["columns"]
    types = {f["name"]: f["type"] for f in schema["fields"]}
    for field in schema["fields"]:
        assert field["type"] in FRICTIONLESS_TYPES
        assert field["description"] == docs[field["name"]]
    assert types["post_id"] == "integer" and types["title"] == "string"
    assert types["categories"] == "array" and types["published_at"] == "datetime"
    assert types["event_date"] == "date"


def test_csv_and_jsonl_hold_every_article(exported):
    db, out, _ = exported
    expected = {r[0]: r for r in rows(db, "select * from articles")}
    with (out / "articles.csv").open(newline="", encoding="utf-8") as file:
        table = list(csv.DictReader(file))
    assert len(table) == len(expected)
    for row in table:
        original = expected[row["url"]]
        assert row["body_text"] == original[10] and row["title"] == original[3]
    lines = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert {r["url"] for r in records} == set(expected)
    for record in records:
        assert isinstance(record["categories"], list) and isinstance(record["tags"], list)
        assert record["body_text"] == expected[record["url"]][10]


def test_the_database_copy_is_whole(exported):
    db, out, _ = exported
    copy = out / "mirror.db"
    assert rows(copy, "pragma integrity_check") == [("ok",)]
    for table in ("articles", "article_versions", "captures", "crawl_runs", "article_people"):
        assert rows(copy, f"select * from {table} order by 1") == rows(
            db, f"select * from {table} order by 1"
        ), table


@pytest.mark.asyncio
async def test_home_page_links_each_file_with_size_date_and_hash(exported):
    db, out, package = exported
    ds = Datasette([str(db)], template_dir=str(TEMPLATES))
    html = (await ds.client.get("/")).text
    section = html.split('id="unduh"', 1)[1].split("<h2", 1)[0]
    for item in package["resources"]:
        assert f'href="/mirror/-/download/{item["path"]}"' in section
        assert item["hash"].removeprefix("sha256:") in section and item["modified"] in section
        response = await ds.client.get(f"/mirror/-/download/{item['path']}")
        assert response.status_code == 200
        assert response.content == (out / item["path"]).read_bytes()
    assert "kB" in section and 'href="/mirror/-/download/datapackage.json"' in section
    described = await ds.client.get("/mirror/-/download/datapackage.json")
    assert described.json()["name"] == package["name"]
    (out / "secret.txt").write_text("not listed")
    for name in ("secret.txt", "articles.csv.partial", "..", "mirror-export"):
        assert (await ds.client.get(f"/mirror/-/download/{name}")).status_code == 404
    sneaky = await ds.client.get("/mirror/-/download/..%2Fmirror.db")
    assert sneaky.status_code != 200 and not sneaky.content.startswith(b"SQLite format 3")


@pytest.mark.asyncio
async def test_home_page_says_how_to_export_when_nothing_is(tmp_path):
    db = build_archive(tmp_path / "archive.db")
    ds = Datasette([str(db)], template_dir=str(TEMPLATES))
    html = (await ds.client.get("/")).text
    assert "ham-archive export --db archive.db" in html


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "Error: no archive at '{p}': run 'ham-archive crawl' first"),
        (lambda p: p.write_text("not sqlite"), "Error: cannot read '{p}': file is not a database"),
        (
            lambda p: sqlite3.connect(p).execute("create table other (x)").connection.commit(),
            "Error: '{p}' is not a ham-archive archive (no articles table)",
        ),
    ],
)
def test_export_refuses_bad_input_in_one_line(tmp_path, make, message):
    path = tmp_path / "x.db"
    make(path)
    result = CliRunner().invoke(cli, ["export", "--db", str(path)])
    assert result.exit_code == 1 and result.output.strip() == message.format(p=path)
    assert not (tmp_path / "x-export").exists() or not any((tmp_path / "x-export").iterdir())


def test_export_names_a_missing_wacz(tmp_path):
    db = build_archive(tmp_path / "archive.db")
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--wacz", "nope.wacz"])
    assert result.exit_code == 1 and result.output.strip() == "Error: no WACZ at 'nope.wacz'"
