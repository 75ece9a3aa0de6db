"""A site as a whole: where its address leads, what CMS serves it, which page object reads a page.

Pure functions over bytes and URLs; the spider fetches, these decide.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scraper.items import Article
from scraper.pages.article import NotAnArticle
from scraper.pages.generic import GenericArticlePage
from scraper.pages.html import ArticlePage, css, parse_html
from scraper.text import absolute_url

GENERATOR = css("meta[name='generator']::attr(content)")
FEEDS = css(
    "link[rel~='alternate'][type='application/rss+xml']::attr(href),"
    " link[rel~='alternate'][type='application/atom+xml']::attr(href)"
)
WORDPRESS_MARKS = (
    b"/wp-content/",
    b"/wp-includes/",
    b"wp-json",
    b'name="generator" content="WordPress',
)
WORDPRESS_VERSION = re.compile(r"WordPress\s*([\d.]+)?", re.IGNORECASE)


def site_after_redirects(asked: str, final_url: str) -> str:
    """The site to crawl once the home page's redirects are followed.

    The same host keeps the path asked for (a mirror under ``/ham``); a new host is its root.
    """
    asked_parts, final = urlsplit(asked), urlsplit(final_url)
    if final.netloc.lower() == asked_parts.netloc.lower():
        return f"{final.scheme}://{final.netloc}{asked_parts.path}".rstrip("/")
    return f"{final.scheme}://{final.netloc.lower()}"


def is_wordpress(body: bytes) -> bool:
    return any(mark in body for mark in WORDPRESS_MARKS)


def detect_cms(body: bytes, headers: dict[str, str] | None = None) -> str | None:
    """``WordPress 6.1``, ``WordPress``, the generator a page names (``Drupal 10``), or None."""
    root = parse_html(body)
    generators = [str(g) for g in GENERATOR(root)]
    for generator in generators:
        if match := WORDPRESS_VERSION.search(generator):
            return f"WordPress {match.group(1)}" if match.group(1) else "WordPress"
    if is_wordpress(body):
        return "WordPress"
    if generators:
        return generators[0].strip()[:60]
    powered = (headers or {}).get("x-powered-by")
    return f"unknown ({powered})" if powered else None


def feed_urls(url: str, body: bytes) -> list[str]:
    """The RSS and Atom feeds a page announces, comment feeds left out."""
    found = (absolute_url(url, str(href)) for href in FEEDS(parse_html(body)))
    return list(dict.fromkeys(u for u in found if u and "comments" not in urlsplit(u).path))


def page_object(body: bytes) -> type:
    """Which page object reads an article page: WordPress markup, else the generic reader."""
    return ArticlePage if is_wordpress(body) else GenericArticlePage


def read_article(
    url: str, body: bytes, site: str, content_type: str | bytes | None = None
) -> Article:
    """The article on a page, by the page object that fits it; NotAnArticle otherwise."""
    page = page_object(body)(url, body, site, content_type=content_type)
    if isinstance(page, ArticlePage) and not page.body_classes:
        try:  # WordPress assets, but not a WordPress theme's article markup (a headless front)
            return page.to_article()
        except NotAnArticle:
            return GenericArticlePage(url, body, site, content_type=content_type).to_article()
    return page.to_article()
