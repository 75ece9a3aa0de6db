"""Is the archive healthy? Pure functions over an archive's database, for ``ham-archive check``.

``problems(db)`` lists what is wrong, one short sentence each; ``summary(db)`` is the one line
``check`` prints when nothing is. Both read only; the thresholds below are documented in
docs/operations.md.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from scraper.archive import SCHEMA_VERSION, ArchiveError, check_db_path, check_schema_version
from scraper.text import SITE_TZ

# Shares of live (not deleted) articles that must carry each field. WordPress allows untitled
# posts and a press release may be a photo with one line, hence not 100% for titles and text;
# a broken selector after a theme change drops a share far below these.
MIN_TITLES = 0.99  # a non-empty title
MIN_DATES = 1.0  # a published_at that is an ISO 8601 date
MIN_TEXTS = 0.95  # a body_text of at least MIN_WORDS words
MIN_WORDS = 20
# A run still marked "running" after this long was killed (or hangs): no crawl of the whole
# site takes near this long at the polite settings.
RUNNING_LIMIT = timedelta(hours=6)

# A layout change shows as a jump in the share of articles that only the generic page object
# could read, or that came out empty (no title, a text under MIN_WORDS, or an article page whose
# text the page object could not find: "unread", a failure that saves nothing), from one run of a
# site to its next; runs with fewer articles than MIN_RUN_ARTICLES are too small to judge.
MAX_SHARE_JUMP = 0.2
MIN_RUN_ARTICLES = 10

ISO_DATE = "[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T*"
LIVE = "deleted_at is null"


def open_archive(path: str | Path) -> sqlite_utils.Database:
    """The archive at ``path``, read-only; ArchiveError (one line) when there is none."""
    path = Path(path)
    if not path.exists():
        raise ArchiveError(f"no archive at {str(path)!r}: run 'ham-archive crawl' first")
    check_db_path(path, write=False)
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?{read_only_mode(path)}", uri=True)
    db = sqlite_utils.Database(connection)
    try:
        tables = set(db.table_names())
        older = check_schema_version(db, path) < SCHEMA_VERSION and "articles" in tables
    except sqlite3.DatabaseError as error:
        db.close()
        raise ArchiveError(f"cannot read {str(path)!r}: {error}") from None
    except ArchiveError:
        db.close()
        raise
    if not {"articles", "crawl_runs"} <= tables:
        db.close()
        raise ArchiveError(f"{str(path)!r} is an SQLite database but not a ham-archive archive")
    if older:  # reading needs the current schema; only a writer upgrades
        db.close()
        raise ArchiveError(
            f"{str(path)!r} has an older schema than this ham-archive reads: run "
            "'ham-archive crawl' (or 'reparse') once to upgrade it in place"
        )
    return db


def read_only_mode(path: Path) -> str:
    """How to open an archive without writing: ``mode=ro``, which needs to create the WAL index
    beside it, or, in a directory nobody can write (so nobody is writing the archive),
    ``immutable=1``."""
    wal = Path(f"{path}-wal")
    if not os.access(path.parent, os.W_OK) and not wal.exists():
        return "immutable=1"
    return "mode=ro"


def last_run(
    db: sqlite_utils.Database, now: datetime | None = None, writing: bool | None = None
) -> dict | None:
    """The run to judge: the latest, unless it is a crawl still going (``going``)."""
    runs = list(db["crawl_runs"].rows_where(order_by="id desc", limit=2))
    if runs and going(runs[0], now, writing):
        return runs[1] if len(runs) > 1 else None
    return runs[0] if runs else None


def running_since(db: sqlite_utils.Database, writing: bool | None = None) -> str | None:
    """When the crawl going on now started, if the latest run is one."""
    run = next(db["crawl_runs"].rows_where(order_by="id desc", limit=1), None)
    return run["started_at"] if run and going(run, None, writing) else None


def going(run: dict, now: datetime | None = None, writing: bool | None = None) -> bool:
    """Whether a run is a crawl going on now: marked ``running``, within RUNNING_LIMIT, and its
    archive's write lock held. ``writing`` is ``WriteLock.held()``: False when nobody holds the
    lock, as after a crawl that was killed or could not write its end; None when the lock
    cannot tell (no lock file: an archive copied from elsewhere), and then the limit alone does.
    """
    return run["status"] == "running" and writing is not False and not overdue(run, now)


def overdue(run: dict, now: datetime | None = None) -> bool:
    return age(run, now) > RUNNING_LIMIT


def age(run: dict, now: datetime | None = None) -> timedelta:
    return (now or datetime.now(SITE_TZ)) - datetime.fromisoformat(run["started_at"])


def coverage(db: sqlite_utils.Database) -> dict:
    """The live articles, and the share of them that carry a title, a date and a text."""
    row = db.execute(
        f"""select count(*),
          sum(coalesce(trim(title), '') != ''),
          sum(coalesce(published_at, '') glob ?),
          sum(coalesce(word_count, 0) >= ?)
        from articles where {LIVE}""",
        [ISO_DATE, MIN_WORDS],
    ).fetchone()
    total = row[0]
    shares = [(n or 0) / total if total else 0.0 for n in row[1:]]
    return {"articles": total, "titles": shares[0], "dates": shares[1], "texts": shares[2]}


def problems(
    db: sqlite_utils.Database, now: datetime | None = None, writing: bool | None = None
) -> list[str]:
    """What is wrong with the archive, most important first; empty when it is healthy.

    Every site of the last crawl is judged: a crawl of several sites makes one run each.
    ``writing``: whether a process holds the archive's write lock (``going``)."""
    if not db["crawl_runs"].count:
        return ["no crawl recorded yet: run 'ham-archive crawl'"]
    run = last_run(db, now, writing)
    if run is None:  # the first crawl is still going
        return []
    runs = [run, *(other for other in same_crawl(db, run) if other["id"] != run["id"])]
    found = [
        f"{each['site']}: {problem}" if len(runs) > 1 else problem
        for each in runs
        for problem in run_problems(each, now, writing)
    ]
    if found:
        return found
    coverage_found = coverage(db)
    if not coverage_found["articles"]:
        return ["the archive holds no live article"]
    wanted = [
        ("titles", MIN_TITLES, "a title"),
        ("dates", MIN_DATES, "a publication date"),
        ("texts", MIN_TEXTS, f"a text of {MIN_WORDS}+ words"),
    ]
    return [
        f"only {percent(coverage_found[key])} of {coverage_found['articles']} articles have "
        f"{what} (threshold {percent(threshold)})"
        for key, threshold, what in wanted
        if coverage_found[key] < threshold
    ] + [problem for each in runs for problem in layout_changes(db, each)]


SAME_CRAWL = timedelta(seconds=60)  # the runs of one crawl command start together


def same_crawl(db: sqlite_utils.Database, run: dict) -> list[dict]:
    """The runs of the other sites started by the same crawl command as ``run``."""
    started = datetime.fromisoformat(run["started_at"])
    window = [(started + d).isoformat() for d in (-SAME_CRAWL, SAME_CRAWL)]
    return list(
        db["crawl_runs"].rows_where(
            "started_at between ? and ? and site != ? and status != 'running'",
            [*window, run["site"]],
            order_by="id",
        )
    )


def run_problems(run: dict, now: datetime | None = None, writing: bool | None = None) -> list[str]:
    """What one run says is wrong: it hangs, ended unfinished, failed, or found nothing."""
    when = run["started_at"]
    if run["status"] == "running" and not overdue(run, now) and writing is False:
        return [
            f"run {run['id']} of {run['site']}, started {when}, ended without finishing (killed,"
            " or it could not write its end); the next crawl starts again from the last good run"
        ]
    if run["status"] == "running":
        hours = age(run, now) / timedelta(hours=1)
        limit = RUNNING_LIMIT / timedelta(hours=1)
        return [
            f"run {run['id']} of {run['site']} has been running since {when} ({hours:.0f}h, "
            f"limit {limit:.0f}h): the crawl was killed or hangs"
        ]
    if run["status"] == "failed":
        return [f"last run ({when}) failed: {run['errors'] or 'crawl stopped before the end'}"]
    if run["status"] == "empty":
        return [f"last run ({when}) found no articles at {run['site']}"]
    return []


def extraction_shares(run: dict) -> tuple[int, float, float] | None:
    """Articles a run read, and the shares read by a generic page object and read empty."""
    try:
        counts = json.loads(run.get("extractors") or "{}")
    except ValueError:
        return None
    total = sum(n for name, n in counts.items() if name != "empty")  # "unread": not saved
    if total < MIN_RUN_ARTICLES:
        return None
    generic = sum(n for name, n in counts.items() if name.startswith("generic"))
    empty = counts.get("empty", 0) + counts.get("unread", 0)
    return total, generic / total, empty / total


def layout_changes(db: sqlite_utils.Database, run: dict) -> list[str]:
    """The run read far more articles generically, or empty, than the run of its site before."""
    earlier = next(
        db["crawl_runs"].rows_where(
            "id < ? and site = ? and status in ('ok', 'partial') and extractors is not null",
            [run["id"], run["site"]],
            order_by="id desc",
            limit=1,
        ),
        None,
    )
    now_shares, before = extraction_shares(run), earlier and extraction_shares(earlier)
    if not now_shares or not before:
        return []
    found = []
    for index, what in ((1, "by the generic page object"), (2, "empty")):
        if now_shares[index] - before[index] > MAX_SHARE_JUMP:
            found.append(
                f"{percent(now_shares[index])} of the articles of run {run['id']} were read {what}"
                f" (run {earlier['id']}: {percent(before[index])}): did {run['site']} change its"
                " layout? see docs/sources.md"
            )
    return found


def summary(
    db: sqlite_utils.Database, now: datetime | None = None, writing: bool | None = None
) -> str:
    """One line on a healthy archive: the last run, the articles, the coverage."""
    found = coverage(db)
    since = running_since(db, writing)
    run = last_run(db, now, writing)
    if run is None:
        return f"OK: the first crawl is running since {since}; {found['articles']} articles so far"
    deleted = db["articles"].count - found["articles"]
    shares = ", ".join(f"{key} {percent(found[key])}" for key in ("titles", "dates", "texts"))
    kind = "full" if run["full"] or not earlier_ok(db, run) else "incremental"
    counts = ", ".join(
        f"{run[key] or 0} {key}" for key in ("new", "updated", "unchanged", "deleted", "failed")
    )
    line = (
        f"last run {run['ended_at']}, {kind} via {run['mode']}: {run['status']}, {counts}; "
        f"{found['articles']} articles ({deleted} deleted); coverage: {shares}"
    )
    if since:
        line += f"; a crawl is running since {since}"
    return "OK: " + line


def earlier_ok(db: sqlite_utils.Database, run: dict) -> bool:
    """Whether an earlier run of the site succeeded, so that this one was incremental."""
    where = "id < ? and site = ? and status = 'ok'"
    return db["crawl_runs"].count_where(where, [run["id"], run["site"]]) > 0


def percent(share: float) -> str:
    """Rounded down, so 99.96% never shows as 100%."""
    return f"{math.floor(share * 1000 + 1e-9) / 10:g}%"
