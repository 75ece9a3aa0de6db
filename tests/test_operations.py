"""Scheduled operation: `ham-archive check`, and the files of deploy/ run the way cron, systemd
and Scrapyd run them, against a real WordPress on 127.0.0.1."""

import fcntl
import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import wordpress
from click.testing import CliRunner
from conftest import ham_archive

from scraper import health
from scraper.archive import Archive, WriteLock
from scraper.cli import cli
from scraper.items import Article
from scraper.text import SITE_TZ, word_count

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent  # the venv's ham-archive, scrapyd, scrapyd-deploy
# What the deploy files name, replaced by the test's own before anything runs.
DEPLOYED_COMMAND = "/opt/ham-archive/venv/bin/ham-archive"
DEPLOYED_DB = "/var/lib/ham-archive/archive.db"
DEPLOYED_LOG = "/var/log/ham-archive/cron.log"
SITE = "http://127.0.0.1:8080"
STARTED, ENDED = "2024-05-01T03:15:00+07:00", "2024-05-01T03:17:00+07:00"
TEXT = " ".join(["Kementerian HAM menggelar bimbingan teknis di Banjarmasin."] * 5)


# `check`


def article(n: int, title: str = "Siaran pers", text: str = TEXT) -> Article:
    return Article(
        url=f"{SITE}/2024/04/{n % 28 + 1:02d}/siaran-{n}/",
        title=title,
        published_at=f"2024-04-{n % 28 + 1:02d}T09:00:00+07:00",
        body_html=f"<p>{text}</p>",
        body_text=text,
        word_count=word_count(text),
        source="rest",
        post_id=n,
    )


def make_archive(path: Path, articles: list[Article], runs: list[dict]) -> str:
    """An archive holding ``articles``, with ``runs`` (crawl_runs fields; times fixed)."""
    archive = Archive(path)
    for item in articles:
        archive.save(item)
    for run in runs:
        run = {"started_at": STARTED, "ended_at": ENDED, "mode": "rest", "full": 0, **run}
        run_id = archive.start_run(SITE, bool(run["full"]))
        if run["status"] != "running":
            archive.finish_run(run_id, status=run["status"])
        archive.db["crawl_runs"].update(run_id, run)
    archive.close()
    return str(path)


def check(db: str):
    """`ham-archive check --db DB` in this process (the deploy tests below run it for real)."""
    return CliRunner().invoke(cli, ["check", "--db", db])


def assert_error(result, line: str) -> None:
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {line}\n")


def test_check_healthy_archive(tmp_path):
    ok = {"status": "ok", "new": 100, "updated": 0, "unchanged": 0, "deleted": 0, "failed": 0}
    db = make_archive(tmp_path / "a.db", [article(n) for n in range(100)], [ok])
    result = check(db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"OK: last run {ENDED}, full via rest: ok, 100 new, 0 updated, 0 unchanged, 0 deleted, "
        "0 failed; 100 articles (0 deleted); coverage: titles 100%, dates 100%, texts 100%\n"
    )
    assert result.stderr == ""


def test_check_incremental_partial_run_after_a_good_one(tmp_path):
    """A run where some requests failed is reported, not alarmed on; incremental after an ok."""
    runs = [{"status": "ok", "new": 100}, {"status": "partial", "new": 2, "failed": 3}]
    db = make_archive(tmp_path / "a.db", [article(n) for n in range(100)], runs)
    result = check(db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        f"OK: last run {ENDED}, incremental via rest: partial, 2 new, 0 updated, 0 unchanged, "
        "0 deleted, 3 failed; 100 articles"
    )


def test_check_missing_db(tmp_path):
    path = tmp_path / "none.db"
    assert_error(check(str(path)), f"no archive at '{path}': run 'ham-archive crawl' first")
    assert not path.exists()


def test_check_file_that_is_not_sqlite_is_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"my thesis notes\n" * 100)
    assert_error(check(str(path)), f"'{path}' is not an SQLite database; left untouched")
    assert path.read_bytes() == b"my thesis notes\n" * 100


def test_check_other_sqlite_database_is_left_untouched(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("create table notes (text)")
    before = path.read_bytes()
    assert_error(check(str(path)), f"'{path}' is an SQLite database but not a ham-archive archive")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal, no -shm


def test_check_no_run_yet(tmp_path):
    db = make_archive(tmp_path / "a.db", [], [])
    assert_error(check(db), "no crawl recorded yet: run 'ham-archive crawl'")


def test_check_failed_run(tmp_path):
    runs = [
        {"status": "ok"},
        {"status": "failed", "errors": "Connection was refused by other side: 111"},
    ]
    db = make_archive(tmp_path / "a.db", [article(n) for n in range(10)], runs)
    assert_error(
        check(db), f"last run ({STARTED}) failed: Connection was refused by other side: 111"
    )


def test_check_run_that_found_nothing(tmp_path):
    db = make_archive(tmp_path / "a.db", [], [{"status": "empty"}])
    assert_error(check(db), f"last run ({STARTED}) found no articles at {SITE}")


def test_check_killed_crawl(tmp_path):
    """A run still 'running' for longer than RUNNING_LIMIT: the crawl was killed."""
    started = (datetime.now(SITE_TZ) - timedelta(hours=7)).isoformat(timespec="seconds")
    runs = [{"status": "ok"}, {"status": "running", "started_at": started, "ended_at": None}]
    db = make_archive(tmp_path / "a.db", [article(n) for n in range(10)], runs)
    assert_error(
        check(db),
        f"run 2 of {SITE} has been running since {started} (7h, limit 6h): "
        "the crawl was killed or hangs",
    )


def test_check_while_a_crawl_runs(tmp_path):
    """A crawl going on now is not an error: the run before it is judged."""
    started = (datetime.now(SITE_TZ) - timedelta(minutes=5)).isoformat(timespec="seconds")
    runs = [{"status": "ok"}, {"status": "running", "started_at": started, "ended_at": None}]
    db = make_archive(tmp_path / "a.db", [article(n) for n in range(10)], runs)
    result = check(db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"OK: last run {ENDED}, full via rest: ok")
    assert result.stdout.endswith(f"; a crawl is running since {started}\n")

    first = make_archive(tmp_path / "b.db", [], [runs[1]])
    result = check(first)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"OK: the first crawl is running since {started}; 0 articles so far\n"


HOLD_LOCK = """
import sys
from scraper.archive import WriteLock
WriteLock(sys.argv[1]).acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_check_tells_a_crawl_going_on_from_one_that_was_killed(tmp_path):
    """A run left 'running' is going on while a process holds the archive's write lock; once
    that process is killed (the kernel drops its lock), it ended without finishing."""
    started = (datetime.now(SITE_TZ) - timedelta(minutes=5)).isoformat(timespec="seconds")
    runs = [{"status": "ok"}, {"status": "running", "started_at": started, "ended_at": None}]
    db = make_archive(tmp_path / "a.db", [article(n) for n in range(10)], runs)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, db], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline() == b"held\n"
        result = check(db)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.endswith(f"; a crawl is running since {started}\n")
    finally:
        holder.kill()
        holder.wait()
    assert_error(
        check(db),
        f"run 2 of {SITE}, started {started}, ended without finishing (killed, or it could not"
        " write its end); the next crawl starts again from the last good run",
    )


def test_a_reader_testing_the_lock_does_not_turn_a_crawl_away(tmp_path):
    """``check`` tests the lock with a shared flock it drops at once; a crawl taking the lock
    in that moment waits it out instead of exiting as if another crawl held it."""
    lock = WriteLock(tmp_path / "a.db")
    lock.acquire()
    lock.release()
    with open(lock.path, "rb") as reader:
        fcntl.flock(reader, fcntl.LOCK_SH)
        threading.Timer(0.2, fcntl.flock, (reader, fcntl.LOCK_UN)).start()
        lock.acquire()  # no ArchiveLocked
    assert lock.held()
    lock.release()
    assert lock.held() is False
    assert WriteLock(tmp_path / "never.db").held() is None  # no lock file: cannot tell


def test_running_limit_boundary(tmp_path):
    runs = [{"status": "running", "ended_at": None}]
    db = make_archive(tmp_path / "a.db", [article(1)], runs)
    started = datetime.fromisoformat(STARTED)
    opened = health.open_archive(db)
    try:
        assert health.problems(opened, now=started + timedelta(hours=5, minutes=59)) == []
        assert health.problems(opened, now=started + timedelta(hours=6, minutes=1)) == [
            f"run 1 of {SITE} has been running since {STARTED} (6h, limit 6h): "
            "the crawl was killed or hangs"
        ]
    finally:
        opened.close()


def test_check_coverage_below_thresholds(tmp_path):
    """Two problems, one line: 2 of 100 untitled (98% < 99%), 6 texts too short (94% < 95%)."""
    articles = [article(n) for n in range(92)]
    articles += [article(n, title="") for n in range(92, 94)]
    articles += [article(n, text="Foto kegiatan.") for n in range(94, 100)]
    db = make_archive(tmp_path / "a.db", articles, [{"status": "ok"}])
    assert_error(
        check(db),
        "only 98% of 100 articles have a title (threshold 99%); "
        "only 94% of 100 articles have a text of 20+ words (threshold 95%)",
    )


def test_check_coverage_counts_live_articles_only(tmp_path):
    articles = [article(n) for n in range(50)] + [article(50, title="")]
    db = make_archive(tmp_path / "a.db", articles, [{"status": "ok"}])
    assert check(db).exit_code == 1
    archive = Archive(db)
    archive.mark_deleted(articles[-1].url)
    archive.close()
    result = check(db)
    assert result.exit_code == 0, result.stderr
    assert "50 articles (1 deleted); coverage: titles 100%," in result.stdout


def test_check_undated_article(tmp_path):
    articles = [article(n) for n in range(100)]
    db = make_archive(tmp_path / "a.db", articles, [{"status": "ok"}])
    with sqlite3.connect(db) as raw:
        raw.execute("update articles set published_at = '' where post_id = 7")
    assert_error(check(db), "only 99% of 100 articles have a publication date (threshold 100%)")


def test_check_usage_error(tmp_path):
    result = ham_archive("check", "--nope")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith("Error: No such option")


# deploy/: the commands exactly as written, with the paths and site of this machine


def local(command: str, site: str, tmp_path: Path) -> str:
    """A command line of deploy/ with the venv, a temporary db and log, and the test site in
    place of the SITES setting (every address of the ministry) that the deployed crawl reads."""
    crawl = f"{DEPLOYED_COMMAND} crawl "
    assert "--site" not in command, command  # the deployed crawl reads the SITES setting
    local_command = (
        command.replace(crawl, f"{crawl}--site {site} ")
        .replace(DEPLOYED_COMMAND, str(BIN / "ham-archive"))
        .replace(DEPLOYED_DB, str(tmp_path / "archive.db"))
        .replace(DEPLOYED_LOG, str(tmp_path / "cron.log"))
    )
    for deployed in ("ham.go.id", "/opt/", "/var/"):  # never the real site, nothing outside tmp
        assert deployed not in local_command, local_command
    return local_command


def archived_posts(db: Path) -> set[int]:
    with sqlite3.connect(db) as archive:
        return {row[0] for row in archive.execute("select post_id from articles")}


def published_ids(site) -> set[int]:
    return {post_id for post_id, _ in site.published()}


def cron_command() -> tuple[str, str, str]:
    """The schedule, the user and the command of deploy/crontab's one job."""
    lines = DEPLOY.joinpath("crontab").read_text().splitlines()
    jobs = [line for line in lines if line and not line.startswith("#") and "=" not in line[:12]]
    assert len(jobs) == 1, jobs
    fields = jobs[0].split(maxsplit=6)
    return " ".join(fields[:5]), fields[5], fields[6]


def test_cron_line_crawls_then_checks(wp_sites, tmp_path):
    site = wp_sites("classic-en-rest")
    schedule, user, command = cron_command()
    assert (schedule, user) == ("15 3 * * *", "ham-archive")
    result = subprocess.run(
        ["sh", "-c", local(command, site.url, tmp_path)], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")  # cron mails nothing
    assert archived_posts(tmp_path / "archive.db") == published_ids(site)
    log = (tmp_path / "cron.log").read_text().splitlines()
    assert any(line.startswith(f"Crawled {site.url} (full)") for line in log), log
    assert log[-1].startswith("OK: last run"), log


def test_cron_line_prints_one_error_line_for_cron_to_mail(tmp_path):
    port = wordpress.free_port()  # nothing listens there
    _, _, command = cron_command()
    result = subprocess.run(
        ["sh", "-c", local(command, f"http://127.0.0.1:{port}", tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.stdout.startswith(f"Error: cannot reach http://127.0.0.1:{port} (")
    assert len(result.stdout.splitlines()) == 1 and result.stderr == ""


def test_systemd_units_verify(tmp_path):
    """systemd-analyze verify: no unknown key, no bad value (venv path for the missing /opt)."""
    assert shutil.which("systemd-analyze"), "needs Debian's systemd: run .ci/install-system"
    for name in ("ham-archive.service", "ham-archive.timer"):
        text = DEPLOY.joinpath(name).read_text()
        tmp_path.joinpath(name).write_text(text.replace(DEPLOYED_COMMAND, str(BIN / "ham-archive")))
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(p) for p in sorted(tmp_path.iterdir()))],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr


def test_systemd_timer_and_service_settings():
    timer = DEPLOY.joinpath("ham-archive.timer").read_text().splitlines()
    assert "Persistent=true" in timer and "OnCalendar=*-*-* 03:15:00" in timer
    service = DEPLOY.joinpath("ham-archive.service").read_text().splitlines()
    for setting in (
        "Type=oneshot",
        "User=ham-archive",
        "StateDirectory=ham-archive",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/ham-archive",
    ):
        assert setting in service


def test_systemd_service_commands(wp_sites, tmp_path):
    """Each ExecStart= of the service, in order, as systemd runs it (no shell)."""
    site = wp_sites("classic-en-rest")
    service = DEPLOY.joinpath("ham-archive.service").read_text().splitlines()
    commands = [line.removeprefix("ExecStart=") for line in service if line.startswith("ExecS")]
    assert [shlex.split(c)[1] for c in commands] == ["crawl", "check"]
    for command in commands:
        result = subprocess.run(
            shlex.split(local(command, site.url, tmp_path)),
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: last run ")
    assert archived_posts(tmp_path / "archive.db") == published_ids(site)
    assert list((tmp_path / "warc").iterdir())  # the captures, beside the database


# Scrapyd


def scrapyd(directory: Path, port: int) -> subprocess.Popen:
    """A Scrapyd on 127.0.0.1:port with everything it keeps inside ``directory``."""
    directory.mkdir()
    directory.joinpath("scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {directory / 'eggs'}\n"
        f"logs_dir = {directory / 'logs'}\n"
        f"dbs_dir = {directory / 'dbs'}\n"
        "items_dir =\n"
        "poll_interval = 0.2\n"
    )
    with open(directory / "scrapyd.log", "wb") as log:
        server = subprocess.Popen(
            [str(BIN / "scrapyd")],
            cwd=directory,  # it reads ./scrapyd.conf
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            api(port, "daemonstatus.json")
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop(server)
                log_text = (directory / "scrapyd.log").read_text()[-2000:]
                raise AssertionError(f"scrapyd did not start:\n{log_text}") from None
            time.sleep(0.1)


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)


def api(port: int, path: str, form: list[tuple[str, str]] | None = None) -> dict:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", data, timeout=10) as response:
        return json.load(response)


def project_copy(directory: Path, port: int) -> Path:
    """The project as deployed, so that scrapyd-deploy's setup.py and build/ stay out of it."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "scraper", directory / "scraper", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, directory / name)
    config = ROOT.joinpath("scrapy.cfg").read_text()
    assert "url = http://127.0.0.1:6800/\n" in config
    config = config.replace("127.0.0.1:6800", f"127.0.0.1:{port}")
    directory.joinpath("scrapy.cfg").write_text(config)
    return directory


def test_scrapyd_deploy_schedule_and_crawl(wp_sites, tmp_path):
    assert (BIN / "scrapyd").exists(), "needs the ops extra: pip install -e '.[test,ops]'"
    site = wp_sites("classic-en-rest")
    port = wordpress.free_port()
    server = scrapyd(tmp_path / "scrapyd", port)
    try:
        project = project_copy(tmp_path / "project", port)
        deployed = subprocess.run(
            [str(BIN / "scrapyd-deploy")], cwd=project, capture_output=True, text=True, timeout=300
        )
        assert deployed.returncode == 0, deployed.stderr
        answer = json.loads(deployed.stdout)
        spiders = 2  # ham (the crawl) and wayback (the backfill)
        assert (answer["status"], answer["project"], answer["spiders"]) == (
            "ok",
            "ham-archive",
            spiders,
        )

        db = tmp_path / "archive.db"
        form = [("project", "ham-archive"), ("spider", "ham"), ("site", site.url)]
        job = api(port, "schedule.json", [*form, ("setting", f"ARCHIVE_DB={db}")])
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 300
        while job["jobid"] not in {
            j["id"] for j in api(port, "listjobs.json?project=ham-archive")["finished"]
        }:
            assert time.monotonic() < deadline, "the Scrapyd job did not finish in 300s"
            time.sleep(0.5)
    finally:
        stop(server)
    log = next((tmp_path / "scrapyd" / "logs" / "ham-archive" / "ham").glob("*.log")).read_text()
    assert archived_posts(db) == published_ids(site), log[-3000:]
    assert list((tmp_path / "warc").iterdir())
    result = ham_archive("check", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: last run ")


@pytest.mark.parametrize("name", ["ham-archive.service", "ham-archive.timer", "crontab"])
def test_deploy_files_are_documented(name):
    assert f"deploy/{name}" in ROOT.joinpath("docs", "operations.md").read_text()
