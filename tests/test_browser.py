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
from datasette.utils import tilde_encode
from playwright.sync_api import sync_playwright
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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``ham-archive serve`` over a fresh archive; yields its base URL and the database."""
    db = build_archive(tmp_path_factory.mktemp("browser") / "archive.db")
    port = free_port()
    command = [sys.executable, "-m", "scraper.cli", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
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
        yield base, db
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run .ci/install-system"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A page that may talk to the test server only (everything else is aborted; requests off
    127.0.0.1 are recorded); dialogs are recorded and dismissed."""
    base = server[0]
    context = browser.new_context()
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
    page.fill("textarea[name=q], input[name=q]", "Wallenberg")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/archive/search"
    marks = page.locator("td.col-snippet mark")
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
