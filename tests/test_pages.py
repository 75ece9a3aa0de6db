"""Page objects on pages saved from real WordPress sites: one test per (case, source, field)."""

import json
from pathlib import Path

import pytest

from scraper.pages import ArticlePage, ListingPage, NotAnArticle, RestPost, SitemapPage

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(path for path in FIXTURES.glob("*/*") if (path / "expected.json").exists())
FIELDS = ("url", "post_id", "slug", "title", "published_at", "author", "body_text")
SITE = "http://127.0.0.1:8080"


def parse(case: Path, source: str):
    meta = json.loads((case / "meta.json").read_text())
    site = meta["url"].split("/2", 1)[0]
    if source == "html":
        return ArticlePage(meta["url"], (case / "response.html").read_bytes(), site).to_article()
    return RestPost(json.loads((case / "rest.json").read_text()), site).to_article()


@pytest.mark.parametrize("source", ["html", "rest"])
@pytest.mark.parametrize("field", FIELDS + ("categories", "tags"))
@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.parent.name}/{case.name}")
def test_field(case, field, source):
    expected = json.loads((case / "expected.json").read_text())
    value = getattr(parse(case, source), field)
    if field in ("categories", "tags"):
        assert sorted(value, key=str.casefold) == sorted(expected[field], key=str.casefold)
    else:
        assert value == expected[field]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.parent.name}/{case.name}")
def test_sources_agree_and_nothing_is_empty(case):
    html, rest = parse(case, "html"), parse(case, "rest")
    assert (html.source, rest.source) == ("html", "rest")
    for field in FIELDS + ("body_html", "word_count", "categories", "tags"):
        assert getattr(html, field) == getattr(rest, field), field
        if (field, case.name) != ("title", "numeric-slug"):  # an untitled post
            assert getattr(html, field) not in (None, "", 0), field


def test_a_page_is_not_an_article():
    page = b'<html><body class="page-template-default page page-id-7"><div class="entry-content">x'
    with pytest.raises(NotAnArticle):
        ArticlePage(f"{SITE}/profil/", page, SITE).to_article()


def test_a_post_without_a_date_is_not_an_article():
    page = b'<html><body class="single single-post postid-7"><div class="entry-content">x'
    with pytest.raises(NotAnArticle, match="no publication date"):
        ArticlePage(f"{SITE}/2022/01/01/x/", page, SITE).to_article()


def test_rest_drafts_are_refused():
    post = {"id": 9, "link": f"{SITE}/?p=9", "status": "draft", "type": "post"}
    with pytest.raises(NotAnArticle):
        RestPost(post, SITE).to_article()


def test_sitemap_index_keeps_only_post_sitemaps():
    index = f"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>{SITE}/wp-sitemap-posts-post-1.xml</loc></sitemap>
    <sitemap><loc>{SITE}/wp-sitemap-posts-post-2.xml</loc></sitemap>
    <sitemap><loc>{SITE}/wp-sitemap-posts-page-1.xml</loc></sitemap>
    <sitemap><loc>{SITE}/wp-sitemap-taxonomies-category-1.xml</loc></sitemap>
    <sitemap><loc>{SITE}/wp-sitemap-users-1.xml</loc></sitemap>
    <sitemap><loc>{SITE}/post-sitemap.xml</loc></sitemap>
    <sitemap><loc>{SITE}/post_tag-sitemap.xml</loc></sitemap></sitemapindex>"""
    page = SitemapPage(f"{SITE}/wp-sitemap.xml", index.encode(), SITE)
    assert page.sitemaps == [
        f"{SITE}/wp-sitemap-posts-post-1.xml",
        f"{SITE}/wp-sitemap-posts-post-2.xml",
        f"{SITE}/post-sitemap.xml",
    ]
    assert page.urls == []


def test_sitemap_urls_stay_on_the_site():
    urlset = f"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>{SITE}/2022/09/14/a/</loc></url><url><loc>https://elsewhere.example/x/</loc></url>
    </urlset>"""
    assert SitemapPage(f"{SITE}/s.xml", urlset.encode(), SITE).urls == [f"{SITE}/2022/09/14/a/"]


def test_not_a_sitemap():
    assert SitemapPage(f"{SITE}/s.xml", b"<html>not found</html>", SITE).urls == []
    assert SitemapPage(f"{SITE}/s.xml", b"", SITE).sitemaps == []


def test_listing_finds_permalinks_and_the_next_page():
    listing = f"""<html><head><link rel="next" href="{SITE}/page/3/"></head><body>
    <a href="{SITE}/2022/09/14/a/">A</a><a href="/2022/09/13/b/#comments">B</a>
    <a href="{SITE}/category/berita/">Berita</a><a href="{SITE}/2022/09/14/a/">A again</a>
    <a href="https://other.example/2022/09/14/c/">C</a></body></html>"""
    page = ListingPage(f"{SITE}/page/2/", listing, SITE)
    assert page.urls == [f"{SITE}/2022/09/14/a/", f"{SITE}/2022/09/13/b/"]
    assert page.next_page == f"{SITE}/page/3/"
