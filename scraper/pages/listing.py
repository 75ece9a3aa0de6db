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
# Links a bounded crawl never follows: files, feeds, searches, logins, other schemes.
NOT_A_PAGE = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|jpe?g|png|gif|webp|svg|mp[34]|avi|css|js|xml|ico)$"
    r"|/(?:wp-admin|wp-login\.php|login|logout|admin|cart|search|cari)(?:/|$)"
    r"|/(?:feed|rss|atom)/?$",
    re.IGNORECASE,
)
NOT_A_PAGE_QUERY = re.compile(r"(?:^|&)(?:s|q|search|keyword|replytocom|share|print)=", re.I)
NEXT_TEXT = re.compile(r"^\s*(?:selanjutnya|berikutnya|next|lanjut|older posts|»|›|>|>>)\s*", re.I)
PAGE_NUMBER = re.compile(r"(?:[?&](?:page|hal|halaman|p)=|/page/)(\d+)", re.I)

__all__ = ["ListingPage", "SitemapPage", "sitemap_urls_from_robots"]


class SitemapPage:
    """A sitemap index (``sitemaps``: sub-sitemaps of posts) or a URL set (``urls``)."""

    def __init__(self, url: str, body: bytes, site: str):
        self.url = url
        self.site = site
        try:
            sitemap = Sitemap(body)
        except Exception:  # lxml refuses what is not XML at all (an HTML 200 for a 404)
            self.type, self.locs, self.dates = "", [], {}
        else:
            self.type = sitemap.type
            entries = [(absolute_url(url, e["loc"]), e) for e in sitemap if "loc" in e]
            self.locs = [loc for loc, _ in entries if loc]  # a malformed <loc> is dropped
            self.dates = {loc: e["lastmod"] for loc, e in entries if loc and e.get("lastmod")}

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

    @property
    def lastmod(self) -> dict[str, str]:
        """``<lastmod>`` by URL, where the sitemap gives one."""
        return {
            canonical_url(url, self.site): value
            for url, value in self.dates.items()
            if _on_site(url, self.site)
        }


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
        """The next listing page, on the site (pagination never leaves it): ``rel=next``, a
        "next" link (``Selanjutnya``, ``»``), else the link to page N+1 (``?page=N``,
        ``/page/N/``)."""
        hrefs = self.selector.css(self.NEXT).getall()
        for link in self.selector.css("a"):
            text = " ".join(link.css("::text").getall())
            if NEXT_TEXT.fullmatch(text) or "next" in (link.attrib.get("rel") or ""):
                hrefs.append(link.attrib.get("href") or "")
        links = (absolute_url(self.url, href, self.site) for href in hrefs)
        found = next((link for link in links if link and _on_site(link, self.site)), None)
        if found:
            return found
        number = PAGE_NUMBER.search(self.url)
        wanted = int(number.group(1)) + 1 if number else 2
        for link in self.links:
            page = PAGE_NUMBER.search(link)
            if page and int(page.group(1)) == wanted:
                return link
        return None

    @property
    def links(self) -> list[str]:
        """Every link to a page of this site (menus, listings, pagination, articles), in order."""
        found = []
        for href in self.selector.css("a::attr(href)").getall():
            link = absolute_url(self.url, href, self.site)
            parts = urlsplit(link or "")
            if (
                link
                and parts.scheme in ("http", "https")
                and _on_site(link, self.site)
                and not NOT_A_PAGE.search(parts.path)
                and not NOT_A_PAGE_QUERY.search(parts.query)
            ):
                found.append(link)
        return list(dict.fromkeys(found))


def _on_site(url: str, site: str) -> bool:
    """``url`` (absolute, already split once without error) lies on ``site``."""
    return canonical_url(url, site).startswith(site.rstrip("/") + "/")
