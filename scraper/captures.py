"""Raw captures: every response the crawler receives, kept in WARC files (ISO 28500).

Records are gzip-compressed one by one, so a record can be read back from its offset alone. The
body is stored as Scrapy received it after decoding (no Content-Encoding), which is what the page
objects parse; the headers that described the transfer encoding are dropped accordingly.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

TRANSFER_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}
MAX_FILE_BYTES = 1 << 30  # start a new WARC file past 1 GiB


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


class WarcFiles:
    """Appends response records to ``<directory>/ham-<run start>-<pid>-<n>.warc.gz``."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.prefix = f"ham-{stamp}-{os.getpid()}"
        self.number = 0
        self.file = None

    def _open(self) -> None:
        if self.file is None or self.file.tell() > MAX_FILE_BYTES:
            self.close()
            self.number += 1
            self.name = f"{self.prefix}-{self.number:05d}.warc.gz"
            self.file = open(self.directory / self.name, "ab")  # noqa: SIM115
            self.writer = WARCWriter(self.file, gzip=True)

    def write(
        self, url: str, status: int, reason: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> Capture:
        self._open()
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        kept = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in headers
            if name.lower() not in TRANSFER_HEADERS
        ]
        kept.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": fetched_at},
        )
        offset = self.file.tell()
        self.writer.write_record(record)
        self.file.flush()
        content_type = dict((k.lower(), v) for k, v in kept).get("content-type", "")
        return Capture(
            url=url,
            fetched_at=fetched_at,
            status=status,
            content_type=content_type,
            sha256=hashlib.sha256(body).hexdigest(),
            warc_file=self.name,
            warc_offset=offset,
            warc_length=self.file.tell() - offset,
        )

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def read_body(directory: str | Path, warc_file: str, offset: int) -> bytes:
    """The body of the response record at ``offset``."""
    with open(Path(directory) / warc_file, "rb") as file:
        file.seek(offset)
        record = next(iter(ArchiveIterator(file)))
        return record.content_stream().read()
