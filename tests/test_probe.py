"""``ham-archive probe`` and ``save-fixture`` against sites the suite serves on 127.0.0.1, and
every saved page-object case in tests/fixtures/<case>/ (one test per case and field)."""

import json
from pathlib import Path

import press_sites
import pytest
from conftest import ham_archive
from test_cli import assert_one_line_error, run

from scraper.pages.site import read_article
from scraper.probe import FIXTURE_FIELDS

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(path.parent for path in FIXTURES.glob("*/meta.json"))


@pytest.fixture(scope="module")
def moved_site():
    """The headless site at a new address; the old one answers 301 on every path."""
    posts = press_sites.published()
    with press_sites.Server() as new, press_sites.Server() as old:
        new.routes = press_sites.headless_site(posts, origin=new.url)[0]
        old.redirect_to(new)
        yield old, new


def test_probe_of_a_site_that_moved(moved_site):
    old, new = moved_site
    result = ham_archive("probe", "--site", old.url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"moved     to {new.url}" in out
    assert "REST API  refused (HTTP 404)" in out
    assert f"{new.url}/sitemap.xml: sitemapindex" in out
    assert f"feeds     {new.url}/rss.xml" in out
    assert out.count("generic-structured") == 5
    assert "estimate  60 articles at most (sitemap URLs)" in out
    assert len(out.splitlines()) < 25  # one screen


def test_probe_of_a_wordpress_site(wp_sites):
    site = wp_sites("classic-en-rest")
    result = ham_archive("probe", "--site", site.url)
    assert result.returncode == 0, result.stderr
    assert "CMS       WordPress 6.1" in result.stdout
    assert f"REST API  open, {len(site.published())} posts" in result.stdout
    assert result.stdout.count("wordpress-classic-v1") == 5


def test_probe_of_a_listing_site():
    with press_sites.Server() as server:
        server.routes = press_sites.listing_site()[0]
        result = ham_archive("probe", "--site", server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("generic-dom") == 5
    assert f"about 60 articles (6 pages of {server.url}/berita, 10 a page)" in result.stdout


def test_probe_offline_is_one_line():
    assert_one_line_error(run("probe", "--site", "https://ham.go.id", offline=True), "cannot reach")


def test_save_fixture_keeps_a_case_that_reads_back(tmp_path):
    with press_sites.Server() as server:
        server.routes, truth = press_sites.listing_site()
        path = next(iter(truth))
        result = ham_archive("save-fixture", server.url + path, "--dir", str(tmp_path))
        again = ham_archive("save-fixture", server.url + path, "--dir", str(tmp_path))
        listing = ham_archive("save-fixture", server.url + "/berita", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    case = next(tmp_path.iterdir())
    assert sorted(p.name for p in case.iterdir()) == ["expected.json", "meta.json", "response.html"]
    expected = json.loads((case / "expected.json").read_text())
    assert (expected["title"], expected["body_text"]) == (
        truth[path]["title"],
        truth[path]["body_text"],
    )
    assert_one_line_error(again, "exists: pass another --case")
    assert_one_line_error(listing, "does not read as an article")
    assert len(list(tmp_path.iterdir())) == 1


def read_case(case: Path):
    meta = json.loads((case / "meta.json").read_text())
    body = (case / "response.html").read_bytes()
    return read_article(meta["url"], body, meta["site"], meta.get("content_type"))


@pytest.mark.parametrize("field", FIXTURE_FIELDS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_saved_case(case, field):
    expected = json.loads((case / "expected.json").read_text())
    assert getattr(read_case(case), field) == expected[field]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_saved_case_has_no_unexpected_or_empty_field(case):
    expected = json.loads((case / "expected.json").read_text())
    assert set(expected) == set(FIXTURE_FIELDS)
    for field in ("url", "title", "published_at", "body_text", "extractor"):
        assert expected[field], field
