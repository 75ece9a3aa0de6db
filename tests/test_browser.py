"""The site in a real browser: Debian's Chromium, driven by Playwright, against ``ham-archive
serve`` on 127.0.0.1 over an archive built by the page objects (tests/test_site.py).

Screenshots go to test-output/screenshots/. Every request to anywhere but the test server is
aborted and counted: the pages must not need the internet.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from datasette.utils import tilde_encode
from playwright.sync_api import sync_playwright
from test_reading_page import build
from test_site import EVIL_SLUG, build_archive

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent.parent / "test-output" / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(db: Path, *options: str):
    """``ham-archive serve --db db`` on a free port of 127.0.0.1; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "scraper.cli", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen([*command, *options], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise AssertionError(process.stderr.read().decode()) from None
                time.sleep(0.1)
        else:
            raise AssertionError("ham-archive serve did not answer")
        yield base
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``ham-archive serve`` over a fresh archive; yields its base URL and the database."""
    db = build_archive(tmp_path_factory.mktemp("browser") / "archive.db")
    for base in start(db):
        yield base, db


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    """``serve --public`` (on 127.0.0.1) over an archive with WARC captures, called mirror.db;
    yields its base URL and what tests/test_reading_page.py's build() returns."""
    db = tmp_path_factory.mktemp("public") / "mirror.db"
    facts = build(db)
    for base in start(db, "--public", "--host", "127.0.0.1"):
        yield base, facts


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run .ci/install-system"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


# Every Content-Security-Policy violation a page meets, kept for the test to read.
RECORD_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture
def page(browser, server):
    yield from open_page(browser, server[0])


@pytest.fixture
def public_page(browser, public):
    yield from open_page(browser, public[0])


def open_page(browser, base: str):
    """A page that may talk to the test server only (everything else is aborted; requests off
    127.0.0.1 are recorded); dialogs are recorded and dismissed, CSP violations recorded."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    context.add_init_script(RECORD_CSP)
    page = context.new_page()
    page.outside = []  # requests that tried to leave the machine
    page.dialogs = []

    def route(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:  # the archived site's own images and links (127.0.0.1 in the fixtures)
            if urlsplit(route.request.url).hostname != "127.0.0.1":
                page.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_home_search_article_facet_feed(page, server):
    base, _ = server
    page.goto(f"{base}/")
    assert page.locator("h1").first.inner_text() == "ham-archive"
    assert "last crawl" in page.content()
    shot(page, "01-home")

    page.click("ul.ham-links >> text=Cari siaran pers")
    page.fill("#search-q", "Wallenberg")
    page.click(".ham-search-box button[type=submit]")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/archive/search"
    marks = page.locator("ol.ham-results mark")
    assert marks.count() >= 1 and marks.first.inner_text() == "Wallenberg"
    shot(page, "02-search")

    feed_link = page.locator("a[href*='search.atom']").first
    feed = page.request.get(base + urlsplit(feed_link.get_attribute("href")).path + "?q=Wallenberg")
    assert feed.ok and b"<feed" in feed.body() and b"Wallenberg" in feed.body()

    page.goto(f"{base}/archive/articles?_search=Wallenberg")
    page.locator("td.col-url a").first.click()
    page.wait_for_load_state()
    assert "Wallenberg" in page.locator("#teks").inner_text()
    shot(page, "03-article")

    page.goto(f"{base}/archive/articles")
    city = page.locator(".facet-info[data-column=dateline_city] li a").first
    label = city.inner_text()
    city.click()
    page.wait_for_load_state()
    assert "dateline_city=" in page.url
    cells = page.locator("td.col-dateline_city").all_inner_texts()
    assert cells and all(c.strip() == label.split("\xa0")[0].strip() for c in cells), (label, cells)
    shot(page, "04-facet")

    page.goto(f"{base}/archive/newest")
    atom = page.locator("a[href*='.atom']").first
    response = page.request.get(urljoin(page.url, atom.get_attribute("href")))
    assert response.ok and response.headers["content-type"].startswith("application/xml")
    assert b"<entry>" in response.body()
    assert page.outside == [], page.outside
    assert page.dialogs == []


def test_malicious_article_does_not_execute(page, server):
    base, db = server
    import sqlite3

    with sqlite3.connect(db) as conn:
        (url,) = conn.execute(
            "select url from articles where url like ?", [f"%{EVIL_SLUG}%"]
        ).fetchone()
    for path in (f"/archive/articles/{tilde_encode(url)}", "/archive/articles"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert "Teks berbahaya" in page.content()
        if path != "/archive/articles":  # click what the payload meant to be clicked
            for target in page.locator("#teks a, #teks p:has-text('klik')").all()[:5]:
                target.click(force=True, no_wait_after=True, timeout=5000)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("getComputedStyle(document.body).display") != "none"
    shot(page, "05-malicious-article")
    assert page.dialogs == []
    assert page.outside == [], page.outside


def test_dashboard_draws_its_charts(page, server):
    base, _ = server
    page.goto(f"{base}/-/dashboards/overview")
    page.wait_for_selector("#chart-per-month svg, #chart-per-month canvas", timeout=20000)
    page.wait_for_selector("#chart-by-city svg, #chart-by-city canvas", timeout=20000)
    shot(page, "06-dashboard")
    assert page.outside == [], page.outside
    assert json.dumps(page.dialogs) == "[]"


# --- the reading page, view as captured, accessibility (serve --public, mirror.db) -----------

AXE_REPORTS = SCREENSHOTS.parent / "axe"


def no_csp_violations(page) -> None:
    assert page.evaluate("window.__csp") == [], page.url


def test_search_open_a_result_read_and_cite(public_page, public):
    base, facts = public
    page = public_page
    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "id"
    page.fill("#home-q", "Wallenberg")
    page.click(".ham-search-box button")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/mirror/search"
    entries = page.locator("ol.ham-results > li")
    assert entries.count() >= 1 and entries.first.locator("mark").first.inner_text() == "Wallenberg"
    assert "September 2022" in entries.first.inner_text()
    assert not page.locator("#sql-query").is_visible()  # the SQL is one click away
    page.click("details.ham-sql summary")
    assert "articles_stemmed_fts" in page.locator("#sql-query").inner_text()
    no_csp_violations(page)
    shot(page, "07-search-entries")

    entries.first.locator("a.ham-result-title").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path.startswith("/mirror/articles/")
    title = page.locator("h1").inner_text()
    assert title.startswith("Bekerja Sama dengan RWI") and title.endswith("(diperbarui)")
    assert "Raoul Wallenberg Institute" in page.locator("#teks").inner_text()
    inserted = page.locator("#riwayat ins.ham-diff")
    assert inserted.count() >= 2 and inserted.first.is_visible()
    assert page.locator("#riwayat ins.ham-diff").evaluate_all(
        "els => els.every(e => getComputedStyle(e).backgroundColor !== 'rgba(0, 0, 0, 0)')"
    )  # the diff is drawn, not only marked up
    apa = page.locator("#cite-apa").input_value()
    assert apa.startswith("Direktorat Jenderal Hak Asasi Manusia. (2022, September 14).")
    assert page.url in apa and facts["seed"] in apa
    page.click("button[data-copy=cite-bibtex]")
    page.wait_for_selector("button[data-copy=cite-bibtex][data-copied]")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("@misc{ham2022-") and page.url in copied
    replay = page.frame_locator("iframe.ham-replay").locator("body")
    assert "Kota Banjarmasin" in replay.inner_text(timeout=10000)  # the current state's capture
    no_csp_violations(page)
    shot(page, "08-reading-page")
    assert page.outside == [] and page.dialogs == []


def test_view_as_captured_shows_the_page_and_runs_nothing(public_page, public):
    base, facts = public
    page = public_page
    page.goto(f"{base}/mirror/articles/{tilde_encode(facts['seed'])}")
    frame_element = page.locator("iframe.ham-replay")
    assert frame_element.get_attribute("sandbox") == ""
    page.goto(f"{base}/mirror/articles/{tilde_encode(facts['seed'])}#asal-usul")
    # the capture that holds <script> and onerror: replayed in the frame of the reading page
    page.evaluate(
        "id => { const f = document.querySelector('iframe.ham-replay');"
        " f.loading = 'eager'; f.src = '/mirror/-/captured/' + id; }",
        facts["seed_capture"],
    )
    frame_element.scroll_into_view_if_needed()
    frame = page.frame_locator("iframe.ham-replay")
    assert "Raoul Wallenberg" in frame.locator("body").inner_text(timeout=10000)
    assert "Halaman berbahaya" in frame.locator("body").inner_text()
    page.wait_for_timeout(500)  # time for an onerror to fire, if it could
    assert page.evaluate("typeof window.__pwned") == "undefined"
    child = next(f for f in page.frames if "/-/captured/" in f.url)
    assert child.evaluate("typeof window.__pwned") == "undefined"
    shot(page, "09-view-as-captured")

    page.goto(f"{base}/mirror/-/captured/{facts['seed_capture']}")  # opened on its own
    page.wait_for_timeout(500)
    assert "Halaman berbahaya" in page.content()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == [] and page.outside == []


@pytest.mark.parametrize(
    ("name", "path"),
    [("home", "/"), ("search", "/mirror/search?q=Banjarmasin"), ("reading", "reading")],
)
def test_no_serious_accessibility_violations(public_page, public, name, path):
    base, facts = public
    if path == "reading":
        path = f"/mirror/articles/{tilde_encode(facts['seed'])}"
    public_page.goto(base + path)
    public_page.wait_for_load_state("networkidle")
    results = Axe().run(public_page)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    results.save_to_file(str(AXE_REPORTS / f"{name}.json"))
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
