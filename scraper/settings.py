"""Polite defaults for crawling a government site that we want to keep online."""

from scrapy.settings import default_settings

BOT_NAME = "ham-archive"
COMMANDS_MODULE = "scraper.commands"  # `scrapy crawl` takes the archive's lock first
SPIDER_MODULES = ["scraper.spiders"]
NEWSPIDER_MODULE = "scraper.spiders"

# Names the project and where to learn about it; operators may add a contact address.
USER_AGENT = "ham-archive/0.1 (+https://github.com/ham-archive/ham-archive)"
ROBOTSTXT_OBEY = True

# At most two requests in flight to a site, robots.txt alone first; the next request goes as
# soon as one of the two is answered, so a slow site is asked no faster than it answers.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy 2.19 keeps to that limit only while a download delay is set: without one, its
# downloader starts every queued request of a site at once (it counts a request as in flight
# when the request's task runs, after it has started them all). A millisecond makes it count;
# tests/test_faults.py checks that no more than two are ever in flight.
DOWNLOAD_DELAY = 0.001
DOWNLOAD_DELAY_JITTER = 0  # exactly the delay (Scrapy 2.19; RANDOMIZE_DOWNLOAD_DELAY before it)
# AutoThrottle spaced requests by half the site's latency: with two in flight at most, no wider
# on average, but its jitter left the site without a request for part of the crawl (about a
# tenth of a 1,000-post REST crawl, docs/benchmarks.md).
AUTOTHROTTLE_ENABLED = False
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# Exponential backoff between retries, and the server's Retry-After when it sends one.
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 120.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.middlewares.BackoffRetryMiddleware": 550,
    # Ours refuses offsite requests with an error the run records; Scrapy's drops them unsaid.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scraper.middlewares.SiteOnlyMiddleware": 40,  # before robots.txt is asked of another host
    # Redirects are archived too, decoded: after HttpCompressionMiddleware (590), not before.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "scraper.middlewares.ArchivedRedirectMiddleware": 585,
    "scraper.middlewares.ArchivedMetaRefreshMiddleware": 580,
}

COOKIES_ENABLED = False
# Nor is its middleware loaded (it imports tldextract and requests: 0.03 s of every start). Scrapy
# imports every middleware its settings name, even one set to None, so it leaves the base list.
DOWNLOADER_MIDDLEWARES_BASE = {
    name: order
    for name, order in default_settings.DOWNLOADER_MIDDLEWARES_BASE.items()
    if name.rpartition(".")[2] != "CookiesMiddleware"
}
# No console into a running crawl: Scrapy's telnet one, nor its HTTP one (2.19, on by default),
# which runs Python sent to it and leaves a job file in the user's home. Their modules are not
# even loaded (Scrapy imports every extension it lists, and the HTTP one imports aiohttp: 0.07 s
# of every start), nor the s3 and ftp download handlers.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
EXTENSIONS_BASE = {
    name: order
    for name, order in default_settings.EXTENSIONS_BASE.items()
    if name.rpartition(".")[2] not in ("TelnetConsole", "RemoteControl")
}
DOWNLOAD_HANDLERS = {"s3": None, "ftp": None}
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

ITEM_PIPELINES = {"scraper.pipelines.ArchivePipeline": 300}
EXTENSIONS = {"scraper.extensions.Progress": 500, "scraper.extensions.FreezeStartup": 510}

# The sites ``ham-archive crawl`` archives when no --site is given: the ministry's press sites
# (docs/sources.md). ham.go.id may redirect to kemenham.go.id: a site that moves into another
# one of the list is crawled once.
SITES = ["https://ham.go.id", "https://kemenham.go.id", "https://portal.ham.go.id"]

# Where the archive lives (``ham-archive crawl --db`` or ``scrapy crawl ham -s ARCHIVE_DB=...``).
ARCHIVE_DB = "archive.db"
# Raw captures (WARC files); by default ``warc/`` beside the database.
WARC_DIR = None
# ``-a full=1`` (``ham-archive crawl --full``) re-checks everything instead of what changed.
FULL_CRAWL = False
# Incremental HTML-mode runs re-fetch this many of the newest articles to catch edits.
RECHECK_RECENT = 20
# Seconds between progress lines on stderr; 0 turns them off.
PROGRESS_INTERVAL = 10
# Posts per REST request (WordPress allows at most 100).
REST_PER_PAGE = 100
# A listing (REST pages, /page/N/) is never walked further than this, whatever it claims.
LISTING_MAX_PAGES = 10000
# Memory stays bounded: a response over DOWNLOAD_MAXSIZE is dropped and recorded as a failure.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# A site with no REST API, sitemap, feed or WordPress listing is crawled from its home page,
# following its own links (menus, listings, pagination) up to this many pages (docs/sources.md).
SITE_CRAWL_MAX_PAGES = 5000
