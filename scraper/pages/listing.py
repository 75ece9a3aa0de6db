"""Discovery pages: sitemaps and listing pages turn into the URLs of posts to fetch."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from scraper.pages.html import decode_html
from scraper.text import absolute_url, canonical_url

# Sub-sitemaps that list something other than posts (WordPress core, Yoast, Rank Math, ...).
NOT_POST_SITEMAP = re.compile(
    r"(?:page|taxonom|categor|tag|user|author|attachment|format)[^/]*\.xml",
    re.IGNORECASE,
)
PERMALINK = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/?$")

__all__ = ["ListingPage", "SitemapPage", "sitemap_urls_from_robots"]


class SitemapPage:
    """A sitemap index (``sitemaps``: sub-sitemaps of posts) or a URL set (``urls``)."""

    def __init__(self, url: str, body: bytes, site: str):
        self.url = url
        self.site = site
        try:
            sitemap = Sitemap(body)
        except Exception:  # lxml refuses what is not XML at all (an HTML 200 for a 404)
            self.type, self.locs = "", []
        else:
            self.type = sitemap.type
            joined = (absolute_url(url, entry["loc"]) for entry in sitemap if "loc" in entry)
            self.locs = [loc for loc in joined if loc]  # a malformed <loc> is dropped

    @property
    def sitemaps(self) -> list[str]:
        if self.type != "sitemapindex":
            return []
        return [loc for loc in self.locs if not NOT_POST_SITEMAP.search(urlsplit(loc).path)]

    @property
    def urls(self) -> list[str]:
        if self.type != "urlset":
            return []
        return [canonical_url(loc, self.site) for loc in self.locs if _on_site(loc, self.site)]


class ListingPage:
    """A listing (home, ``/page/N/``, category, month): links to posts and to the next page."""

    NEXT = (
        "link[rel='next']::attr(href), a.next::attr(href),"
        " .wp-block-query-pagination-next::attr(href)"
    )

    def __init__(
        self,
        url: str,
        body: bytes | str,
        site: str,
        *,
        content_type: str | bytes | None = None,
        encoding: str | None = None,
    ):
        self.url = url
        self.site = site
        self.selector = Selector(text=decode_html(body, content_type, encoding))

    @property
    def urls(self) -> list[str]:
        """Links that look like post permalinks (``/YYYY/MM/DD/slug/``), in page order;
        hrefs that are not URLs are passed over."""
        hrefs = self.selector.css("a::attr(href)").getall()
        links = (absolute_url(self.url, href, self.site) for href in hrefs)
        found = (
            link
            for link in links
            if link and _on_site(link, self.site) and PERMALINK.match(urlsplit(link).path)
        )
        return list(dict.fromkeys(found))

    @property
    def next_page(self) -> str | None:
        """The next listing page, on the site (pagination never leaves it)."""
        links = (
            absolute_url(self.url, href, self.site)
            for href in self.selector.css(self.NEXT).getall()
        )
        return next((link for link in links if link and _on_site(link, self.site)), None)


def _on_site(url: str, site: str) -> bool:
    """``url`` (absolute, already split once without error) lies on ``site``."""
    return canonical_url(url, site).startswith(site.rstrip("/") + "/")
