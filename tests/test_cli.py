"""The command line as a user meets it: exit codes and one-line errors, never a traceback."""

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ham_archive

from scraper.archive import Archive


def run(*args: str, offline: bool = False) -> subprocess.CompletedProcess:
    """Run ham-archive; ``offline`` runs it in a network namespace with only loopback,
    as on a machine without internet (no packet can leave this machine)."""
    if not offline:
        return ham_archive(*args)
    shell = 'ip link set lo up && exec "$@"'
    command = ["unshare", "--net", "sh", "-c", shell, "-", sys.executable, "-m", "scraper.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [errors[-1]] and expected in errors[-1], result.stderr
    assert "Traceback" not in result.stderr


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unknown_host_without_internet(tmp_path):
    result = run("crawl", "--db", str(tmp_path / "a.db"), offline=True)
    assert_one_line_error(result, "cannot reach https://ham.go.id (DNS lookup failed")
    assert not (tmp_path / "a.db").exists()  # no empty archive left behind
    assert not (tmp_path / "warc").exists()  # nor an empty captures directory


def test_refused_connection(tmp_path):
    result = run(
        "crawl", "--site", f"http://127.0.0.1:{closed_port()}", "--db", str(tmp_path / "a.db")
    )
    assert_one_line_error(result, "Connection was refused")


@pytest.mark.parametrize("site", ["ftp://ham.go.id", "ham.go.id", "http://"])
def test_site_must_be_http(tmp_path, site):
    result = run("crawl", "--site", site, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert_one_line_error(result, "is not an http(s) URL")


@pytest.mark.parametrize(
    "setting, message",
    [
        ("NOEQUALS", "'NOEQUALS' is not NAME=VALUE"),
        ("=1", "'=1' is not NAME=VALUE"),
        ("DOWNLOAD_DELEY=1", "'DOWNLOAD_DELEY' is not a Scrapy setting"),
        ("REST_PER_PAGE=abc", "REST_PER_PAGE='abc': REST_PER_PAGE is a number"),
        (
            "AUTOTHROTTLE_ENABLED=maybe",
            "AUTOTHROTTLE_ENABLED='maybe': AUTOTHROTTLE_ENABLED is true",
        ),
    ],
)
def test_a_setting_that_cannot_be_is_refused_before_the_crawl(tmp_path, setting, message):
    """A typo in ``-s`` used to be ignored, or to end as 'no articles found'."""
    site = f"http://127.0.0.1:{closed_port()}"
    result = run("crawl", "--site", site, "--db", str(tmp_path / "a.db"), "-s", setting)
    assert result.returncode == 2
    assert_one_line_error(result, f"Invalid value for '-s': {message}")
    assert not list(tmp_path.iterdir())


def test_serve_on_a_port_in_use(tmp_path, archive_with_article):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run("serve", "--db", archive_with_article, "--port", str(port))
    assert result.returncode == 1
    assert result.stderr == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_a_warc_directory_that_cannot_be_is_refused_before_the_crawl(tmp_path):
    (tmp_path / "file").write_text("")
    site = f"http://127.0.0.1:{closed_port()}"
    db = str(tmp_path / "a.db")
    result = run("crawl", "--site", site, "--db", db, "--warc-dir", str(tmp_path / "file" / "w"))
    assert result.returncode == 1
    assert_one_line_error(result, f"{str(tmp_path / 'file')!r} is not a directory")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.db.lock", "file"]
    # As root, one the checks let through, refused by the kernel when the crawl opens it (/proc
    # takes no directory): the line says so, not 'no articles found'.
    result = run("crawl", "--site", site, "--db", db, "--warc-dir", "/proc/ham-archive-warc")
    assert result.returncode == 1
    assert_one_line_error(result, "WARC files")


def test_db_in_missing_directory(tmp_path):
    result = run("crawl", "--db", str(tmp_path / "missing" / "a.db"))
    assert_one_line_error(result, "does not exist")


def test_db_that_is_not_sqlite_is_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"my thesis notes\n" * 100)
    result = run("crawl", "--site", "http://127.0.0.1:1", "--db", str(path))
    assert_one_line_error(result, "is not an SQLite database")
    assert path.read_bytes() == b"my thesis notes\n" * 100


def test_serve_without_archive(tmp_path):
    assert_one_line_error(
        run("serve", "--db", str(tmp_path / "none.db")), "run 'ham-archive crawl'"
    )


def test_failed_crawl_keeps_existing_archive(tmp_path, archive_with_article):
    before = Path(archive_with_article).read_bytes()
    result = run(
        "crawl", "--site", f"http://127.0.0.1:{closed_port()}", "--db", archive_with_article
    )
    assert_one_line_error(result, "cannot reach")
    with sqlite3.connect(archive_with_article) as db:
        assert db.execute("select count(*) from articles").fetchone() == (1,)
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    assert len(Path(archive_with_article).read_bytes()) == len(before)


def test_unshare_is_available():
    """The offline test above needs util-linux's unshare and iproute2 (installed by CI)."""
    assert shutil.which("unshare") and shutil.which("ip")


def test_a_site_whose_robots_txt_forbids_everything(tmp_path):
    """WordPress's "Discourage search engines": nothing is fetched, and the line says why."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    (site / "index.html").write_text("<html><body><a href='/2024/05/01/a/'>A</a></body></html>")
    with static_server(site) as url:
        result = run("crawl", "--site", url, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1
    assert_one_line_error(result, f"the robots.txt of {url} forbids ham-archive to fetch its pages")


@contextlib.contextmanager
def static_server(directory: Path):
    """``python -m http.server`` serving ``directory`` on loopback; yields its URL."""
    port = closed_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    server = subprocess.Popen(command, cwd=directory, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


def test_a_site_that_is_not_wordpress(tmp_path):
    """A plain web server on loopback: no REST API, no sitemap, no post in its pages."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body><a href='/about/'>About</a></body></html>")
    with static_server(site) as url:
        result = run("crawl", "--site", url, "--db", str(tmp_path / "a.db"))
    assert_one_line_error(result, "no articles found at http://127.0.0.1:")
    assert "is it a press site? (REST API: HTTP 404" in result.stderr
    assert not (tmp_path / "a.db").exists()


# A read-only directory (a read-only bind mount in a mount namespace of the command's own: as
# root, permissions alone would not stop a write).

LEGACY = Path(__file__).parent / "fixtures" / "archive-3398273"


def read_only(directory: Path, *args: str, **popen) -> list[str]:
    shell = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    command = ["unshare", "--mount", "sh", "-c", shell, str(directory)]
    return [*command, sys.executable, "-m", "scraper.cli", *args]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def read_only_archive(tmp_path) -> Path:
    """A copy of the release-3398273 fixture, upgraded (by opening it to write)."""
    shutil.copytree(LEGACY, tmp_path / "ro")
    Archive(tmp_path / "ro" / "archive.db").close()
    return tmp_path / "ro" / "archive.db"


@pytest.mark.parametrize(
    "args",
    [
        ["crawl", "--site", "http://127.0.0.1:9"],
        ["crawl", "--site", "http://127.0.0.1:9", "--db", "{dir}/new.db"],
        ["reparse"],
    ],
    ids=["crawl", "crawl-new", "reparse"],
)
def test_writing_into_a_read_only_directory(read_only_archive, args):
    directory = read_only_archive.parent
    args = [a.format(dir=directory) for a in args]
    if "--db" not in args:
        args += ["--db", str(read_only_archive)]
    before = snapshot(directory)
    command = read_only(directory, *args)
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert_one_line_error(result, f"directory {str(directory)!r} is not writable")
    assert result.stderr.splitlines() == [
        f"Error: directory {str(directory)!r} is not writable; nothing was changed"
    ]
    assert snapshot(directory) == before


def test_reading_from_a_read_only_directory(read_only_archive):
    """check and serve only read: they work, immutable, and write nothing."""
    directory = read_only_archive.parent
    shutil.copytree(directory, directory.parent / "rw")
    writable = ham_archive("check", "--db", str(directory.parent / "rw" / "archive.db"))
    before = snapshot(directory)
    command = read_only(directory, "check", "--db", str(read_only_archive))
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (
        writable.returncode,
        writable.stdout,
        writable.stderr,
    )
    assert "only 85.7% of 7 articles" in result.stderr  # the fixture's short edited text

    port = closed_port()
    command = read_only(directory, "serve", "--db", str(read_only_archive), "--port", str(port))
    server = subprocess.Popen(command, stderr=subprocess.PIPE, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/archive/articles.json?_shape=array"
        for _ in range(200):
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert len(json.load(response)) == 8
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("serve never answered")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    assert (
        server.stderr.read()
        .decode()
        .startswith(f"Note: {str(directory)!r} is read-only: serving it immutable")
    )
    assert snapshot(directory) == before
