"""Page objects: bytes and a URL in, an Article (or a list of URLs) out. No network, no database."""

from scraper.pages.article import NotAnArticle, Unreadable, make_article
from scraper.pages.html import ArticlePage
from scraper.pages.listing import ListingPage, SitemapPage, sitemap_urls_from_robots
from scraper.pages.rest import RestPost, RestRefused, rest_posts

__all__ = [
    "ArticlePage",
    "ListingPage",
    "NotAnArticle",
    "RestPost",
    "RestRefused",
    "SitemapPage",
    "Unreadable",
    "make_article",
    "rest_posts",
    "sitemap_urls_from_robots",
]
