"""Shared fixtures: small archives, and real WordPress sites (tests/wordpress.py) on 127.0.0.1."""

import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.archive import Archive
from scraper.items import Article

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import wordpress  # noqa: E402

N_POSTS = 60


@pytest.fixture
def archive_with_article(tmp_path) -> str:
    path = str(tmp_path / "archive.db")
    archive = Archive(path)
    archive.save(
        Article(
            url="https://ham.go.id/2022/09/14/x/",
            title="Judul",
            published_at="2022-09-14T09:00:00+07:00",
            body_html="<p>Teks.</p>",
            body_text="Teks.",
            source="html",
        )
    )
    archive.close()
    return path


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    assert wordpress.available(), "the tests need Debian's wordpress: run .ci/install-system"
    with wordpress.MariaDB(tmp_path_factory.mktemp("mariadb")) as db:
        yield db


@pytest.fixture(scope="session")
def wp_corpus() -> list[dict]:
    return corpus.make_corpus(N_POSTS)


SITES = {
    "classic-en-rest": {"theme": "twentytwentyone", "locale": "en_US"},
    "classic-id-locked": {"theme": "twentytwentyone", "locale": "id_ID", "rest_locked": True},
    "block-id-locked": {"theme": "twentytwentythree", "locale": "id_ID", "rest_locked": True},
    "block-en-rest": {"theme": "twentytwentythree", "locale": "en_US"},
}


@pytest.fixture(scope="session")
def wp_sites(mariadb, tmp_path_factory, wp_corpus):
    """Start each of SITES once per session, on demand: ``wp_sites("block-id-locked")``."""
    started: dict[str, wordpress.Site] = {}

    def site(name: str) -> wordpress.Site:
        if name not in started:
            directory = tmp_path_factory.mktemp(name)
            started[name] = wordpress.start_site(
                directory, wp_corpus, mariadb=mariadb, **SITES[name]
            )
        return started[name]

    yield site
    for running in started.values():
        running.stop()


@pytest.fixture
def wp_fresh(mariadb, tmp_path, wp_corpus):
    """A site of its own, for tests that edit, trash or lock it."""
    with wordpress.start_site(tmp_path / "wp", wp_corpus, mariadb=mariadb) as site:
        yield site


def reparse_keeps(db, tables: dict[str, str]) -> dict[str, list]:
    """``ham-archive reparse`` of ``db``, which must give back every row of ``tables`` (table:
    its columns, but the row number, which a rebuild may renumber); returns those rows."""

    def rows() -> dict[str, list]:
        with sqlite3.connect(db) as connection:
            return {
                t: sorted(connection.execute(f"select {c} from {t}")) for t, c in tables.items()
            }

    before = rows()
    result = ham_archive("reparse", "--db", str(db))
    assert result.returncode == 0 and "Reparsed" in result.stderr, result.stderr
    after = rows()
    for table in tables:
        assert after[table] == before[table], table
    return after


def ham_archive(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the ham-archive command as a user would."""
    command = [sys.executable, "-m", "scraper.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def limited(max_bytes: int):
    """For ``preexec_fn``: no file of the child may grow past ``max_bytes`` (RLIMIT_FSIZE: the
    kernel refuses the write, EFBIG, as a full disk refuses it with ENOSPC)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return limit


def ham_archive_limited(max_bytes: int, *args: str) -> subprocess.CompletedProcess:
    """``ham_archive`` on a disk that holds no file past ``max_bytes``."""
    command = [sys.executable, "-m", "scraper.cli", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, preexec_fn=limited(max_bytes)
    )
