"""Raw captures: every response the crawler receives, kept as a web archive (WARC, ISO 28500).

Each file opens with a ``warcinfo`` record. Each exchange is a ``response`` record (with
``WARC-Payload-Digest``) followed by its ``request`` record, linked by ``WARC-Concurrent-To``.
A response whose payload is identical to an earlier capture of the same URL is written as a
``revisit`` record (identical-payload-digest profile) that refers to it, so an unchanged re-crawl
stores headers only. Records are gzip-compressed one by one, so a record can be read back from
its offset alone; pywb, ``warcio check`` and py-wacz read the files as they are.

The body is stored as Scrapy received it after decoding (no Content-Encoding), which is what the
page objects parse; the headers that described the transfer encoding are dropped accordingly.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

import scraper

TRANSFER_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}
MAX_FILE_BYTES = 1 << 30  # start a new WARC file past 1 GiB
Headers = list[tuple[bytes, bytes]]


class UnreadableCapture(ValueError):
    """The record at an offset is not a response that holds a payload."""


class ExportError(Exception):
    """py-wacz refused the files; the message is its last line."""


@dataclass
class Capture:
    url: str
    fetched_at: str  # ISO 8601, UTC
    status: int
    content_type: str
    sha256: str
    warc_file: str  # relative to the WARC directory
    warc_offset: int
    warc_length: int
    warc_record_id: str = ""
    payload_digest: str = ""  # WARC-Payload-Digest, as pywb and the CDX servers index it
    revisit_of: int | None = None  # captures.id whose record holds this payload


@dataclass
class Original:
    """An earlier capture of the same URL with the same payload: what a revisit refers to."""

    id: int
    url: str
    fetched_at: str
    warc_record_id: str


class WarcFiles:
    """Appends records to ``<directory>/ham-<run start>-<pid>-<n>.warc.gz``.

    ``originals(url, sha256)`` finds an earlier capture with the same payload (or None); without
    it every response is stored in full."""

    def __init__(
        self,
        directory: str | Path,
        originals: Callable[[str, str], Original | None] | None = None,
    ):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.prefix = f"ham-{stamp}-{os.getpid()}"
        self.number = 0
        self.file = None
        self.originals = originals

    def _open(self) -> None:
        if self.file is None or self.file.tell() > MAX_FILE_BYTES:
            self.close()
            self.number += 1
            self.name = f"{self.prefix}-{self.number:05d}.warc.gz"
            self.file = open(self.directory / self.name, "ab")  # noqa: SIM115
            self.writer = WARCWriter(self.file, gzip=True)
            info = {
                "software": f"ham-archive/{scraper.__version__} (Scrapy, warcio)",
                "hostname": socket.gethostname(),
                "format": "WARC File Format 1.0",
                "conformsTo": "http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf",
                "isPartOf": "ham-archive",
            }
            with self._whole(0):
                self.writer.write_record(self.writer.create_warcinfo_record(self.name, info))
                self.file.flush()

    @contextlib.contextmanager
    def _whole(self, start: int) -> Iterator[None]:
        """Records written whole or not at all: when one fails half-written (a full disk), the
        file is cut back to ``start``, as it was before (a torn record would stop every reader
        of the file at it), and the next record goes to a new file."""
        try:
            yield
        except BaseException:
            path = self.directory / self.name
            with contextlib.suppress(OSError):  # its flush may fail again; it closes anyway
                self.file.close()
            self.file = None
            with contextlib.suppress(OSError):
                os.truncate(path, start) if start else path.unlink()
            raise

    def write(
        self,
        url: str,
        status: int,
        reason: str,
        headers: Headers,
        body: bytes,
        request_headers: Headers = (),
        method: str = "GET",
    ) -> Capture:
        self._open()
        offset = self.file.tell()
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        kept = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in headers
            if name.lower() not in TRANSFER_HEADERS
        ]
        kept.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")
        sha256 = hashlib.sha256(body).hexdigest()
        original = self.originals(url, sha256) if self.originals else None
        dated = {"WARC-Date": fetched_at}
        if original:
            digest = Digester("sha1")
            digest.update(body)
            record = self.writer.create_revisit_record(
                url,
                str(digest),
                original.url,
                original.fetched_at,
                http_headers=http,
                warc_headers_dict={**dated, "WARC-Refers-To": original.warc_record_id},
            )
        else:
            record = self.writer.create_warc_record(
                url, "response", payload=BytesIO(body), http_headers=http, warc_headers_dict=dated
            )
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        with self._whole(offset):
            self.writer.write_record(record)
            length = self.file.tell() - offset
            self.writer.write_record(self._request(url, method, request_headers, record_id, dated))
            self.file.flush()
        content_type = dict((k.lower(), v) for k, v in kept).get("content-type", "")
        return Capture(
            url=url,
            fetched_at=fetched_at,
            status=status,
            content_type=content_type,
            sha256=sha256,
            warc_file=self.name,
            warc_offset=offset,
            warc_length=length,
            warc_record_id=record_id,
            payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
            revisit_of=original.id if original else None,
        )

    def _request(self, url: str, method: str, headers: Headers, concurrent_to: str, dated: dict):
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        fields = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
        if not any(name.lower() == "host" for name, _ in fields):
            fields.insert(0, ("Host", parts.netloc))
        http = StatusAndHeaders(f"{method} {target} HTTP/1.1", fields, is_http_request=True)
        return self.writer.create_warc_record(
            url,
            "request",
            http_headers=http,
            warc_headers_dict={**dated, "WARC-Concurrent-To": concurrent_to},
        )

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def read_body(directory: str | Path, warc_file: str, offset: int) -> bytes:
    """The payload of the response record at ``offset`` (a revisit's is at its original's)."""
    with open(Path(directory) / warc_file, "rb") as file:
        file.seek(offset)
        record = next(iter(ArchiveIterator(file)))
        if record.rec_type != "response":
            raise UnreadableCapture(f"a {record.rec_type} record, not a response")
        return record.content_stream().read()


def read_location(directory: str | Path, warc_file: str, offset: int) -> str | None:
    """The ``Location`` of the response record at ``offset`` (its own, a revisit's too)."""
    with open(Path(directory) / warc_file, "rb") as file:
        file.seek(offset)
        record = next(iter(ArchiveIterator(file)))
        return record.http_headers.get_header("Location") if record.http_headers else None


def export_wacz(warc_files: Iterable[Path], pages: Iterable[dict], out: str | Path) -> None:
    """Package WARC files as a WACZ (py-wacz) whose page list is ``pages`` (url, ts, title)."""
    from wacz.main import main as wacz

    from scraper.export import write_whole

    out = Path(out)
    pages_file = out.with_name(f".{out.name}.pages.jsonl")
    header = {"format": "json-pages-1.0", "id": "pages", "title": "ham-archive articles"}

    def create(path: Path) -> None:
        args = ["create", "-o", str(path), "-p", str(pages_file), *map(str, warc_files)]
        with contextlib.redirect_stdout(io.StringIO()) as said:
            if wacz(args):
                raise ExportError(said.getvalue().strip().splitlines()[-1])

    try:
        with pages_file.open("w", encoding="utf-8") as file:
            for page in [header, *pages]:
                file.write(json.dumps(page, ensure_ascii=False) + "\n")
        write_whole(out, create)  # whole, or not at all
    except OSError as error:  # a full disk
        raise ExportError(f"cannot write {str(out)!r}: {error.strerror or error}") from None
    finally:
        pages_file.unlink(missing_ok=True)
