"""The only module that knows the schema: tables, upserts, full-text search."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import sqlite_utils

from scraper.items import Article
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
    "first_seen_at": str,
    "last_seen_at": str,
}
# What a researcher would call the article's content: a change here is a change of the article.
CONTENT_FIELDS = ("title", "published_at", "author", "categories", "tags", "body_text", "body_html")
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
                raise ArchiveError(
                    f"{str(path)!r} is not an SQLite database; it was left untouched"
                )
    return path


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
        for name, columns in CHILD_TABLES.items():
            table = db.table(name)
            if not table.exists():
                table.create(columns, foreign_keys=[("article_url", "articles", "url")])
                table.create_index(["article_url"])
        db.create_view("people", PEOPLE_VIEW, ignore=True)

    def save(self, article: Article, seen_at: str | None = None) -> str:
        """Insert or update one article; returns ``added``, ``changed`` or ``unchanged``."""
        seen_at = seen_at or now()
        row = article_row(article)
        with self.db.conn:
            existing = next(self.articles.rows_where("url = ?", [article.url]), None)
            if existing is None:
                self.articles.insert({**row, "first_seen_at": seen_at, "last_seen_at": seen_at})
                outcome = "added"
            else:
                self.articles.update(article.url, {**row, "last_seen_at": seen_at})
                changed = any(existing[f] != row[f] for f in CONTENT_FIELDS)
                outcome = "changed" if changed else "unchanged"
            self.save_children(article)
        return outcome

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

    def count(self) -> int:
        return self.articles.count

    def close(self) -> None:
        self.db.close()


def article_row(article: Article) -> dict:
    row = {name: getattr(article, name, None) for name in ARTICLE_COLUMNS}
    row["categories"] = json.dumps(article.categories, ensure_ascii=False)
    row["tags"] = json.dumps(article.tags, ensure_ascii=False)
    row["year"] = int(article.published_at[:4])
    del row["first_seen_at"], row["last_seen_at"]
    return row
