"""``ham-archive export``: the archive to take home, as files beside the site.

An immutable copy of the SQLite file (``VACUUM INTO``: one consistent snapshot, even while a
crawl writes), the articles as CSV and as JSON Lines, the WACZ of the web-archive captures when
one exists, and a Frictionless Data Package (``datapackage.json``) that describes every file:
column types and descriptions (from metadata.yml), size and SHA-256. Each file is written
under a temporary name and moved into place, so a download never sees half a file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import yaml

METADATA = Path(__file__).with_name("metadata.yml")
DATAPACKAGE = "datapackage.json"
ENV = "HAM_ARCHIVE_EXPORT_DIR"  # where `serve` finds the files (the plugin reads it)
ARRAY_COLUMNS = {"categories", "tags"}  # JSON arrays in the database, arrays in JSON Lines
DATE_COLUMNS = {"event_date", "event_date_end"}
TYPES = {"INTEGER": "integer", "REAL": "number", "TEXT": "string", "": "string"}


class ExportError(Exception):
    """The export cannot be made; the message is one line for a person."""


def export_dir(db_path: str | Path) -> Path:
    """Where the export of ``db_path`` goes by default: ``<stem>-export/`` beside it."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}-export")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def field_type(column: str, declared: str) -> str:
    if column in ARRAY_COLUMNS:
        return "array"
    if column in DATE_COLUMNS:
        return "date"
    if column.endswith("_at"):
        return "datetime"
    return TYPES.get(declared.upper(), "string")


def article_schema(conn: sqlite3.Connection, metadata: dict) -> dict:
    """A Table Schema for ``articles``: every column, its type and metadata.yml's words."""
    docs = metadata["databases"]["archive"]["tables"]["articles"]["columns"]
    fields = []
    for _, name, declared, *_ in conn.execute("pragma table_info(articles)"):
        field = {"name": name, "type": field_type(name, declared)}
        if docs.get(name):
            field["description"] = docs[name]
        fields.append(field)
    return {"fields": fields, "primaryKey": ["url"]}


def _rows(conn: sqlite3.Connection) -> Iterator[sqlite3.Row]:
    conn.row_factory = sqlite3.Row
    yield from conn.execute("select * from articles order by published_at, url")


def write_whole(target: Path, write: Callable[[Path], object]) -> None:
    """``write(path)`` to a partial file beside ``target``, renamed to it once written: the
    target appears whole or not at all, and a failure (a full disk) leaves nothing behind."""
    partial = target.with_name(target.name + ".partial")
    try:
        write(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + "-journal").unlink(missing_ok=True)  # VACUUM INTO's


def write_csv(conn: sqlite3.Connection, target: Path, columns: list[str]) -> int:
    count = 0

    def write(path: Path) -> None:
        nonlocal count
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(columns)
            for row in _rows(conn):
                writer.writerow(["" if row[c] is None else row[c] for c in columns])
                count += 1

    write_whole(target, write)
    return count


def write_jsonl(conn: sqlite3.Connection, target: Path) -> None:
    def write(path: Path) -> None:
        with path.open("w", encoding="utf-8") as file:
            for row in _rows(conn):
                record = dict(row)
                for column in ARRAY_COLUMNS & record.keys():
                    try:
                        record[column] = json.loads(record[column] or "[]")
                    except ValueError:
                        pass  # kept as the text the archive holds
                file.write(json.dumps(record, ensure_ascii=False) + "\n")

    write_whole(target, write)


def resource(directory: Path, path: str, **fields) -> dict:
    file = directory / path
    return {
        "path": path,
        **fields,
        "bytes": file.stat().st_size,
        "hash": f"sha256:{sha256(file)}",
        "modified": datetime.fromtimestamp(file.stat().st_mtime, UTC).isoformat(timespec="seconds"),
    }


def export(
    db_path: str | Path, out: str | Path | None = None, wacz: str | Path | None = None
) -> dict:
    """Write the take-home files of ``db_path`` into ``out``; returns the data package."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ExportError(f"no archive at {str(db_path)!r}: run 'ham-archive crawl' first")
    if wacz and not Path(wacz).is_file():
        raise ExportError(f"no WACZ at {str(wacz)!r}")
    directory = Path(out) if out else export_dir(db_path)
    metadata = yaml.safe_load(METADATA.read_text())
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        columns = [row[1] for row in conn.execute("pragma table_info(articles)")]
    except sqlite3.DatabaseError as error:
        raise ExportError(f"cannot read {str(db_path)!r}: {error}") from None
    if "body_text" not in columns:
        raise ExportError(f"{str(db_path)!r} is not a ham-archive archive (no articles table)")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        copy = directory / db_path.name
        write_whole(copy, lambda path: conn.execute("vacuum into ?", [str(path)]))
        schema = article_schema(conn, metadata)
        rows = write_csv(conn, directory / "articles.csv", columns)
        write_jsonl(conn, directory / "articles.jsonl")
    except (sqlite3.DatabaseError, OSError) as error:
        raise unwritten(db_path, directory, error) from None
    finally:
        conn.close()
    resources = [
        resource(
            directory,
            copy.name,
            name="archive",
            title="The whole archive: every table (SQLite)",
            format="sqlite",
            mediatype="application/vnd.sqlite3",
        ),
        resource(
            directory,
            "articles.csv",
            name="articles",
            title=f"Every press release ({rows:,} rows, CSV)",
            profile="tabular-data-resource",
            format="csv",
            mediatype="text/csv",
            encoding="utf-8",
            schema=schema,
        ),
        resource(
            directory,
            "articles.jsonl",
            name="articles-jsonl",
            title=f"Every press release ({rows:,} rows, JSON Lines)",
            format="jsonl",
            mediatype="application/jsonl",
            encoding="utf-8",
            schema=schema,
        ),
    ]
    try:
        found = _wacz(db_path, directory, wacz)
    except OSError as error:
        raise unwritten(db_path, directory, error) from None
    if found is not None:
        resources.append(
            resource(
                directory,
                found.name,
                name="wacz",
                format="wacz",
                title="The web-archive captures (WACZ, for replay in pywb or ReplayWeb.page)",
                mediatype="application/wacz",
            ),
        )
    package = {
        "profile": "data-package",
        "name": f"ham-archive-{db_path.stem}".lower().replace("_", "-"),
        "title": "ham-archive: press releases of ham.go.id",
        "description": metadata["databases"]["archive"]["tables"]["articles"]["description"],
        "homepage": metadata.get("source_url"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": [{"title": metadata.get("source"), "path": metadata.get("source_url")}],
        "licenses": [{"title": metadata.get("license"), "path": metadata.get("license_url")}],
        "resources": resources,
    }
    try:
        write_whole(
            directory / DATAPACKAGE,
            lambda path: path.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n"),
        )
    except OSError as error:
        raise unwritten(db_path, directory, error) from None
    return package


def unwritten(db_path: Path, directory: Path, error: Exception) -> ExportError:
    """One line for an export that failed (the files it had not replaced are as they were)."""
    why = getattr(error, "strerror", None) or str(error)
    return ExportError(f"cannot export {str(db_path)!r} into {str(directory)!r}: {why}")


def _wacz(db_path: Path, directory: Path, wacz: str | Path | None) -> Path | None:
    """The WACZ to offer: the one given, else ``<stem>.wacz`` in the export directory or beside
    the database (copied into the export directory, hard-linked when it can be)."""
    candidates = (
        [Path(wacz)] if wacz else [directory / f"{db_path.stem}.wacz", db_path.with_suffix(".wacz")]
    )
    source = next((c for c in candidates if c.is_file()), None)
    if source is None:
        return None
    target = directory / source.name
    if source.resolve() != target.resolve():
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)
        except OSError:
            write_whole(target, lambda path: shutil.copyfile(source, path))
    return target


def human_size(size: int) -> str:
    """``1.5 MB``: bytes in decimal units, as file managers show them."""
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size:,} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def read_package(directory: Path) -> dict | None:
    """The data package of an export directory, or None when there is none (or it is not
    readable JSON)."""
    try:
        return json.loads((directory / DATAPACKAGE).read_text())
    except (OSError, ValueError):
        return None
