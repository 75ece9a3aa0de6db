"""The reading page of one press release (``/<db>/articles/<key>``) and the replay of its
captures (``/<db>/-/captured/<id>``), through Datasette's test client.

The archive is built as a crawl builds it: each saved fixture page is written to a real WARC
file (scraper.captures), indexed in ``captures``, parsed by ArticlePage and saved with its
capture; one article is edited, one deleted, and one carries a script and an ``onerror``
handler in its raw page. The database file is called ``mirror.db`` on purpose.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
import pytest_asyncio
from datasette.app import Datasette
from datasette.utils import tilde_encode

from scraper.archive import Archive
from scraper.captures import WarcFiles
from scraper.pages import ArticlePage
from scraper.reading import apa, bibtex, publisher, tanggal

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATES = Path(__file__).parent.parent / "scraper" / "templates"
SEED = FIXTURES / "twentytwentythree-id_ID" / "seed"
EVIL = (
    '<img src="x" onerror="window.__pwned=1"><script>window.__pwned=1</script>'
    "<p>Halaman berbahaya.</p>"
)


def capture(
    archive: Archive,
    warc: WarcFiles,
    run: int,
    url: str,
    body: bytes,
    status: int = 200,
    content_type: str = "text/html; charset=UTF-8",
) -> int:
    headers = [(b"Content-Type", content_type.encode())]
    return archive.add_capture(warc.write(url, status, "", headers, body), run)


def build(path: Path) -> dict:
    """A small archive with WARC captures; returns the interesting URLs and capture ids."""
    archive = Archive(path)
    warc = WarcFiles(path.parent / "warc")
    run = archive.start_run("http://127.0.0.1", full=True)
    facts: dict = {}
    for case in sorted(FIXTURES.glob("twentytwentythree-id_ID/*")):
        url = json.loads((case / "meta.json").read_text())["url"]
        body = (case / "response.html").read_bytes()
        if case == SEED:
            body = body.replace(b"<body", b"<body data-evil", 1).replace(
                b"</body>", EVIL.encode() + b"</body>", 1
            )
        article = ArticlePage(url, body, url.split("/2", 1)[0]).to_article()
        article.capture_id = capture(archive, warc, run, url, body)
        for image in article.images:  # the first image is gone from the site, the rest kept
            status = 404 if "gone" not in facts else 200
            facts.setdefault("gone", image.src)
            capture(archive, warc, run, image.src, b"\x89PNG\r\n", status, "image/png")
        archive.save(article, seen_at="2026-11-01T10:00:00+07:00")
        facts.setdefault("articles", []).append(url)
        if case == SEED:
            facts["seed"], facts["seed_capture"] = url, article.capture_id
            edited = article
    edited.title += " (diperbarui)"
    edited.body_text = edited.body_text.replace("Banjarmasin", "Kota Banjarmasin", 1)
    edited.capture_id = capture(archive, warc, run, edited.url, b"<p>Kota Banjarmasin</p>")
    archive.save(edited, seen_at="2026-11-02T10:00:00+07:00")
    facts["edit_capture"] = edited.capture_id
    gone = facts["articles"][0]
    capture(archive, warc, run, gone, b"Not Found", 404, "text/html")
    archive.mark_deleted(gone, seen_at="2026-11-03T10:00:00+07:00")
    facts["deleted"] = gone
    archive.finish_run(run, status="ok", mode="html")
    warc.close()
    archive.close()
    return facts


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("reading") / "mirror.db"
    return path, build(path)


@pytest_asyncio.fixture
async def ds(built) -> Datasette:
    datasette = Datasette([str(built[0])], template_dir=str(TEMPLATES))
    await datasette.invoke_startup()
    return datasette


async def page(ds: Datasette, url: str, query: str = "") -> str:
    response = await ds.client.get(f"/mirror/articles/{tilde_encode(url)}{query}")
    assert response.status_code == 200, response.text[:3000]
    return response.text


def section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}"', 1)[1].split("</section>", 1)[0]


# --- what the page says ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_reading_page_shows_the_release_and_its_facts(ds, built):
    path, facts = built
    html = await page(ds, facts["seed"])
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("select * from articles where url = ?", [facts["seed"]]).fetchone())
    conn.close()
    assert f"<h1>{row['title']}</h1>" in html
    assert "Rabu, 14 September 2022" in html and row["published_at"] in html
    assert row["dateline_city"] == "Banjarmasin" and "?dateline_city=Banjarmasin" in html
    assert row["event_date"] == "2022-09-13" and "Selasa, 13 September 2022" in html
    assert "<q>Selasa (13/9)</q>" in html and row["credit"] in html
    for term in json.loads(row["categories"]):
        assert "?categories__arraycontains=" + term.replace(" ", "+") in html
    for term in json.loads(row["tags"]):
        assert "?tags__arraycontains=" + term.replace(" ", "+") in html
    assert "?author=" in html and row["author"] in html
    assert "127.0.0.1" in html  # the site it came from
    text = section(html, "teks")
    assert "Raoul Wallenberg Institute" in text
    people = section(html, "tokoh")
    assert "/mirror/people?name=Bambang+Iriana+Djajaatmadja" in people


@pytest.mark.asyncio
async def test_site_and_deletion_evidence_columns_are_shown_when_present(tmp_path):
    path = tmp_path / "archive.db"
    facts = build(path)
    with sqlite3.connect(path) as conn:
        have = {row[1] for row in conn.execute("pragma table_info(articles)")}
        for column in ("site", "deletion_evidence"):  # site: there since issue 9
            if column not in have:
                conn.execute(f"alter table articles add column {column} text")
        evidence = json.dumps({"status": 404, "checked": "2026-11-03T10:00:00+07:00"})
        conn.execute(
            "update articles set site = 'kemenham.go.id', deletion_evidence = ? where url = ?",
            [evidence, facts["deleted"]],
        )
    datasette = Datasette([str(path)], template_dir=str(TEMPLATES))
    response = await datasette.client.get(f"/archive/articles/{tilde_encode(facts['deleted'])}")
    html = response.text
    assert response.status_code == 200
    assert "kemenham.go.id" in html
    notice = html.split('id="dihapus"', 1)[1].split("</div>", 1)[0]
    assert "Sudah dihapus" in notice and "2026-11-03T10:00:00+07:00" in notice
    assert "<dt>status</dt><dd>404</dd>" in notice and "<dt>checked</dt>" in notice


@pytest.mark.asyncio
async def test_web_archive_captures_show_their_time_and_memento(tmp_path):
    """After a backfill: a capture read from a web archive is listed with the time the web
    archive made it and a link to its memento (columns the backfill adds, when present)."""
    path = tmp_path / "archive.db"
    facts = build(path)
    memento = "http://127.0.0.1:9/web/20221001000000/" + facts["seed"]
    archive = Archive(path)  # what ham-archive backfill stores for a memento it read
    row = {"archive": "wayback", "original": facts["seed"], "timestamp": "20221001000000"}
    row |= {"archived_at": "2022-10-01T07:00:00+07:00", "memento_url": memento}
    archive.add_mementos([row], facts["seed_capture"])
    archive.close()
    datasette = Datasette([str(path)], template_dir=str(TEMPLATES))
    response = await datasette.client.get(f"/archive/articles/{tilde_encode(facts['seed'])}")
    provenance = section(response.text, "asal-usul")
    row = provenance.split(f">{facts['seed_capture']}</a>", 1)[1].split("</tr>", 1)[0]
    assert "2022-10-01T07:00:00+07:00" in row and "wayback" in row
    assert f'href="{memento}"' in row and "memento" in row


@pytest.mark.asyncio
async def test_whole_versions_and_other_urls_are_shown_when_the_archive_keeps_them(tmp_path):
    """Versions that keep every field (categories, dates, ...) show what else changed; the
    URLs an article was seen at are listed (tables and columns present in newer archives)."""
    path = tmp_path / "archive.db"
    facts = build(path)
    old_url = facts["seed"].replace("/bekerja-sama", "/bekerja-sama-lama")
    with sqlite3.connect(path) as conn:  # as an older or a newer archive may hold them
        versions = {row[1] for row in conn.execute("pragma table_info(article_versions)")}
        if "categories" not in versions:
            conn.execute("alter table article_versions add column categories text")
        conn.execute("update article_versions set categories = '[\"Berita lama\"]'")
        conn.execute(
            "create table if not exists article_urls (url text primary key, article_url text,"
            " first_seen_at text, last_seen_at text)"
        )
        conn.execute(
            "insert or replace into article_urls (url, article_url, first_seen_at, last_seen_at)"
            " values (?, ?, '2026-10-01T10:00:00+07:00', '2026-10-02T10:00:00+07:00')",
            [old_url, facts["seed"]],
        )
    datasette = Datasette([str(path)], template_dir=str(TEMPLATES))
    html = (await datasette.client.get(f"/archive/articles/{tilde_encode(facts['seed'])}")).text
    history = section(html, "riwayat")
    assert "also changed" in history and "<code>categories</code>" in history
    assert "Berita lama" in history.split("<code>categories</code>", 1)[1]
    meta = html.split('<dl class="ham-meta">', 1)[1].split("</dl>", 1)[0]
    assert old_url in meta and "2026-10-02T10:00:00+07:00" in meta
    assert meta.count(facts["seed"]) == 2  # the source link; not listed again as another URL


@pytest.mark.asyncio
async def test_deleted_release_says_so_with_the_captures_that_show_it(ds, built):
    _, facts = built
    html = await page(ds, facts["deleted"])
    notice = html.split('id="dihapus"', 1)[1].split("</div>", 1)[0]
    assert "deleted from the site" in notice and "2026-11-03T10:00:00+07:00" in notice
    provenance = section(html, "asal-usul")
    assert re.search(r"<td>404</td>", provenance)  # the 404 the deletion rests on
    live = await page(ds, facts["seed"])
    assert 'id="dihapus"' not in live


@pytest.mark.asyncio
async def test_history_shows_every_state_with_a_word_diff(ds, built):
    _, facts = built
    history = section(await page(ds, facts["seed"]), "riwayat")
    states = re.findall(r'<li class="ham-state( ham-current)?">', history)
    assert [bool(s) for s in states] == [True, False]  # current first, then the earlier one
    assert '<ins class="ham-diff"> (diperbarui)</ins>' in history
    assert re.search(r'<ins class="ham-diff">\s*Kota\s*</ins>\s*Banjarmasin', history)
    assert "2026-11-01T10:00:00+07:00" in history and "2026-11-02T10:00:00+07:00" in history
    unedited = section(await page(ds, facts["articles"][1]), "riwayat")
    assert "never edited" in unedited and "<del" not in unedited.split("</p>", 1)[1]


@pytest.mark.asyncio
async def test_images_gone_are_noted_and_kept_ones_come_from_the_archive(ds, built):
    path, facts = built
    with sqlite3.connect(path) as conn:
        (gone_in,) = conn.execute(
            "select article_url from article_images where src = ?", [facts["gone"]]
        ).fetchone()
        kept_in, src, capture_id = conn.execute(
            "select article_url, src, captures.id from article_images"
            " join captures on captures.url = article_images.src and captures.status = 200"
            " where article_url != ? limit 1",
            [gone_in],
        ).fetchone()
    html = await page(ds, gone_in)
    assert "Gambar hilang dari situs (HTTP 404" in section(html, "teks")
    assert f'src="{facts["gone"]}"' not in section(html, "teks")
    assert "hilang" in section(html, "gambar") and facts["gone"] in section(html, "gambar")
    html = await page(ds, kept_in)
    assert f'src="/mirror/-/captured/{capture_id}"' in section(html, "teks")
    assert f'src="{src}"' not in section(html, "teks") and "tersimpan" in section(html, "gambar")
    image = await ds.client.get(f"/mirror/-/captured/{capture_id}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"


@pytest.mark.asyncio
async def test_provenance_lists_every_capture_and_replays_ours(ds, built):
    path, facts = built
    html = await page(ds, facts["seed"])
    provenance = section(html, "asal-usul")
    with sqlite3.connect(path) as conn:
        linked = conn.execute(
            "select capture_id from article_captures where article_url = ?", [facts["seed"]]
        ).fetchall()
        fetched = conn.execute(
            "select fetched_at from captures where id = ?", [facts["edit_capture"]]
        ).fetchone()[0]
    assert len(linked) == 2
    for (capture_id,) in linked:
        assert f"/mirror/-/captured/{capture_id}" in provenance
    assert fetched in provenance
    frame = re.search(r"<iframe[^>]*>", provenance).group(0)
    assert re.search(r"\ssandbox(\s|>)", frame) and "allow-scripts" not in frame
    assert f'src="/mirror/-/captured/{facts["edit_capture"]}"' in frame  # the current state


@pytest.mark.asyncio
async def test_replay_serves_the_warc_record_with_a_sandboxing_csp(ds, built):
    _, facts = built
    response = await ds.client.get(f"/mirror/-/captured/{facts['seed_capture']}")
    assert response.status_code == 200
    assert b"Raoul Wallenberg" in response.content and b"<script>window.__pwned" in response.content
    csp = response.headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["sandbox"] == [] and directives["default-src"] == ["'none'"]
    assert "script-src" not in directives  # falls back to default-src 'none'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"].startswith("text/html")
    missing = await ds.client.get("/mirror/-/captured/99999")
    assert missing.status_code == 404


@pytest.mark.asyncio
async def test_replay_says_so_when_the_warc_file_is_missing(tmp_path):
    path = tmp_path / "archive.db"
    facts = build(path)
    for file in (tmp_path / "warc").iterdir():
        file.unlink()
    datasette = Datasette([str(path)], template_dir=str(TEMPLATES))
    response = await datasette.client.get(f"/archive/-/captured/{facts['seed_capture']}")
    assert response.status_code == 404 and "not on this server" in response.text


@pytest.mark.asyncio
async def test_citation_and_row_data(ds, built):
    path, facts = built
    html = await page(ds, facts["seed"])
    cite = section(html, "kutip")
    stable = "http://localhost/mirror/articles/" + tilde_encode(facts["seed"])
    with sqlite3.connect(path) as conn:
        (fetched,) = conn.execute(
            "select fetched_at from captures where id = ?", [facts["edit_capture"]]
        ).fetchone()
    apa_text = re.search(r'<textarea id="cite-apa"[^>]*>(.*?)</textarea>', cite, re.S).group(1)
    assert apa_text.startswith("Direktorat Jenderal Hak Asasi Manusia. (2022, September 14).")
    assert facts["seed"] in apa_text and stable in apa_text and fetched in apa_text
    bib = re.search(r'<textarea id="cite-bibtex"[^>]*>(.*?)</textarea>', cite, re.S).group(1)
    assert bib.startswith("@misc{ham2022-") and f"url = {{{facts['seed']}}}" in bib
    assert stable in bib and fetched in bib
    assert 'data-copy="cite-apa"' in cite and 'data-copy="cite-bibtex"' in cite

    data = section(html, "data")
    json_url = re.search(r'href="([^"]+\.json)"', data).group(1)
    row = (await ds.client.get(json_url)).json()
    assert row["rows"][0][0] == facts["seed"]
    csv_url = re.search(r'href="([^"]+\.csv\?[^"]+)"', data).group(1).replace("&amp;", "&")
    csv = (await ds.client.get(csv_url)).text
    assert csv.startswith("url,") and csv.count(facts["seed"]) >= 1 and len(csv.splitlines()) > 1
    raw = await ds.client.get(re.search(r'href="([^"]+_raw=1)"', data).group(1))
    assert raw.status_code == 200 and "ham-reading" not in raw.text and "body_html" in raw.text


@pytest.mark.asyncio
async def test_other_tables_keep_the_raw_row_view(ds, built):
    _, facts = built
    response = await ds.client.get(f"/mirror/captures/{facts['seed_capture']}")
    assert response.status_code == 200 and "ham-reading" not in response.text


# --- the pure parts ----------------------------------------------------------------------


def test_indonesian_dates():
    assert tanggal("2022-09-14T09:00:00+07:00") == "Rabu, 14 September 2022 pukul 09.00 WIB"
    assert tanggal("2022-09-13") == "Selasa, 13 September 2022"
    assert tanggal("2026-11-01T03:00:00Z") == "Minggu, 1 November 2026 pukul 03.00 UTC"
    assert tanggal("2023-01-02T08:30:00+08:00").endswith("pukul 08.30 WITA")
    assert tanggal(None) is None and tanggal("kemarin") is None


def test_publisher_follows_the_2024_change():
    assert publisher("2024-10-20T10:00:00+07:00") == "Direktorat Jenderal Hak Asasi Manusia"
    assert publisher("2024-10-21T10:00:00+07:00") == "Kementerian Hak Asasi Manusia"


def test_citations_escape_and_carry_both_urls():
    article = {
        "url": "https://ham.go.id/2021/03/16/27306/",
        "title": "Kerja sama 50% & {HAM}_baru",
        "published_at": "2021-03-16T10:00:00+07:00",
        "post_id": 27306,
    }
    stable = "https://arsip.example/archive/articles/x"
    entry = bibtex(article, stable, "2026-11-01T03:00:00Z")
    assert entry.startswith("@misc{ham2021-27306,")
    assert r"title = {{Kerja sama 50\% \& \{HAM\}\_baru}}" in entry
    assert "url = {https://ham.go.id/2021/03/16/27306/}" in entry
    assert f"\\url{{{stable}}}, captured 2026-11-01T03:00:00Z" in entry
    text = apa(article, stable, None)
    assert text == (
        "Direktorat Jenderal Hak Asasi Manusia. (2021, March 16). Kerja sama 50% & {HAM}_baru"
        " [Press release]. ham.go.id. https://ham.go.id/2021/03/16/27306/"
        f" Archived at {stable}."
    )
    untitled = {**article, "post_id": None, "slug": "Kerja-Sama-HAM-di-Medan-2021"}
    assert bibtex(untitled, stable, None).startswith("@misc{ham2021-kerja-sama-ham-di,")


# --- any file name: every documented page, for a database called "mirror" -------------------

SITE_DOC = Path(__file__).parent.parent / "docs" / "site.md"


def documented_pages() -> list[str]:
    """Every path in the first column of docs/site.md's table of pages."""
    table = SITE_DOC.read_text().split("## Pages", 1)[1].split("\n## ", 1)[0]
    paths = []
    for line in table.splitlines():
        if line.startswith("| `/"):
            paths += re.findall(r"`(/[^`]*)`", line.split(" | ", 1)[0])
    return paths


def test_the_documented_url_scheme_names_every_kind_of_page():
    pages = documented_pages()
    needed = {"/", "/<db>/articles/<key>", "/<db>/-/captured/<id>", "/-/dashboards/overview"}
    assert needed <= set(pages) and "/<db>/search?q=Banjarmasin" in pages


@pytest.mark.asyncio
@pytest.mark.parametrize("path", documented_pages())
async def test_documented_page_answers_for_any_file_name(ds, built, path):
    _, facts = built
    concrete = (
        path.replace("<db>", "mirror")
        .replace("<key>", tilde_encode(facts["seed"]))
        .replace("<id>", str(facts["seed_capture"]))
        .replace("<url>", facts["seed"])
    )
    response = await ds.client.get(concrete)
    assert response.status_code == 200, (concrete, response.text[:1000])
    if path == "/":
        assert 'href="/mirror/search"' in response.text and "KeyError" not in response.text
    if path.startswith("/<db>/search?") or "_stemmed" in path:
        assert "Raoul Wallenberg" in response.text or "Banjarmasin" in response.text
    if path == "/-/dashboards/overview":
        for chart in ("per-month", "by-city", "by-year"):
            data = await ds.client.get(f"/-/dashboards/overview/{chart}")
            assert data.status_code == 200, chart
