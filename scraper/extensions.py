"""A progress line on stderr every PROGRESS_INTERVAL seconds, readable at a glance."""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


def progress_line(stats: dict) -> str:
    """``fetched 120 pages · 100 articles (98 added, 2 changed, 0 unchanged) · 0 failed``."""
    saved = {k: stats.get(f"archive/{k}", 0) for k in ("added", "changed", "unchanged")}
    return (
        f"fetched {stats.get('response_received_count', 0)} pages · "
        f"{sum(saved.values())} articles ({saved['added']} added, {saved['changed']} changed, "
        f"{saved['unchanged']} unchanged) · {stats.get('archive/deleted', 0)} gone · "
        f"{stats.get('ham/failed', 0)} failed"
    )


class Progress:
    def __init__(self, stats, interval: float):
        self.stats = stats
        self.interval = interval
        self.loop = task.LoopingCall(self.report)

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if not interval:
            raise NotConfigured
        extension = cls(crawler.stats, interval)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider) -> None:
        self.loop.start(self.interval, now=False)

    def closed(self, spider, reason) -> None:
        if self.loop.running:
            self.loop.stop()

    def report(self) -> None:
        print(f"  … {progress_line(self.stats.get_stats())}", file=sys.stderr, flush=True)
