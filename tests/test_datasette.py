"""The published archive, through Datasette's own test client and through ``ham-archive serve``."""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from scraper.archive import Archive
from scraper.pages import ArticlePage

FIXTURES = Path(__file__).parent / "fixtures"
METADATA = Path(__file__).parent.parent / "metadata.yml"


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> Path:
    """An archive of the saved Twenty Twenty-Three pages, parsed by the page objects."""
    path = tmp_path_factory.mktemp("datasette") / "archive.db"
    archive = Archive(path)
    for case in sorted((FIXTURES / "twentytwentythree-id_ID").iterdir()):
        url = json.loads((case / "meta.json").read_text())["url"]
        site = url.split("/2", 1)[0]
        archive.save(ArticlePage(url, (case / "response.html").read_bytes(), site).to_article())
    archive.close()
    return path


@pytest.fixture
def datasette(archive_db) -> Datasette:
    return Datasette([str(archive_db)], metadata=yaml.safe_load(METADATA.read_text()))


async def get_json(ds: Datasette, path: str):
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.asyncio
async def test_full_text_search_finds_the_article(datasette):
    rows = await get_json(datasette, "/archive/articles.json?_search=Wallenberg&_shape=array")
    assert [row["slug"] for row in rows] == [
        "bekerja-sama-dengan-rwi-ditjen-ham-gelar-bimtek-kkp-ham-di-kalimantan-selatan"
    ]
    assert await get_json(datasette, "/archive/articles.json?_search=zzzyyy&_shape=array") == []


@pytest.mark.asyncio
async def test_facet_counts(datasette, archive_db):
    import sqlite3

    with sqlite3.connect(archive_db) as db:
        articles = db.execute("select categories, author, year from articles").fetchall()
    data = await get_json(datasette, "/archive/articles.json")  # facets come from metadata.yml
    facets = {
        name: {item["value"]: item["count"] for item in facet["results"]}
        for name, facet in data["facet_results"].items()
    }
    expected_categories = Counter(c for row in articles for c in json.loads(row[0]))
    assert facets["categories"] == dict(expected_categories)
    assert facets["author"] == dict(Counter(row[1] for row in articles))
    assert facets["year"] == dict(Counter(row[2] for row in articles))


@pytest.mark.asyncio
async def test_newest_first_and_every_column_documented(datasette, archive_db):
    rows = await get_json(datasette, "/archive/articles.json?_shape=array")
    dates = [row["published_at"] for row in rows]
    assert dates == sorted(dates, reverse=True)
    import sqlite_utils

    tables = yaml.safe_load(METADATA.read_text())["databases"]["archive"]["tables"]
    db = sqlite_utils.Database(archive_db)
    for table in db.tables:
        if table.name.startswith(("articles_fts", "articles_stemmed_fts")):
            continue
        documented = tables[table.name]
        assert documented.get("description"), table.name
        assert set(documented["columns"]) == set(table.columns_dict), table.name


def test_serve_answers_a_search_whatever_the_file_is_called(archive_db, tmp_path):
    """The README's ``--db mirror.db``: home, search, dashboards and tables all answer."""
    mirror = tmp_path / "mirror.db"
    shutil.copyfile(archive_db, mirror)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "scraper.cli", "serve", "--db", str(mirror)]
    server = subprocess.Popen([*command, "--port", str(port)], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        url = f"{base}/mirror/articles.json?_search=Banjarmasin&_shape=array"
        for _ in range(100):
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    rows = json.load(response)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(server.stderr.read().decode() if server.poll() else "no answer")
        assert any("Banjarmasin" in row["body_text"] for row in rows)
        with urllib.request.urlopen(f"{base}/-/databases.json") as response:
            databases = json.load(response)
        assert [(d["name"], d["is_mutable"]) for d in databases] == [("mirror", True)]
        for path in ("/", "/mirror/search?q=Banjarmasin", "/-/dashboards/overview"):
            with urllib.request.urlopen(base + path, timeout=10) as response:
                assert response.status == 200, path
                html = response.read().decode()
            assert "/mirror/" in html or '"db": "mirror"' in html, path
        with urllib.request.urlopen(f"{base}/mirror/search.json?q=Banjarmasin&_shape=array") as r:
            assert json.load(r), "the search finds the article"
    finally:
        server.terminate()
        server.wait(10)


def test_serve_public_sends_its_headers_and_keeps_sql_within_limits(archive_db):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "scraper.cli", "serve", "--db", str(archive_db), "--public"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)], stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                response = urllib.request.urlopen(f"{base}/", timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(server.stderr.read().decode() if server.poll() else "no answer")
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        sql = urllib.parse.urlencode({"sql": "select count(*) as n from articles"})
        with urllib.request.urlopen(f"{base}/archive.json?{sql}&_shape=array") as answer:
            assert json.load(answer)[0]["n"] > 0  # arbitrary SQL is allowed...
        slow = (
            "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
        )
        started = time.monotonic()
        try:
            urllib.request.urlopen(f"{base}/archive.json?{urllib.parse.urlencode({'sql': slow})}")
            raise AssertionError("an endless query answered")
        except urllib.error.HTTPError as error:  # ...within the time limit
            assert error.code == 400 and b"interrupted" in error.read().lower()
        assert time.monotonic() - started < 10
    finally:
        server.terminate()
        server.wait(10)
