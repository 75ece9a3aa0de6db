"""The only module that knows the schema: tables, upserts, versions, runs, full-text search.

Schema versions: ``PRAGMA user_version`` is the number of MIGRATIONS an archive has been through.
Opening an archive for writing creates what the constants below describe and is missing (tables,
columns, indexes, views: ``create_schema``, idempotent), then runs the migrations it lacks, in
order, in one transaction with the new version number; a newer archive is refused. To change the
schema: edit the constants (and metadata.yml), and append a migration ``_vN_what(db)``: the data
changes create_schema cannot make (backfills, moves), or just a docstring, so that older releases
refuse an archive they would misread. tests/test_schema.py upgrades an archive of release 3398273.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils
from sqlite_utils.db import jsonify_if_needed

from scraper.captures import Capture, Original
from scraper.items import Article
from scraper.pages.html import reads_as
from scraper.search import create_stemmed_index, index_article
from scraper.text import SITE_TZ

SQLITE_HEADER = b"SQLite format 3\x00"

ARTICLE_COLUMNS = {
    "url": str,
    "post_id": int,
    "slug": str,
    "title": str,
    "published_at": str,
    "modified_at": str,
    "year": int,
    "author": str,
    "categories": str,
    "tags": str,
    "body_text": str,
    "body_html": str,
    "word_count": int,
    "featured_image": str,
    "dateline_city": str,
    "event_date": str,
    "event_date_end": str,
    "event_date_text": str,
    "event_date_note": str,
    "credit": str,
    "credit_text": str,
    "source_note": str,
    "language": str,
    "source": str,
    "extractor": str,
    "site": str,
    "same_as": str,
    "capture_id": int,
    "version_count": int,
    "first_seen_at": str,
    "last_seen_at": str,
    "changed_at": str,
    "deleted_at": str,
    "deletion_evidence": str,
}
# Bookkeeping columns that save() manages itself, not read from the Article.
KEPT_COLUMNS = (
    "version_count",
    "first_seen_at",
    "last_seen_at",
    "changed_at",
    "deleted_at",
    "deletion_evidence",
    "same_as",
)
# A change of any of these is an edit: the previous state goes to article_versions.
CONTENT_FIELDS = ("title", "published_at", "author", "categories", "tags", "body_text", "body_html")
BODY_FIELDS = {"body_text", "body_html"}
# Not every source carries these (an HTML page has no modified date, may lack the post id; a
# theme may show no byline, and a site that hides its users from the REST API embeds no author
# in its posts): a record without one keeps the value the archive has. A post always has an
# author in WordPress, so a missing one is unknown, not removed.
UNKNOWN_WHEN_NULL = (
    "post_id",
    "modified_at",
    "featured_image",
    "site",
    "author",
    "categories",
    "tags",
)
UNKNOWN_CONTENT = [name for name in CONTENT_FIELDS if name in UNKNOWN_WHEN_NULL]
# An article's state: every column but the bookkeeping, kept whole in each version.
STATE_COLUMNS = {k: v for k, v in ARTICLE_COLUMNS.items() if k not in KEPT_COLUMNS}
CHILD_TABLES = {
    "article_people": {"article_url": str, "name": str, "position": str},
    "article_images": {
        "article_url": str,
        "src": str,
        "alt": str,
        "caption": str,
        "is_featured": int,
    },
    "article_documents": {"article_url": str, "url": str, "link_text": str, "file_type": str},
}
# Two tables derived from each articles row by triggers, as the full-text indexes are, keyed by
# articles.rowid (an integer: a tenth of the size of a URL in each row and index entry):
# - article_facets: the short fields the site counts, one narrow row per article. A filtered
#   page's facets count these rows instead of the 8 KB article rows, whose dateline_city,
#   credit and language sit after the body, in overflow pages;
# - article_terms: the articles' JSON array columns (TERM_COLUMNS), one row per article and
#   term (kind = the column): facets and filters on them read an index, not every row's JSON.
FACET_COLUMNS = ("published_at", "year", "author", "dateline_city", "credit", "language", "site")
TERM_COLUMNS = ("categories", "tags")
_FACET_VALUES = ", ".join(f"new.[{c}]" for c in FACET_COLUMNS)
_CHANGED = " or ".join(f"old.[{c}] is not new.[{c}]" for c in FACET_COLUMNS)


def _terms(row: str = "new", tables: str = "") -> str:
    """The article_terms rows of ``row``: (rowid, kind, term); a value that is not a JSON array
    holds no terms."""
    return " union ".join(
        f"select {row}.rowid, '{kind}', value from {tables}json_each(case when not"
        f" json_valid({row}.[{kind}]) then '[]' when json_type({row}.[{kind}]) = 'array'"
        f" then {row}.[{kind}] else '[]' end)"
        for kind in TERM_COLUMNS
    )


_TERMS = _terms()
DERIVED_SQL = (  # statements, run one by one (executescript would commit a transaction)
    f"""create table if not exists article_facets (
      article_rowid integer primary key, {", ".join(f"[{c}]" for c in FACET_COLUMNS)})""",
    """create table if not exists article_terms (
      article_rowid integer not null, kind text not null, name text not null,
      primary key (kind, name, article_rowid)) without rowid""",
    "create index if not exists idx_article_terms_article_rowid on article_terms (article_rowid)",
    f"""create trigger if not exists articles_derived_insert after insert on articles begin
      insert or replace into article_facets values (new.rowid, {_FACET_VALUES});
      delete from article_terms where article_rowid = new.rowid;
      insert or ignore into article_terms {_TERMS};
    end""",
    f"""create trigger if not exists articles_derived_update after update on articles
    when {_CHANGED} begin
      insert or replace into article_facets values (new.rowid, {_FACET_VALUES});
    end""",
    f"""create trigger if not exists articles_terms_update after update of
    {", ".join(TERM_COLUMNS)} on articles
    when {" or ".join(f"old.[{k}] is not new.[{k}]" for k in TERM_COLUMNS)} begin
      delete from article_terms where article_rowid = new.rowid;
      insert or ignore into article_terms {_TERMS};
    end""",
    """create trigger if not exists articles_derived_delete after delete on articles begin
      delete from article_facets where article_rowid = old.rowid;
      delete from article_terms where article_rowid = old.rowid;
    end""",
)
CAPTURE_COLUMNS = {
    "id": int,
    "run_id": int,
    "url": str,
    "fetched_at": str,
    "status": int,
    "content_type": str,
    "sha256": str,
    "warc_file": str,
    "warc_offset": int,
    "warc_length": int,
    "warc_record_id": str,
    "payload_digest": str,
    "revisit_of": int,
    "archive": str,
    "memento_url": str,
}
VERSION_COLUMNS = {
    "id": int,
    "article_url": str,
    **STATE_COLUMNS,
    "valid_from": str,
    "valid_to": str,
}
# Every URL an article was seen at (the current one included): a post keeps one row whatever
# its URL becomes, and a lookup by any of its URLs finds it.
URL_COLUMNS = {
    "url": str,
    "article_url": str,
    "first_seen_at": str,
    "last_seen_at": str,
    "found_by": str,
}
# Tables keyed by article_url: they follow the article when its URL changes.
FOLLOWING_TABLES = (*CHILD_TABLES, "article_versions", "article_captures", "article_urls")
# Every capture a web archive listed that a backfill read (or collapsed into one it read).
MEMENTO_COLUMNS = {
    "id": int,
    "archive": str,
    "original": str,
    "timestamp": str,
    "archived_at": str,
    "urlkey": str,
    "mimetype": str,
    "statuscode": int,
    "digest": str,
    "length": int,
    "memento_url": str,
    "capture_id": int,
}
# Every capture of every article, ours and the web archives', one row each (reader: cite these).
PROVENANCE_VIEW = """
select
  article_captures.article_url,
  case when mementos.id is null then 'ours' else 'wayback' end as source,
  coalesce(mementos.archive, 'ham-archive') as archive,
  coalesce(
    mementos.archived_at,
    strftime('%Y-%m-%dT%H:%M:%S', captures.fetched_at, '+7 hours') || '+07:00'
  ) as captured_at,
  coalesce(mementos.memento_url, captures.url) as url,
  captures.id as capture_id,
  captures.status,
  captures.warc_file,
  captures.warc_offset
from article_captures
join captures on captures.id = article_captures.capture_id
left join mementos on mementos.capture_id = captures.id
"""
FAILURE_COLUMNS = {
    "id": int,
    "run_id": int,
    "url": str,
    "kind": str,
    "reason": str,
    "post_id": int,
    "capture_id": int,
}
# Failures of these kinds are fetched again by the next run; "unconfirmed-gone" is a 404 that
# waits for a second signal (scraper.deletion), not a failure.
RETRIED_KINDS = ("article", "rest-post", "unconfirmed-gone")
RUN_COLUMNS = {
    "id": int,
    "site": str,
    "started_at": str,
    "ended_at": str,
    "mode": str,
    "full": int,
    "status": str,
    "requests": int,
    "new": int,
    "updated": int,
    "unchanged": int,
    "deleted": int,
    "failed": int,
    "errors": str,
    "sources": str,
    "coverage": str,
    "max_modified_at": str,
    "watermark": str,
    "moved_to": str,
    "cms": str,
    "extractors": str,
    "site_clock_offset": float,
}
# Where each address asked for led, and what served it (one row per address and destination).
SITE_COLUMNS = {
    "address": str,
    "led_to": str,
    "first_seen_at": str,
    "last_seen_at": str,
    "cms": str,
    "redirects": str,
}
# Every person named, one row each, kept by Archive.save from article_people (refresh_people):
# a view grouping article_people took seconds to count at 100,000 articles.
PEOPLE_COLUMNS = {
    "name": str,
    "articles": int,
    "positions": str,
    "first_mentioned_at": str,
    "last_mentioned_at": str,
}
PEOPLE_SQL = """
select
  article_people.name,
  count(distinct article_people.article_url),
  group_concat(distinct article_people.position),
  min(articles.published_at),
  max(articles.published_at)
from article_people join articles on articles.url = article_people.article_url
{where} group by article_people.name
"""


class ArchiveError(Exception):
    """The archive cannot be opened or written; the message is one line for a person."""


class ArchiveLocked(ArchiveError):
    """Another process is writing the archive."""


class ArchiveUnwritable(ArchiveError):
    """The archive's storage refused a write (full, read-only, failing): no later write is tried."""


# SQLite's primary result codes that no retry of the same write fixes (sqlite3.h): the file
# system, not the row, is at fault.
SQLITE_STORAGE_CODES = {8, 10, 11, 13, 14, 26}  # READONLY IOERR CORRUPT FULL CANTOPEN NOTADB
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}


def storage_fault(error: BaseException) -> str | None:
    """Why nothing more can be written to the archive or its WARC files, if ``error`` says so
    (a full disk or quota, a read-only or failing file system, a damaged database); None when
    the error belongs to one write alone (its data, a bug), so that the writes after it may
    still succeed."""
    if isinstance(error, ArchiveUnwritable):
        return str(error)
    code = getattr(error, "sqlite_errorcode", None)
    if (
        isinstance(error, sqlite3.Error)
        and code is not None
        and (code & 0xFF) in SQLITE_STORAGE_CODES
    ):
        return str(error)
    if isinstance(error, OSError) and error.errno in STORAGE_ERRNOS:
        return error.strerror or str(error)
    return None


def now() -> str:
    return datetime.now(SITE_TZ).isoformat(timespec="seconds")


# Archives open through SQLite in this process, by resolved path. Their file is not opened
# again to read its header: closing any descriptor of a file drops every POSIX lock the process
# holds on it (SQLite's "How To Corrupt An SQLite Database File", 2.2), and a reader closing
# its connection elsewhere then takes itself for the last, checkpoints and deletes the
# write-ahead log under the writer. (The spider reads its state while the writer has the
# archive open: a crawl stopped by SIGTERM lost its last articles and its run record so.)
OPEN_HERE: Counter[str] = Counter()


def check_db_path(path: str | Path, write: bool = True) -> Path:
    """Refuse a path we must not open (or, with ``write``, write), before anything touches it;
    an archive this process has open already was checked then (``OPEN_HERE``)."""
    path = Path(path)
    where = str(path.parent)
    if not path.parent.is_dir():
        raise ArchiveError(f"directory {where!r} does not exist")
    if path.is_dir():
        raise ArchiveError(f"{str(path)!r} is a directory, not a database file")
    if path.exists() and path.stat().st_size and not OPEN_HERE[str(path.resolve())]:
        with path.open("rb") as file:
            header = file.read(100)
        if not header.startswith(SQLITE_HEADER):
            raise ArchiveError(f"{str(path)!r} is not an SQLite database; left untouched")
        newer_schema(int.from_bytes(header[60:64], "big"), path)  # before SQLite touches it
    if write and not os.access(path.parent, os.W_OK):
        raise ArchiveError(f"directory {where!r} is not writable; nothing was changed")
    if write and path.exists() and not os.access(path, os.W_OK):
        raise ArchiveError(f"{str(path)!r} is read-only; nothing was changed")
    return path


def check_schema_version(db: sqlite_utils.Database, path: str | Path) -> int:
    """The archive's schema version; ArchiveError when a newer ham-archive wrote it."""
    return newer_schema(db.execute("pragma user_version").fetchone()[0], path)


def newer_schema(version: int, path: str | Path) -> int:
    if version > SCHEMA_VERSION:
        raise ArchiveError(
            f"{str(path)!r} has schema version {version}, newer than this ham-archive knows "
            f"({SCHEMA_VERSION}): upgrade ham-archive; left untouched"
        )
    return version


def _flock_soon(file, tries: int = 20, pause: float = 0.05) -> bool:
    """An exclusive ``flock`` without blocking on a writer. A reader testing the lock
    (``WriteLock.held``: a shared flock dropped at once) is no writer: it is waited out."""
    for _ in range(tries):
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            with open(file.name, "rb") as other:  # a shared lock is refused only by a writer's
                try:
                    fcntl.flock(other, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return False
            time.sleep(pause)
    return False


class WriteLock:
    """One writer at a time: an exclusive ``flock`` on ``<db>.lock``, which says who holds it.

    Reentrant within a process (the CLI takes it, then the pipeline of the same crawl does).
    Released when the holder exits, however it exits: the kernel drops the lock of a killed
    process.
    """

    _held: dict[str, list] = {}  # lock path -> [file, count], in this process

    def __init__(self, db_path: str | Path):
        self.path = str(Path(db_path).resolve()) + ".lock"

    def acquire(self, wait: bool = False, waiting: Callable[[str], None] | None = None) -> None:
        held = self._held.get(self.path)
        if held:
            held[1] += 1
            return
        try:
            file = open(self.path, "a+")  # noqa: SIM115 (kept open while held)
        except OSError as error:
            raise ArchiveError(f"cannot create {self.path!r}: {error.strerror}") from None
        if not _flock_soon(file):
            if not wait:
                file.close()
                raise ArchiveLocked(self.holder()) from None
            if waiting:
                waiting(f"{self.holder()}; waiting for it to finish")
            fcntl.flock(file, fcntl.LOCK_EX)
        with suppress(OSError):  # who holds it, for others to read; on a full disk
            os.ftruncate(file.fileno(), 0)  # the lock holds without it
            os.pwrite(file.fileno(), f"{os.getpid()} {now()}\n".encode(), 0)
        self._held[self.path] = [file, 1]

    def held(self) -> bool | None:
        """Whether a process holds the lock now (``check``: is a ``running`` run still going?);
        None when there is no lock file to tell, as in an archive copied from elsewhere."""
        if self.path in self._held:
            return True
        try:
            file = open(self.path, "rb")  # noqa: SIM115
        except OSError:
            return None
        with file:
            try:  # shared, dropped at once: a crawl starting meanwhile waits it out (_flock_soon)
                fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(file, fcntl.LOCK_UN)
        return False

    def holder(self) -> str:
        """Who holds the lock, in words: ``... is being written by process 123 since ...``."""
        try:
            pid, since = Path(self.path).read_text().split()[:2]
        except (OSError, ValueError):
            pid, since = "?", "?"
        db = self.path.removesuffix(".lock")
        return f"{db!r} is being written by another ham-archive (process {pid}, since {since})"

    def release(self) -> None:
        held = self._held.get(self.path)
        if not held:
            return
        held[1] -= 1
        if not held[1]:
            del self._held[self.path]
            held[0].close()  # closing the file drops the lock

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


@dataclass
class CrawlState:
    """What an incremental crawl needs to know of the archive (read before it starts)."""

    last_run: int | None = None  # the last finished (ok or partial) run of this site
    # Ask for posts modified after this: when the last successful run started, less a second
    # (WordPress compares whole seconds, strictly), with the offset, so right in any timezone.
    modified_after: str | None = None
    last_run_at: str | None = None  # when that run started, by the site's clock if behind
    # ours (watermark()): a sitemap lastmod newer than that is fetched again
    live_posts: dict[int, str] = field(default_factory=dict)  # post_id -> url, not deleted
    live_urls: set[str] = field(default_factory=set)
    recent_urls: list[str] = field(default_factory=list)  # newest articles, to re-check
    retry: list[tuple[str, str, int | None]] = field(default_factory=list)  # url, kind, post_id
    unconfirmed: dict[str, int | None] = field(default_factory=dict)  # 404 url -> capture id

    @property
    def live_post_ids(self) -> set[int]:
        return set(self.live_posts)

    @property
    def retry_post_ids(self) -> set[int]:
        return {post_id for _, kind, post_id in self.retry if kind == "rest-post" and post_id}


class Archive:
    """An archive.db: ``save()`` articles into it, read it with sqlite-utils or Datasette.

    Opening it creates or upgrades the schema; a crawl or a reparse also holds its WriteLock.
    """

    def __init__(self, path: str | Path):
        self.path = check_db_path(path)
        try:
            self.db = sqlite_utils.Database(self.path)
            self.upgrade(check_schema_version(self.db, self.path))
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"cannot open {str(self.path)!r}: {error}") from None
        except ArchiveError:
            self.db.close()
            raise
        self.articles = self.db.table("articles")
        self.words_written: set[str] = set()  # put in search_words by this connection
        self._unguarded = False
        self._key = str(self.path.resolve())
        OPEN_HERE[self._key] += 1

    def upgrade(self, version: int) -> None:
        """Create what is missing (nothing, on an up-to-date archive: no write), then run the
        migrations this archive has not been through."""
        fresh = not self.db["articles"].exists()
        self.db.enable_wal()
        create_schema(self.db)
        if self.db.execute("select 1 from articles where site is null limit 1").fetchone():
            with self.db.atomic():  # rows of one site, from before articles knew theirs
                self.db.execute(
                    """update articles set site = (select site from crawl_runs
                    where site is not null order by id limit 1) where site is null"""
                )
        if version == SCHEMA_VERSION:
            return
        with self.db.atomic():
            for migration in [] if fresh else MIGRATIONS[version:]:
                migration(self.db)
            self.db.execute(f"pragma user_version = {SCHEMA_VERSION}")

    def record_site(
        self, address: str, led_to: str, cms: str | None, redirects: list[str], seen_at: str
    ) -> None:
        """What an address asked for answered this run: where it led, and what served it."""
        with self.transaction():
            self.db.execute(
                """insert into sites (address, led_to, first_seen_at, last_seen_at, cms, redirects)
                values (?, ?, ?, ?, ?, ?) on conflict (address, led_to) do update set
                last_seen_at = excluded.last_seen_at, cms = coalesce(excluded.cms, cms),
                redirects = excluded.redirects""",
                [address, led_to, seen_at, seen_at, cms, json.dumps(redirects)],
            )

    def link_republication(self, url: str) -> str | None:
        """Point an article at the same release on another site, published earlier (or the
        other way round): ``same_as``, decided by ``republication.same_release``. Both rows stay."""
        from scraper.republication import MAX_DAYS, same_release

        article = next(query_rows(self.db, "select * from articles where url = ?", [url]), None)
        if not article or not article["site"]:
            return None
        published = datetime.fromisoformat(article["published_at"])
        window = [(published + timedelta(days=d)).isoformat() for d in (-MAX_DAYS, MAX_DAYS)]
        candidates = query_rows(  # published_at is ISO 8601 in +07:00: strings compare
            self.db,
            """select url, site, title, published_at, body_text, same_as from articles
            where published_at between ? and ? and site != ? order by published_at, url""",
            [*window, article["site"]],
        )
        for other in candidates:
            if same_release(article, other):
                first, later = sorted([article, other], key=lambda r: (r["published_at"], r["url"]))
                target = first["same_as"] or first["url"]
                update_row(self.db, "articles", "url", later["url"], {"same_as": target})
                return target
        return None

    # Articles

    def find(
        self, url: str, post_id: int | None = None, site: str | None = None, aliases=()
    ) -> dict | None:
        """The article a record belongs to: the row at its URL, then the row of its post id on
        the same site, then the row of any URL the article was seen at (its redirects
        included); never a row that carries another post id."""
        here = next(query_rows(self.db, "select * from articles where url = ?", [url]), None)
        if here and (post_id is None or here["post_id"] in (None, post_id)):
            return here
        if post_id is not None:
            prefix = origin(url) + "/"
            scope = (
                ("site = ?", [site]) if site else ("substr(url, 1, ?) = ?", [len(prefix), prefix])
            )
            row = next(
                query_rows(
                    self.db,
                    f"""select * from articles where post_id = ? and {scope[0]}
                    order by deleted_at is null desc, last_seen_at desc limit 1""",
                    [post_id, *scope[1]],
                ),
                None,
            )
            if row:
                return row
        for seen_at in (url, *aliases):
            candidates = query_rows(
                self.db,
                """select articles.* from article_urls join articles on articles.url = article_url
                where article_urls.url = ? order by article_urls.last_seen_at desc""",
                [seen_at],
            )
            for row in candidates:
                if post_id is None or row["post_id"] in (None, post_id):
                    return row
        return None

    def save(self, article: Article, seen_at: str | None = None) -> str:
        """Insert or update one article; returns ``added``, ``changed`` or ``unchanged``.

        When a content field changed, the previous state goes to ``article_versions``; when the
        URL changed, the row moves to the new URL (its children, versions and captures follow)
        and the old URL stays in ``article_urls``.
        """
        seen_at = seen_at or now()
        row = article_row(article)
        with self.transaction():
            existing = self.find(article.url, article.post_id, article.site, article.aliases)
            if existing and seen_at < (existing["last_seen_at"] or seen_at):
                # A state older than the newest (a web archive's capture): into the history;
                # the row stays at its current URL, the URL of then joins its article_urls.
                outcome = self._save_past(existing, row, seen_at)
                self._seen_at(existing["url"], article.url, seen_at, article.source)
                if article.capture_id:
                    self._captured(existing["url"], article.capture_id)
                return outcome
            if existing is None or existing["url"] != article.url:
                self._make_room(article.url)
            if existing is None:
                first = {"first_seen_at": seen_at, "last_seen_at": seen_at, "changed_at": seen_at}
                unsaid = {name: "[]" for name in TERM_COLUMNS if row[name] is None}  # none known
                insert_rows(self.db, "articles", [{**row, **unsaid, **first, "version_count": 1}])
                outcome = "added"
            else:
                if existing["url"] != article.url:
                    self._move(existing["url"], article.url)
                outcome = self._update(existing, row, seen_at)
            self._seen_at(article.url, article.url, seen_at, article.source)
            for alias in set(article.aliases) - {article.url}:  # it answered there: a redirect
                self._seen_at(article.url, alias, seen_at, "redirect")
            if article.capture_id:
                self._captured(article.url, article.capture_id)
            named = self.db.execute(
                "select name, position from article_people where article_url = ? order by rowid",
                [article.url],
            ).fetchall()
            self.save_children(article)
            before = positions_by_name(named)
            after = positions_by_name((p.name, p.position) for p in article.people)
            if existing and existing["published_at"] != row["published_at"]:
                refresh_people(self.db, set(before) | set(after))
            else:  # a name this article gains is counted on; any other change, counted again
                refresh_people(self.db, {n for n in before if before[n] != after.get(n)})
                for name in after.keys() - before.keys():
                    count_person(self.db, name, after[name], article.url, row["published_at"])
            if outcome == "added" or (outcome == "changed" and not existing["same_as"]):
                self.link_republication(article.url)  # new, or edited into another's copy
            # The stemmed index follows the row as stored (an earlier state leaves it as it is).
            indexed = existing and (existing["title"], existing["body_text"])
            rowid, title, body_text = self.db.execute(
                "select rowid, title, body_text from articles where url = ?", [article.url]
            ).fetchone()
            if indexed != (title, body_text):
                index_article(self.db, rowid, title, body_text, indexed, self.words_written)
        return outcome

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``Database.atomic()`` (a savepoint inside a transaction), forgetting which words were
        written when it is rolled back: some of them may be gone with it. Inside ``unguarded()``
        only the outermost one is kept."""
        if self._unguarded and self.db.conn.in_transaction:
            yield
            return
        try:
            with self.db.atomic():
                yield
        except BaseException:
            self.words_written.clear()
            raise

    @contextmanager
    def unguarded(self) -> Iterator[None]:
        """No savepoint for the transactions opened inside this one: a write that fails leaves
        what it had written, and the caller rolls the whole transaction back
        (``scraper.pipelines.write_batch``)."""
        self._unguarded = True
        try:
            yield
        finally:
            self._unguarded = False

    def _update(self, existing: dict, row: dict, seen_at: str) -> str:
        for name in UNKNOWN_WHEN_NULL:
            if row[name] is None:
                row[name] = existing[name]
        update = {**row, "last_seen_at": max(existing["last_seen_at"] or seen_at, seen_at)}
        update["deleted_at"] = update["deletion_evidence"] = None  # seen again
        if not row["capture_id"]:
            update["capture_id"] = existing["capture_id"]
        changed = {f for f in CONTENT_FIELDS if existing[f] != row[f]}
        edited = bool(changed) and not (changed <= BODY_FIELDS and cleaned_anew(existing, row))
        if edited:
            version = {
                "article_url": row["url"],
                **{name: existing[name] for name in STATE_COLUMNS},
                "valid_from": existing["changed_at"] or existing["first_seen_at"],
                "valid_to": seen_at,
            }
            insert_rows(self.db, "article_versions", [version])
            update["version_count"] = (existing["version_count"] or 1) + 1
            update["changed_at"] = seen_at
        update_row(self.db, "articles", "url", row["url"], update)
        return "changed" if edited or existing["url"] != row["url"] else "unchanged"

    def _make_room(self, url: str) -> None:
        """The row at ``url`` is another post's (``find`` passed it over: its slug was taken
        over): that post moves to its shortlink ``/?p=ID``, a real URL of it; the old URL stays
        among its article_urls."""
        holder = self.db.execute("select post_id from articles where url = ?", [url]).fetchone()
        if holder:
            self._move(url, f"{origin(url)}/?p={holder[0]}")

    def _move(self, old: str, new: str) -> None:
        self.db.execute("update articles set url = ? where url = ?", [new, old])
        self.db.execute("update articles set same_as = ? where same_as = ?", [new, old])
        for table in FOLLOWING_TABLES:
            sql = f"update [{table}] set article_url = ? where article_url = ?"
            self.db.execute(sql, [new, old])

    def _captured(self, article_url: str, capture_id: int) -> None:
        self.db.execute(
            "insert or ignore into article_captures (article_url, capture_id) values (?, ?)",
            [article_url, capture_id],
        )

    def _seen_at(self, article_url: str, url: str, seen_at: str, found_by: str) -> None:
        self.db.execute(
            """insert into article_urls (url, article_url, first_seen_at, last_seen_at, found_by)
            values (?, ?, ?, ?, ?) on conflict (url, article_url) do update
            set first_seen_at = min(first_seen_at, excluded.first_seen_at),
            last_seen_at = max(last_seen_at, excluded.last_seen_at)""",
            [url, article_url, seen_at, seen_at, found_by],
        )

    def _save_past(self, existing: dict, row: dict, seen_at: str) -> str:
        """A state seen before the newest one (a web archive's capture): it joins the history
        where it belongs; the current state, its children and its index stay as they are.

        Returns ``earlier`` when it adds a state to the history, else ``unchanged``."""
        versions = list(
            self.db["article_versions"].rows_where(
                "article_url = ?", [existing["url"]], order_by="valid_from, id"
            )
        )
        current = {**existing, "valid_from": existing["changed_at"] or existing["first_seen_at"]}
        states = [*versions, current]
        before = [n for n, state in enumerate(states) if state["valid_from"] <= seen_at]
        holding = states[before[-1]] if before else None  # the state known to hold then
        after = before[-1] + 1 if before else 0
        following = states[after] if after < len(states) else None  # the next state known
        versions_table = self.db["article_versions"]
        update: dict = {"first_seen_at": min(existing["first_seen_at"] or seen_at, seen_at)}

        # What the capture did not say (a byline, terms) is taken from the state beside it.
        near = holding or following
        row = {**row, **{f: near[f] for f in UNKNOWN_CONTENT if row[f] is None}}

        def same(state: dict) -> bool:
            return all(state[f] == row[f] for f in CONTENT_FIELDS)

        if holding is not None and same(holding):
            self.articles.update(existing["url"], update)
            return "unchanged"
        if following is not None and same(following):  # the next state began earlier
            if holding is not None:
                versions_table.update(holding["id"], {"valid_to": seen_at})
            if following is current:
                update["changed_at"] = seen_at
            else:
                versions_table.update(following["id"], {"valid_from": seen_at})
            self.articles.update(existing["url"], update)
            return "unchanged"
        if holding is None:  # before anything the archive knew
            valid_to = following["valid_from"]
        elif holding is current:  # between two sightings of the current state: seen once
            valid_to = seen_at
        else:  # the state changed at seen_at, and held until the next known change
            valid_to = holding["valid_to"]
            versions_table.update(holding["id"], {"valid_to": seen_at})
        self.db["article_versions"].insert(
            {
                "article_url": existing["url"],
                **{name: row[name] for name in STATE_COLUMNS},
                "valid_from": seen_at,
                "valid_to": valid_to,
            }
        )
        update["version_count"] = (existing["version_count"] or 1) + 1
        self.articles.update(existing["url"], update)
        return "earlier"

    def save_children(self, article: Article) -> None:
        for name, children in child_rows(article).items():
            self.db.execute(f"delete from [{name}] where article_url = ?", [article.url])
            insert_rows(self.db, name, children)

    def mark_deleted(
        self, url: str, seen_at: str | None = None, evidence: dict | None = None
    ) -> bool:
        """Record that the site no longer shows an article, and why (``deletion_evidence``,
        from scraper.deletion); the row itself is kept.

        ``url`` is the article's current URL: an old URL of a moved article is not its page."""
        proof = json.dumps(evidence, ensure_ascii=False) if evidence else None
        with self.transaction():
            cursor = self.db.execute(
                "update articles set deleted_at = ?, deletion_evidence = ?"
                " where url = ? and deleted_at is null",
                [seen_at or now(), proof, url],
            )
        return cursor.rowcount > 0

    def count(self) -> int:
        return self.articles.count

    # Captures and runs

    def add_capture(self, capture: Capture, run_id: int | None) -> int:
        row = {**asdict(capture), "run_id": run_id}
        with self.transaction():
            return insert_rows(self.db, "captures", [row])

    def original_capture(self, url: str, sha256: str) -> Original | None:
        """The first full capture of ``url`` with this payload, which a revisit refers to."""
        row = self.db.execute(
            "select id, url, fetched_at, warc_record_id from captures where url = ? and"
            " sha256 = ? and revisit_of is null and warc_record_id is not null order by id limit 1",
            [url, sha256],
        ).fetchone()
        return Original(*row) if row else None

    def capture_payloads(self) -> list[dict]:
        """Every capture in fetch order, with where its payload is (a revisit's original)."""
        return list(
            self.db.query(
                "select captures.*, coalesce(original.warc_file, captures.warc_file) as"
                " payload_file, coalesce(original.warc_offset, captures.warc_offset) as"
                " payload_offset from captures left join captures as original"
                " on original.id = captures.revisit_of order by captures.id"
            )
        )

    def pages(self) -> list[dict]:
        """The current state of every article as a WACZ page: its capture's URL and time."""
        return [
            {"url": url, "ts": fetched_at, "title": title}
            for url, fetched_at, title in self.db.execute(
                "select captures.url, captures.fetched_at, articles.title from articles"
                " join captures on captures.id = articles.capture_id order by articles.url"
            )
        ]

    def add_mementos(self, rows: list[dict], capture_id: int) -> None:
        """The web archive's captures whose bytes are in ``capture_id`` (one state, collapsed)."""
        with self.transaction():
            self.db["mementos"].insert_all(
                ({**row, "capture_id": capture_id} for row in rows), replace=True
            )
            fetched = {"archive": rows[0]["archive"], "memento_url": rows[0]["memento_url"]}
            self.db["captures"].update(capture_id, fetched)

    def mementos_read(self, archive: str) -> set[tuple[str, str]]:
        """(original, timestamp) of every capture of ``archive`` already read: what a resumed
        backfill skips."""
        return set(
            self.db.execute(
                "select original, timestamp from mementos where archive = ?"
                " and capture_id is not null",
                [archive],
            ).fetchall()
        )

    def wayback_runs(self) -> set[int]:
        return {r[0] for r in self.db.execute("select id from crawl_runs where mode = 'wayback'")}

    def memento_times(self) -> dict[int, list[tuple[str, str]]]:
        """capture id -> [(original URL, archived_at)] in capture order, for a reparse."""
        times: dict[int, list[tuple[str, str]]] = {}
        for capture_id, original, archived_at in self.db.execute(
            "select capture_id, original, archived_at from mementos order by timestamp, id"
        ):
            times.setdefault(capture_id, []).append((original, archived_at))
        return times

    def start_run(self, site: str, full: bool, mode: str | None = None) -> int:
        with self.transaction():
            run = {"site": site, "started_at": now(), "full": int(full), "status": "running"}
            run["mode"] = mode
            return self.db["crawl_runs"].insert(run).last_pk

    def finish_run(
        self,
        run_id: int,
        failures: list[dict] = (),
        listing_complete: bool = True,
        previous_watermark: str | None = None,
        **fields,
    ) -> None:
        """The run's row, and one crawl_failures row per failure (URL, kind, reason). The next
        incremental run asks for what changed since this one started, unless its listing was
        incomplete: then since where the previous good listing started (``previous_watermark``)."""
        fields["max_modified_at"] = self.db.execute(
            "select max(modified_at) from articles where deleted_at is null"
        ).fetchone()[0]
        started = self.db["crawl_runs"].get(run_id)["started_at"]
        offset = fields.get("site_clock_offset")
        fields["watermark"] = watermark(started, offset) if listing_complete else previous_watermark
        with self.transaction():
            self.db["crawl_runs"].update(run_id, {"ended_at": now(), **fields})
            self.db["crawl_failures"].insert_all(
                ({**failure, "run_id": run_id} for failure in failures), columns=FAILURE_COLUMNS
            )

    def crawl_state(self, site: str, recent: int = 20, now_at: str | None = None) -> CrawlState:
        """The state an incremental crawl of ``site`` starts from: its last finished run (a
        partial run is trusted for what it did; its failures are retried), and the live
        articles of where it leads now (``now_at``, after any move; ``site`` by default)."""
        last = next(
            self.db["crawl_runs"].rows_where(
                "site = ? and status in ('ok', 'partial') and coalesce(mode, '') != 'wayback'",
                [site],
                order_by="id desc",
                limit=1,
            ),
            None,
        )
        live = "deleted_at is null and site = :site"
        args = {"site": now_at or site, "recent": recent}
        kinds = ",".join(f"'{kind}'" for kind in RETRIED_KINDS)
        retry = self.db.execute(
            "select url, kind, post_id, max(capture_id) from crawl_failures where run_id in"
            " (select id from crawl_runs where site = ? and id >= ?)"
            f" and kind in ({kinds}) group by url, kind, post_id order by url",
            [site, last["id"] if last else 0],
        ).fetchall()
        return CrawlState(
            last_run=last and last["id"],
            modified_after=last and last["watermark"],
            retry=[(url, kind, post_id) for url, kind, post_id, _ in retry],
            unconfirmed={r[0]: r[3] for r in retry if r[1] == "unconfirmed-gone"},
            last_run_at=last and watermark(last["started_at"], last["site_clock_offset"]),
            live_posts=dict(
                self.db.execute(
                    f"select post_id, url from articles where {live} and post_id is not null", args
                ).fetchall()
            ),
            live_urls={
                r[0] for r in self.db.execute(f"select url from articles where {live}", args)
            },
            recent_urls=[
                r[0]
                for r in self.db.execute(
                    f"select url from articles where {live} order by published_at desc"
                    " limit :recent",
                    args,
                )
            ]
            if last
            else [],
        )

    def close(self) -> None:
        if self._key in OPEN_HERE:  # once, however often it is closed
            self.db.close()
            OPEN_HERE[self._key] -= 1
            if OPEN_HERE[self._key] <= 0:
                del OPEN_HERE[self._key]
            self._key = ""


def query_rows(db: sqlite_utils.Database, sql: str, params: Iterable = ()) -> Iterable[dict]:
    """The rows of a query as dicts (``Database.query`` without its savepoint)."""
    cursor = db.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return (dict(zip(columns, row, strict=True)) for row in cursor)


@cache
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f"[{c}]" for c in columns)
    return f"insert into [{table}] ({names}) values ({', '.join('?' for _ in columns)})"


def cleaned_anew(existing: dict, row: dict) -> bool:
    """Whether a body that differs from the stored one differs only by how an earlier release
    cleaned it (what this one drops: a share button, a view count, a numbered class): the
    stored body, cleaned again, is the new one. Not an edit: the site changed nothing."""
    stored, html, text = existing["body_html"], row["body_html"], row["body_text"]
    return bool(stored and html) and reads_as(stored, html, text or "", row["url"])


def insert_rows(db: sqlite_utils.Database, table: str, new: list[dict]) -> int | None:
    """Rows (each with the same keys) into an existing table, their values stored as
    sqlite-utils stores them: ``Table.insert_all`` without its look at the schema on every call,
    which was a fifth of the cost of saving an article. Returns the rowid of the last one."""
    if not new:
        return None
    columns = tuple(new[0])
    sql = _insert_sql(table, columns)
    for row in new:
        cursor = db.conn.execute(sql, [jsonify_if_needed(row[c]) for c in columns])
    return cursor.lastrowid


def update_row(db: sqlite_utils.Database, table: str, key: str, value, changes: dict) -> None:
    """``Table.update`` of one row that exists, by its key column."""
    assignments = ", ".join(f"[{c}] = ?" for c in changes)
    params = [jsonify_if_needed(v) for v in changes.values()]
    db.execute(f"update [{table}] set {assignments} where [{key}] = ?", [*params, value])


def watermark(started_at: str, site_clock_offset: float | None = None) -> str:
    """``modified_after`` for the run after one that started at ``started_at`` (by our clock):
    a second earlier (WordPress compares whole seconds, strictly), and as much earlier again as
    the site's clock was behind ours (``site_clock_offset`` < 0), since the site dates its edits
    by its own clock. A site ahead of ours changes nothing: the watermark is never later."""
    behind = min(site_clock_offset or 0.0, 0.0)
    moment = datetime.fromisoformat(started_at) + timedelta(seconds=math.floor(behind) - 1)
    return moment.isoformat()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def child_rows(article: Article) -> dict[str, list[dict]]:
    """The rows of one article in each child table (article_terms follows by trigger)."""
    rows = {
        "article_people": [asdict(p) for p in article.people],
        "article_images": [asdict(i) for i in article.images],
        "article_documents": [asdict(d) for d in article.documents],
    }
    return {
        name: [{"article_url": article.url, **child} for child in children]
        for name, children in rows.items()
    }


def refresh_people(db: sqlite_utils.Database, names: set[str] | None = None) -> None:
    """The rows of ``people`` for these names (every name when None), from article_people."""
    args = sorted(names or ())
    if names is not None and not names:
        return
    marks = ", ".join("?" for _ in args)
    named = f"name in ({marks})" if names is not None else "1"
    db.execute(f"delete from people where {named}", args)
    where = f"where article_people.{named}" if names is not None else ""
    db.execute(f"insert into people {PEOPLE_SQL.format(where=where)}", args)


def positions_by_name(pairs: Iterable[tuple[str, str | None]]) -> dict[str, set[str | None]]:
    """(name, position) pairs as name -> its positions."""
    found: dict[str, set[str | None]] = {}
    for name, position in pairs:
        found.setdefault(name, set()).add(position)
    return found


def count_person(
    db: sqlite_utils.Database, name: str, positions: set, url: str, published_at: str
) -> None:
    """One more article naming ``name`` (as ``positions``): its row of ``people`` counted on
    from where it is, as ``refresh_people`` would count it whole. A recount reads every article
    naming the person, and the ministry's own officials are named in most releases."""
    db.execute(
        """insert into people (name, articles, first_mentioned_at, last_mentioned_at)
        values (?, 1, ?, ?) on conflict (name) do update set articles = articles + 1,
        first_mentioned_at = min(first_mentioned_at, excluded.first_mentioned_at),
        last_mentioned_at = max(last_mentioned_at, excluded.last_mentioned_at)""",
        [name, published_at, published_at],
    )
    for position in sorted(p for p in positions if p is not None):
        elsewhere = db.execute(  # group_concat(distinct): each position once
            "select 1 from article_people where name = ? and position = ? and article_url != ?"
            " limit 1",
            [name, position, url],
        ).fetchone()
        if not elsewhere:
            db.execute(
                "update people set positions = coalesce(positions || ',', '') || ? where name = ?",
                [position, name],
            )


def create_derived(db: sqlite_utils.Database) -> None:
    for statement in DERIVED_SQL:
        db.execute(statement)


def rebuild_derived(db: sqlite_utils.Database) -> None:
    """article_facets and article_terms again from every articles row (their triggers keep
    them after that); after a VACUUM that renumbered the rows, with rebuild_stemmed_index."""
    db.execute("delete from article_facets")
    db.execute("delete from article_terms")
    columns = ", ".join(f"[{c}]" for c in FACET_COLUMNS)
    db.execute(f"insert into article_facets select rowid, {columns} from articles")
    db.execute(f"insert or ignore into article_terms {_terms('articles', 'articles, ')}")


def article_row(article: Article) -> dict:
    row = {name: getattr(article, name, None) for name in ARTICLE_COLUMNS}
    for name in TERM_COLUMNS:  # None: not said by the source (UNKNOWN_WHEN_NULL)
        terms = getattr(article, name)
        row[name] = None if terms is None else json.dumps(terms, ensure_ascii=False)
    row["year"] = int(article.published_at[:4])
    for name in KEPT_COLUMNS:
        del row[name]
    return row


# Schema


def add_columns(table: sqlite_utils.db.Table, columns: dict) -> None:
    for name, column_type in columns.items():
        if name not in table.columns_dict:
            table.add_column(name, column_type)


# The exact index follows a row's words, and only them: sqlite-utils' trigger of the same name
# took a row out of articles_fts and put it back on any update (a last_seen_at, a deletion mark).
FTS_UPDATE_TRIGGER = """CREATE TRIGGER articles_au AFTER UPDATE OF title, body_text ON articles
WHEN old.title IS NOT new.title OR old.body_text IS NOT new.body_text BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, body_text)
  VALUES ('delete', old.rowid, old.title, old.body_text);
  INSERT INTO articles_fts (rowid, title, body_text) VALUES (new.rowid, new.title, new.body_text);
END"""


def create_schema(db: sqlite_utils.Database) -> None:
    """Create every table, column, index and view of the current schema that is missing."""
    articles = db.table("articles")
    if not articles.exists():
        articles.create(ARTICLE_COLUMNS, pk="url", not_null={"title", "published_at"})
    add_columns(articles, ARTICLE_COLUMNS)  # archives made by older versions
    if not db["articles_fts"].exists():
        articles.enable_fts(["title", "body_text"], create_triggers=True)
    update_trigger = "select sql from sqlite_master where type = 'trigger' and name = 'articles_au'"
    if db.execute(update_trigger).fetchone() != (FTS_UPDATE_TRIGGER,):
        with db.conn:  # sqlite-utils' indexes the row again on any update
            db.execute("drop trigger if exists articles_au")
            db.execute(FTS_UPDATE_TRIGGER)
    create_stemmed_index(db)
    # Unfiltered facets and filters stay fast at scale.
    facets = ("author", "year", "dateline_city", "credit", "language")
    for column in ("post_id", *facets):
        articles.create_index([column], if_not_exists=True)
    for name, columns in CHILD_TABLES.items():
        table = db.table(name)
        if not table.exists():
            table.create(columns, foreign_keys=[("article_url", "articles", "url")])
        table.create_index(["article_url"], if_not_exists=True)
    if "article_url" not in db["article_terms"].columns_dict:  # else: _v3_ replaces it
        create_derived(db)
    # A covering index: the articles_per_month chart reads no article row (and the index
    # serves every order by published_at); people are counted name by name.
    articles.create_index(["published_at", "dateline_city"], if_not_exists=True)
    db["article_people"].create_index(["name"], if_not_exists=True)
    tables = {"captures": CAPTURE_COLUMNS, "article_versions": VERSION_COLUMNS}
    tables["crawl_runs"] = RUN_COLUMNS
    tables["crawl_failures"] = FAILURE_COLUMNS
    for name, columns in tables.items():
        if not db.table(name).exists():
            db.table(name).create(columns, pk="id")
        add_columns(db[name], columns)
    db["captures"].create_index(["url"], if_not_exists=True)
    db["crawl_failures"].create_index(["run_id"], if_not_exists=True)
    db["article_versions"].create_index(["article_url"], if_not_exists=True)
    if not db.table("article_captures").exists():
        db.table("article_captures").create(
            {"article_url": str, "capture_id": int},
            pk=("article_url", "capture_id"),
            foreign_keys=[("capture_id", "captures", "id")],
        )
    if not db.table("article_urls").exists():
        db.table("article_urls").create(
            URL_COLUMNS,
            pk=("url", "article_url"),
            foreign_keys=[("article_url", "articles", "url")],
        )
    db["article_urls"].create_index(["article_url"], if_not_exists=True)
    if not db.table("mementos").exists():
        db.table("mementos").create(
            MEMENTO_COLUMNS, pk="id", foreign_keys=[("capture_id", "captures", "id")]
        )
    db["mementos"].create_index(
        ["archive", "original", "timestamp"], unique=True, if_not_exists=True
    )
    db["mementos"].create_index(["capture_id"], if_not_exists=True)
    db.create_view("provenance", PROVENANCE_VIEW, ignore=True)
    if not db["sites"].exists():
        db["sites"].create(SITE_COLUMNS, pk=("address", "led_to"))
    for column in ("site", "same_as"):
        articles.create_index([column], if_not_exists=True)
    if "people" not in db.view_names():  # else: _v3_ replaces the view
        if not db["people"].exists():
            db["people"].create(PEOPLE_COLUMNS, pk="name")
        db["people"].create_index(["articles"], if_not_exists=True)


# Migrations: MIGRATIONS[n] takes an archive of schema version n to n + 1, after create_schema
# has added what is missing. Each runs in the transaction that sets the new version number.


def _v1_article_identity(db: sqlite_utils.Database) -> None:
    """Release 3398273 and before: every archived URL becomes the article's first URL."""
    db.execute(
        """insert or ignore into article_urls (url, article_url, first_seen_at, last_seen_at,
        found_by) select url, url, first_seen_at, last_seen_at, source from articles"""
    )
    # Older versions kept only title, text and HTML: the URL and post id of a state are known
    # (the article never moved); the other fields stay null, unknown.
    db.execute(
        """update article_versions set url = article_url,
        post_id = (select post_id from articles where articles.url = article_url)
        where url is null"""
    )


def _v2_article_terms(db: sqlite_utils.Database) -> None:
    """Before article_terms (keyed by article_url then): _v3_ fills it now."""


def _v3_narrow_rows(db: sqlite_utils.Database) -> None:
    """Before article_facets, article_terms keyed by rowid and the people table: the first two
    derived from articles (their triggers keep them), people counted from article_people."""
    if "article_url" in db["article_terms"].columns_dict:
        db["article_terms"].drop()
    create_derived(db)
    rebuild_derived(db)
    for index in (  # covered by others, or needed by the people view only
        "idx_articles_published_at",
        "idx_articles_tags",
        "idx_articles_categories",
        "idx_article_people_name_article_url_position",
    ):
        db.execute(f"drop index if exists {index}")
    db.execute("drop view if exists people")
    db["people"].create(PEOPLE_COLUMNS, pk="name", if_not_exists=True)
    db["people"].create_index(["articles"], if_not_exists=True)
    refresh_people(db)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_article_identity,
    _v2_article_terms,
    _v3_narrow_rows,
]
SCHEMA_VERSION = len(MIGRATIONS)
