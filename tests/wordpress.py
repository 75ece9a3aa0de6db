"""A real WordPress (Debian's ``wordpress`` 6.1 package) for tests and benchmarks of ham-archive.

No pytest in here: tests use it through fixtures, benchmark scripts use it directly::

    with MariaDB(tmp / "db") as db, WordPress(db, tmp / "site", theme="twentytwentythree",
                                               locale="id_ID") as wp:
        ids = wp.insert_posts(make_corpus(200))
        crawl(wp.url)

or the one-call factory ``start_site(dir, posts, **options)`` (returns a :class:`Site`).

Pieces
------
* :class:`MariaDB` — a private ``mariadbd`` (``--user=root --skip-networking``, datadir and unix
  socket inside its own directory, initialised with ``mariadb-install-db``; root has no password).
* :class:`WordPress` — one site: its own database, its own ``wp-content`` (the Debian themes
  symlinked, the ``wordpress-l10n`` language files symlinked, a must-use plugin from
  ``tests/wp/mu-plugin.php``), installed by ``tests/wp/install.php`` with ``wp_install()`` and
  served by ``php -S 127.0.0.1:PORT -t /usr/share/wordpress tests/wp/router.php`` with
  ``PHP_CLI_SERVER_WORKERS=4``.

How several sites share one WordPress install
---------------------------------------------
Debian's ``/usr/share/wordpress/wp-config.php`` loads ``/etc/wordpress/config-<host>.php``, or
``/etc/wordpress/config-$WORDPRESS_CONFIG.php`` when ``$_SERVER['WORDPRESS_CONFIG']`` is set.
Every site is served from ``127.0.0.1`` so the host name cannot tell them apart; instead each
instance gets a unique config name (``hamtest-<pid>-<n>-<random>``): its config lives in the
instance's workdir and ``/etc/wordpress/config-<name>.php`` is a symlink to it (removed by
``stop()`` and at interpreter exit). The PHP server is started with ``HAM_WP_CONFIG=<name>`` in its
environment and the router copies it into ``$_SERVER['WORDPRESS_CONFIG']`` before loading
WordPress; CLI scripts (installer, post loader, :meth:`WordPress.php`) do the same through
``tests/wp/bootstrap.php``. So any number of sites can run at once, each with its own database,
``WP_CONTENT_DIR``, theme, locale and options, and nothing is written to ``/var/lib/wordpress``.
The config also sets ``WP_HOME``/``WP_SITEURL`` to ``http://127.0.0.1:PORT``, ``DISABLE_WP_CRON``,
``WP_HTTP_BLOCK_EXTERNAL`` (the mu-plugin also refuses every non-loopback HTTP request, remote block
patterns and mail), and ``HAM_TEST_REST_LOCKED`` for ``rest_locked=True``.

Site state after install: the sample post/page/privacy page are deleted, permalinks are
``/%year%/%monthnum%/%day%/%postname%/``, ``timezone_string`` is ``Asia/Jakarta``, ``blog_public``
is 1 (so core sitemaps and the robots.txt ``Sitemap:`` line exist), ``WPLANG`` is the locale
(empty for en_US), comments are open on posts (so Twenty Twenty-One prints "Leave a Reply").

Measured on the 2-core build machine (Debian 12, PHP 8.2, MariaDB 10.11, WordPress 6.1.9)
-------------------------------------------------------------------------------------------
* MariaDB: ``mariadb-install-db`` + start of ``mariadbd``: 1.0-1.3 s.
* WordPress instance: database, wp-content, config, ``install.php`` + ``configure.php``
  (two PHP CLI runs): 0.9-1.2 s; ``php -S`` up and answering the first request: 0.55-0.7 s.
  A whole ``start_site(dir, make_corpus(60))`` with its own MariaDB: about 3.5 s.
* ``insert_posts``: about 110 posts/s (1000 corpus posts in 8.7 s with Twenty Twenty-One,
  9.3 s with Twenty Twenty-Three/id_ID), one PHP run, one transaction, deferred term counting;
  a fixed cost of about 0.3 s (loading WordPress) per call.
* Serving, 4 concurrent clients, 1000 posts loaded: Twenty Twenty-One/en_US about 22 article
  pages/s and 26 single-post REST requests/s; Twenty Twenty-Three/id_ID about 11 pages/s (the
  block theme and the id_ID .mo parsing cost) and 22 REST requests/s; a REST page of 100 posts
  about 4/s. One client, one page at a time: 35-55 ms per Twenty Twenty-One page. Opcache is on
  in the server (it makes pages 5-7x faster). These are lower than the 50-65 pages/s that
  shared/SITE.md quotes: plan benchmark sizes on these numbers.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

WP_ROOT = Path("/usr/share/wordpress")
WP_ETC = Path("/etc/wordpress")
HERE = Path(__file__).resolve().parent
WP_HELPERS = HERE / "wp"
THEMES = ("twentytwentyone", "twentytwentythree")
LOCALES = ("en_US", "id_ID")
PERMALINKS = "/%year%/%monthnum%/%day%/%postname%/"

_live: set = set()  # objects with stop(); stopped at interpreter exit
_counter = 0


@atexit.register
def _stop_all() -> None:
    for obj in list(_live):
        with contextlib.suppress(Exception):
            obj.stop()


def available() -> bool:
    """True when the Debian packages the harness needs are installed (.ci/install-system)."""
    return (
        (WP_ROOT / "wp-load.php").exists()
        and shutil.which("mariadbd") is not None
        and shutil.which("mariadb-install-db") is not None
        and shutil.which("php") is not None
        and WP_ETC.is_dir()
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop_process(proc: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """Terminate a process started with start_new_session=True and its whole group."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    # The PHP server's workers are in the same group; make sure none outlives the master.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _pdf_bytes(title: str) -> bytes:
    """A small valid one-page PDF."""
    text = title.encode("latin-1", "replace")[:80].replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def placeholder_file(path: str, title: str = "Dokumen") -> bytes:
    """Placeholder content for an upload a post links to (a small valid PDF for .pdf)."""
    if path.lower().endswith(".pdf"):
        return _pdf_bytes(title)
    return b""


class HarnessError(RuntimeError):
    pass


class MariaDB:
    """A private MariaDB server on a unix socket, for as long as the object lives.

    ``MariaDB(directory)`` initialises ``directory/data`` with ``mariadb-install-db`` (unless it
    already holds a datadir) and starts ``mariadbd`` on ``directory/mysqld.sock`` (or a short
    directory under /tmp when that path is too long for a unix socket). Durability is traded for
    speed (no binlog, no doublewrite, log flushed once a second).
    """

    def __init__(self, directory: str | os.PathLike, *, start_timeout: float = 30.0):
        self.dir = Path(directory).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.datadir = self.dir / "data"
        sock = self.dir / "mysqld.sock"
        self._sockdir = None
        if len(str(sock)) > 100:
            self._sockdir = tempfile.mkdtemp(prefix="hammdb-", dir="/tmp")
            sock = Path(self._sockdir) / "mysqld.sock"
        self.socket = sock
        self.log = self.dir / "mariadb.log"
        self.proc: subprocess.Popen | None = None
        t0 = time.monotonic()
        if not (self.datadir / "mysql").is_dir():
            res = subprocess.run(
                [
                    "mariadb-install-db",
                    "--no-defaults",
                    "--user=root",
                    f"--datadir={self.datadir}",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ],
                capture_output=True,
                text=True,
            )
            if res.returncode != 0:
                raise HarnessError(f"mariadb-install-db failed:\n{res.stdout}\n{res.stderr}")
        _live.add(self)
        self.proc = subprocess.Popen(
            [
                "mariadbd",
                "--no-defaults",
                "--user=root",
                f"--datadir={self.datadir}",
                f"--socket={self.socket}",
                "--skip-networking",
                f"--pid-file={self.dir / 'mariadbd.pid'}",
                f"--log-error={self.log}",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=128M",
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-doublewrite=0",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + start_timeout
        while True:
            if self.proc.poll() is not None:
                self.proc = None
                _live.discard(self)
                raise HarnessError(f"mariadbd exited at start; log:\n{self._log_tail()}")
            if self.socket.exists() and self._ping():
                break
            if time.monotonic() > deadline:
                self.stop()
                raise HarnessError(
                    f"mariadbd did not start in {start_timeout}s:\n{self._log_tail()}"
                )
            time.sleep(0.05)
        self.start_seconds = time.monotonic() - t0

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    def _ping(self) -> bool:
        res = subprocess.run(
            ["mariadb-admin", "--no-defaults", f"--socket={self.socket}", "-uroot", "ping"],
            capture_output=True,
        )
        return res.returncode == 0

    @property
    def db_host(self) -> str:
        """DB_HOST for wp-config: ``localhost:/path/to/socket``."""
        return f"localhost:{self.socket}"

    def sql(self, statements: str, database: str | None = None) -> str:
        """Run SQL with the ``mariadb`` client as root; returns its tab-separated output."""
        cmd = ["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", "--batch"]
        if database:
            cmd.append(database)
        res = subprocess.run(cmd, input=statements, capture_output=True, text=True)
        if res.returncode != 0:
            raise HarnessError(f"SQL failed: {res.stderr}\n{statements[:500]}")
        return res.stdout

    def create_database(self, name: str) -> str:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"bad database name {name!r}")
        self.sql(
            f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
        )
        return name

    def stop(self) -> None:
        _stop_process(self.proc, timeout=20)
        self.proc = None
        _live.discard(self)
        if self._sockdir:
            shutil.rmtree(self._sockdir, ignore_errors=True)
            self._sockdir = None

    def __enter__(self) -> MariaDB:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


_CONFIG_TEMPLATE = """<?php
/* ham-archive test site {name}; loaded by Debian's wp-config.php through
   /etc/wordpress/config-{name}.php (a symlink to this file). */
define('DB_NAME', {db_name});
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', {db_host});
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_CONTENT_DIR', {content_dir});
define('WP_HOME', {url});
define('WP_SITEURL', {url});
define('WP_DEBUG', false);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WP_ALLOW_MULTISITE', false);
define('HAM_TEST_REST_LOCKED', {rest_locked});
define('AUTH_KEY', {k1}); define('SECURE_AUTH_KEY', {k2}); define('LOGGED_IN_KEY', {k3});
define('NONCE_KEY', {k4}); define('AUTH_SALT', {k5}); define('SECURE_AUTH_SALT', {k6});
define('LOGGED_IN_SALT', {k7}); define('NONCE_SALT', {k8});
$table_prefix = 'wp_';
"""


def _php_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


class WordPress:
    """One WordPress site served on ``http://127.0.0.1:PORT`` (see the module docstring)."""

    def __init__(
        self,
        mariadb: MariaDB,
        workdir: str | os.PathLike,
        *,
        theme: str = "twentytwentyone",
        locale: str = "en_US",
        rest_locked: bool = False,
        timezone: str = "Asia/Jakarta",
        title: str = "Direktorat Jenderal HAM",
        workers: int = 4,
        port: int | None = None,
        home: str | None = None,
        clock_offset: int = 0,
    ):
        """``home``: the site's own URL (WP_HOME), when a proxy stands in front of the server.
        ``clock_offset``: seconds the server's clock (PHP's: every date WordPress writes, its
        ``Date`` header) is ahead of the machine's, negative when behind (libfaketime)."""
        global _counter
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {THEMES}")
        if locale not in LOCALES:
            raise ValueError(f"locale must be one of {LOCALES}")
        self.mariadb = mariadb
        self.theme, self.locale, self.rest_locked, self.timezone = (
            theme,
            locale,
            rest_locked,
            timezone,
        )
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        _counter += 1
        self.name = f"hamtest-{os.getpid()}-{_counter}-{secrets.token_hex(3)}"
        self.db_name = self.name.replace("-", "_")
        self.port = port or free_port()
        self.url = home or f"http://127.0.0.1:{self.port}"
        self.content_dir = self.workdir / "wp-content"
        self.config_path = self.workdir / "wp-config-instance.php"
        self.etc_link = WP_ETC / f"config-{self.name}.php"
        self.access_log = self.workdir / "php-server.log"
        self.error_log = self.workdir / "php-error.log"
        self.proc: subprocess.Popen | None = None
        self._log_fh = None
        self.clock_offset = clock_offset
        self.timings: dict[str, float] = {}
        _live.add(self)
        try:
            t0 = time.monotonic()
            self._make_content_dir()
            self._write_config()
            mariadb.create_database(self.db_name)
            self.install_info = json.loads(
                self._run_php_script(WP_HELPERS / "install.php", [title, locale, theme, timezone])
                .strip()
                .splitlines()[-1]
            )
            self.install_info.update(
                json.loads(
                    self._run_php_script(WP_HELPERS / "configure.php", [theme])
                    .strip()
                    .splitlines()[-1]
                )
            )
            if self.install_info.get("theme") != theme:
                raise HarnessError(f"theme not active: {self.install_info}")
            t1 = time.monotonic()
            self.timings["install_s"] = t1 - t0
            self.start_server(workers)
            self.timings["server_start_s"] = time.monotonic() - t1
        except BaseException:
            self.stop()
            raise

    # ----------------------------------------------------------------- setup
    def _make_content_dir(self) -> None:
        c = self.content_dir
        (c / "themes").mkdir(parents=True, exist_ok=True)
        for theme in THEMES:
            link = c / "themes" / theme
            if not link.exists():
                link.symlink_to(WP_ROOT / "wp-content" / "themes" / theme)
        lang = c / "languages"
        if not lang.exists():
            lang.symlink_to(WP_ROOT / "wp-content" / "languages")
        (c / "plugins").mkdir(exist_ok=True)
        (c / "uploads").mkdir(exist_ok=True)
        (c / "mu-plugins").mkdir(exist_ok=True)
        shutil.copyfile(WP_HELPERS / "mu-plugin.php", c / "mu-plugins" / "ham-test.php")

    def _write_config(self) -> None:
        keys = {f"k{i}": _php_str(secrets.token_hex(24)) for i in range(1, 9)}
        self.config_path.write_text(
            _CONFIG_TEMPLATE.format(
                name=self.name,
                db_name=_php_str(self.db_name),
                db_host=_php_str(self.mariadb.db_host),
                content_dir=_php_str(str(self.content_dir)),
                url=_php_str(self.url),
                rest_locked="true" if self.rest_locked else "false",
                **keys,
            )
        )
        if self.etc_link.is_symlink() or self.etc_link.exists():
            self.etc_link.unlink()
        self.etc_link.symlink_to(self.config_path)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            HAM_WP_CONFIG=self.name,
            HAM_WP_HOST=f"127.0.0.1:{self.port}",
            HAM_WP_CONTENT=str(self.content_dir),
        )
        if self.clock_offset:
            (library,) = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")  # Debian's faketime
            env.update(LD_PRELOAD=library, FAKETIME=f"{self.clock_offset:+d}")
        return env

    def _php_cmd(self) -> list[str]:
        return [
            "php",
            "-d",
            "display_errors=stderr",
            "-d",
            "memory_limit=1G",
            "-d",
            "opcache.enable_cli=0",
        ]

    def _run_php_script(self, script: Path, args: list[str] = (), stdin: str | None = None) -> str:
        res = subprocess.run(
            [*self._php_cmd(), str(script), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self._env(),
            cwd=str(WP_HELPERS),
        )
        if res.returncode != 0:
            raise HarnessError(
                f"{script.name} exited {res.returncode}\nstdout:\n{res.stdout[-3000:]}\n"
                f"stderr:\n{res.stderr[-3000:]}"
            )
        return res.stdout

    def start_server(self, workers: int = 4, timeout: float = 20.0) -> None:
        """Start ``php -S`` (done by the constructor; call again after :meth:`stop_server`)."""
        env = self._env()
        env["PHP_CLI_SERVER_WORKERS"] = str(workers)
        self._log_fh = open(self.access_log, "ab")  # noqa: SIM115 (closed in stop_server)
        self.proc = subprocess.Popen(
            [
                "php",
                "-d",
                "display_errors=0",
                "-d",
                "log_errors=1",
                "-d",
                f"error_log={self.error_log}",
                "-d",
                "opcache.enable=1",
                "-d",
                "opcache.enable_cli=1",
                "-d",
                "memory_limit=512M",
                "-S",
                f"127.0.0.1:{self.port}",
                "-t",
                str(WP_ROOT),
                str(WP_HELPERS / "router.php"),
            ],
            env=env,
            cwd=str(WP_ROOT),
            stdin=subprocess.DEVNULL,
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise HarnessError(
                    f"php -S exited {self.proc.returncode}:\n"
                    + self.access_log.read_text(errors="replace")[-2000:]
                )
            try:
                with urllib.request.urlopen(self.url + "/robots.txt", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise HarnessError(f"WordPress at {self.url} did not answer in {timeout}s")
            time.sleep(0.05)

    def stop_server(self) -> None:
        _stop_process(self.proc)
        self.proc = None
        if self._log_fh:
            self._log_fh.close()
            self._log_fh = None

    # ------------------------------------------------------------- content
    def php(self, code: str) -> str:
        """Run PHP statements (no ``<?php``) with WordPress loaded as the admin user.

        Returns stdout.

        Example: ``wp.php("echo get_permalink(12);")``. Raises HarnessError on a non-zero exit
        (a PHP fatal error exits 255).
        """
        with tempfile.NamedTemporaryFile("w", suffix=".php", dir=self.workdir, delete=False) as fh:
            fh.write(f"<?php\nrequire {_php_str(str(WP_HELPERS / 'bootstrap.php'))};\n{code}\n")
            path = Path(fh.name)
        try:
            return self._run_php_script(path)
        finally:
            path.unlink(missing_ok=True)

    def insert_posts(self, posts: list[dict]) -> list[int]:
        """Insert posts/pages in one PHP run; returns their ids in order.

        Each dict: ``title``, ``content``, ``date`` ("YYYY-MM-DD HH:MM:SS", site-local time),
        ``status`` (publish/draft/private/...), ``categories`` and ``tags`` (names; created when
        missing), ``author`` (login; created with role author and ``author_name`` as display
        name), optional ``slug``, ``post_type`` ("post" or "page"), ``modified`` (local time,
        forced after insert), ``uploads`` (paths under wp-content/uploads to create as placeholder
        files). Other keys (ground truth) are ignored.
        """
        keys = (
            "title",
            "content",
            "date",
            "status",
            "categories",
            "tags",
            "author",
            "author_name",
            "slug",
            "post_type",
            "modified",
            "comment_status",
        )
        payload = [{k: p[k] for k in keys if k in p and p[k] is not None} for p in posts]
        for p in posts:
            for rel in p.get("uploads") or []:
                dest = (self.content_dir / "uploads" / rel).resolve()
                if not str(dest).startswith(str(self.content_dir / "uploads")):
                    raise ValueError(f"bad upload path {rel!r}")
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(placeholder_file(rel, p.get("title") or "Dokumen"))
        t0 = time.monotonic()
        out = self._run_php_script(WP_HELPERS / "load_posts.php", stdin=json.dumps(payload))
        ids = json.loads(out.strip().splitlines()[-1])
        dt = time.monotonic() - t0
        self.timings["insert_posts_s"] = dt
        self.timings["posts_per_s"] = len(ids) / dt if dt else 0.0
        return ids

    def post_info(self, ids: list[int] | None = None) -> dict[int, dict]:
        """{id: {slug, link, status, type, date, date_gmt, modified, title}} from WordPress."""
        out = self._run_php_script(WP_HELPERS / "info.php", [str(i) for i in ids or []])
        return {int(k): v for k, v in json.loads(out.strip().splitlines()[-1]).items()}

    def update_post(self, post_id: int, **fields) -> None:
        """``wp_update_post`` with WordPress field names or the corpus names (title, content,
        status, date, slug), e.g. ``update_post(12, title="Baru", content="...")``."""
        alias = {
            "title": "post_title",
            "content": "post_content",
            "status": "post_status",
            "date": "post_date",
            "slug": "post_name",
            "excerpt": "post_excerpt",
        }
        arr = {alias.get(k, k): v for k, v in fields.items()}
        arr["ID"] = int(post_id)
        if "post_date" in arr and "post_date_gmt" not in arr:
            arr["edit_date"] = True
        code = (
            f"$a = json_decode({_php_str(json.dumps(arr))}, true);\n"
            "if (isset($a['post_date']) && !isset($a['post_date_gmt'])) "
            "{ $a['post_date_gmt'] = get_gmt_from_date($a['post_date']); }\n"
            "$r = wp_update_post(wp_slash($a), true);\n"
            "if (is_wp_error($r)) { fwrite(STDERR, $r->get_error_message()); exit(1); }\n"
            "echo $r;"
        )
        self.php(code)

    def trash_post(self, post_id: int) -> None:
        self.php(f"if (!wp_trash_post({int(post_id)})) {{ exit(1); }}")

    def delete_post(self, post_id: int) -> None:
        self.php(f"if (!wp_delete_post({int(post_id)}, true)) {{ exit(1); }}")

    # ----------------------------------------------------------- lifecycle
    def stop(self) -> None:
        self.stop_server()
        with contextlib.suppress(OSError):
            if self.etc_link.is_symlink():
                self.etc_link.unlink()
        _live.discard(self)

    def __enter__(self) -> WordPress:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<WordPress {self.url} {self.theme}/{self.locale} rest_locked={self.rest_locked}>"


@dataclass
class Site:
    """What :func:`start_site` returns: the site, the posts loaded and their WordPress ids."""

    wp: WordPress
    mariadb: MariaDB | None  # the server started for this site, if start_site started one
    posts: list[dict]
    ids: list[int]

    @property
    def url(self) -> str:
        return self.wp.url

    def by_id(self) -> dict[int, dict]:
        return dict(zip(self.ids, self.posts, strict=True))

    def published(self) -> list[tuple[int, dict]]:
        """(id, post) for published posts of type post — what an archive must contain."""
        return [
            (i, p)
            for i, p in zip(self.ids, self.posts, strict=True)
            if p.get("status", "publish") == "publish" and p.get("post_type", "post") == "post"
        ]

    def stop(self) -> None:
        self.wp.stop()
        if self.mariadb is not None:
            self.mariadb.stop()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_site(
    directory: str | os.PathLike,
    posts: list[dict] | None = None,
    *,
    mariadb: MariaDB | None = None,
    **options,
) -> Site:
    """Start a WordPress (and, unless ``mariadb`` is given, a MariaDB) under ``directory`` and
    load ``posts`` (default: nothing). ``options`` go to :class:`WordPress` (theme, locale,
    rest_locked, timezone, workers). Call ``.stop()`` on the result (or use ``with``)."""
    directory = Path(directory)
    own_db = None
    if mariadb is None:
        own_db = mariadb = MariaDB(directory / "mariadb")
    try:
        wp = WordPress(mariadb, directory / "site", **options)
        try:
            ids = wp.insert_posts(posts) if posts else []
        except BaseException:
            wp.stop()
            raise
    except BaseException:
        if own_db is not None:
            own_db.stop()
        raise
    return Site(wp=wp, mariadb=own_db, posts=list(posts or []), ids=ids)


def fetch(url: str, *, headers: dict | None = None, timeout: float = 30.0):
    """GET a loopback URL; returns (status, headers, body bytes) without raising on 4xx/5xx."""
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise ValueError(f"refusing non-loopback URL {url}")
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
