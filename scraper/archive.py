"""The only module that knows the schema: tables, upserts, versions, runs, full-text search."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from scraper.captures import Capture, Original
from scraper.items import Article
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
# A change of any of these counts as an update of the article...
CONTENT_FIELDS = ("title", "published_at", "author", "categories", "tags", "body_text", "body_html")
# ...and a change of these keeps the previous state in article_versions.
VERSIONED_FIELDS = ("title", "body_text")
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
    "title": str,
    "body_text": str,
    "body_html": str,
    "capture_id": int,
    "valid_from": str,
    "valid_to": str,
}
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
    "moved_to": str,
    "cms": str,
    "extractors": str,
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
PEOPLE_VIEW = """
select
  article_people.name,
  count(distinct article_people.article_url) as articles,
  group_concat(distinct article_people.position) as positions,
  min(articles.published_at) as first_mentioned_at,
  max(articles.published_at) as last_mentioned_at
from article_people join articles on articles.url = article_people.article_url
group by article_people.name
"""


class ArchiveError(Exception):
    """The archive cannot be opened or written; the message is one line for a person."""


def now() -> str:
    return datetime.now(SITE_TZ).isoformat(timespec="seconds")


def check_db_path(path: str | Path) -> Path:
    """Refuse a path we must not write to, before anything touches it."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ArchiveError(f"directory {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise ArchiveError(f"{str(path)!r} is a directory, not a database file")
    if path.exists() and path.stat().st_size:
        with path.open("rb") as file:
            if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise ArchiveError(f"{str(path)!r} is not an SQLite database; left untouched")
    return path


@dataclass
class CrawlState:
    """What an incremental crawl needs to know of the archive (read before it starts)."""

    last_run: int | None = None  # the last successful run of this site
    modified_after: str | None = None  # newest modified_at after that run
    live_posts: dict[int, str] = field(default_factory=dict)  # post_id -> url, not deleted
    live_urls: set[str] = field(default_factory=set)
    recent_urls: list[str] = field(default_factory=list)  # newest articles, to re-check
    retry: list[tuple[str, str, int | None]] = field(default_factory=list)  # url, kind, post_id
    unconfirmed: dict[str, int | None] = field(default_factory=dict)  # 404 url -> capture id

    @property
    def retry_post_ids(self) -> set[int]:
        return {post_id for _, kind, post_id in self.retry if kind == "rest-post" and post_id}

    @property
    def live_post_ids(self) -> set[int]:
        return set(self.live_posts)


class Archive:
    """An archive.db: ``save()`` articles into it, read it with sqlite-utils or Datasette."""

    def __init__(self, path: str | Path):
        self.path = check_db_path(path)
        try:
            self.db = sqlite_utils.Database(self.path)
            self.db.enable_wal()
            self.create_schema()
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"cannot open {str(self.path)!r}: {error}") from None
        self.articles = self.db.table("articles")

    def create_schema(self) -> None:
        db = self.db
        articles = db.table("articles")
        if not articles.exists():
            articles.create(ARTICLE_COLUMNS, pk="url", not_null={"title", "published_at"})
            articles.create_index(["post_id"])
            articles.create_index(["published_at"])
            articles.enable_fts(["title", "body_text"], create_triggers=True)
        create_stemmed_index(db)
        facets = ("author", "year", "dateline_city", "credit", "language", "categories", "tags")
        for column in facets:  # every facet of metadata.yml, for pages that stay fast at scale
            articles.create_index([column], if_not_exists=True)
        for name, column_type in ARTICLE_COLUMNS.items():  # archives made by older versions
            if name not in articles.columns_dict:
                articles.add_column(name, column_type)
        for name, columns in CHILD_TABLES.items():
            table = db.table(name)
            if not table.exists():
                table.create(columns, foreign_keys=[("article_url", "articles", "url")])
                table.create_index(["article_url"])
        tables = {"captures": CAPTURE_COLUMNS, "article_versions": VERSION_COLUMNS}
        tables["crawl_runs"] = RUN_COLUMNS
        tables["crawl_failures"] = FAILURE_COLUMNS
        for name, columns in tables.items():
            if not db.table(name).exists():
                db.table(name).create(columns, pk="id")
        for name, column_type in CAPTURE_COLUMNS.items():  # archives made by older versions
            if name not in db["captures"].columns_dict:
                db["captures"].add_column(name, column_type)
        db["captures"].create_index(["url"], if_not_exists=True)
        db["crawl_failures"].create_index(["run_id"], if_not_exists=True)
        db["article_versions"].create_index(["article_url"], if_not_exists=True)
        if not db.table("article_captures").exists():
            db.table("article_captures").create(
                {"article_url": str, "capture_id": int},
                pk=("article_url", "capture_id"),
                foreign_keys=[("capture_id", "captures", "id")],
            )
        if not db.table("mementos").exists():
            db.table("mementos").create(
                MEMENTO_COLUMNS, pk="id", foreign_keys=[("capture_id", "captures", "id")]
            )
            db["mementos"].create_index(["archive", "original", "timestamp"], unique=True)
            db["mementos"].create_index(["capture_id"])
        db.create_view("people", PEOPLE_VIEW, ignore=True)
        db.create_view("provenance", PROVENANCE_VIEW, ignore=True)
        self.create_site_tables()

    def create_site_tables(self) -> None:
        """Sites and republications: the ``sites`` table, indexes on ``site`` and ``same_as``."""
        if not self.db["sites"].exists():
            self.db["sites"].create(SITE_COLUMNS, pk=("address", "led_to"))
        for column in ("site", "same_as"):
            self.db["articles"].create_index([column], if_not_exists=True)
        for name, column_type in RUN_COLUMNS.items():
            if name not in self.db["crawl_runs"].columns_dict:
                self.db["crawl_runs"].add_column(name, column_type)
        # Archives of one site, from before articles knew theirs: the site of their first run.
        self.db.execute(
            """update articles set site = (select site from crawl_runs where site is not null
            order by id limit 1) where site is null"""
        )

    def record_site(
        self, address: str, led_to: str, cms: str | None, redirects: list[str], seen_at: str
    ) -> None:
        """What an address asked for answered this run: where it led, and what served it."""
        with self.db.atomic():
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

        article = next(self.articles.rows_where("url = ?", [url]), None)
        if not article or not article["site"]:
            return None
        published = datetime.fromisoformat(article["published_at"])
        window = [(published + timedelta(days=d)).isoformat() for d in (-MAX_DAYS, MAX_DAYS)]
        candidates = self.db.query(  # published_at is ISO 8601 in +07:00: strings compare
            """select url, site, title, published_at, body_text, same_as from articles
            where published_at between ? and ? and site != ? order by published_at, url""",
            [*window, article["site"]],
        )
        for other in candidates:
            if same_release(article, other):
                first, later = sorted([article, other], key=lambda r: (r["published_at"], r["url"]))
                target = first["same_as"] or first["url"]
                self.articles.update(later["url"], {"same_as": target})
                return target
        return None

    # Articles

    def save(self, article: Article, seen_at: str | None = None) -> str:
        """Insert or update one article; returns ``added``, ``changed`` or ``unchanged``.

        When the title or text changed, the previous state goes to ``article_versions``.
        """
        seen_at = seen_at or now()
        row = article_row(article)
        with self.db.atomic():
            existing = next(self.articles.rows_where("url = ?", [article.url]), None)
            if existing is None:
                first = {"first_seen_at": seen_at, "last_seen_at": seen_at, "changed_at": seen_at}
                self.articles.insert({**row, **first, "version_count": 1})
                outcome = "added"
            elif seen_at < (existing["last_seen_at"] or seen_at):
                outcome = self._save_past(existing, row, seen_at)
                if article.capture_id:
                    self.db["article_captures"].insert(
                        {"article_url": article.url, "capture_id": article.capture_id},
                        ignore=True,
                    )
                return outcome
            else:
                outcome = self._update(existing, row, seen_at)
            if article.capture_id:
                self.db["article_captures"].insert(
                    {"article_url": article.url, "capture_id": article.capture_id}, ignore=True
                )
            self.save_children(article)
            if outcome == "added":
                self.link_republication(article.url)
            indexed = existing and (existing["title"], existing["body_text"])
            if indexed != (article.title, article.body_text):
                rowid = self.db.execute(
                    "select rowid from articles where url = ?", [article.url]
                ).fetchone()[0]
                index_article(self.db, rowid, article.title, article.body_text, old=indexed)
        return outcome

    def _update(self, existing: dict, row: dict, seen_at: str) -> str:
        update = {**row, "last_seen_at": max(existing["last_seen_at"] or seen_at, seen_at)}
        update["deleted_at"] = update["deletion_evidence"] = None  # seen again
        if any(existing[f] != row[f] for f in VERSIONED_FIELDS):
            self.db["article_versions"].insert(
                {
                    "article_url": existing["url"],
                    "title": existing["title"],
                    "body_text": existing["body_text"],
                    "body_html": existing["body_html"],
                    "capture_id": existing["capture_id"],
                    "valid_from": existing["changed_at"] or existing["first_seen_at"],
                    "valid_to": seen_at,
                }
            )
            update["version_count"] = (existing["version_count"] or 1) + 1
            update["changed_at"] = seen_at
        if not row["capture_id"]:
            update["capture_id"] = existing["capture_id"]
        self.articles.update(existing["url"], update)
        return "changed" if any(existing[f] != row[f] for f in CONTENT_FIELDS) else "unchanged"

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

        def same(state: dict) -> bool:
            return all(state[f] == row[f] for f in VERSIONED_FIELDS)

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
                "title": row["title"],
                "body_text": row["body_text"],
                "body_html": row["body_html"],
                "capture_id": row["capture_id"],
                "valid_from": seen_at,
                "valid_to": valid_to,
            }
        )
        update["version_count"] = (existing["version_count"] or 1) + 1
        self.articles.update(existing["url"], update)
        return "earlier"

    def save_children(self, article: Article) -> None:
        rows = {
            "article_people": [asdict(p) for p in article.people],
            "article_images": [asdict(i) for i in article.images],
            "article_documents": [asdict(d) for d in article.documents],
        }
        for name, children in rows.items():
            table = self.db.table(name)
            table.delete_where("article_url = ?", [article.url])
            table.insert_all({"article_url": article.url, **child} for child in children)

    def mark_deleted(
        self, url: str, seen_at: str | None = None, evidence: dict | None = None
    ) -> bool:
        """Record that the site no longer shows an article, and why; the row itself is kept."""
        proof = json.dumps(evidence, ensure_ascii=False) if evidence else None
        with self.db.atomic():
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
        with self.db.atomic():
            return self.db["captures"].insert({**asdict(capture), "run_id": run_id}).last_pk

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
        with self.db.atomic():
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
        with self.db.atomic():
            run = {"site": site, "started_at": now(), "full": int(full), "status": "running"}
            run["mode"] = mode
            return self.db["crawl_runs"].insert(run).last_pk

    def finish_run(self, run_id: int, failures: list[dict] = (), **fields) -> None:
        """The run's row, and one crawl_failures row per failure (URL, kind, reason)."""
        if "max_modified_at" not in fields:
            fields["max_modified_at"] = self.db.execute(
                "select max(modified_at) from articles where deleted_at is null"
            ).fetchone()[0]
        with self.db.atomic():
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
            modified_after=last and last["max_modified_at"],
            retry=[(url, kind, post_id) for url, kind, post_id, _ in retry],
            unconfirmed={r[0]: r[3] for r in retry if r[1] == "unconfirmed-gone"},
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
        self.db.close()


def article_row(article: Article) -> dict:
    row = {name: getattr(article, name, None) for name in ARTICLE_COLUMNS}
    row["categories"] = json.dumps(article.categories, ensure_ascii=False)
    row["tags"] = json.dumps(article.tags, ensure_ascii=False)
    row["year"] = int(article.published_at[:4])
    for name in KEPT_COLUMNS:
        del row[name]
    return row
