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

A run is incremental when the archive has a finished run (ok or partial) of the same site and
``full`` is not set: REST asks only for posts modified since (``modified_after``) and compares the
site's total and newest id with the archive's; when they differ it sweeps every id (ordered by
id). HTML mode fetches only URLs new to the sitemaps, the newest ``RECHECK_RECENT`` articles, and
the archived URLs the sitemaps no longer list. Every run retries what the previous one failed.

Deletions are decided by ``scraper.deletion`` from the evidence gathered here; later steps run
when the engine is idle, i.e. when everything the step before asked for has answered (``STEPS``).
Every failure (download, HTTP status, page object, spider or item error) is recorded in
``self.failures`` with its URL and reason; the pipeline writes them to ``crawl_failures``.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from scraper.archive import Archive, CrawlState
from scraper.deletion import (
    GONE_STATUSES,
    Answer,
    Evidence,
    Lookup,
    Sweep,
    absent_from_listing,
    candidates,
    gone_by_answer,
    is_site_not_found,
    led_elsewhere,
    not_found_fingerprint,
)
from scraper.items import Article, Gone
from scraper.pages import (
    ListingPage,
    NotAnArticle,
    RestPost,
    RestRefused,
    SitemapPage,
    Withheld,
    rest_posts,
)
from scraper.pages.listing import sitemap_urls_from_robots
from scraper.pages.rest import EMBED
from scraper.pages.site import detect_cms, feed_urls, read_article, site_after_redirects
from scraper.text import absolute_url, canonical_url, site_time

DEFAULT_SITE = "https://ham.go.id"
# Failures of these kinds are asked for once more at the end of the run (second_try_step).
SECOND_TRIES = ("article", "sitemap", "listing", "rest")
SITEMAPS = ("/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml")
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)  # only a permanent redirect of the home page moves the site
MAX_HOPS = 5


def newer(lastmod: str, since: str) -> bool:
    """Whether a sitemap's ``lastmod`` (W3C datetime, or a date) is later than ``since``."""
    value = site_time(lastmod.strip())
    return bool(value) and datetime.fromisoformat(value) > datetime.fromisoformat(since)


def clock_offset(date: bytes | None, age: bytes | None, received: float) -> float | None:
    """Seconds the clock of the server that sent ``Date`` (and ``Age``: how long a cache kept
    the answer) is ahead of ours at ``received`` (a Unix time); negative when it is behind,
    None without a readable date. Never more than the true offset: the date is the server's
    second, before the answer travelled."""
    try:
        sent = parsedate_to_datetime(date.decode("latin-1")).timestamp() if date else None
        kept = int(age) if age else 0
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return None if sent is None else sent + kept - received


def header_int(response: Response, name: str) -> int | None:
    """A count header (X-WP-Total, X-WP-TotalPages), or None when missing or garbled."""
    value = response.headers.get(name, b"").strip()
    return int(value) if value.isdigit() else None


def post_ids(posts: list) -> set[int]:
    return {p["id"] for p in posts if isinstance(p, dict) and type(p.get("id")) is int}


def asked_url(message: Response | scrapy.Request) -> str:
    """The URL first asked for, before any redirect."""
    return message.meta.get("redirect_urls", [message.url])[0]


def reason_of(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


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
        self.failures: list[dict] = []  # url, kind, reason, post_id, capture_id
        self.second_tries: dict[tuple[str, str], scrapy.Request] = {}  # once, at the end
        self.seen: dict[str, set[str]] = {}  # post URLs found, per discovery source
        self.rest_ids: set[int] = set()  # ids the REST listing showed this run
        self.links: dict[int, str | None] = {}  # post id -> link, of posts read one by one
        self.listing = Sweep()  # the REST posts listing (every post, in a full run)
        self.id_sweep: Sweep | None = None  # every id of the site, when the totals disagreed
        self.lookup = Lookup()  # ids asked for with include=
        self.lookups_pending = 0
        self.probe: Answer | None = None  # the site's answer to a URL that cannot exist
        self.sitemaps = {"indexed": set(), "read": set(), "failed": set()}
        self.recheck_later: set[str] = set()  # 404s met before the probe answered
        self.steps_done: set[str] = set()
        self.home_done = False  # the home page has said where the site is (begin)
        self.early = None  # reads the first REST page's answer, when it came before that
        self.first_rest_url: str | None = None
        self.clock_offset: float | None = None  # the site's clock less ours, the least seen
        self.withheld: set[str] = set()  # posts listed but behind a password
        self.rest_absent: dict[str, tuple[int, Evidence]] = {}  # url -> post id, the API's word

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider.item_error, signal=signals.item_error)
        crawler.signals.connect(spider.read_clock, signal=signals.response_received)
        return spider

    def read_clock(self, response: Response, request=None, spider=None) -> None:
        """The site's clock, from every answer: where it is behind ours, the next incremental
        run asks for what changed since that much earlier (``archive.watermark``), or the
        edits made just after this run listed the site would fall before its watermark."""
        headers = response.headers
        offset = clock_offset(headers.get(b"Date"), headers.get(b"Age"), time.time())
        if offset is not None and (self.clock_offset is None or offset < self.clock_offset):
            self.clock_offset = offset

    async def start(self):
        """The home page, and beside it the first REST page, read once the home page has said
        the site did not move (``begin``): the listing does not wait for the home page."""
        self.load_state()
        yield self.home_request(f"{self.site}/")
        yield self.rest_request(1)

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
            target = response.urljoin(location.decode("latin-1"))
            elsewhere = urlsplit(target).hostname != urlsplit(response.url).hostname
            if elsewhere and response.status not in PERMANENT:  # a CDN's challenge, not a move
                reason = f"HTTP {response.status} to {target}: a temporary redirect, not followed"
                self.fail(response.url, "home", reason[:300], response)
                yield from self.begin()
                return
            self.hops.append(target)
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
        yield from self.begin()

    def begin(self):
        """Discovery, once the home page has said where the site is: the first REST page,
        asked at the start, is read now (or when it comes); after a move it is asked again of
        the new address, the moved articles first (their redirects join them to their rows)."""
        early, self.early = self.early, None
        self.home_done = True
        if self.site == self.asked:
            if early is not None:
                yield from early()
            return
        self.load_state()
        if self.old_urls:
            yield from (self.article_request(url) for url in sorted(self.old_urls))
        else:
            yield self.rest_request(1)

    def held(self, answer: Response | Failure, read) -> bool:
        """An answer to the first REST page, asked beside the home page: it waits for the home
        page (``begin`` reads it), and is dropped when the home page said the site moved."""
        request = answer.request if isinstance(answer, Failure) else answer
        if asked_url(request) != self.first_rest_url:
            return False
        if not self.home_done:
            self.early = lambda: read(answer)
            return True
        return self.site != self.asked

    def home_failed(self, failure: Failure):
        """No answer at all: the site cannot be reached; say so, do not guess further. When
        something else answered (robots.txt), the home page alone failed: go on. (A home page
        robots.txt forbids us is no answer either, but the rest of the site may be open.)"""
        if failure.check(IgnoreRequest) and "offsite" not in failure.getErrorMessage():
            self.logger.info("home page not fetched: %s", failure.getErrorMessage())
            yield from self.begin()
            return
        self.failed(failure, "home")
        if self.crawler.stats.get_value("response_received_count"):
            yield from self.begin()

    def load_state(self) -> None:
        """What the archive knows of the site, under --full too (deletions need it); after a
        move, also the articles archived at the old address, fetched again before anything else
        (``old_urls``)."""
        if not self.settings.get("ARCHIVE_DB"):
            return
        archive = Archive(self.settings.get("ARCHIVE_DB"))
        recent = self.settings.getint("RECHECK_RECENT")
        self.state = archive.crawl_state(self.asked, recent, now_at=self.site)
        self.incremental = not self.full and self.state.last_run is not None
        if self.site != self.asked:
            self.old_urls = archive.crawl_state(self.asked, 0, now_at=self.asked).live_urls
        archive.close()

    @property
    def deletion_sweep(self) -> Sweep | None:
        """The sweep that may prove posts absent: the id sweep, or a full run's listing."""
        return self.id_sweep if self.incremental else self.listing

    # REST API

    def rest_url(self, **query) -> str:
        return f"{self.site}/wp-json/wp/v2/posts?{urlencode(query)}"

    def listing_query(self, page: int) -> dict:
        query = {"per_page": self.per_page, "page": page}
        if self.incremental and self.state.modified_after:
            query["modified_after"] = self.state.modified_after  # with its offset
        return query

    def rest_request(self, page: int) -> scrapy.Request:
        url = self.rest_url(**self.listing_query(page), _embed=EMBED)
        if page == 1 and not self.home_done:
            self.first_rest_url = url
        return scrapy.Request(
            url,
            callback=self.parse_rest,
            errback=self.rest_failed,
            cb_kwargs={"page": page},
            dont_filter=page == 1,  # after a move, asked again where the redirects already went
        )

    def parse_rest(self, response: Response, page: int):
        """One page of the posts listing (every post in a full run, the changed ones otherwise)."""
        if self.held(response, lambda answer: self.parse_rest(answer, page)):
            return
        try:
            posts = self.rest_json(response)
        except RestRefused as refused:
            if page == 1 and not self.rest_ids:
                yield from self.fall_back(str(refused))
                return
            if self.listing.pages is None and response.status == 400:
                return  # walking pages of unknown number: past the last page
            self.listing.pages_failed.add(page)
            self.fail(response.url, "rest", f"REST page {page}: {refused}", response=response)
            if response.status >= 500 and not response.meta.get("second_try"):
                yield self.page_ids_request(page, str(refused), response.url)
            return
        if page == 1:
            if not posts and not self.incremental:
                yield from self.fall_back("no posts listed")
                return
            yield from self.schedule_pages(response, self.listing, self.rest_request)
        fresh = post_ids(posts) - self.listing.ids
        self.note_page(self.listing, page, response, posts)
        yield from self.read_posts(posts, response)
        walking = self.listing.pages is None and len(posts) == self.per_page and fresh
        if walking and page < self.max_pages:  # page by page, until a short page or nothing new
            yield self.rest_request(page + 1)

    @property
    def per_page(self) -> int:
        return self.settings.getint("REST_PER_PAGE")

    @property
    def max_pages(self) -> int:
        return self.settings.getint("LISTING_MAX_PAGES")

    def schedule_pages(self, response: Response, sweep: Sweep, request):
        """From page 1's headers: every further page, or a page-by-page walk when they lie."""
        total, pages = header_int(response, "X-WP-Total"), header_int(response, "X-WP-TotalPages")
        if sweep.total_start is None:
            sweep.total_start = total
        if total is None or pages != -(-total // self.per_page):
            return  # missing or garbled: not provably complete; walk page by page
        sweep.pages = pages
        for number in range(2, min(pages, self.max_pages) + 1):
            yield request(number)

    def note_page(self, sweep: Sweep, page: int, response: Response, posts: list) -> None:
        sweep.pages_done.add(page)
        sweep.ids |= post_ids(posts)
        if response.meta.get("capture_id"):
            sweep.capture_ids.append(response.meta["capture_id"])

    def rest_json(self, response: Response) -> list:
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        return rest_posts(response.status, content_type, response.body)

    def read_posts(self, posts: list[dict], response: Response):
        """Each post through its page object; one that cannot be read fails alone, recorded."""
        for data in posts:
            if not post_ids([data]):
                self.fail(response.url, "rest-post", "not a post object", response)
                continue
            self.rest_ids.add(data["id"])  # listed, so not gone, even if it cannot be read
            try:
                article = RestPost(data, self.site).to_article()
            except Withheld as error:
                self.withhold(data.get("link") or response.url, error)
                continue
            except NotAnArticle as error:
                self.count("skipped")
                self.logger.info("REST post %s skipped: %s", data["id"], error)
                continue
            except Exception as error:  # any page-object failure loses this post only
                url = data.get("link") if isinstance(data.get("link"), str) else response.url
                self.fail(url, "rest-post", reason_of(error), response, post_id=data["id"])
                continue
            self.seen.setdefault("rest", set()).add(article.url)
            yield self.stamp(article, response)

    def rest_failed(self, failure: Failure):
        if self.held(failure, self.rest_failed):
            return
        self.failed(failure, "rest")
        page = failure.request.cb_kwargs.get("page")
        if page == 1 and not self.crawler.stats.get_value("response_received_count"):
            return  # the site is down: say so, do not guess further
        if page == 1:
            yield from self.fall_back(failure.getErrorMessage())
        else:
            self.listing.pages_failed.add(page)

    def total_request(self, when: str) -> scrapy.Request:
        return scrapy.Request(
            self.rest_url(per_page=1, _fields="id", orderby="id", order="desc"),
            callback=self.parse_total,
            errback=self.total_failed,
            cb_kwargs={"when": when},
            dont_filter=True,
        )

    def parse_total(self, response: Response, when: str):
        """The site's total and newest id; at the start, whether anything needs a sweep."""
        total = header_int(response, "X-WP-Total")
        try:
            newest = post_ids(self.rest_json(response))
        except RestRefused as refused:
            self.fail(response.url, "total", f"total: {refused}", response=response)
            total, newest = None, set()
        if when == "end":
            self.deletion_sweep.total_end = total
            return
        known = self.state.live_post_ids | self.rest_ids
        if total is not None and total == len(known) and newest <= known:
            return  # unchanged: nothing added that the listing missed, nothing gone
        self.id_sweep = Sweep(total_start=total)

    def total_failed(self, failure: Failure):
        self.failed(failure, "total")
        if failure.request.cb_kwargs["when"] == "start":
            self.id_sweep = Sweep()  # unknown: sweep, to archive what is missing; delete nothing

    def ids_request(self, page: int) -> scrapy.Request:
        query = {"per_page": self.per_page, "page": page, "_fields": "id", "orderby": "id"}
        return scrapy.Request(
            self.rest_url(**query, order="asc"),
            callback=self.parse_ids,
            errback=self.ids_failed,
            cb_kwargs={"page": page},
        )

    def parse_ids(self, response: Response, page: int):
        sweep = self.id_sweep
        try:
            posts = self.rest_json(response)
        except RestRefused as refused:
            if sweep.pages is None and response.status == 400 and page > 1:
                return  # walked past the last page
            sweep.pages_failed.add(page)
            self.fail(response.url, "ids", f"id page {page}: {refused}", response=response)
            return
        if page == 1:
            yield from self.schedule_pages(response, sweep, self.ids_request)
        fresh = post_ids(posts) - sweep.ids
        self.note_page(sweep, page, response, posts)
        if sweep.pages is None and len(posts) == self.per_page and fresh and page < self.max_pages:
            yield self.ids_request(page + 1)

    def ids_failed(self, failure: Failure):
        self.failed(failure, "ids")
        self.id_sweep.pages_failed.add(failure.request.cb_kwargs["page"])

    def lookup_request(self, ids: list[int]) -> scrapy.Request:
        self.lookups_pending += 1
        self.lookup.asked |= set(ids)
        query = {"include": ",".join(map(str, ids)), "per_page": self.per_page, "_embed": EMBED}
        return scrapy.Request(
            self.rest_url(**query),
            callback=self.parse_lookup,
            errback=self.lookup_failed,
            cb_kwargs={"ids": ids},
        )

    def parse_lookup(self, response: Response, ids: list[int]):
        """Posts asked for by id: archived when they come back; evidence when they do not."""
        try:
            posts = self.rest_json(response)
        except RestRefused as refused:
            self.lookup.failed |= set(ids)  # never evidence of a deletion, even if read below
            self.fail(response.url, "lookup", f"lookup: {refused}", response=response)
            if response.status >= 500:
                yield from self.split(ids, str(refused), response)
        else:
            self.lookup.found |= post_ids(posts)
            if response.meta.get("capture_id"):
                self.lookup.capture_ids.append(response.meta["capture_id"])
            yield from self.read_posts(posts, response)
        self.lookup_done()

    def lookup_failed(self, failure: Failure):
        self.failed(failure, "lookup")
        self.lookup.failed |= set(failure.request.cb_kwargs["ids"])
        self.lookup_done()

    def lookup_done(self) -> None:
        """Once every lookup answered: the posts the REST API says are gone, each to be asked
        for at its own URL (``recheck_step``). The API alone is not enough: a plugin that
        filters its queries lists nothing, completely, while every page is there."""
        self.lookups_pending -= 1
        if self.lookups_pending or self.deletion_sweep is None:
            return
        evidence = absent_from_listing(self.state.live_posts, self.deletion_sweep, self.lookup)
        for post_id, proof in sorted(evidence.items()):
            self.rest_absent[self.state.live_posts[post_id]] = (post_id, proof)

    # A page of posts the server cannot answer (a 5xx; WordPress fails a whole page for one
    # post it cannot render, such as one with megabytes of inline image) is read again in
    # halves, down to single posts; a post REST never gives is read from its HTML page. One bad
    # post does not take the others of its page with it, run after run.

    def page_ids_request(self, page: int, reason: str, failed: str) -> scrapy.Request:
        return scrapy.Request(
            self.rest_url(**self.listing_query(page), _fields="id,link"),
            callback=self.parse_page_ids,
            errback=self.failed,
            cb_kwargs={"page": page, "reason": reason, "failed": failed},
        )

    def parse_page_ids(self, response: Response, page: int, reason: str, failed: str):
        """The failed page's posts, listed without their content: the page is listed after
        all (its failure withdrawn), and each post is read below or fails on its own."""
        try:
            posts = self.rest_json(response)
        except RestRefused as refused:
            self.fail(response.url, "rest", f"ids of REST page {page}: {refused}", response)
            return
        ids = sorted(post_ids(posts))
        self.listing.pages_failed.discard(page)
        self.note_page(self.listing, page, response, posts)
        self.rest_ids |= set(ids)  # listed, so not gone
        self.failures = [f for f in self.failures if (f["url"], f["kind"]) != (failed, "rest")]
        self.second_tries.pop((failed, "rest"), None)
        self.count("rest_pages_read_again")
        walking = self.listing.pages is None and len(posts) == self.per_page
        if walking and page < self.max_pages:  # the walk goes on past the page
            yield self.rest_request(page + 1)
        for post in posts:
            if isinstance(post.get("link"), str):
                self.links[post["id"]] = canonical_url(post["link"], self.site)
        yield from self.split(ids, reason, response)

    def posts_request(self, ids: list[int], reason: str) -> scrapy.Request:
        query = {"include": ",".join(map(str, ids)), "per_page": len(ids), "_embed": EMBED}
        return scrapy.Request(
            self.rest_url(**query),
            callback=self.parse_posts,
            errback=self.failed,
            cb_kwargs={"ids": ids, "reason": reason},
        )

    def parse_posts(self, response: Response, ids: list[int], reason: str):
        try:
            posts = self.rest_json(response)
        except RestRefused as refused:
            if response.status >= 500:
                yield from self.split(ids, str(refused), response)
            else:
                self.fail(response.url, "rest", f"posts {ids[0]}-{ids[-1]}: {refused}", response)
            return
        yield from self.read_posts(posts, response)

    def parse_link(self, response: Response, post_id: int, reason: str):
        try:
            posts = self.rest_json(response)
        except RestRefused:
            posts = []
        for post in posts:
            if post.get("id") == post_id and isinstance(post.get("link"), str):
                self.links[post_id] = canonical_url(post["link"], self.site)
        yield from self.split([post_id], reason, response)

    def split(self, ids: list[int], reason: str, response: Response):
        """``ids``, which the server failed to answer together, asked for in two halves; one
        post alone is read from its HTML page (a failure only if that fails or is unknown)."""
        if len(ids) > 1:
            half = (len(ids) + 1) // 2
            yield from (self.posts_request(part, reason) for part in (ids[:half], ids[half:]))
            return
        (post_id,) = ids
        url = self.links.get(post_id) or self.state.live_posts.get(post_id)
        if url is None and post_id not in self.links:  # asked by id alone: learn its page
            self.links[post_id] = None
            yield scrapy.Request(
                self.rest_url(include=post_id, _fields="id,link"),
                callback=self.parse_link,
                errback=self.failed,
                cb_kwargs={"post_id": post_id, "reason": reason},
            )
            return
        if url is None:
            why = f"post {post_id}: {reason}; its page is unknown"
            self.fail(response.url, "rest-post", why, response, post_id=post_id)
            return
        self.count("rest_unreadable")
        self.logger.warning("REST cannot give post %s (%s): read from %s", post_id, reason, url)
        yield self.article_request(url)

    # Steps that start when everything before them is done

    def idle(self):
        for step in self.STEPS:
            if step not in self.steps_done:
                self.steps_done.add(step)
                requests = list(getattr(self, step)())
                for request in requests:
                    self.crawler.engine.crawl(request)
                if requests:
                    raise DontCloseSpider

    STEPS = (
        "discovery_step",
        "total_step",
        "id_sweep_step",
        "end_total_step",
        "lookup_step",
        "listing_step",
        "coverage_step",
        "probe_step",
        "recheck_step",
        "second_try_step",
    )

    def discovery_step(self):
        """After a move, discovery starts once the old addresses have been followed."""
        if self.old_urls:
            yield self.rest_request(1)

    def total_step(self):
        """REST: the total at the start of an incremental run, at the end of a full listing."""
        if self.mode == "rest" and self.incremental:
            yield self.total_request("start")
        elif self.mode == "rest" and self.state.live_posts and not self.listing.pages_failed:
            yield self.total_request("end")

    def id_sweep_step(self):
        if self.mode == "rest" and self.id_sweep is not None:
            yield self.ids_request(1)

    def end_total_step(self):
        if self.mode == "rest" and self.id_sweep is not None:
            yield self.total_request("end")

    def lookup_step(self):
        """Ask by id for the posts a sweep found missing or absent, and for those that failed."""
        if self.mode != "rest":
            return
        wanted = set(self.state.retry_post_ids) - self.rest_ids
        if self.id_sweep is not None:
            wanted |= self.id_sweep.ids - self.state.live_post_ids - self.rest_ids
        if self.deletion_sweep is not None:
            wanted |= candidates(self.state.live_posts, self.deletion_sweep)
        ordered = sorted(wanted)
        for start in range(0, len(ordered), self.per_page):
            yield self.lookup_request(ordered[start : start + self.per_page])

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

    def sitemap_request(self, url: str, indexed: bool = False) -> scrapy.Request:
        if indexed:
            self.sitemaps["indexed"].add(url)
        return scrapy.Request(
            url,
            callback=self.parse_sitemap,
            errback=self.sitemap_failed,
            cb_kwargs={"indexed": indexed},
        )

    def parse_robots(self, response: Response):
        if response.status == 200:
            for url in sitemap_urls_from_robots(response.text, base_url=self.site):
                yield self.sitemap_request(url)

    def parse_sitemap(self, response: Response, indexed: bool = False):
        """A sitemap index or URL set. One named by an index must be read, or it is a failure."""
        try:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
            page = SitemapPage(response.url, response.body, self.site)
            sitemaps, urls = page.sitemaps, page.urls
            if indexed and page.type != "urlset":
                raise ValueError("not a sitemap URL set")
        except Exception as error:
            if indexed:
                self.sitemaps["failed"].add(response.url)
            if indexed or response.status not in GONE_STATUSES:  # a 404: no sitemap there
                self.fail(response.url, "sitemap", reason_of(error), response)
            return
        if indexed:
            self.sitemaps["read"].add(response.url)
        for url in sitemaps:
            yield self.sitemap_request(url, indexed=True)
        since = site_time(self.state.last_run_at)
        changed = {url for url, lastmod in page.lastmod.items() if since and newer(lastmod, since)}
        yield from self.found(urls, "sitemap", changed)

    def sitemap_failed(self, failure: Failure):
        if failure.request.cb_kwargs.get("indexed"):
            self.sitemaps["failed"].add(failure.request.url)
        self.failed(failure, "sitemap")

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

    def sitemaps_complete(self) -> bool:
        """Every post sitemap an index named was read: absence from them means something."""
        done = self.sitemaps
        return bool(done["indexed"]) and done["read"] == done["indexed"] and not done["failed"]

    def listing_step(self):
        """When sitemaps found no post, the listing pages are the last resort (a feed's few
        newest posts do not switch them off): a WordPress site's ``/page/N/``, any other site's
        pages crawled from its home page."""
        if self.mode == "html" and not self.seen.get("sitemap"):
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
        try:
            page = ListingPage(response.url, response.body, self.site)
            links = page.links
        except Exception as error:
            self.fail(response.url, "listing", reason_of(error), response)
            return
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

    def recheck_urls(self) -> set[str]:
        urls = {url for url, kind, _ in self.state.retry if kind == "article"}
        urls |= set(self.state.unconfirmed) | self.recheck_later | set(self.rest_absent)
        if self.mode == "html":
            listed = set().union(*self.seen.values()) if self.seen else set()
            urls |= self.state.live_urls - listed
            if self.incremental:  # a full run fetched every listed URL already
                urls |= set(self.state.recent_urls)
        return urls

    def probe_step(self):
        """Before any archived URL is re-checked: how the site answers a URL that cannot exist."""
        if self.recheck_urls():
            yield scrapy.Request(
                f"{self.site}/ham-archive-probe-{secrets.token_hex(8)}/",
                callback=self.parse_probe,
                errback=self.failed,
                dont_filter=True,
            )

    def parse_probe(self, response: Response):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        fingerprint = not_found_fingerprint(content_type, response.body)
        self.probe = Answer(response.status, fingerprint, response.meta.get("capture_id"))

    def recheck_step(self):
        """Re-fetch the newest articles (edits), the URLs no longer listed, and past failures."""
        for url in sorted(self.recheck_urls()):
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                dont_filter=url in self.recheck_later,  # asked before, answered before the probe
            )

    def second_try_step(self):
        """What failed this run is asked for once more, last: a block page or a redirect that
        was passing costs a day's wait otherwise. Its failure stands only if it fails again."""
        tries, self.second_tries = self.second_tries, {}
        self.failures = [f for f in self.failures if (f["url"], f["kind"]) not in tries]
        for (url, _), request in sorted(tries.items()):
            yield request.replace(url=url, dont_filter=True, meta={"second_try": True})

    def listing_request(self, url: str, number: int) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_listing, errback=self.failed, cb_kwargs={"number": number}
        )

    def parse_listing(self, response: Response, number: int):
        if response.status != 200:
            if number == 1 or response.status not in GONE_STATUSES:
                self.fail(response.url, "listing", f"HTTP {response.status}", response)
            return  # a 404 past the last page ends the walk
        try:
            content_type = response.headers.get("Content-Type")
            page = ListingPage(response.url, response.body, self.site, content_type=content_type)
            urls, next_page = page.urls, page.next_page
        except Exception as error:
            self.fail(response.url, "listing", reason_of(error), response)
            return
        fresh = [url for url in urls if url not in self.seen.get("listing", set())]
        new = [url for url in fresh if url not in self.state.live_urls]
        yield from self.found(urls, "listing")
        more = new or (fresh and not self.incremental)
        if more and number < self.max_pages:
            yield self.listing_request(next_page or f"{self.site}/page/{number + 1}/", number + 1)

    def found(self, urls: list[str], source: str, changed: set[str] = frozenset()):
        """URLs of posts from a sitemap or a listing: fetch the new ones (all, when full), and
        those a sitemap's ``lastmod`` says changed since the last run."""
        if not urls:
            return
        known = self.seen.get("rest", set()) | self.withheld  # read, or behind a password
        if self.incremental:
            known |= self.state.live_urls
        self.seen.setdefault(source, set()).update(urls)
        for url in urls:
            if url not in known or url in changed:
                yield self.article_request(url)

    def article_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed)

    def parse_article(self, response: Response, quiet: bool = False):
        """``quiet``: a page of the bounded crawl, where a page that is no article is normal."""
        if response.status in GONE_STATUSES:  # the URL asked for, before any redirect
            yield from self.not_found(asked_url(response), response)
            return
        if response.status != 200:
            self.fail(response.url, "article", f"HTTP {response.status}", response)
            return
        try:
            content_type = response.headers.get("Content-Type")
            article = read_article(response.url, response.body, self.site, content_type)
        except Withheld as error:
            self.withhold(response.url, error)
            return
        except NotAnArticle as error:
            if not quiet:  # a page listed as a post that is none (a block page): a failure
                self.fail(response.url, "article", reason_of(error), response)
            return
        except Exception as error:  # Unreadable, or anything else: this page only
            self.crawler.stats.inc_value("extractor/unread")
            self.first_failure = self.first_failure or str(error)
            self.fail(response.url, "article", reason_of(error), response, again=False)
            return
        yield self.stamp(article, response)
        asked = asked_url(response)
        if asked in self.rest_absent and response.meta.get("redirect_urls"):
            post_id, absent = self.rest_absent[asked]
            served = Answer(response.status, "", response.meta.get("capture_id"))
            if proof := led_elsewhere(absent, post_id, article.post_id, served):
                yield Gone(url=asked, reason=proof.reasons[0], evidence=proof.as_json())

    def not_found(self, url: str, response: Response):
        """A 404/410: a deletion only with evidence (scraper.deletion), recorded otherwise."""
        if url not in self.state.live_urls:
            self.fail(url, "article", f"HTTP {response.status}", response)
            return
        if self.probe is None and "probe_step" not in self.steps_done:
            self.recheck_later.add(url)  # decided once the probe has answered
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        answer = Answer(
            response.status,
            not_found_fingerprint(content_type, response.body),
            response.meta.get("capture_id"),
        )
        listed = set().union(*self.seen.values()) if self.seen else set()
        proof = gone_by_answer(
            answer,
            self.probe,
            unlisted=self.sitemaps_complete() and url not in listed,
            earlier=Answer(404, "", self.state.unconfirmed[url])
            if url in self.state.unconfirmed
            else None,
            absent=self.rest_absent[url][1] if url in self.rest_absent else None,
        )
        if proof is not None:
            yield Gone(url=url, reason=proof.reasons[0], evidence=proof.as_json())
        elif is_site_not_found(answer, self.probe):
            self.note(url, "unconfirmed-gone", f"HTTP {response.status}, one signal", response)
        else:
            reason = f"HTTP {response.status}, unlike the site's own not-found page"
            self.fail(url, "article", reason, response)

    def article_failed(self, failure: Failure):
        self.failed(failure, "article")

    def stamp(self, article: Article, response: Response) -> Article:
        article.capture_id = response.meta.get("capture_id")
        article.site = self.site
        redirected = [canonical_url(u, self.site) for u in response.meta.get("redirect_urls", [])]
        article.aliases = [u for u in dict.fromkeys(redirected) if u != article.url]
        return article

    # Failures and reports

    def failed(self, failure: Failure, kind: str = "request"):
        """An errback: the request failed after its retries (or was refused, e.g. offsite)."""
        url = asked_url(failure.request)
        reason = failure.getErrorMessage() or failure.type.__name__
        self.first_failure = self.first_failure or reason
        self.fail(url, kind, f"{failure.type.__name__}: {reason}"[:500], request=failure.request)

    def fail(
        self,
        url: str,
        kind: str,
        reason: str,
        response: Response | None = None,
        post_id: int | None = None,
        request: scrapy.Request | None = None,
        again: bool = True,
    ) -> None:
        """Count and keep one failure: the run is partial, the next run retries it. ``again``:
        worth a second try in this run (not for a page the page object could not read)."""
        self.note(url, kind, reason, response, post_id)
        request = request or (response.request if response is not None else None)
        if again and kind in SECOND_TRIES and request and not request.meta.get("second_try"):
            self.second_tries[url, kind] = request
        self.count("failed")
        self.logger.warning("%s failed (%s): %s", url, kind, reason)

    def note(self, url, kind, reason, response=None, post_id=None) -> None:
        capture_id = response.meta.get("capture_id") if response is not None else None
        failure = {"url": url, "kind": kind, "reason": reason, "post_id": post_id}
        self.failures.append({**failure, "capture_id": capture_id})

    def spider_error(self, failure: Failure, response: Response, spider=None) -> None:
        self.fail(response.url, "spider", reason_of(failure.value), response)

    def item_error(self, item, response, spider=None, failure: Failure | None = None) -> None:
        url = getattr(item, "url", None) or (response.url if response is not None else "")
        self.fail(url, "item", reason_of(failure.value) if failure else "item error", response)

    def withhold(self, url: str, why: Withheld) -> None:
        """A post behind a password: no failure, no change; its archived row stays as it was
        last public, and the run lists it (``coverage``)."""
        self.withheld.add(canonical_url(url, self.site))
        self.crawler.stats.set_value("ham/withheld", len(self.withheld))
        self.logger.info("%s", why)

    def count(self, what: str) -> None:
        self.crawler.stats.inc_value(f"ham/{what}")

    def failure_count(self) -> int:
        return sum(failure["kind"] != "unconfirmed-gone" for failure in self.failures)

    def listing_complete(self) -> bool:
        """The REST listing of this run was read to its end: the watermark may move on."""
        return self.mode == "rest" and not self.listing.pages_failed

    def coverage(self) -> dict:
        """How many post URLs each source gave, and what one had that another lacked."""
        report = {source: len(urls) for source, urls in self.seen.items()}
        if "rest" in self.seen and "sitemap" in self.seen:
            report["only_rest"] = sorted(self.seen["rest"] - self.seen["sitemap"])[:50]
            report["only_sitemap"] = sorted(self.seen["sitemap"] - self.seen["rest"])[:50]
        if self.withheld:
            report["withheld"] = sorted(self.withheld)[:50]
        if self.rest_absent:  # the gone ones are in articles.deleted_at; the others answered
            report["absent_from_rest"] = sorted(self.rest_absent)[:50]
        if self.deletion_sweep is not None and self.state.live_posts:
            report["deletion_sweep"] = self.deletion_sweep.incomplete() or "complete"
        return report
