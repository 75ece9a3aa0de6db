"""Web archives that speak the Wayback Machine's two interfaces: the CDX API (which captures
exist) and ``id_`` replay (a capture's original bytes). Pure: CDX text in, typed records out,
and the policies that choose which captures a backfill fetches. No network, no database.

A CDX server answers one capture a line, in one of three forms, all read here:
- the Internet Archive's default: ``urlkey timestamp original mimetype statuscode digest length``,
  space-separated, ``-`` for a value the archive does not have (a revisit has no status; some
  records have no length);
- CDX 11 (OpenWayback, pywb over ``.cdx`` indexes): the same with ``redirect robotflags`` before
  the length and ``offset filename`` after it;
- CDXJ (pywb's default): ``urlkey timestamp {json}``, the JSON naming ``url``, ``mime``,
  ``status``, ``digest``, ``length``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

INTERNET_ARCHIVE_CDX = "https://web.archive.org/cdx/search/cdx"
INTERNET_ARCHIVE_WAYBACK = "https://web.archive.org/web/"
FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
HTML_TYPES = ("text/html",)
MEMENTO_TIMESTAMP = re.compile(r"/(\d{14})(?:[a-z]{2}_)?/")

# Paths that are never an article: WordPress internals, feeds, listings, assets.
NOT_ARTICLE_PATH = re.compile(
    r"/(wp-admin|wp-includes|wp-content|wp-json|feed|comments/feed|trackback|xmlrpc\.php"
    r"|wp-login\.php|wp-cron\.php|category|tag|author|search|page/\d+)(/|$)"
    r"|^/\d{4}(/\d{2}(/\d{2})?)?/?$"  # date archives: /2022/, /2022/09/, /2022/09/14/
    r"|\.(css|js|json|xml|txt|ico|png|jpe?g|gif|webp|svg|bmp|tiff?|pdf|docx?|xlsx?|pptx?|zip"
    r"|rar|mp3|mp4|m4a|wav|avi|mov|woff2?|ttf|eot)$",
    re.IGNORECASE,
)
NOISE_QUERY = {"s", "replytocom", "share", "amp", "print", "fbclid", "gclid", "preview"}


class CdxRecord(NamedTuple):
    """One capture, as a CDX server lists it."""

    urlkey: str  # the archive's canonical key (SURT): http/https and www. fold into one
    timestamp: datetime  # when the archive captured it, UTC
    original: str  # the URL it captured
    mimetype: str  # the Content-Type's media type; "warc/revisit" for a revisit record
    statuscode: int | None  # None for a revisit record
    digest: str  # the payload digest (SHA-1, base 32)
    length: int | None  # the record's compressed length; None when the archive does not say

    @property
    def stamp(self) -> str:
        """The 14-digit timestamp of memento URLs."""
        return self.timestamp.strftime("%Y%m%d%H%M%S")

    def memento_url(self, prefix: str) -> str:
        """Where the original bytes are: ``<prefix><timestamp>id_/<original>``."""
        return f"{prefix.rstrip('/')}/{self.stamp}id_/{self.original}"


class MalformedCdx(ValueError):
    """A CDX line that does not have the seven fields, or a field that does not parse."""


def parse_cdx_line(line: str) -> CdxRecord:
    fields = line.split(" ", 2)
    if len(fields) == 3 and fields[2].startswith("{"):
        try:
            data = json.loads(fields[2])
        except ValueError:
            raise MalformedCdx(f"CDXJ whose JSON does not parse: {line[:200]!r}") from None
        if not isinstance(data, dict):
            raise MalformedCdx(f"CDXJ whose JSON is not an object: {line[:200]!r}")
        names = ("url", "mime", "status", "digest", "length")
        fields = fields[:2] + [str(data.get(name, "-")).strip() or "-" for name in names]
        if any(" " in value for value in fields):
            raise MalformedCdx(f"CDXJ with a space in a value: {line[:200]!r}")
    else:
        fields = line.split()
        if len(fields) == 11:  # CDX 11: drop redirect, robotflags, offset and filename
            fields = fields[:6] + fields[8:9]
        if len(fields) != len(FIELDS):
            raise MalformedCdx(f"{len(fields)} fields, not {len(FIELDS)} or 11: {line[:200]!r}")
    urlkey, stamp, original, mimetype, status, digest, length = fields
    if not re.fullmatch(r"\d{14}", stamp):
        raise MalformedCdx(f"timestamp {stamp!r} is not 14 digits")
    try:
        timestamp = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise MalformedCdx(f"timestamp {stamp!r} is not a date") from None
    if urlsplit(original).scheme not in ("http", "https"):
        raise MalformedCdx(f"original {original[:200]!r} is not an http(s) URL")
    for name, value in (("statuscode", status), ("length", length)):
        if value != "-" and not value.isdigit():
            raise MalformedCdx(f"{name} {value!r} is not a number")
    return CdxRecord(
        urlkey=urlkey,
        timestamp=timestamp,
        original=original,
        mimetype=mimetype.lower(),
        statuscode=None if status == "-" else int(status),
        digest=digest,
        length=None if length == "-" else int(length),
    )


def parse_cdx(text: str) -> tuple[list[CdxRecord], list[str]]:
    """Records, and the lines that are not records (reported, never guessed at)."""
    records, malformed = [], []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            records.append(parse_cdx_line(line))
        except MalformedCdx as error:
            malformed.append(f"{error}")
    return records, malformed


def cdx_query(cdx: str, site: str, year_from: int | None, year_to: int | None) -> str:
    """The CDX request for every capture of the site's URL space (the host and its paths).

    The filters narrow what the server sends (the Internet Archive reads them as regular
    expressions, pywb as substrings); ``worth_fetching`` applies them again, exactly."""
    parts = urlsplit(site)
    params = [
        ("url", f"{parts.netloc}{parts.path.rstrip('/')}/*"),
        ("filter", "statuscode:200"),
        ("filter", "mimetype:text/html"),
    ]
    if year_from:
        params.append(("from", str(year_from)))
    if year_to:
        params.append(("to", str(year_to)))
    return f"{cdx}?{urlencode(params)}"


def worth_fetching(record: CdxRecord, year_from: int | None, year_to: int | None) -> bool:
    """A capture that may hold an article: HTML, status 200, not a listing, feed or asset."""
    if record.statuscode != 200 or record.mimetype not in HTML_TYPES:
        return False
    if year_from and record.timestamp.year < year_from:
        return False
    if year_to and record.timestamp.year > year_to:
        return False
    parts = urlsplit(record.original)
    if NOT_ARTICLE_PATH.search(parts.path or "/"):
        return False
    return not {key.lower() for key, _ in parse_qsl(parts.query)} & NOISE_QUERY


def distinct_captures(records: Iterable[CdxRecord]) -> list[list[CdxRecord]]:
    """Captures grouped so that each group is one state of one URL: consecutive captures of a
    urlkey with the same digest collapse into the first. Groups come in capture order, so that
    an article's states reach the archive in the order the web archive saw them."""
    groups: list[list[CdxRecord]] = []
    last: dict[str, list[CdxRecord]] = {}
    for record in sorted(records, key=lambda r: (r.urlkey, r.timestamp, r.original)):
        group = last.get(record.urlkey)
        if group and group[-1].digest == record.digest:
            group.append(record)
        else:
            last[record.urlkey] = [record]
            groups.append(last[record.urlkey])
    return sorted(groups, key=lambda group: (group[0].timestamp, group[0].urlkey))


def memento_time(url: str, fallback: datetime) -> datetime:
    """The capture time a memento URL names (after an archive's redirect to a nearby one)."""
    found = MEMENTO_TIMESTAMP.search(url)
    if not found:
        return fallback
    return datetime.strptime(found.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
