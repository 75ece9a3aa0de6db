"""Page objects: bytes and a URL in, an Article (or a list of URLs) out. No network, no database."""

from scraper.pages.article import NotAnArticle, Unreadable, Withheld, make_article
from scraper.pages.html import (
    AnyThemeV1,
    ArticlePage,
    BlockThemeV1,
    ClassicThemeV1,
    page_object_for,
)
from scraper.pages.listing import ListingPage, SitemapPage, sitemap_urls_from_robots
from scraper.pages.rest import RestPost, RestRefused, rest_posts

__all__ = [
    "AnyThemeV1",
    "ArticlePage",
    "BlockThemeV1",
    "ClassicThemeV1",
    "ListingPage",
    "NotAnArticle",
    "RestPost",
    "RestRefused",
    "SitemapPage",
    "Unreadable",
    "Withheld",
    "make_article",
    "page_object_for",
    "rest_posts",
    "sitemap_urls_from_robots",
]
