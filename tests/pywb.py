"""A real pywb (Webrecorder's Wayback server) on 127.0.0.1, for tests and benchmarks.

``Wayback(directory).add("coll", warc_files)`` makes a collection with ``wb-manager``; ``start()``
serves it, only on loopback and with no live-web proxying (pywb's ``--live`` stays off), so it
answers as the Wayback Machine does: ``/<coll>/cdx`` (the CDX API) and ``/<coll>/<ts>id_/<url>``
(a capture's original bytes). ``record()`` writes WARCs of a site as seen at a chosen date, the
way a web archive's crawler would have captured it then.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def record(urls: list[str], date: str, path: Path) -> dict[str, int]:
    """Fetch ``urls`` now and write them to ``path`` as captured at ``date`` (ISO, UTC ``Z``).

    Every answer is kept, 404s and redirects included, as an archive's crawler keeps them;
    returns the status of each URL."""
    statuses = {}
    with path.open("wb") as file:
        writer = WARCWriter(file, gzip=True)
        for url in urls:
            try:
                request = urllib.request.Request(url, headers={"User-Agent": "test-archive"})
                with OPENER.open(request, timeout=30) as response:
                    status, reason, headers = response.status, response.reason, response.headers
                    body = response.read()
            except urllib.error.HTTPError as error:
                status, reason, headers, body = (
                    error.code,
                    error.reason,
                    error.headers,
                    error.read(),
                )
            statuses[url] = status
            fields = [(k, v) for k, v in headers.items() if k.lower() != "transfer-encoding"]
            fields = [(k, v) for k, v in fields if k.lower() != "content-length"]
            fields.append(("Content-Length", str(len(body))))
            http = StatusAndHeaders(f"{status} {reason}", fields, protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": date},
                )
            )
    return statuses


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep a redirect as the answer, as an archive's crawler records it."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Wayback:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def manager(self, *args: str) -> None:
        subprocess.run(
            [str(BIN / "wb-manager"), *args],
            cwd=self.directory,
            check=True,
            capture_output=True,
            timeout=300,
        )

    def add(self, collection: str, warc_files: list[Path]) -> None:
        if not (self.directory / "collections" / collection).exists():
            self.manager("init", collection)
        self.manager("add", collection, *map(str, warc_files))

    def start(self) -> Wayback:
        self.process = subprocess.Popen(
            [str(BIN / "wayback"), "--bind", "127.0.0.1", "--port", str(self.port)],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=(self.directory / "pywb.log").open("wb"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError):
                assert self.process.poll() is None, (self.directory / "pywb.log").read_text()
                time.sleep(0.2)
        raise RuntimeError("pywb did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def __enter__(self) -> Wayback:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
