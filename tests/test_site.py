"""The published site: home page, canned queries, feeds, facets, safe HTML, ``serve --public``.

Through Datasette's own test client, over an archive built from the saved pages
(tests/fixtures/*/*/response.html) by the real page objects, plus one malicious article.
"""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import pytest_asyncio
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

import scraper.cli
from scraper.archive import Archive
from scraper.datasette_plugin import clean_body, diff
from scraper.items import Article
from scraper.pages import ArticlePage

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
METADATA = ROOT / "scraper" / "metadata.yml"
TEMPLATES = ROOT / "scraper" / "templates"
ATOM = "{http://www.w3.org/2005/Atom}"
EVIL_SLUG = "berita-berbahaya"
# What the raw page of the malicious article holds in its body: none of it may run.
PAYLOAD = (
    "<p>Teks berbahaya diterbitkan di Medan.</p>"
    '<img src=x onerror="window.__pwned=1">'
    "<script>window.__pwned=1</script>"
    '<a href="javascript:window.__pwned=1">klik</a>'
    '<iframe src="javascript:window.__pwned=1"></iframe>'
    "<style>body{display:none}</style>"
    '<p onclick="window.__pwned=1">klik di sini</p>'
)
ACTIVE = ("<script", "onerror", "onclick", "javascript:", "<iframe", "<style")


def evil_article(case: Path) -> Article:
    """The saved page of ``case`` moved to a new URL, with PAYLOAD at the start of its body."""
    url = json.loads((case / "meta.json").read_text())["url"]
    site = url.split("/2", 1)[0]
    new_url = f"{site}/2022/09/15/{EVIL_SLUG}/"
    html = (case / "response.html").read_text().replace(url, new_url)
    marker = 'entry-content wp-block-post-content">'
    assert marker in html
    html = html.replace(marker, marker + PAYLOAD, 1)
    article = ArticlePage(new_url, html.encode(), site).to_article()
    article.post_id += 100000  # another post: the same post id would be the seed moved
    return article


def build_archive(path: Path) -> Path:
    """Every saved fixture page through ArticlePage + Archive.save, the malicious article, one
    edit of an article, one deletion, and a finished crawl run."""
    archive = Archive(path)
    run = archive.start_run("http://127.0.0.1", full=True)
    saved = []
    for case in sorted(FIXTURES.glob("*/*")):
        if not (case / "response.html").exists():
            continue
        url = json.loads((case / "meta.json").read_text())["url"]
        site = url.split("/2", 1)[0]
        article = ArticlePage(url, (case / "response.html").read_bytes(), site).to_article()
        archive.save(article, seen_at="2026-11-01T10:00:00+07:00")
        saved.append(article)
    archive.save(
        evil_article(FIXTURES / "twentytwentythree-id_ID" / "seed"),
        seen_at="2026-11-01T10:00:00+07:00",
    )
    edited = next(a for a in saved if "Banjarmasin" in a.body_text)
    edited.title = edited.title + " (diperbarui)"
    edited.body_text = edited.body_text.replace("Banjarmasin", "Kota Banjarmasin", 1)
    archive.save(edited, seen_at="2026-11-02T10:00:00+07:00")
    archive.mark_deleted(saved[-1].url, seen_at="2026-11-03T10:00:00+07:00")
    archive.finish_run(run, status="ok", mode="html", new=len(saved) + 1)
    archive.close()
    return path


def site_metadata() -> dict:
    return yaml.safe_load(METADATA.read_text())


@pytest.fixture(scope="module")
def site_db(tmp_path_factory) -> Path:
    return build_archive(tmp_path_factory.mktemp("site") / "archive.db")


@pytest_asyncio.fixture
async def ds(site_db) -> Datasette:
    datasette = Datasette([str(site_db)], metadata=site_metadata(), template_dir=str(TEMPLATES))
    await datasette.invoke_startup()
    return datasette


async def get(ds: Datasette, path: str, **params):
    response = await ds.client.get(path, params=params or None)
    assert response.status_code == 200, (path, response.text[:2000])
    return response


def rows_of(db: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


# --- home page -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_home_page_says_what_where_how_fresh_and_how_to_cite(ds, site_db):
    html = (await get(ds, "/")).text
    assert "press releases of" in html and "https://ham.go.id" in html
    ended = rows_of(site_db, "select ended_at from crawl_runs order by id desc")[0][0]
    assert ended in html  # the last crawl
    count = rows_of(site_db, "select count(*) from articles")[0][0]
    assert f"{count:,}" in html
    assert "captures" in html and "fetched_at" in html and "articles.url" in html
    for link in (
        "/archive/search",
        "/archive/articles",
        "/archive/newest.atom",
        "/archive/articles_per_month",
        "/archive/articles_by_city",
        "/archive/edited_articles",
        "/archive/deleted_articles",
        "/archive/people_most_mentioned",
        "/archive/article_history",
        "/-/dashboards/overview",
    ):
        assert f'href="{link}"' in html, link
        if not link.endswith(".atom"):
            await get(ds, link)


# --- canned queries ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_search_keeps_its_contract_and_is_a_feed(ds):
    response = await get(ds, "/archive/search.json", q="Wallenberg", _shape="array")
    rows = response.json()
    assert rows and {"url", "title", "published_at", "snippet"} <= set(rows[0])
    assert "<mark>Wallenberg</mark>" in rows[0]["snippet"]

    feed = ET.fromstring((await get(ds, "/archive/search.atom", q="Wallenberg")).content)
    entries = feed.findall(f"{ATOM}entry")
    assert {e.find(f"{ATOM}id").text for e in entries} == {row["url"] for row in rows}
    content = entries[0].find(f"{ATOM}content").text
    assert "Wallenberg" in content and "<mark>" not in content
    assert entries[0].find(f"{ATOM}link").get("href") == entries[0].find(f"{ATOM}id").text

    empty = ET.fromstring((await get(ds, "/archive/search.atom", q="zzzyyyxxx")).content)
    assert empty.tag == f"{ATOM}feed" and empty.findall(f"{ATOM}entry") == []


@pytest.mark.asyncio
async def test_search_page_links_its_feed_and_hides_feed_columns(ds):
    html = (await get(ds, "/archive/search", q="Wallenberg")).text
    assert "search.atom?q=Wallenberg" in html
    css = (await get(ds, "/-/ham-archive.css")).text
    assert 'th[class^="col-atom_"]' in css and "display: none" in css
    assert "/-/ham-archive.css" in html


@pytest.mark.asyncio
async def test_search_page_reads_as_a_list_of_releases(ds, site_db):
    rows = (await get(ds, "/archive/search.json", q="Banjarmasin", _shape="array")).json()
    html = (await get(ds, "/archive/search", q="Banjarmasin")).text
    results = html.split('<ol class="ham-results">', 1)[1].split("</ol>", 1)[0]
    entries = results.split("<li>")[1:]
    assert len(entries) == len(rows) > 1
    for entry, row in zip(entries, rows, strict=True):
        link = f'href="/archive/articles/{_pk_path(row["url"])}"'
        assert link in entry and row["title"] in entry  # the title links to the reading page
        assert "Rabu, 14 September 2022" in entry and "· Banjarmasin" in entry
        assert "<mark>Banjarmasin</mark>" in entry
    sql = html.split('<details class="ham-sql">', 1)[1].split("</details>", 1)[0]
    assert "articles_stemmed_fts" in sql and "<table" not in html.split("<ol", 1)[0]
    assert "&lt;mark&gt;" not in results


@pytest.mark.asyncio
async def test_search_facets_count_every_match_and_link_the_faceted_table(ds, site_db):
    html = (await get(ds, "/archive/search", q="Banjarmasin")).text
    facets = html.split('<div class="ham-search-facets">', 1)[1].split("</div>", 1)[0]
    found = re.findall(r'<a href="([^"]+)">([^<]+)</a> (\d+)', facets)
    assert {label for _, label, _ in found} >= {"2022", "Banjarmasin", "Berita"}
    for link, label, count in found:
        link = link.replace("&amp;", "&")
        assert "_stemmed=Banjarmasin" in link
        rows = (await get(ds, link.replace("/archive/articles?", "/archive/articles.json?")
                          + "&_shape=array&_size=max")).json()  # fmt: skip
        assert len(rows) == int(count), (label, link)
    everything = (
        await get(ds, "/archive/articles.json", _stemmed="Banjarmasin", _shape="array")
    ).json()
    searched = (await get(ds, "/archive/search.json", q="Banjarmasin", _shape="array")).json()
    assert {r["url"] for r in everything} == {r["url"] for r in searched}
    table = (await get(ds, "/archive/articles", _stemmed="Banjarmasin")).text
    assert "found by the search &#34;Banjarmasin&#34;" in table and "facet-info" in table


@pytest.mark.asyncio
async def test_newest_feed(ds, site_db):
    feed = ET.fromstring((await get(ds, "/archive/newest.atom")).content)
    entries = feed.findall(f"{ATOM}entry")
    newest = rows_of(site_db, "select url from articles order by published_at desc limit 50")
    assert {e.find(f"{ATOM}id").text for e in entries} == {url for (url,) in newest}
    for entry in entries:
        assert entry.find(f"{ATOM}title").text
        content = entry.find(f"{ATOM}content").text or ""
        assert not any(active in content.lower() for active in ACTIVE), content


@pytest.mark.asyncio
async def test_per_month_and_by_city(ds, site_db):
    rows = (await get(ds, "/archive/articles_per_month.json", _shape="array")).json()
    expected = rows_of(
        site_db, "select substr(published_at, 1, 7), count(*) from articles group by 1"
    )
    assert {(r["month"], r["articles"]) for r in rows} == set(expected)
    rows = (await get(ds, "/archive/articles_by_city.json", _shape="array")).json()
    cities = Counter(
        c for (c,) in rows_of(site_db, "select dateline_city from articles") if c is not None
    )
    assert {r["city"]: r["articles"] for r in rows} == dict(cities)
    assert "Banjarmasin" in cities


@pytest.mark.asyncio
async def test_edited_articles_show_a_readable_diff(ds):
    rows = (await get(ds, "/archive/edited_articles.json", _shape="array")).json()
    assert len(rows) == 1
    row = rows[0]
    assert row["title"].endswith("(diperbarui)") and row["version_count"] == 2
    assert re.search(r'<ins class="ham-diff">\s*\(diperbarui\)</ins>$', row["title_diff"])
    assert re.search(r'<ins class="ham-diff">\s*Kota\s*</ins>\s*Banjarmasin', row["text_diff"])
    assert " … " in row["text_diff"]  # the unchanged rest is cut down to context
    html = (await get(ds, "/archive/edited_articles")).text
    assert '<ins class="ham-diff"> (diperbarui)</ins>' in html  # rendered, not escaped


def test_diff_is_escaped_short_and_none_when_equal():
    assert diff("sama", "sama") is None
    assert diff(None, None) is None
    out = diff("a <b> c", "a <script>x</script> c")
    assert "<script>" not in out and "&lt;script&gt;" in out
    old = " ".join(f"w{i}" for i in range(200))
    new = old.replace("w100", "kata")
    out = diff(old, new)
    assert out.count(" … ") == 2 and "<del" in out and "<ins" in out and len(out) < 400


@pytest.mark.asyncio
async def test_deleted_articles(ds, site_db):
    rows = (await get(ds, "/archive/deleted_articles.json", _shape="array")).json()
    deleted = rows_of(site_db, "select url from articles where deleted_at is not null")
    assert [r["url"] for r in rows] == [url for (url,) in deleted] and len(deleted) == 1


@pytest.mark.asyncio
async def test_article_history_lists_every_state_with_its_capture_time(ds, site_db):
    (url,) = rows_of(site_db, "select article_url from article_versions")[0]
    rows = (await get(ds, "/archive/article_history.json", url=url, _shape="array")).json()
    assert [r["state"] for r in rows] == ["current", "version 1"]
    assert rows[0]["title"].endswith("(diperbarui)")
    assert not rows[1]["title"].endswith("(diperbarui)")
    assert set(rows[0]) >= {"capture_id", "fetched_at", "valid_from", "valid_to"}


@pytest.mark.asyncio
async def test_people_most_mentioned(ds, site_db):
    rows = (await get(ds, "/archive/people_most_mentioned.json", _shape="array")).json()
    expected = rows_of(
        site_db,
        "select name, count(distinct article_url) from article_people group by name",
    )
    assert rows and {(r["name"], r["articles"]) for r in rows} <= set(expected)
    counts = [r["articles"] for r in rows]
    assert counts == sorted(counts, reverse=True)


# --- facets --------------------------------------------------------------------------------


async def facets(ds: Datasette, query: str = "") -> dict:
    data = (await get(ds, f"/archive/articles.json?{query}")).json()
    assert not data.get("facets_timed_out")
    return {
        name: {item["value"]: item for item in facet["results"]}
        for name, facet in data["facet_results"].items()
    }


@pytest.mark.asyncio
async def test_every_browsing_facet_is_there_with_right_counts(ds, site_db):
    found = await facets(ds)
    assert set(found) >= {
        "year",
        "published_at (month)",
        "categories",
        "tags",
        "author",
        "dateline_city",
        "credit",
        "language",
    }
    rows = rows_of(site_db, "select categories, tags, published_at from articles")
    for index, name in ((0, "categories"), (1, "tags")):
        expected = Counter(t for row in rows for t in set(json.loads(row[index])))
        assert {k: v["count"] for k, v in found[name].items()} == dict(expected), name
    months = Counter(row[2][:7] for row in rows)
    assert {k: v["count"] for k, v in found["published_at (month)"].items()} == dict(months)


@pytest.mark.asyncio
async def test_facet_toggles_filter_the_table(ds, site_db):
    found = await facets(ds)
    category, item = next(iter(found["categories"].items()))
    query = item["toggle_url"].split("?", 1)[1]
    assert "categories__term=" in query
    filtered = (await get(ds, f"/archive/articles.json?{query}&_shape=array")).json()
    assert len(filtered) == item["count"]
    assert all(category in json.loads(row["categories"]) for row in filtered)
    assert (await facets(ds, query))["categories"][category]["selected"]

    month, item = next(iter(found["published_at (month)"].items()))
    query = item["toggle_url"].split("?", 1)[1]
    filtered = (await get(ds, f"/archive/articles.json?{query}&_shape=array")).json()
    assert len(filtered) == item["count"]
    assert all(row["published_at"].startswith(month) for row in filtered)


@pytest.mark.asyncio
async def test_sort_by_event_date(ds):
    rows = (await get(ds, "/archive/articles.json?_sort_desc=event_date&_shape=array")).json()
    dates = [r["event_date"] for r in rows if r["event_date"]]
    assert dates and dates == sorted(dates, reverse=True)


# --- safety --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_malicious_article_is_archived_and_shown_inert(ds, site_db):
    [(url, body_html)] = rows_of(
        site_db, "select url, body_html from articles where url like ?", [f"%{EVIL_SLUG}%"]
    )
    assert "Teks berbahaya" in body_html
    assert not any(active in body_html.lower() for active in ACTIVE)
    for page in ("", "?_raw=1"):  # the reading page, and the raw row view
        html = (await get(ds, f"/archive/articles/{_pk_path(url)}{page}")).text
        assert "Teks berbahaya" in html
        body = shown_body(html)
        assert "Teks berbahaya" in body
        assert not any(active in body.lower() for active in ACTIVE), body


def shown_body(html: str) -> str:
    """The article body as a page shows it: the reading page's text, or a ``ham-body`` cell."""
    if '<section id="teks"' in html:
        return html.split('<section id="teks"', 1)[1].split("</section>", 1)[0]
    return html.split('class="ham-body"', 1)[1].split("</td>", 1)[0]


def _pk_path(url: str) -> str:
    from datasette.utils import tilde_encode

    return tilde_encode(url)


def test_display_sanitizer_catches_what_a_cleaner_missed():
    cleaned = clean_body(
        PAYLOAD
        + '<a href="JaVaScRiPt:alert(1)">x</a><svg onload="x()"></svg>'
        + '<img src="data:text/html,x" onerror=y><object data="x"></object>'
        + '<a href="https://ham.go.id/a">ok</a><img src="https://ham.go.id/i.jpg" alt="foto">'
    )
    assert not any(active in cleaned.lower() for active in (*ACTIVE, "onload", "data:"))
    assert "<svg" not in cleaned and "<object" not in cleaned
    assert 'href="https://ham.go.id/a"' in cleaned and 'src="https://ham.go.id/i.jpg"' in cleaned
    assert "window.__pwned" not in cleaned  # script and style text go with their tags


@pytest.mark.asyncio
async def test_raw_unsafe_html_in_the_database_is_shown_inert(tmp_path):
    """Even a body_html that skipped the crawler's cleaner is sanitized at display."""
    path = tmp_path / "archive.db"
    archive = Archive(path)
    archive.save(
        Article(
            url="https://ham.go.id/2022/09/14/x/",
            title="Judul",
            published_at="2022-09-14T09:00:00+07:00",
            body_html="<p>Teks.</p>",
            body_text="Teks.",
            source="html",
        )
    )
    archive.db.execute("update articles set body_html = ?", [PAYLOAD])
    archive.db.conn.commit()
    archive.close()
    datasette = Datasette([str(path)], metadata=site_metadata(), template_dir=str(TEMPLATES))
    for page in (
        "/archive/articles",
        "/archive/articles/" + _pk_path("https://ham.go.id/2022/09/14/x/"),
        "/archive/articles/" + _pk_path("https://ham.go.id/2022/09/14/x/") + "?_raw=1",
    ):
        html = (await get(datasette, page)).text
        body = shown_body(html)
        assert "Teks berbahaya" in body
        assert not any(active in body.lower() for active in ACTIVE), body


@pytest.mark.asyncio
async def test_robots_txt(ds):
    text = (await get(ds, "/robots.txt")).text
    assert "User-agent: *" in text
    assert "Disallow: /*?" in text and "Disallow: /*.json" in text
    assert "Disallow: /*/-/" in text  # replays of captures, downloads


@pytest.mark.asyncio
async def test_no_plugin_that_writes(ds):
    plugins = {p["name"] for p in (await get(ds, "/-/plugins.json")).json()}
    readers = {
        "ham-archive",
        "datasette-atom",
        "datasette-dashboards",
        "datasette-leaflet",
        "datasette-render-markdown",
    }
    assert plugins <= readers, plugins - readers


@pytest.mark.asyncio
async def test_dashboard_charts_run(ds):
    html = (await get(ds, "/-/dashboards/overview")).text
    assert "vega-lite.min.js" in html
    charts = site_metadata()["plugins"]["datasette-dashboards"]["overview"]["charts"]
    for name, chart in charts.items():
        data = (await get(ds, "/archive.json", sql=chart["query"], _shape="objects")).json()
        assert data["rows"], name


# --- serve ---------------------------------------------------------------------------------


def serve_args(monkeypatch, *args: str):
    calls = []
    monkeypatch.setattr(scraper.cli.os, "execv", lambda exe, argv: calls.append(argv))
    result = CliRunner().invoke(scraper.cli.cli, ["serve", *args])
    return result, (calls[0] if calls else None)


def settings_of(argv: list[str]) -> dict:
    return {argv[i + 1]: argv[i + 2] for i, a in enumerate(argv) if a == "--setting"}


def test_serve_stays_local_and_read_only(monkeypatch, site_db):
    result, argv = serve_args(monkeypatch, "--db", str(site_db))
    assert result.exit_code == 0, result.output
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert "-i" not in argv and str(site_db) in argv
    assert argv[argv.index("--template-dir") + 1] == str(TEMPLATES)
    assert settings_of(argv)["sql_time_limit_ms"] == "3000"


def test_serve_warns_of_a_public_address_without_public(monkeypatch, site_db):
    result, argv = serve_args(monkeypatch, "--db", str(site_db), "--host", "0.0.0.0")
    assert result.exit_code == 0 and argv[argv.index("--host") + 1] == "0.0.0.0"
    assert "-i" not in argv
    assert "Warning: 0.0.0.0 publishes the archive; consider --public" in result.output


def test_serve_public_is_hardened(monkeypatch, site_db):
    result, argv = serve_args(monkeypatch, "--db", str(site_db), "--public")
    assert result.exit_code == 0, result.output
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("-i") + 1] == str(site_db)
    settings = settings_of(argv)
    assert settings["allow_download"] == "off" and settings["allow_csv_stream"] == "off"
    assert int(settings["sql_time_limit_ms"]) <= 2000
    assert int(settings["max_returned_rows"]) <= 1000
    assert settings["default_allow_sql"] == "on"


# --- safe to publish -----------------------------------------------------------------------


def policy(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in header.split("; ")}


@pytest.mark.asyncio
async def test_every_page_sends_a_tight_policy_nosniff_and_a_referrer_policy(ds, site_db):
    images = {
        src.split("/", 3)[0] + "//" + src.split("/", 3)[2]
        for (src,) in rows_of(site_db, "select src from article_images")
    }
    for path in ("/", "/archive/search?q=HAM", "/archive/articles", "/-/ham-archive.css"):
        response = await get(ds, path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        csp = policy(response.headers["content-security-policy"])
        assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'self'"] and csp["base-uri"] == ["'self'"]
        assert csp["form-action"] == ["'self'"] and csp["connect-src"] == ["'self'"]
        assert set(csp["img-src"]) == {"'self'", "data:", *images}
        assert "'unsafe-eval'" not in csp["script-src"]
        assert not any("*" in value for values in csp.values() for value in values)
    dashboard = await get(ds, "/-/dashboards/overview")
    assert "'unsafe-eval'" in policy(dashboard.headers["content-security-policy"])["script-src"]


@pytest.mark.asyncio
async def test_pages_say_their_language(ds):
    for path, lang in (("/", "id"), ("/archive/search?q=HAM", "id"), ("/archive/articles", "en")):
        assert f'<html lang="{lang}">' in (await get(ds, path)).text, path


def test_serve_passes_the_warc_and_export_directories(monkeypatch, site_db, tmp_path):
    for name in ("HAM_ARCHIVE_WARC_DIR", "HAM_ARCHIVE_EXPORT_DIR"):
        monkeypatch.setenv(name, "")  # restored after the test
    options = ["--warc-dir", str(tmp_path / "w"), "--export-dir", str(tmp_path / "e")]
    result, argv = serve_args(monkeypatch, "--db", str(site_db), *options)
    assert result.exit_code == 0, result.output
    assert scraper.cli.os.environ["HAM_ARCHIVE_WARC_DIR"] == str(tmp_path / "w")
    assert scraper.cli.os.environ["HAM_ARCHIVE_EXPORT_DIR"] == str(tmp_path / "e")


def test_serve_refuses_a_file_name_datasette_cannot_open(monkeypatch, site_db, tmp_path):
    odd = tmp_path / "arsip #1.db"
    odd.write_bytes(site_db.read_bytes())
    result, argv = serve_args(monkeypatch, "--db", str(odd))
    assert result.exit_code == 1 and argv is None
    assert result.output.strip() == (
        "Error: Datasette cannot open 'arsip #1.db': rename it without #, ? or %"
    )


def test_serve_passes_a_setting_over_its_own(monkeypatch, site_db):
    options = ["--setting", "force_https_urls", "1", "--setting", "sql_time_limit_ms", "800"]
    result, argv = serve_args(monkeypatch, "--db", str(site_db), "--public", *options)
    assert result.exit_code == 0, result.output
    settings = settings_of(argv)
    assert settings["force_https_urls"] == "1" and settings["sql_time_limit_ms"] == "800"
    assert list(argv).count("sql_time_limit_ms") == 1 and settings["allow_download"] == "off"


@pytest.mark.asyncio
async def test_term_filters_and_filtered_facets_count_what_the_json_says(ds, site_db):
    """categories__term (article_terms) selects what categories__arraycontains (the JSON)
    does, and every facet of the filtered page counts the filtered rows."""
    rows = rows_of(site_db, "select url, year, categories, tags, author from articles")
    year, category = max(
        Counter((r[1], c) for r in rows for c in set(json.loads(r[2]))).items(),
        key=lambda kv: kv[1],
    )[0]
    query = f"year={year}&categories__term={quote(category)}"
    chosen = [r for r in rows if r[1] == year and category in json.loads(r[2])]
    listed = (await get(ds, f"/archive/articles.json?{query}&_shape=array&_size=max")).json()
    assert sorted(r["url"] for r in listed) == sorted(r[0] for r in chosen)
    old = f"year={year}&categories__arraycontains={quote(category)}"
    assert len((await get(ds, f"/archive/articles.json?{old}&_shape=array&_size=max")).json()) == (
        len(chosen)
    )
    found = await facets(ds, query)
    tags = Counter(t for r in chosen for t in set(json.loads(r[3])))
    assert {k: v["count"] for k, v in found["tags"].items()} == dict(tags)
    assert {k: v["count"] for k, v in found["categories"].items()} == dict(
        Counter(c for r in chosen for c in set(json.loads(r[2])))
    )
    assert found["categories"][category]["selected"]
    # The column facets: those of article_facets from its narrow rows, the others (source,
    # asked for) from the articles rows, each counting the filtered rows.
    columns = ["author", "dateline_city", "credit", "language", "site", "year", "source"]
    urls = {r[0] for r in chosen}
    full = rows_of(site_db, f"select url, published_at, {', '.join(columns)} from articles")
    kept = [r for r in full if r[0] in urls]
    found = await facets(ds, query + "&_facet=source")
    for i, column in enumerate(columns, 2):
        counts = Counter(str(r[i]) for r in kept if r[i] is not None)
        assert {str(k): v["count"] for k, v in found[column].items()} == dict(counts), column
    months = Counter(r[1][:7] for r in kept)
    assert {k: v["count"] for k, v in found["published_at (month)"].items()} == dict(months)
