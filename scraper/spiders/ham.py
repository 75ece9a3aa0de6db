"""Discovery and fetching only: every response is handed to a page object.

Order of discovery (SITE.md): the WordPress REST API; when it is refused, the sitemaps (robots.txt
``Sitemap:`` lines, ``/wp-sitemap.xml``, ``/sitemap_index.xml``); when they list no post, the
listing pages (``/``, ``/page/N/``). REST posts are complete records; URLs found any other way are
fetched and parsed as HTML pages.

Before any of that the home page is fetched, its redirects followed by hand: a site-level move
(``ham.go.id`` -> ``kemenham.go.id``) makes the target the site to crawl, and its host is
allowed deliberately; any other host stays refused. The home page also names the CMS and the
feeds (RSS/Atom, read with feedparser). A site that is not WordPress and lists no post in any
sitemap is crawled from its home page (menus, listings, pagination), on its own host, up to
``SITE_CRAWL_MAX_PAGES`` pages. Which page object reads a page is ``pages.site.read_article``.

A run is incremental when the archive has a successful run of the same site and ``full`` is not
set: REST asks only for posts modified since (``modified_after``) and compares the site's total
(``X-WP-Total``) with the archive's; HTML mode fetches only URLs new to the sitemaps, the newest
``RECHECK_RECENT`` articles, and the archived URLs the sitemaps no longer list (404/410: gone).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from scraper.archive import Archive, CrawlState
from scraper.items import Article, Gone
from scraper.pages import (
    ListingPage,
    NotAnArticle,
    RestPost,
    RestRefused,
    SitemapPage,
    Unreadable,
    rest_posts,
)
from scraper.pages.listing import sitemap_urls_from_robots
from scraper.pages.rest import EMBED
from scraper.pages.site import detect_cms, feed_urls, read_article, site_after_redirects
from scraper.text import absolute_url, canonical_url, site_time

DEFAULT_SITE = "https://ham.go.id"
SITEMAPS = ("/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml")
PER_PAGE = 100
GONE_STATUSES = (404, 410)
REDIRECTS = (301, 302, 303, 307, 308)
MAX_HOPS = 5


def newer(lastmod: str, since: str) -> bool:
    """Whether a sitemap's ``lastmod`` (W3C datetime, or a date) is later than ``since``."""
    value = site_time(lastmod.strip())
    return bool(value) and datetime.fromisoformat(value) > datetime.fromisoformat(since)


class HamSpider(scrapy.Spider):
    name = "ham"
    custom_settings = {"HTTPERROR_ALLOW_ALL": True}  # the callbacks read every status

    def __init__(
        self, site: str = DEFAULT_SITE, full: str | bool = False, others: str = "", *args, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.others = {o.rstrip("/") for o in others.split(",") if o}  # crawled beside this one
        self.moved_into: str | None = None  # set when this site moved into one of the others
        self.site = site.rstrip("/")
        self.asked = self.site  # the address asked for; self.site is where it led
        self.allowed_domains = [urlsplit(self.site).hostname]
        self.cms: str | None = None
        self.hops: list[str] = []  # the home page's redirects, in order
        self.feeds: list[str] = []
        self.crawled: set[str] = set()  # pages of the bounded crawl, requested
        self.old_urls: set[str] = set()  # live articles archived at the address before a move
        self.full = str(full).lower() in ("1", "true", "yes")
        self.mode = "rest"
        self.incremental = False
        self.state = CrawlState()
        self.rest_refused: str | None = None
        self.first_failure: str | None = None  # the reason, when the site never answers
        self.seen: dict[str, set[str]] = {}  # post URLs found, per discovery source
        self.rest_ids: set[int] = set()  # ids the REST listing showed this run
        self.site_ids: set[int] = set()  # every id of the site, when the totals disagreed
        self.id_pages_done = 0
        self.rest_pages = {"total": 0, "done": 0, "failed": 0}
        self.steps_done: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    async def start(self):
        yield self.home_request(f"{self.site}/")

    # The home page: where the site is now, and what serves it

    def home_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_home,
            errback=self.home_failed,
            dont_filter=True,
            meta={"dont_redirect": True, "allow_offsite": True},
        )

    def parse_home(self, response: Response):
        location = response.headers.get("Location")
        if response.status in REDIRECTS and location and len(self.hops) < MAX_HOPS:
            self.hops.append(response.urljoin(location.decode("latin-1")))
            yield self.home_request(self.hops[-1])
            return
        moved = site_after_redirects(self.asked, response.url)
        if moved != self.site:
            self.logger.info("%s moved to %s", self.asked, moved)
            self.site = moved
            self.allowed_domains.append(urlsplit(moved).hostname)  # deliberately, and only it
            if moved in self.others:
                self.moved_into = moved
                self.mode = "moved"
                return
        if response.status == 200:
            headers = {
                k.decode().lower(): v[0].decode("latin-1") for k, v in response.headers.items()
            }
            self.cms = detect_cms(response.body, headers)
            self.feeds = feed_urls(response.url, response.body)
        self.load_state()
        if self.old_urls:  # the moved articles first: their redirects join them to their rows
            yield from (self.article_request(url) for url in sorted(self.old_urls))
        else:
            yield self.rest_request(1)

    def home_failed(self, failure: Failure):
        """No answer at all: the site cannot be reached; say so, do not guess further. (A home
        page robots.txt forbids us is no answer either, but the rest of the site may be open.)"""
        if failure.check(IgnoreRequest):
            self.logger.info("home page not fetched: %s", failure.getErrorMessage())
            self.load_state()
            yield self.rest_request(1)
            return
        self.failed(failure)

    def load_state(self) -> None:
        """What the archive knows of the site; after a move, also the articles archived at the
        old address, fetched again before anything else (``old_urls``)."""
        if not self.settings.get("ARCHIVE_DB"):
            return
        archive = Archive(self.settings.get("ARCHIVE_DB"))
        recent = self.settings.getint("RECHECK_RECENT")
        if not self.full:
            self.state = archive.crawl_state(self.asked, recent, now_at=self.site)
            self.incremental = self.state.last_run is not None
        if self.site != self.asked:
            self.old_urls = archive.crawl_state(self.asked, 0, now_at=self.asked).live_urls
        archive.close()

    def discovery_step(self):
        """After a move, discovery starts once the old addresses have been followed."""
        if self.old_urls:
            yield self.rest_request(1)

    # REST API

    def rest_request(self, page: int, **query) -> scrapy.Request:
        query = {"per_page": PER_PAGE, "page": page, "_embed": EMBED, **query}
        if self.incremental and self.state.modified_after and "include" not in query:
            query["modified_after"] = self.state.modified_after  # with its offset
        return scrapy.Request(
            f"{self.site}/wp-json/wp/v2/posts?{urlencode(query)}",
            callback=self.parse_rest,
            errback=self.rest_failed,
            cb_kwargs={"page": page, "listing": "include" not in query},
        )

    def parse_rest(self, response: Response, page: int, listing: bool = True):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        try:
            posts = rest_posts(response.status, content_type, response.body)
        except RestRefused as refused:
            if page == 1 and listing and not self.rest_ids:
                yield from self.fall_back(str(refused))
                return
            self.count("failed")
            self.logger.error("REST page %d refused: %s", page, refused)
            posts = None
        if posts is not None and page == 1 and listing:
            if not posts and not self.incremental:
                yield from self.fall_back("no posts listed")
                return
            self.rest_pages["total"] = int(response.headers.get("X-WP-TotalPages", b"1") or 1)
            for next_page in range(2, self.rest_pages["total"] + 1):
                yield self.rest_request(next_page)
        for data in posts or []:
            self.rest_ids.add(data.get("id"))  # listed, so not gone, even if it cannot be read
            try:
                article = RestPost(data, self.site).to_article()
            except (NotAnArticle, KeyError) as error:
                self.count("skipped")
                self.logger.warning("REST post %s skipped: %s", data.get("id"), error)
                continue
            self.seen.setdefault("rest", set()).add(article.url)
            yield self.stamp(article, response)
        if listing:
            self.rest_pages["done" if posts is not None else "failed"] += 1
            yield from self.after_rest_listing()

    def rest_failed(self, failure: Failure):
        self.failed(failure)
        page = failure.request.cb_kwargs.get("page")
        if page == 1 and not self.crawler.stats.get_value("response_received_count"):
            return  # the site is down: say so, do not guess further
        if page == 1 and failure.request.cb_kwargs.get("listing"):
            yield from self.fall_back(failure.getErrorMessage())
        elif failure.request.cb_kwargs.get("listing"):
            self.rest_pages["failed"] += 1

    def after_rest_listing(self):
        """Once every listing page is in: totals (incremental) or deletions (full listing)."""
        pages = self.rest_pages
        if pages["done"] + pages["failed"] < pages["total"] or pages["failed"]:
            return
        if self.incremental:
            yield scrapy.Request(
                f"{self.site}/wp-json/wp/v2/posts?per_page=1&_fields=id",
                callback=self.parse_total,
                errback=self.failed,
            )
        else:
            yield from self.gone(self.state.live_post_ids - self.rest_ids, "absent from REST")

    def parse_total(self, response: Response):
        """An unchanged site costs nothing more; a changed total lists every id."""
        total = int(response.headers.get("X-WP-Total", b"-1") or -1)
        if response.status == 200 and total == len(self.state.live_post_ids | self.rest_ids):
            return
        pages = -(-max(total, 1) // PER_PAGE)
        for page in range(1, pages + 1):
            query = urlencode({"per_page": PER_PAGE, "page": page, "_fields": "id"})
            yield scrapy.Request(
                f"{self.site}/wp-json/wp/v2/posts?{query}",
                callback=self.parse_ids,
                errback=self.failed,
                cb_kwargs={"pages": pages},
            )

    def parse_ids(self, response: Response, pages: int):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        try:
            ids = {post["id"] for post in rest_posts(response.status, content_type, response.body)}
        except (RestRefused, KeyError, TypeError):
            self.count("failed")
            return
        self.site_ids |= ids
        self.id_pages_done += 1
        if self.id_pages_done < pages:  # a page that failed keeps this from ever deleting
            return
        missing = sorted(self.site_ids - self.state.live_post_ids - self.rest_ids)
        for start in range(0, len(missing), PER_PAGE):
            batch = ",".join(map(str, missing[start : start + PER_PAGE]))
            yield self.rest_request(1, include=batch)
        yield from self.gone(self.state.live_post_ids - self.site_ids, "absent from REST")

    def gone(self, post_ids: set[int], reason: str):
        for post_id in sorted(post_ids):
            yield Gone(url=self.state.live_posts[post_id], reason=reason)

    # Sitemaps, then listings

    def fall_back(self, reason: str):
        self.rest_refused = reason
        self.mode = "html"
        self.logger.info("REST API refused (%s); reading sitemaps", reason)
        yield from self.sitemap_requests()

    def sitemap_requests(self):
        for url in self.feeds or ([f"{self.site}/feed/"] if self.is_wordpress else []):
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.failed)
        robots = f"{self.site}/robots.txt"
        yield scrapy.Request(robots, callback=self.parse_robots, errback=self.failed)
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
        since = site_time(self.state.last_run_at)
        changed = {url for url, lastmod in page.lastmod.items() if since and newer(lastmod, since)}
        yield from self.found(page.urls, "sitemap", changed)

    def parse_feed(self, response: Response):
        if response.status != 200:
            return
        import feedparser  # RSS 0.9x-2.0 and Atom, every dialect

        entries = feedparser.parse(response.body).entries
        links = (absolute_url(response.url, e.get("link") or "", self.site) for e in entries)
        yield from self.found([u for u in links if u and u.startswith(self.site + "/")], "feed")

    @property
    def is_wordpress(self) -> bool:
        return bool(self.cms and self.cms.startswith("WordPress"))

    def idle(self):
        """Steps that start when everything before them is done."""
        steps = (self.discovery_step, self.listing_step, self.coverage_step, self.recheck_step)
        for step in steps:
            if step.__name__ not in self.steps_done:
                self.steps_done.add(step.__name__)
                requests = list(step())
                for request in requests:
                    self.crawler.engine.crawl(request)
                if requests:
                    raise DontCloseSpider

    def listing_step(self):
        """When sitemaps and feeds found no post, the listing pages are the last resort: a
        WordPress site's ``/page/N/``, any other site's pages crawled from its home page."""
        if self.mode == "html" and not self.seen:
            if self.is_wordpress or self.cms is None and not self.feeds:
                yield self.listing_request(f"{self.site}/", 1)
            if not self.is_wordpress:
                yield self.crawl_request(f"{self.site}/")

    def crawl_request(self, url: str) -> scrapy.Request:
        self.crawled.add(url)
        return scrapy.Request(
            url, callback=self.parse_crawled, errback=self.failed, dont_filter=url.endswith("/")
        )

    def parse_crawled(self, response: Response):
        """A page of the bounded crawl: an article is saved; every page's links are followed."""
        if response.status != 200 or b"<" not in response.body[:1024]:
            return
        yield from self.parse_article(response, quiet=True)
        page = ListingPage(response.url, response.body, self.site)
        links = page.links
        self.seen.setdefault("crawl", set()).update(links)
        limit = self.settings.getint("SITE_CRAWL_MAX_PAGES")
        for link in links:
            if link in self.crawled or (self.incremental and link in self.state.live_urls):
                continue
            if len(self.crawled) >= limit:
                self.count("crawl_limit")
                self.logger.warning("crawl bound of %d pages reached", limit)
                return
            yield self.crawl_request(link)

    def coverage_step(self):
        """A full REST crawl also reads the sitemaps, to report and fetch what REST missed."""
        if self.mode == "rest" and self.full:
            yield from self.sitemap_requests()

    def recheck_step(self):
        """HTML mode: re-fetch the newest articles (edits) and the URLs no longer listed."""
        if self.mode != "html":
            return
        listed = set().union(*self.seen.values()) if self.seen else set()
        for url in sorted(set(self.state.recent_urls) | (self.state.live_urls - listed)):
            yield self.article_request(url)

    def listing_request(self, url: str, number: int) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_listing, errback=self.failed, cb_kwargs={"number": number}
        )

    def parse_listing(self, response: Response, number: int):
        if response.status != 200:
            return
        page = ListingPage(
            response.url,
            response.body,
            self.site,
            content_type=response.headers.get("Content-Type"),
        )
        urls = page.urls
        new = [url for url in urls if url not in self.state.live_urls]
        yield from self.found(urls, "listing")
        if new or (urls and not self.incremental):
            next_url = page.next_page or f"{self.site}/page/{number + 1}/"
            yield self.listing_request(next_url, number + 1)

    def found(self, urls: list[str], source: str, changed: set[str] = frozenset()):
        """URLs of posts from a sitemap or a listing: fetch the new ones (all, when full), and
        those a sitemap's ``lastmod`` says changed since the last run."""
        known = self.seen.get("rest", set()) | (self.state.live_urls if self.incremental else set())
        self.seen.setdefault(source, set()).update(urls)
        for url in urls:
            if url not in known or url in changed:
                yield self.article_request(url)

    def article_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed)

    def parse_article(self, response: Response, quiet: bool = False):
        if response.status in GONE_STATUSES:
            yield Gone(url=response.url, reason=f"HTTP {response.status}")
            return
        if response.status != 200:
            self.count("failed")
            self.logger.warning("article %s answered HTTP %d", response.url, response.status)
            return
        try:
            content_type = response.headers.get("Content-Type")
            article = read_article(response.url, response.body, self.site, content_type)
            yield self.stamp(article, response)
        except NotAnArticle as error:
            if not quiet:
                self.count("skipped")
            self.logger.info("%s", error)
        except Unreadable as error:  # an article, but its text is not where the page object looks
            self.count("failed")
            self.crawler.stats.inc_value("extractor/unread")
            self.first_failure = self.first_failure or str(error)
            self.logger.warning("%s", error)

    def stamp(self, article: Article, response: Response) -> Article:
        article.capture_id = response.meta.get("capture_id")
        article.site = self.site
        redirected = [canonical_url(u, self.site) for u in response.meta.get("redirect_urls", [])]
        article.aliases = [u for u in dict.fromkeys(redirected) if u != article.url]
        return article

    # Failures and reports

    def failed(self, failure: Failure):
        request = failure.request
        self.first_failure = self.first_failure or failure.getErrorMessage()
        self.count("failed")
        self.logger.warning("%s failed: %s", request.url, failure.getErrorMessage())

    def count(self, what: str) -> None:
        self.crawler.stats.inc_value(f"ham/{what}")

    def coverage(self) -> dict:
        """How many post URLs each source gave, and what one had that another lacked."""
        report = {source: len(urls) for source, urls in self.seen.items()}
        if "rest" in self.seen and "sitemap" in self.seen:
            report["only_rest"] = sorted(self.seen["rest"] - self.seen["sitemap"])[:50]
            report["only_sitemap"] = sorted(self.seen["sitemap"] - self.seen["rest"])[:50]
        return report
