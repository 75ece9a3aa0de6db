# ruff: noqa: E501 (HTML templates)
"""Press sites that are not WordPress, served by the suite itself on 127.0.0.1.

Both carry the published posts of ``corpus.make_corpus`` (the seed article first), rendered the
way the text would reach a reader, with each CMS's own furniture around it:

``listing_site``   a custom framework (the shape of many Indonesian government CMSs): only
                   listing pages (``/berita?page=N``, numbered pagination, no ``rel=next``), text
                   dates ``Rabu, 14 September 2022 | 09:00 WIB`` (some posts in WITA or WIT), a
                   breadcrumb, a view counter, a share bar, a ``Berita Terkait`` box and a
                   ``Baca juga`` line inside the body; no sitemap, no feed, no REST API.
``headless_site``  a headless-CMS front end: a sitemap index (posts with ``lastmod``: a post's
                   ``modified`` key, else its date; a news
                   sitemap, pages), JSON-LD ``NewsArticle`` and OpenGraph, an RSS feed, a display
                   date ``14 Sep 2022`` only, ``<title>`` with the site name after the headline.

``Server`` serves a dict of routes; ``Server.redirect_to(other)`` makes every path answer 301
to the same path on another server (a site that moved). Every request is logged in ``hits``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import corpus

SITE_NAME = "Kementerian HAM"
MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
PER_PAGE = 10
OFFSITE = "http://localhost:9"  # a link to another host (tests point it at a server of theirs)
UNTITLED = "(Tanpa Judul)"  # these CMSs refuse an empty title
# Zones by post index: WIB mostly, some regional offices write WITA or WIT.
ZONES = {0: ("WIB", 0), 3: ("WITA", 1), 5: ("WIT", 2)}


CAPTION = re.compile(r"\[caption[^\]]*\](<img[^>]*>)\s*(.*?)\[/caption\]", re.S)


class Server:
    """A threaded HTTP server on 127.0.0.1 answering from ``routes`` (path?query -> page)."""

    def __init__(self, routes: dict[str, tuple[int, str, bytes]] | None = None):
        self.routes = routes or {}
        self.hits: list[str] = []
        self.target: str | None = None
        self.before = None  # called with each path before it is answered (a test's hook)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the stdlib's name)
                server.hits.append(self.path)
                if server.before:
                    server.before(self.path)
                if server.target:
                    status, headers, body = 301, {"Location": server.target + self.path}, b""
                else:
                    status, content_type, body = server.routes.get(
                        self.path, (404, "text/html", b"<html><body><h1>404</h1></body></html>")
                    )
                    headers = {"Content-Type": content_type}
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def redirect_to(self, other: Server) -> None:
        self.target = other.url

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def page(body: str, content_type: str = "text/html; charset=UTF-8") -> tuple[int, str, bytes]:
    return 200, content_type, body.encode("utf-8")


# ----------------------------------------------------------------------------- the text


def render(post: dict) -> str:
    """The post's content as HTML, the way a CMS editor's output reaches the page."""
    content = CAPTION.sub(r"<figure>\1<figcaption>\2</figcaption></figure>", post["content"])
    if post["style"] != "plain":
        return content
    return "\n".join(
        chunk if chunk.startswith("<figure>") else "<p>" + chunk.replace("\n", "<br>\n") + "</p>"
        for chunk in re.split(r"\n\s*\n", content.strip())
    )


def with_read_also(body: str, other: dict, href: str) -> str:
    """A ``Baca juga`` line after the first paragraph, as Indonesian newsrooms insert them."""
    line = f'<p><strong>Baca juga:</strong> <a href="{href}">{html.escape(title_of(other))}</a></p>'
    return body.replace("</p>", "</p>\n" + line, 1)


def title_of(post: dict) -> str:
    return post["title"] or UNTITLED


def published(posts: list[dict] | None = None) -> list[dict]:
    """The posts a site shows, newest first."""
    posts = corpus.published(posts or corpus.make_corpus(60))
    return sorted(posts, key=lambda p: p["date"], reverse=True)


def slug_of(post: dict, i: int) -> str:
    return post["expected_slug"] or f"berita-{i}"


def local(post: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(post["date"])


def expected(site_url: str, posts: list[dict], path, minutes: bool = False) -> dict[str, dict]:
    """Ground truth by URL: title, published_at (+07:00; to the minute when the site shows no
    seconds) and body_text."""
    return {
        site_url + path(post, i): {
            "title": title_of(post),
            "published_at": corpus.published_at_iso(
                post["date"][:16] + ":00" if minutes else post["date"]
            ),
            "body_text": post["expected_text"],
        }
        for i, post in enumerate(posts)
    }


# ------------------------------------------------------------------ a custom framework


def listing_path(post: dict, i: int) -> str:
    return f"/berita/{1000 + i}/{slug_of(post, i)}"


def _written(post: dict, i: int) -> str:
    zone, shift = ZONES.get(i % 7, ZONES[0])
    moment = local(post) + dt.timedelta(hours=shift)
    weekday = corpus.WEEKDAYS[moment.weekday()]
    return f"{weekday}, {moment.day} {corpus.MONTHS[moment.month - 1]} {moment.year} | {moment:%H:%M} {zone}"


def _chrome(title: str, main: str) -> str:
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{html.escape(title)} | {SITE_NAME}</title>
<link rel="stylesheet" href="/assets/css/style.css"></head><body>
<div class="topbar"><span class="tanggal-hari-ini">Selasa, 1 Desember 2026</span></div>
<header class="site-header"><a class="logo" href="/"><img src="/assets/logo.png" alt="{SITE_NAME}"></a>
<ul class="main-menu"><li><a href="/">Beranda</a></li><li><a href="/profil">Profil</a></li>
<li><a href="/berita">Berita</a></li><li><a href="/kontak">Kontak</a></li>
<li><a href="{OFFSITE}/elsewhere">Portal Lain</a></li></ul></header>
<div class="container"><div class="row">{main}
<div class="col-md-4 sidebar"><h4>Berita Populer</h4><ul><li><a href="/berita?page=1">Indeks</a></li></ul></div>
</div></div>
<footer><p>Hak cipta &copy; 2026 {SITE_NAME}. Jl. H.R. Rasuna Said Kav. 6-7, Jakarta.</p></footer>
</body></html>"""


def listing_site(posts: list[dict] | None = None) -> tuple[dict, dict]:
    """Routes of the custom-framework site, and the ground truth by path."""
    posts = published(posts)
    routes: dict = {"/robots.txt": page("User-agent: *\nDisallow: /admin/\n", "text/plain")}
    cards = []
    for i, post in enumerate(posts):
        date = _written(post, i).split(" | ")[0]
        cards.append(
            f'<div class="card-berita"><a href="{listing_path(post, i)}">'
            f'<h3>{html.escape(title_of(post))}</h3></a><span class="tanggal">{date}</span>'
            f"<p>{html.escape(post['expected_text'][:120])}</p></div>"
        )
    pages = -(-len(posts) // PER_PAGE)
    for number in range(1, pages + 1):
        numbers = "".join(
            f'<li><a href="/berita?page={n}">{n}</a></li>' for n in range(1, pages + 1)
        )
        main = (
            '<div class="col-md-8"><h1>Berita</h1>'
            + "".join(cards[(number - 1) * PER_PAGE : number * PER_PAGE])
            + f'<ul class="pagination">{numbers}</ul></div>'
        )
        routes[f"/berita?page={number}"] = page(_chrome("Berita", main))
    routes["/berita"] = routes["/berita?page=1"]
    routes["/"] = page(
        _chrome(
            "Beranda",
            '<div class="col-md-8"><h2>Berita Terbaru</h2>' + "".join(cards[:5]) + "</div>",
        )
    )
    for path, heading in (("/profil", "Profil"), ("/kontak", "Kontak")):
        text = (
            "<p>Kementerian Hak Asasi Manusia mempunyai tugas menyelenggarakan urusan "
            "pemerintahan di bidang hak asasi manusia untuk membantu Presiden.</p>" * 3
        )
        routes[path] = page(
            _chrome(heading, f'<div class="col-md-8"><h1>{heading}</h1>{text}</div>')
        )
    for i, post in enumerate(posts):
        other = posts[(i + 1) % len(posts)]
        body = with_read_also(render(post), other, listing_path(other, (i + 1) % len(posts)))
        related = "".join(
            f'<li><a href="{listing_path(p, j)}">{html.escape(title_of(p))}</a>'
            f'<span class="tanggal">{_written(p, j)}</span></li>'
            for j, p in list(enumerate(posts))[i + 1 : i + 4]
        )
        main = f"""<div class="col-md-8">
<ol class="breadcrumb"><li><a href="/">Beranda</a></li><li><a href="/berita">Berita</a></li>
<li>{html.escape(title_of(post))}</li></ol>
<div class="detail-berita"><h1 class="judul">{html.escape(title_of(post))}</h1>
<div class="info"><span class="tanggal">{_written(post, i)}</span> <span class="views">Dilihat {37 * i + 5} kali</span></div>
<div class="isi">{body}
<p>Dibaca: {1234 + i} kali</p></div>
<div class="share-box">Bagikan: <a href="https://facebook.com/sharer?u=x">Facebook</a> <a href="https://wa.me/?text=x">WhatsApp</a></div>
<div class="berita-terkait"><h3>Berita Terkait</h3><ul>{related}</ul></div>
</div></div>"""
        routes[listing_path(post, i)] = page(_chrome(title_of(post), main))
    return routes, expected("", posts, listing_path, minutes=True)


# ------------------------------------------------------------------ a headless front end


def headless_path(post: dict, i: int) -> str:
    return f"/siaran-pers/{local(post):%Y}/{slug_of(post, i)}"


def _json_ld(post: dict, url: str) -> str:
    import json

    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "name": "Kementerian Hak Asasi Manusia", "url": "/"},
            {
                "@type": "NewsArticle",
                "headline": title_of(post),
                "datePublished": corpus.published_at_iso(post["date"]),
                "author": {"@type": "Person", "name": post["author_name"]},
                "articleSection": post["categories"][0] if post["categories"] else None,
                "keywords": ", ".join(post["tags"]),
                "mainEntityOfPage": url,
            },
        ],
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def headless_site(posts: list[dict] | None = None, origin: str = "") -> tuple[dict, dict]:
    """Routes of the headless-CMS site, and the ground truth by path.

    ``origin`` is the absolute address the site believes it has (for sitemaps and canonical
    links); a front end behind a proxy often gets it right, so the tests pass the server's."""
    posts = published(posts)
    name = "Kementerian Hak Asasi Manusia"
    routes: dict = {
        "/robots.txt": page(
            f"User-agent: *\nAllow: /\nSitemap: {origin}/sitemap.xml\n", "text/plain"
        )
    }
    chunks = [posts[i : i + 25] for i in range(0, len(posts), 25)]
    index = "".join(
        f"<sitemap><loc>{origin}/sitemaps/{n}.xml</loc></sitemap>"
        for n in [f"posts-{k + 1}" for k in range(len(chunks))] + ["news", "pages"]
    )
    routes["/sitemap.xml"] = page(
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>',
        "application/xml",
    )
    position = {id(p): i for i, p in enumerate(posts)}
    for k, chunk in enumerate(chunks):
        urls = "".join(
            f"<url><loc>{origin}{headless_path(p, position[id(p)])}</loc>"
            f"<lastmod>{corpus.published_at_iso(p.get('modified', p['date']))}</lastmod></url>"
            for p in chunk
        )
        routes[f"/sitemaps/posts-{k + 1}.xml"] = page(
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>",
            "application/xml",
        )
    news = "".join(
        f"<url><loc>{origin}{headless_path(p, i)}</loc><news:news><news:publication>"
        f"<news:name>{name}</news:name><news:language>id</news:language></news:publication>"
        f"<news:publication_date>{corpus.published_at_iso(p['date'])}</news:publication_date>"
        f"<news:title>{html.escape(title_of(p))}</news:title></news:news></url>"
        for i, p in enumerate(posts[:10])
    )
    routes["/sitemaps/news.xml"] = page(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{news}</urlset>',
        "application/xml",
    )
    routes["/sitemaps/pages.xml"] = page(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{origin}/tentang</loc></url></urlset>",
        "application/xml",
    )
    items = "".join(
        f"<item><title>{html.escape(title_of(p))}</title><link>{origin}{headless_path(p, i)}</link>"
        f"<pubDate>{local(p):%a, %d %b %Y %H:%M:%S} +0700</pubDate></item>"
        for i, p in enumerate(posts[:20])
    )
    routes["/rss.xml"] = page(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>'
        f"<link>{origin}/</link>{items}</channel></rss>",
        "application/rss+xml",
    )

    def shell(title: str, main: str, head: str = "") -> str:
        return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{html.escape(title)} - {name}</title><meta property="og:site_name" content="{name}">
<link rel="alternate" type="application/rss+xml" href="/rss.xml" title="Siaran Pers">{head}
<script src="/_next/static/chunks/main.js" defer></script></head><body>
<div id="__next"><div class="layout"><nav class="navbar"><a href="/">Beranda</a>
<a href="/siaran-pers">Siaran Pers</a><a href="/tentang">Tentang</a></nav>
<main>{main}</main><footer class="site-footer">{name} · Jakarta · <a href="{OFFSITE}/elsewhere">Portal</a></footer></div></div>
<script id="__NEXT_DATA__" type="application/json">{{"props":{{"pageProps":{{}}}}}}</script>
</body></html>"""

    cards = "".join(
        f'<a class="card" href="{headless_path(p, i)}"><h2>{html.escape(title_of(p))}</h2></a>'
        for i, p in enumerate(posts[:12])
    )
    routes["/"] = page(shell("Beranda", f"<h1>Siaran Pers Terbaru</h1>{cards}"))
    routes["/tentang"] = page(shell("Tentang", "<h1>Tentang</h1><p>Profil kementerian.</p>"))
    for i, post in enumerate(posts):
        url = origin + headless_path(post, i)
        other = posts[(i + 2) % len(posts)]
        body = with_read_also(render(post), other, headless_path(other, (i + 2) % len(posts)))
        moment = local(post)
        shown = f"{moment.day} {MONTHS_SHORT[moment.month - 1]} {moment.year}"
        head = (
            f'<link rel="canonical" href="{url}"><meta property="og:type" content="article">'
            f'<meta property="og:title" content="{html.escape(title_of(post))}">'
            f'<meta property="og:url" content="{url}">'
            f'<meta property="article:published_time" content="{corpus.published_at_iso(post["date"])}">'
            f'<script type="application/ld+json">{_json_ld(post, url)}</script>'
        )
        main = f"""<article class="mx-auto max-w-3xl"><div class="breadcrumbs text-sm">
<a href="/">Beranda</a> / <a href="/siaran-pers">Siaran Pers</a></div>
<h1 class="text-3xl font-bold">{html.escape(title_of(post))}</h1>
<div class="text-gray-500"><span>{shown}</span> · <span>{post["author_name"]}</span></div>
<div class="prose">{body}</div>
<div class="social-share"><span>Bagikan</span> <a href="https://twitter.com/intent/tweet">X</a></div>
<section class="related-posts"><h3>Baca juga</h3><a href="{headless_path(other, (i + 2) % len(posts))}">{html.escape(title_of(other))}</a></section>
</article>"""
        routes[headless_path(post, i)] = page(shell(title_of(post), main, head))
    return routes, expected("", posts, headless_path)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
