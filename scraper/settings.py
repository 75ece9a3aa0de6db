"""Polite defaults for crawling a government site that we want to keep online."""

BOT_NAME = "ham-archive"
SPIDER_MODULES = ["scraper.spiders"]
NEWSPIDER_MODULE = "scraper.spiders"

# Names the project and where to learn about it; operators may add a contact address.
USER_AGENT = "ham-archive/0.1 (+https://github.com/ham-archive/ham-archive)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

ITEM_PIPELINES = {"scraper.pipelines.ArchivePipeline": 300}
EXTENSIONS = {"scraper.extensions.Progress": 500}

# Where the archive lives (``ham-archive crawl --db`` or ``scrapy crawl ham -s ARCHIVE_DB=...``).
ARCHIVE_DB = "archive.db"
# Seconds between progress lines on stderr; 0 turns them off.
PROGRESS_INTERVAL = 10
