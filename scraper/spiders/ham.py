"""Discovery and fetching only: every response is handed to a page object.

Order of discovery (SITE.md): the WordPress REST API; when it is refused, the sitemaps (robots.txt
``Sitemap:`` lines, ``/wp-sitemap.xml``, ``/sitemap_index.xml``); when they list no post, the
listing pages (``/``, ``/page/N/``). REST posts are complete records; URLs found any other way are
fetched and parsed as HTML pages.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from scraper.pages import (
    ArticlePage,
    ListingPage,
    NotAnArticle,
    RestPost,
    RestRefused,
    SitemapPage,
    rest_posts,
)
from scraper.pages.listing import sitemap_urls_from_robots
from scraper.pages.rest import EMBED

DEFAULT_SITE = "https://ham.go.id"
SITEMAPS = ("/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml")
PER_PAGE = 100


class HamSpider(scrapy.Spider):
    name = "ham"
    custom_settings = {"HTTPERROR_ALLOW_ALL": True}  # the callbacks read every status

    def __init__(self, site: str = DEFAULT_SITE, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site.rstrip("/")
        self.allowed_domains = [urlsplit(self.site).hostname]
        self.mode = "rest"
        self.rest_refused: str | None = None
        self.first_failure: str | None = None  # the reason, when the site never answers
        self.sources: Counter[str] = Counter()  # post URLs found per discovery source
        self.listing_started = False

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    async def start(self):
        yield self.rest_request(1)

    # REST API

    def rest_request(self, page: int) -> scrapy.Request:
        query = urlencode({"per_page": PER_PAGE, "page": page, "_embed": EMBED})
        return scrapy.Request(
            f"{self.site}/wp-json/wp/v2/posts?{query}",
            callback=self.parse_rest,
            errback=self.rest_failed if page == 1 else self.failed,
            cb_kwargs={"page": page},
        )

    def parse_rest(self, response: Response, page: int):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        try:
            posts = rest_posts(response.status, content_type, response.body)
        except RestRefused as refused:
            if page == 1:
                yield from self.fall_back(str(refused))
            else:
                self.count("failed")
                self.logger.error("REST page %d refused: %s", page, refused)
            return
        if page == 1:
            if not posts:
                yield from self.fall_back("no posts listed")
                return
            total_pages = int(response.headers.get("X-WP-TotalPages", b"1"))
            for next_page in range(2, total_pages + 1):
                yield self.rest_request(next_page)
        for data in posts:
            try:
                article = RestPost(data, self.site).to_article()
            except (NotAnArticle, KeyError) as error:
                self.count("skipped")
                self.logger.warning("REST post %s skipped: %s", data.get("id"), error)
                continue
            self.sources["rest"] += 1
            yield article

    def rest_failed(self, failure: Failure):
        self.failed(failure)
        if self.crawler.stats.get_value("response_received_count"):  # the site is up
            yield from self.fall_back(failure.getErrorMessage())

    # Sitemaps, then listings

    def fall_back(self, reason: str):
        self.rest_refused = reason
        self.mode = "html"
        self.logger.info("REST API refused (%s); reading sitemaps", reason)
        yield scrapy.Request(
            f"{self.site}/robots.txt", callback=self.parse_robots, errback=self.failed
        )
        for path in SITEMAPS:
            yield self.sitemap_request(f"{self.site}{path}")

    def sitemap_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed)

    def parse_robots(self, response: Response):
        if response.status == 200:
            for url in sitemap_urls_from_robots(response.text, base_url=self.site):
                yield self.sitemap_request(url)

    def parse_sitemap(self, response: Response):
        if response.status != 200:
            return
        page = SitemapPage(response.url, response.body, self.site)
        for url in page.sitemaps:
            yield self.sitemap_request(url)
        yield from self.article_requests(page.urls, "sitemap")

    def idle(self):
        """When sitemaps found no post, the listing pages are the last resort."""
        if self.mode == "html" and not self.sources and not self.listing_started:
            self.listing_started = True
            self.crawler.engine.crawl(self.listing_request(f"{self.site}/", 1))
            raise DontCloseSpider

    def listing_request(self, url: str, number: int) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_listing, errback=self.failed, cb_kwargs={"number": number}
        )

    def parse_listing(self, response: Response, number: int):
        if response.status != 200:
            return
        page = ListingPage(response.url, response.body, self.site)
        urls = page.urls
        yield from self.article_requests(urls, "listing")
        if urls:
            next_url = page.next_page or f"{self.site}/page/{number + 1}/"
            yield self.listing_request(next_url, number + 1)

    def article_requests(self, urls: list[str], source: str):
        for url in urls:
            self.sources[source] += 1
            yield scrapy.Request(url, callback=self.parse_article, errback=self.failed)

    def parse_article(self, response: Response):
        if response.status != 200:
            self.count("failed")
            self.logger.warning("article %s answered HTTP %d", response.url, response.status)
            return
        try:
            yield ArticlePage(response.url, response.body, self.site).to_article()
        except NotAnArticle as error:
            self.count("skipped")
            self.logger.info("%s", error)

    # Failures

    def failed(self, failure: Failure):
        request = failure.request
        self.first_failure = self.first_failure or failure.getErrorMessage()
        self.count("failed")
        self.logger.warning("%s failed: %s", request.url, failure.getErrorMessage())

    def count(self, what: str) -> None:
        self.crawler.stats.inc_value(f"ham/{what}")
