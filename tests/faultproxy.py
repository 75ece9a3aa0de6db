"""A fault-injecting HTTP reverse proxy of the test suite's own (stdlib asyncio, loopback only).

It stands between the crawler and a real test WordPress whose ``WP_HOME`` is the proxy's address,
so every link the site prints points back through it. Each request is forwarded to the upstream
unchanged (the ``Host`` header kept), unless ``choose(request)`` names a fault from ``FAULTS``::

    with FaultProxy("127.0.0.1:8080", port) as proxy:
        proxy.choose = lambda request: "503" if "/wp-json/" in request.target else None
        ...
        proxy.injected  # Counter: fault name -> how many responses it spoiled

``random_faults(names, rate, seed)`` makes a ``choose`` that spoils about ``rate`` of all requests
with faults drawn from ``names``, but never more than ``max_in_a_row`` requests of the same URL in
a row: a crawl that retries can always get through in the end, as it can on the real web.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import random
import re
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BLOCK_PAGE = (
    b"<!DOCTYPE html><html><head><title>Attention Required! | Firewall</title></head>"
    b"<body><h1>Sorry, you have been blocked</h1><p>Request ID 7f3a</p></body></html>"
)
LOOP = "ham-loop"


@dataclass
class Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names

    @property
    def path(self) -> str:
        return urlsplit(self.target).path


@dataclass
class Reply:
    status: int
    reason: str = "OK"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def set(self, name: str, value: str | None) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        if value is not None:
            self.headers.append((name, value))


class Exchange:
    """One client connection: the request, the way to the upstream, the way back."""

    def __init__(self, proxy: FaultProxy, request: Request, writer: asyncio.StreamWriter):
        self.proxy, self.request, self.writer = proxy, request, writer

    async def upstream(self) -> Reply:
        host, port = self.proxy.upstream.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        headers = {
            k: v
            for k, v in self.request.headers.items()
            if k not in ("connection", "accept-encoding", "keep-alive")
        }
        head = f"{self.request.method} {self.request.target} HTTP/1.0\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "Connection: close\r\n\r\n"
        writer.write(head.encode("latin-1"))
        await writer.drain()
        raw = await reader.read(-1)
        writer.close()
        header_block, _, body = raw.partition(b"\r\n\r\n")
        lines = header_block.decode("latin-1").split("\r\n")
        _, status, *reason = lines[0].split(" ", 2)
        reply_headers = [tuple(line.split(": ", 1)) for line in lines[1:] if ": " in line]
        reply = Reply(int(status), reason[0] if reason else "", reply_headers, body)
        reply.set("Content-Length", None)
        reply.set("Transfer-Encoding", None)
        reply.set("Connection", None)
        return reply

    async def send(self, reply: Reply, cut: int | None = None, trickle: float = 0) -> None:
        """The reply, with a Content-Length for the whole body; ``cut``: send that much only."""
        head = f"HTTP/1.1 {reply.status} {reply.reason}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in reply.headers)
        head += f"Content-Length: {len(reply.body)}\r\nConnection: close\r\n\r\n"
        self.writer.write(head.encode("latin-1"))
        body = reply.body if cut is None else reply.body[:cut]
        if trickle:
            for start in range(0, len(body), 64):
                self.writer.write(body[start : start + 64])
                await self.writer.drain()
                await asyncio.sleep(trickle)
        else:
            self.writer.write(body)
        await self.writer.drain()

    def reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0): "connection reset by peer"."""
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    def redirect(self, location: str, status: int = 302) -> Reply:
        return Reply(status, "Found", [("Location", location), ("Content-Type", "text/html")])

    @property
    def own_url(self) -> str:
        return f"http://{self.request.headers.get('host', '')}{self.request.target}"


def simple(status: int, reason: str, body: bytes = b"error", **headers: str) -> Reply:
    reply = Reply(status, reason, [("Content-Type", "text/html; charset=UTF-8")], body)
    for name, value in headers.items():
        reply.set(name.replace("_", "-"), value)
    return reply


async def _status(x: Exchange, status: int, reason: str) -> None:
    await x.send(simple(status, reason))


async def too_many(x: Exchange) -> None:
    await x.send(simple(429, "Too Many Requests", Retry_After="1"))


async def timeout(x: Exchange) -> None:
    await asyncio.sleep(x.proxy.stall)
    x.writer.close()


async def slow_body(x: Exchange) -> None:
    reply = await x.upstream()
    reply.body += b" " * 4096  # long enough to outlast the crawler's timeout at this pace
    await x.send(reply, trickle=x.proxy.stall / 40)


async def truncated(x: Exchange) -> None:
    reply = await x.upstream()
    await x.send(reply, cut=len(reply.body) // 2)
    x.writer.close()


async def strip_totals(x: Exchange) -> None:
    reply = await x.upstream()
    reply.set("X-WP-Total", None)
    reply.set("X-WP-TotalPages", None)
    await x.send(reply)


async def garbled_totals(x: Exchange) -> None:
    """Totals that lie: pagination that never ends, and a count that is not a number."""
    reply = await x.upstream()
    if reply.header("X-WP-Total") is not None:
        reply.set("X-WP-TotalPages", "99999")
        reply.set("X-WP-Total", "1,234")
    await x.send(reply)


async def block_page(x: Exchange) -> None:
    await x.send(simple(200, "OK", BLOCK_PAGE))


async def firewall_404(x: Exchange) -> None:
    await x.send(simple(404, "Not Found", BLOCK_PAGE))


async def site_404(x: Exchange) -> None:
    """The site's own not-found page, as if the post were gone (the upstream asked for a URL
    that does not exist)."""
    x.request.target = "/ham-missing-page-zq/"  # no slug WordPress could redirect to
    await x.send(await x.upstream())


async def wrong_charset(x: Exchange) -> None:
    """UTF-8 bytes labelled Windows-1252 (the label is all that changes)."""
    reply = await x.upstream()
    kind = reply.header("Content-Type") or "text/html"
    reply.set("Content-Type", re.sub(r"charset=[\w-]+", "charset=windows-1252", kind))
    await x.send(reply)


async def windows_1252_as_utf8(x: Exchange) -> None:
    """An HTML page re-encoded in Windows-1252 (what it cannot hold as character references),
    still labelled UTF-8."""
    reply = await x.upstream()
    if "html" in (reply.header("Content-Type") or ""):
        reply.body = reply.body.decode("utf-8").encode("cp1252", "xmlcharrefreplace")
    await x.send(reply)


MAILTO = re.compile(rb'<a href="mailto:([^"]+)">([^<]*)</a>')
EMAIL = re.compile(rb"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TEXT = re.compile(rb">[^<]+<")


def hide_emails(body: bytes, rng: random.Random) -> bytes:
    """What Cloudflare's Email Address Obfuscation makes of a page: each address XORed with a
    key drawn for this response, in hex; a mailto link's target in its ``href``, an address in
    the text in ``data-cfemail``, shown by a script as ``[email protected]`` until it runs."""

    def encode(address: bytes) -> str:  # the address itself, its character references read
        key = rng.randrange(256)
        data = html.unescape(address.decode()).encode()
        return bytes([key, *(byte ^ key for byte in data)]).hex()

    def hidden(address: bytes) -> bytes:
        return (
            f'<a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
            f'data-cfemail="{encode(address)}">[email&#160;protected]</a>'
        ).encode()

    def link(match: re.Match) -> bytes:
        address, text = match.groups()
        inner = (
            f'<span class="__cf_email__" data-cfemail="{encode(address)}">'
            "[email&#160;protected]</span>".encode()
            if text == address
            else text
        )
        start = f'<a href="/cdn-cgi/l/email-protection#{encode(address)}">'
        return start.encode() + inner + b"</a>"

    body = MAILTO.sub(link, body)
    return TEXT.sub(lambda text: EMAIL.sub(lambda m: hidden(m.group()), text.group()), body)


async def cloudflare_email(x: Exchange) -> None:
    reply = await x.upstream()
    if "html" in (reply.header("Content-Type") or ""):
        reply.body = hide_emails(reply.body, random.Random())
    await x.send(reply)


async def redirect_loop(x: Exchange) -> None:
    joiner = "&" if "?" in x.request.target else "?"
    await x.send(x.redirect(f"{x.own_url}{joiner}{LOOP}=1"))


async def offsite(x: Exchange) -> None:
    """To another host (localhost is not the configured 127.0.0.1; loopback still)."""
    await x.send(x.redirect(f"http://localhost:{x.proxy.port}{x.request.target}"))


async def huge(x: Exchange) -> None:
    body = b"<html><body>" + b"<p>" + b"x" * (20 * 1024 * 1024) + b"</p></body></html>"
    await x.send(Reply(200, "OK", [("Content-Type", "text/html; charset=UTF-8")], body))


async def connection_reset(x: Exchange) -> None:
    x.reset()


FAULTS: dict[str, Callable] = {
    "500": lambda x: _status(x, 500, "Internal Server Error"),
    "502": lambda x: _status(x, 502, "Bad Gateway"),
    "503": lambda x: _status(x, 503, "Service Unavailable"),
    "429": too_many,
    "reset": connection_reset,
    "timeout": timeout,
    "slow_body": slow_body,
    "truncated": truncated,
    "strip_totals": strip_totals,
    "garbled_totals": garbled_totals,
    "block_page": block_page,
    "firewall_404": firewall_404,
    "site_404": site_404,
    "wrong_charset": wrong_charset,
    "windows_1252_as_utf8": windows_1252_as_utf8,
    "cloudflare_email": cloudflare_email,
    "redirect_loop": redirect_loop,
    "offsite": offsite,
    "huge": huge,
}


def random_faults(
    names: list[str], rate: float, seed: int = 0, max_in_a_row: int = 2
) -> Callable[[Request], str | None]:
    """Spoil about ``rate`` of the requests, at most ``max_in_a_row`` of one URL in a row.

    Whether a request is spoiled depends on its URL and on how often it was asked for, not on
    the order requests arrive in; the faults are dealt in turn, so every one of them is met.
    """
    attempts: Counter = Counter()
    in_a_row: Counter = Counter()
    dealt = itertools.cycle(random.Random(seed).sample(names, len(names)))

    def choose(request: Request) -> str | None:
        attempts[request.target] += 1
        draw = random.Random(f"{seed}:{request.target}:{attempts[request.target]}")
        if in_a_row[request.target] >= max_in_a_row or draw.random() >= rate:
            in_a_row[request.target] = 0
            return None
        in_a_row[request.target] += 1
        return next(dealt)

    return choose


class FaultProxy:
    """Serve on 127.0.0.1:``port`` in a thread of its own; ``stop()`` (or ``with``) ends it."""

    def __init__(self, upstream: str, port: int, stall: float = 3.0):
        self.upstream = upstream  # "127.0.0.1:PORT" of the WordPress
        self.port = port
        self.stall = stall  # seconds a "timeout" keeps the client waiting
        self.choose: Callable[[Request], str | None] = lambda request: None
        self.rewrite: Callable[[Request, Reply], None] | None = None  # edits clean replies
        self.requests = 0  # loop hops apart
        self.loop_hops = 0  # requests that only followed a redirect loop round
        self.injected: Counter = Counter()
        self.hosts: Counter = Counter()  # Host headers seen: nothing offsite may arrive
        self.log: list[tuple[str, str | None]] = []  # (target, fault)
        self.delay = 0.0  # seconds before each clean reply: a slow site
        self.in_flight = self.most_in_flight = 0  # requests being answered, now and at most
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        )
        self._server = server
        self._ready.set()
        self._loop.run_forever()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        server.close()
        self._loop.run_until_complete(server.wait_closed())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ": " in line:
                name, value = line.split(": ", 1)
                headers[name.lower()] = value
        request = Request(method, target, headers)
        exchange = Exchange(self, request, writer)
        self.hosts[headers.get("host", "")] += 1
        looping = f"{LOOP}=" in target  # a hop of a loop begun by a redirect_loop fault
        fault = "redirect_loop" if looping else self.choose(request)
        self.log.append((target, fault))
        if looping:
            self.loop_hops += 1
        else:
            self.requests += 1
            if fault:
                self.injected[fault] += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if fault:
                await FAULTS[fault](exchange)
            else:
                await asyncio.sleep(self.delay)
                reply = await exchange.upstream()
                if self.rewrite:
                    self.rewrite(request, reply)
                await exchange.send(reply)
        except (ConnectionError, OSError):
            pass  # the client gave up (a timeout): nothing more to say
        finally:
            self.in_flight -= 1
            if not writer.is_closing():
                writer.close()

    def reset_counts(self) -> None:
        self.requests = self.loop_hops = self.most_in_flight = 0
        self.injected = Counter()
        self.log.clear()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
