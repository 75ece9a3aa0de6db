"""The ``ham-archive`` command: crawl ham.go.id into archive.db, and publish it with Datasette."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import socket
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import click

from scraper.archive import (
    Archive,
    ArchiveError,
    ArchiveLocked,
    WriteLock,
    check_db_path,
    storage_fault,
)
from scraper.settings import SITES as DEFAULT_SITES
from scraper.wayback import INTERNET_ARCHIVE_CDX, INTERNET_ARCHIVE_WAYBACK

METADATA = Path(__file__).with_name("metadata.yml")
TEMPLATES = Path(__file__).with_name("templates")  # the home page (Datasette --template-dir)
# Datasette settings of `serve`, and of `serve --public` (docs/deploy.md says why).
LOCAL_SETTINGS = {"sql_time_limit_ms": "3000"}
PUBLIC_SETTINGS = {
    "sql_time_limit_ms": "1500",
    "facet_time_limit_ms": "500",
    "max_returned_rows": "1000",
    "allow_download": "off",
    "allow_csv_stream": "off",
    "default_allow_sql": "on",
    "default_cache_ttl": "600",
}


# Exit statuses (docs/operations.md): 1 an error, 2 bad usage, LOCKED another process is writing
# the archive (EX_TEMPFAIL: try again later).
LOCKED = 75


class Locked(click.ClickException):
    exit_code = LOCKED


def write_lock(db_path: str, wait: bool = False) -> WriteLock:
    """The archive's write lock, held; a one-line error when it cannot be had."""
    lock = WriteLock(db_path)
    try:
        check_db_path(db_path)
        lock.acquire(wait=wait, waiting=lambda line: click.echo(line, err=True))
    except ArchiveLocked as error:
        raise Locked(f"{error}; try later, or pass --wait") from None
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    return lock


def db_option(function):
    return click.option(
        "--db",
        "db_path",
        default="archive.db",
        show_default=True,
        type=click.Path(dir_okay=False),
        help="The archive's SQLite file.",
    )(function)


def main() -> None:
    """The ``ham-archive`` console script. Every command closes its archive and files itself;
    the objects left at exit end with the process instead of in Python's last garbage collection
    (``gc.freeze`` at exit), which took 0.1 s after a crawl."""
    atexit.register(gc.freeze)
    cli()


@click.group()
@click.version_option(package_name="ham-archive")
def cli() -> None:
    """An open archive of the press releases of ham.go.id."""


@cli.command()
@click.option(
    "--site",
    "sites",
    multiple=True,
    help="A site or a mirror of it; repeat for several [SITES in settings: "
    + ", ".join(DEFAULT_SITES)
    + "].",
)
@db_option
@click.option("--full", is_flag=True, help="Re-check every article, not only what changed.")
@click.option("--warc-dir", type=click.Path(file_okay=False), help="Raw captures [db dir/warc].")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log on stderr.")
@click.option("--wait", is_flag=True, help="If another crawl is writing the archive, wait for it.")
@click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    callback=lambda ctx, param, values: check_overrides(values),
    help="A Scrapy setting.",
)
def crawl(
    sites: tuple[str, ...],
    db_path: str,
    full: bool,
    warc_dir: str | None,
    verbose: bool,
    wait: bool,
    overrides: dict[str, str] | None = None,
) -> None:
    """Archive every public press release of the sites into the database.

    The first run reads everything; later runs fetch only what is new, changed or gone. Sites
    are crawled side by side; one that cannot be reached is reported and the others go on. One
    crawl writes an archive at a time: another one exits with status 75, or waits (--wait).

    ham-archive crawl --site http://127.0.0.1:8080 --site http://127.0.0.1:8081 --db archive.db
    """
    sites = tuple(dict.fromkeys(check_site(site) for site in sites or DEFAULT_SITES))
    new_db = not Path(db_path).exists()
    warc = Path(warc_dir) if warc_dir else Path(db_path).parent / "warc"
    new_warc = not warc.exists()
    lock = write_lock(db_path, wait)  # refuses a database path it cannot write first
    try:
        check_warc_dir(warc)  # before the archive is made
        try:
            Archive(db_path).close()
        except ArchiveError as error:
            raise click.ClickException(str(error)) from None
        started = time.monotonic()
        results = run_spiders(
            sites, db_path, verbose, full=full, warc_dir=warc_dir, **(overrides or {})
        )
        seconds = time.monotonic() - started
    finally:
        lock.release()

    lines, worked = [], False
    for site, (stats, spider) in zip(sites, results, strict=True):
        saved = sum(stats.get(f"archive/{k}", 0) for k in ("added", "changed", "unchanged"))
        if getattr(spider, "moved_into", None):
            lines.append(f"{site} moved to {spider.site}, crawled as its own site")
        elif saved or spider.incremental:
            worked = True
            lines.append(summary(site, db_path, stats, spider, seconds))
        else:
            lines.append(f"Error: {why_nothing(site, spider, stats)}")
    if fault := storage_failure(db_path, [stats for stats, _ in results]):
        for line in lines:
            click.echo(line, err=True)
        raise click.ClickException(fault)
    if not worked:
        if new_db:  # leave no empty archive behind a failed first crawl
            for suffix in ("", "-wal", "-shm"):
                Path(db_path + suffix).unlink(missing_ok=True)
            if new_warc:  # nor the captures directory it made, when nothing was captured
                with contextlib.suppress(OSError):
                    warc.rmdir()
        message = "; ".join(line.removeprefix("Error: ") for line in lines)
        raise click.ClickException(message)
    for line in lines:
        click.echo(line, err=True)
    statuses = {stats.get("ham/status") for stats, _ in results}
    if any("ham/stopped" in stats for stats, _ in results):
        sys.exit(EXIT_FAILED)
    sys.exit(EXIT_PARTIAL if statuses - {"ok", "moved"} else EXIT_OK)


def storage_failure(db_path: str, results: list[dict], command: str = "crawl") -> str | None:
    """The one line that ends a crawl the archive's storage stopped (``ham/archive_fault``)."""
    faults = [stats["ham/archive_fault"] for stats in results if "ham/archive_fault" in stats]
    if not faults:
        return None
    line = f"cannot write the archive {db_path!r} ({faults[0]}): the {command} stopped there, and "
    if any("ham/run_unrecorded" in stats for stats in results):
        line += "could not record its run either ('check' reports it as unfinished); "
    return line + "what was stored before is kept. Free space and run it again: it fetches the rest"


# Exit status of `crawl`, for cron and systemd (docs/operations.md): 1 (failed) is a
# ClickException when no site gave anything or the disk refused a write, and the exit of a
# run that was stopped; 3 when any site's run was not ok.
EXIT_OK, EXIT_FAILED, EXIT_PARTIAL = 0, 1, 3


def check_overrides(values: tuple[str, ...]) -> dict[str, str]:
    """``-s NAME=VALUE`` pairs, each the name of a setting (Scrapy's or ours) and, where its
    default is a number or a flag, a value that reads as one."""
    from scrapy.settings import Settings

    known = Settings()
    known.setmodule("scraper.settings")
    overrides = {}
    for value in values:
        name, equals, text = value.partition("=")
        if not equals or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint="'-s'")
        if name not in known:
            raise click.BadParameter(f"{name!r} is not a Scrapy setting", param_hint="'-s'")
        default = known.get(name)
        try:
            if isinstance(default, bool):
                Settings({name: text}).getbool(name)
            elif isinstance(default, int | float):
                float(text)
        except ValueError:
            kind = "true or false" if isinstance(default, bool) else "a number"
            raise click.BadParameter(
                f"{name}={text!r}: {name} is {kind}", param_hint="'-s'"
            ) from None
        overrides[name] = text
    return overrides


def check_warc_dir(warc: Path) -> None:
    """Refuse a WARC directory the crawl could not write into, before anything is fetched (the
    crawl makes it when it is missing)."""
    for place in (warc, *warc.parents):
        if not place.exists():
            continue
        if not place.is_dir():
            raise click.ClickException(
                f"cannot keep the WARC files in {str(warc)!r}: {str(place)!r} is not a directory"
            )
        if not os.access(place, os.W_OK | os.X_OK):
            raise click.ClickException(
                f"cannot keep the WARC files in {str(warc)!r}: {str(place)!r} is not writable"
            )
        return


def check_site(site: str) -> str:
    parts = urlsplit(site.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{site!r} is not an http(s) URL", param_hint="'--site'")
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def run_spiders(
    sites: tuple[str, ...],
    db_path: str,
    verbose: bool,
    full: bool,
    warc_dir: str | None,
    **overrides: str,
) -> list:
    """Run one crawl per site, side by side in this process; returns (stats, spider) of each."""
    from scrapy.crawler import CrawlerProcess

    from scraper.spiders.ham import HamSpider

    settings = crawl_settings(db_path, verbose, full, warc_dir)
    for name, value in overrides.items():  # crawl -s NAME=VALUE
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(HamSpider)
        others = ",".join(other for other in sites if other != site)
        process.crawl(crawler, site=site, full=full, others=others)
        crawlers.append(crawler)
    process.start()
    return [(crawler.stats.get_stats(), crawler.spider) for crawler in crawlers]


def run_spider(site: str, db_path: str, verbose: bool, full: bool, warc_dir: str | None):
    """Run one crawl in this process; returns its stats and the spider."""
    return run_spiders((site,), db_path, verbose, full, warc_dir)[0]


def crawl_settings(db_path: str, verbose: bool, full: bool, warc_dir: str | None):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.set("ARCHIVE_DB", db_path, priority="cmdline")
    settings.set("FULL_CRAWL", full, priority="cmdline")
    if warc_dir:
        settings.set("WARC_DIR", warc_dir, priority="cmdline")
    if not verbose:
        settings.set("LOG_LEVEL", "CRITICAL", priority="cmdline")
    return settings


def why_nothing(site: str, spider, stats: dict) -> str:
    if opened := stats.get("ham/open_error"):
        return f"cannot open the archive or its WARC files: {opened}"
    if not stats.get("response_received_count") and getattr(spider, "first_failure", None):
        return f"cannot reach {site} ({spider.first_failure})"
    refused = getattr(spider, "rest_refused", None) or "unknown"
    where = f"{site} (now {spider.site})" if spider.site != site else site
    if unread := stats.get("extractor/unread"):
        return (
            f"{unread} article pages of {where} could not be read ({spider.first_failure}): "
            "did the layout change? see docs/sources.md"
        )
    if forbidden := stats.get("robotstxt/forbidden"):
        return (
            f"the robots.txt of {where} forbids ham-archive to fetch its pages ({forbidden} "
            "requests not made): nothing archived"
        )
    return (
        f"no articles found at {where}: is it a press site? "
        f"(REST API: {refused}; sitemaps, feeds and pages: no article found)"
    )


def summary(site: str, db_path: str, stats: dict, spider, seconds: float) -> str:
    from scraper.extensions import progress_line

    found = ", ".join(sorted(spider.seen)) or "nothing"
    mode = (
        "REST API"
        if spider.mode == "rest"
        else f"HTML pages (REST API: {spider.rest_refused}; found by {found})"
    )
    kind = "incremental" if spider.incremental else "full"
    moved = f" (moved to {spider.site})" if spider.site != site else ""
    line = f"Crawled {site}{moved} ({kind}) in {seconds:.0f}s via {mode}: {progress_line(stats)}"
    line += f" -> {db_path}"
    status = stats.get("ham/status", "ok")
    if stopped := stats.get("ham/stopped"):
        line += f"\nError: stopped before the end ({stopped}): what it stored is kept; the next"
        line += " run starts again from the last good one"
    elif status not in ("ok", "moved") and "ham/archive_fault" not in stats:  # said after it
        line += f"\nRun {status}: the failed URLs and why are in crawl_failures; the next run"
        line += " retries them"
    return line


@cli.command()
@db_option
@click.option("--warc-dir", type=click.Path(file_okay=False), help="Raw captures [db dir/warc].")
def reparse(db_path: str, warc_dir: str | None) -> None:
    """Rebuild every article from the stored captures, with no network.

    Run it after a parser fix: the rows come out as the crawls would make them now.

    ham-archive reparse --db archive.db
    """
    from scraper.reparse import ReparseError
    from scraper.reparse import reparse as replay

    if not Path(db_path).is_file():
        raise click.ClickException(f"no archive at {db_path!r}: run 'ham-archive crawl' first")
    warc = Path(warc_dir) if warc_dir else Path(db_path).parent / "warc"
    lock = write_lock(db_path)
    try:
        archive = Archive(db_path)
    except ArchiveError as error:
        lock.release()
        raise click.ClickException(str(error)) from None
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if done % 500 == 0 or done == total:
            click.echo(f"  … {done}/{total} captures", err=True)

    try:
        counts = replay(archive, warc, progress)
    except ReparseError as error:
        raise click.ClickException(str(error)) from None
    except (sqlite3.Error, OSError) as error:
        if not (fault := storage_fault(error)):
            raise
        raise click.ClickException(
            f"cannot write {db_path!r} ({fault}): the reparse was rolled back, the archive is as"
            " it was; free space and run it again"
        ) from None
    finally:
        total = archive.count()
        archive.close()
        lock.release()
    click.echo(
        f"Reparsed {db_path} in {time.monotonic() - started:.0f}s: "
        f"{counts['added']} articles rebuilt from captures, {counts['changed']} later states, "
        f"{counts['unchanged']} repeats, {counts['deleted']} gone; {total} articles in all",
        err=True,
    )


@cli.command()
@click.option(
    "--site", default=DEFAULT_SITES[0], show_default=True, help="The site whose past to read."
)
@db_option
@click.option(
    "--wayback", default=INTERNET_ARCHIVE_WAYBACK, show_default=True, help="Memento prefix."
)
@click.option("--cdx", default=INTERNET_ARCHIVE_CDX, show_default=True, help="The CDX server.")
@click.option("--from", "year_from", type=click.IntRange(1991, 2100), help="First year [all].")
@click.option("--to", "year_to", type=click.IntRange(1991, 2100), help="Last year [all].")
@click.option(
    "--delay",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds between two requests to the web archive.",
)
@click.option("--warc-dir", type=click.Path(file_okay=False), help="Raw captures [db dir/warc].")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log on stderr.")
def backfill(
    site: str,
    db_path: str,
    wayback: str,
    cdx: str,
    year_from: int | None,
    year_to: int | None,
    delay: float,
    warc_dir: str | None,
    verbose: bool,
) -> None:
    """Read the site's past from a web archive (the Wayback Machine by default).

    Every capture the CDX server lists that may hold an article is fetched once per state
    (original bytes, one request a second), read like a live page and stored with its capture
    time and memento URL: articles the site dropped, and earlier states of edited ones.
    Run it again to resume after an interruption.

    ham-archive backfill --site https://ham.go.id --from 2015 --to 2023
    """
    from scrapy.crawler import CrawlerProcess

    from scraper.spiders.wayback import WaybackSpider

    site = check_site(site)
    for name, url in (("--cdx", cdx), ("--wayback", wayback)):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint=f"'{name}'")
    if year_from and year_to and year_from > year_to:
        raise click.BadParameter(f"{year_from} is after {year_to}", param_hint="'--from'")
    try:
        Archive(db_path).close()
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    check_warc_dir(Path(warc_dir) if warc_dir else Path(db_path).parent / "warc")
    started = time.monotonic()
    arguments = {"cdx": cdx, "wayback": wayback, "year_from": year_from, "year_to": year_to}
    process = CrawlerProcess(crawl_settings(db_path, verbose, False, warc_dir))
    crawler = process.create_crawler(WaybackSpider)
    process.crawl(crawler, site=site, delay=delay, **arguments)
    process.start()
    stats, spider = crawler.stats.get_stats(), crawler.spider
    if spider.first_failure and not spider.report["listed"]:
        raise click.ClickException(f"cannot read {cdx} ({spider.first_failure})")
    report = spider.report
    counts = {k: stats.get(f"archive/{k}", 0) for k in ("added", "earlier", "changed", "unchanged")}
    click.echo(
        f"Backfilled {site} from {spider.wayback} in {time.monotonic() - started:.0f}s: "
        f"{report['listed']} captures listed ({report['malformed']} malformed lines), "
        f"{report['distinct']} states of possible articles ({report['read_before']} read before)"
        f" · fetched {stats.get('response_received_count', 0)} pages · "
        f"{counts['added']} articles added, {counts['earlier']} earlier states, "
        f"{counts['changed']} later states, {counts['unchanged']} repeats · "
        f"{stats.get('ham/skipped', 0)} not articles · {stats.get('ham/failed', 0)} failed"
        f" -> {db_path}",
        err=True,
    )
    if fault := storage_failure(db_path, [stats], "backfill"):
        raise click.ClickException(fault)
    if stopped := stats.get("ham/stopped"):
        raise click.ClickException(
            f"stopped before the end ({stopped}): what it stored is kept; run it again to resume"
        )
    if stats.get("ham/failed", 0):  # counted above and in crawl_runs; the next run retries them
        sys.exit(3)


@cli.command("export-wacz")
@db_option
@click.option("--warc-dir", type=click.Path(file_okay=False), help="Raw captures [db dir/warc].")
@click.argument("out", type=click.Path(dir_okay=False))
def export_wacz(db_path: str, warc_dir: str | None, out: str) -> None:
    """Package every capture as one WACZ file, for ReplayWeb.page and other web-archive tools.

    Its page list is the current state of every article, at the time it was captured.

    ham-archive export-wacz --db archive.db archive.wacz
    """
    from scraper.captures import ExportError
    from scraper.captures import export_wacz as export

    if not Path(db_path).is_file():
        raise click.ClickException(f"no archive at {db_path!r}: run 'ham-archive crawl' first")
    warc = Path(warc_dir) if warc_dir else Path(db_path).parent / "warc"
    files = sorted(warc.glob("*.warc.gz"))
    if not files:
        raise click.ClickException(f"no WARC files in {str(warc)!r}: nothing to export")
    if not Path(out).resolve().parent.is_dir():
        raise click.ClickException(f"directory {str(Path(out).parent)!r} does not exist")
    try:
        archive = Archive(db_path)
        pages = archive.pages()
        archive.close()
        export(files, pages, out)
    except (ArchiveError, ExportError) as error:
        raise click.ClickException(str(error)) from None
    size = Path(out).stat().st_size / 1e6
    click.echo(f"Exported {len(files)} WARC files, {len(pages)} pages -> {out} ({size:.1f} MB)")


@cli.command()
@db_option
@click.option("-h", "--host", help="Address to listen on [127.0.0.1; 0.0.0.0 with --public].")
@click.option("-p", "--port", default=8001, show_default=True, type=int)
@click.option("--public", is_flag=True, help="Harden for the internet: see docs/deploy.md.")
@click.option("--warc-dir", type=click.Path(file_okay=False), help="Raw captures [db dir/warc].")
@click.option("--export-dir", type=click.Path(file_okay=False), help="Downloads [<stem>-export].")
@click.option(
    "--setting",
    "settings",
    multiple=True,
    type=(str, str),
    help="A Datasette setting over ours, e.g. --setting force_https_urls 1.",
)
def serve(
    db_path: str,
    host: str | None,
    port: int,
    public: bool,
    warc_dir: str | None,
    export_dir: str | None,
    settings: tuple[tuple[str, str], ...],
) -> None:
    """Publish the archive with Datasette, read-only.

    --public opens the database immutable, with tight time and row limits, no database
    download and no CSV streaming, listening on 0.0.0.0 unless --host says otherwise.

    ham-archive serve --db archive.db --port 8001
    """
    from scraper import health

    path = Path(db_path)
    try:
        health.open_archive(path).close()  # one line for what Datasette would fail on
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    if any(c in path.name for c in "#?%"):  # Datasette opens the file as a URI: file:<path>?...
        raise click.ClickException(
            f"Datasette cannot open {path.name!r}: rename it without #, ? or %"
        )
    immutable = public or health.read_only_mode(path) == "immutable=1"
    if immutable and not public:
        click.echo(f"Note: {str(path.parent)!r} is read-only: serving it immutable", err=True)
    if host is None:
        host = "0.0.0.0" if public else "127.0.0.1"
    elif not public and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: {host} publishes the archive; consider --public", err=True)
    try:  # one line, where uvicorn would log its failure to bind and exit 3
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as error:
        why = error.strerror or str(error)
        raise click.ClickException(f"cannot listen on {host}:{port}: {why}") from None
    args = [sys.executable, "-m", "datasette", "serve"]
    args += ["-i", str(path)] if immutable else [str(path)]  # -i: immutable, never written
    args += ["--metadata", str(METADATA), "--template-dir", str(TEMPLATES)]
    args += ["--host", host, "--port", str(port), "--setting", "suggest_facets", "off"]
    chosen = {**(PUBLIC_SETTINGS if public else LOCAL_SETTINGS), **dict(settings)}
    for name, value in chosen.items():
        args += ["--setting", name, value]
    if warc_dir:  # where "view as captured" reads the WARC records (scraper/datasette_plugin.py)
        os.environ["HAM_ARCHIVE_WARC_DIR"] = str(Path(warc_dir).resolve())
    if export_dir:  # the files of `ham-archive export`, linked from the home page
        os.environ["HAM_ARCHIVE_EXPORT_DIR"] = str(Path(export_dir).resolve())
    os.execv(sys.executable, args)


@cli.command("export")
@db_option
@click.option("--out", type=click.Path(file_okay=False), help="Directory [<db stem>-export/].")
@click.option("--wacz", type=click.Path(dir_okay=False), help="A WACZ to offer [<db stem>.wacz].")
def export_command(db_path: str, out: str | None, wacz: str | None) -> None:
    """Write the archive to take home: an immutable copy of the database, the articles as CSV
    and JSON Lines, the WACZ when there is one, and a datapackage.json describing them.

    `serve` links them from the home page, with size, date and SHA-256.

    ham-archive export --db archive.db
    """
    from scraper.export import ExportError, export, export_dir, human_size

    started = time.monotonic()
    try:
        package = export(db_path, out, wacz)
    except ExportError as error:
        raise click.ClickException(str(error)) from None
    files = ", ".join(f"{r['path']} ({human_size(r['bytes'])})" for r in package["resources"])
    wacz_note = "" if any(r["name"] == "wacz" for r in package["resources"]) else "; no WACZ"
    click.echo(
        f"Exported {db_path} in {time.monotonic() - started:.0f}s to "
        f"{out or export_dir(db_path)}: {files}, datapackage.json{wacz_note}",
        err=True,
    )


@cli.command()
@db_option
def check(db_path: str) -> None:
    """Say in one line whether the last crawl worked; exit 1 when it did not (for cron).

    Fails when the last run failed, found nothing, was killed, or when too few articles have a
    title, a date or a text (thresholds in docs/operations.md). Reads only.

    ham-archive check --db /var/lib/ham-archive/archive.db
    """
    from scraper import health

    try:
        db = health.open_archive(db_path)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    writing = WriteLock(db_path).held()
    try:
        found = health.problems(db, writing=writing)
        line = "; ".join(found) if found else health.summary(db, writing=writing)
    finally:
        db.close()
    if found:
        raise click.ClickException(line)
    click.echo(line)


@cli.command()
@click.option("--site", required=True, help="The site to look at, before a first crawl.")
def probe(site: str) -> None:
    """One screen on a live site: redirects, CMS, REST API, sitemaps, feeds, robots.txt, which
    page object reads five sample articles and what it got, an estimate of the article count.

    ham-archive probe --site https://kemenham.go.id
    """
    from scraper.probe import ProbeError
    from scraper.probe import probe as run_probe

    try:
        run_probe(check_site(site), out=click.echo)
    except ProbeError as error:
        raise click.ClickException(str(error)) from None


@cli.command("save-fixture")
@click.argument("url")
@click.option("--case", help="The case's name [the URL's last segment].")
@click.option(
    "--dir",
    "directory",
    default="tests/fixtures",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where cases live.",
)
def save_fixture(url: str, case: str | None, directory: str) -> None:
    """Keep a page as a page-object test case, for a person to review: the page, meta.json
    and expected.json (what the page objects read today). tests/test_generic.py runs it.

    ham-archive save-fixture https://kemenham.go.id/berita/some-release --case kemenham-2026
    """
    from scraper.probe import ProbeError
    from scraper.probe import save_fixture as save

    check_site(url)
    if not Path(directory).is_dir():
        raise click.ClickException(f"directory {directory!r} does not exist")
    try:
        target = save(url, Path(directory), case)
    except ProbeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Saved {url} as {target}: check expected.json by hand before committing it")


if __name__ == "__main__":
    main()
