"""Retries that wait (exponential backoff, the server's own Retry-After on 429 and 503), a
guard that keeps every request on the configured site, and redirects that are archived."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.response import response_status_message


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX")

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        attempt = request.meta.get("retry_times", 0)
        delay = self.base * 2**attempt
        if response.status in (429, 503):
            delay = retry_after_seconds(response.headers.get("Retry-After")) or delay
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(min(delay, self.cap))
        return retry


class SiteOnlyMiddleware:
    """The crawler never leaves the configured site: every request to another host is refused,
    redirects and ``dont_filter`` requests included (Scrapy's offsite filter lets those pass).
    Only the home page's own redirects (``allow_offsite``, not followed automatically) may look
    elsewhere, to see whether the whole site moved (the spider then allows that host alone)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        hosts = getattr(self.crawler.spider, "allowed_domains", None) or []
        host = urlsplit(request.url).hostname
        if request.meta.get("allow_offsite"):  # the home page's hops, to learn of a site move
            return None
        if hosts and host not in hosts:
            raise IgnoreRequest(f"offsite, refused: {request.url}"[:300])
        return None


class ArchivedRedirects:
    """For Scrapy's redirect middlewares: an answer that redirects (a 3xx, a ``<meta
    refresh>``) is what the site said too, so it is archived, as every answer the spider
    reads, before the page it leads to. The answer reaches the engine only when it is not
    followed; when it is, ``response_received`` is sent for it here (the pipeline captures it:
    a WARC record, a captures row; a reparse reads the redirect back from it)."""

    def process_response(self, request, response, spider=None):
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:  # past REDIRECT_MAX_TIMES: still an answer of the site
            self.archive(request, response)
            raise
        if isinstance(result, Request):
            self.archive(request, response)
        return result

    def archive(self, request, response) -> None:
        self.crawler.signals.send_catch_log(
            signals.response_received,
            response=response,
            request=request,
            spider=self.crawler.spider,
        )


class ArchivedRedirectMiddleware(ArchivedRedirects, RedirectMiddleware):
    pass


class ArchivedMetaRefreshMiddleware(ArchivedRedirects, MetaRefreshMiddleware):
    pass
