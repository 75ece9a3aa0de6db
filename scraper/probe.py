"""``ham-archive probe``: one screen on a live site before its first crawl, and
``ham-archive save-fixture``: a page kept as a page-object test case.

A probe makes a few dozen polite requests (robots.txt obeyed, the project's User-Agent, one at
a time) with the standard library's HTTP client: it follows the home page's redirects, names
the CMS, tries the REST API, the sitemaps and the feeds, reads up to five sample articles with
the page object the crawl would choose, and estimates the article count. Every answer is read
by the same pure page objects as a crawl.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from scraper.pages import ListingPage, NotAnArticle, SitemapPage, Unreadable, rest_posts
from scraper.pages.listing import sitemap_urls_from_robots
from scraper.pages.site import detect_cms, feed_urls, read_article, site_after_redirects
from scraper.settings import USER_AGENT
from scraper.text import SITE_TZ

TIMEOUT = 20
SAMPLES = 5
MAX_TRIES = 15  # pages tried for samples when only the home page's links are known
SITEMAPS = ("/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml")
FEEDS = ("/feed/", "/rss.xml", "/feed.xml", "/atom.xml")


class ProbeError(Exception):
    """The site cannot be probed at all; the message is one line."""


@dataclass
class Answer:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    redirects: list[str] = field(default_factory=list)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, follow: bool = True) -> Answer:
    """GET ``url`` (redirects followed by hand, up to five, and listed); any status is an
    answer; only no answer at all raises ProbeError."""
    redirects: list[str] = []
    for _ in range(6):
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with _OPENER.open(request, timeout=TIMEOUT) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise ProbeError(f"cannot reach {url} ({reason})") from None
        headers = {k.lower(): v for k, v in headers.items()}
        if follow and status in (301, 302, 303, 307, 308) and headers.get("location"):
            url = urllib.request.urljoin(url, headers["location"])
            redirects.append(url)
            continue
        return Answer(url, status, headers, body, redirects)
    return Answer(url, status, headers, body, redirects)


def _get(url: str) -> Answer:
    """``fetch`` for everything after the home page: a failure is an answer with status 0."""
    try:
        return fetch(url)
    except ProbeError:
        return Answer(url, 0, {}, b"")


def probe(site: str, out=print) -> dict:
    """Probe ``site``, printing one line per finding; returns the findings."""
    home = fetch(f"{site}/")
    found: dict = {"site": site}
    moved = site_after_redirects(site, home.url)
    hops = " -> ".join(home.redirects)
    out(f"Probe of {site} at {datetime.now(SITE_TZ):%Y-%m-%d %H:%M %z}")
    out(f"  address   {site}/ -> {hops or 'no redirect'}; HTTP {home.status} at {home.url}")
    if moved != site:
        out(f"  moved     to {moved}: a crawl of {site} archives {moved}")
    site = found["site_now"] = moved
    found["cms"] = detect_cms(home.body, home.headers) if home.status == 200 else None
    out(f"  CMS       {found['cms'] or 'not named by the home page'}")

    robots = _get(f"{site}/robots.txt")
    parser = urllib.robotparser.RobotFileParser()
    text = robots.body.decode("utf-8", "replace") if robots.status == 200 else ""
    parser.parse(text.splitlines())
    allowed = parser.can_fetch(USER_AGENT, f"{site}/")
    sitemap_lines = list(sitemap_urls_from_robots(text.encode(), base_url=site))
    out(
        f"  robots    HTTP {robots.status}; ham-archive {'may' if allowed else 'may NOT'} crawl;"
        f" Sitemap lines: {len(sitemap_lines)}"
    )

    samples: list[str] = []
    rest = _get(f"{site}/wp-json/wp/v2/posts?per_page=5&_fields=id,link")
    try:
        posts = rest_posts(rest.status, rest.headers.get("content-type", ""), rest.body)
        total = rest.headers.get("x-wp-total", "?")
        found["rest"] = f"open, {total} posts"
        samples += [p["link"] for p in posts if isinstance(p, dict) and p.get("link")]
        found["estimate"] = f"{total} articles (REST X-WP-Total)"
    except Exception as refused:  # RestRefused, or posts without links: the API is not usable
        found["rest"] = f"refused ({refused})"
    out(f"  REST API  {found['rest']}")

    sitemap_urls: list[str] = []
    for url in dict.fromkeys([*sitemap_lines, *(site + path for path in SITEMAPS)]):
        page = SitemapPage(url, _get(url).body, site)
        subs = page.sitemaps[:10]  # enough to count, not to read a whole archive
        for sub in subs:
            sitemap_urls += SitemapPage(sub, _get(sub).body, site).urls
        sitemap_urls += page.urls
        if page.type in ("sitemapindex", "urlset"):
            more = f" (first 10 of {len(page.sitemaps)} post sitemaps)" if len(subs) > 10 else ""
            out(f"  sitemap   {url}: {page.type}, {len(set(sitemap_urls))} URLs{more}")
            break
    else:
        out("  sitemap   none found")
    samples += sitemap_urls[:SAMPLES]
    if sitemap_urls and "estimate" not in found:
        found["estimate"] = f"{len(set(sitemap_urls))} articles at most (sitemap URLs)"

    feeds = feed_urls(home.url, home.body) or [site + path for path in FEEDS]
    found["feeds"] = [url for url in feeds if _get(url).status == 200]
    out(f"  feeds     {', '.join(found['feeds']) or 'none'}")

    listing = ListingPage(home.url, home.body, site)
    tries = list(dict.fromkeys(samples + listing.urls + listing.links))[:MAX_TRIES]
    read = []
    out("  samples   (page object, published, words, title, url)")
    for url in tries:
        answer = _get(url)
        try:
            article = read_article(
                answer.url, answer.body, site, answer.headers.get("content-type")
            )
        except (NotAnArticle, Unreadable):
            continue
        read.append(article)
        out(
            f"    {article.extractor or '?':<20} {article.published_at[:16]} "
            f"{article.word_count:>5}w  {article.title[:50]!r} {article.url}"
        )
        if len(read) == SAMPLES:
            break
    if not read:
        out(f"    none of {len(tries)} pages tried read as an article")
    if "estimate" not in found:
        found["estimate"] = listing_estimate(listing)
    out(f"  estimate  {found['estimate']}")
    found["samples"] = [article.url for article in read]
    return found


def listing_estimate(home: ListingPage) -> str:
    """Articles = the last page number x the links page 2 has that page 1 lacks, for the
    first of the home page's first links that paginates."""
    from scraper.pages.listing import PAGE_NUMBER

    for url in home.links[:8]:
        first = ListingPage(url, _get(url).body, home.site)
        numbers = [int(m.group(1)) for link in first.links if (m := PAGE_NUMBER.search(link))]
        if not numbers or not first.next_page:
            continue
        second = ListingPage(first.next_page, _get(first.next_page).body, home.site)
        own = set(second.links) - set(first.links)
        if own:
            last = max(numbers)
            return f"about {last * len(own)} articles ({last} pages of {url}, {len(own)} a page)"
    return "unknown: no sitemap, REST API or paginated listing; a crawl will walk the site"


def save_fixture(url: str, directory: Path, case: str | None = None) -> Path:
    """Fetch ``url`` and keep it as a page-object test case: ``response.html``, ``meta.json``
    (url, fetch time, status, content type) and ``expected.json`` (what the page objects read
    today, for a person to check and correct). Returns the case's directory."""
    answer = fetch(url)
    if answer.status != 200:
        raise ProbeError(f"{url} answered HTTP {answer.status}: nothing saved")
    parts = urlsplit(answer.url)
    site = f"{parts.scheme}://{parts.netloc}"
    try:
        article = read_article(answer.url, answer.body, site, answer.headers.get("content-type"))
    except (NotAnArticle, Unreadable) as error:
        raise ProbeError(f"{url} does not read as an article ({error}): nothing saved") from None
    name = case or (parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.netloc)[:60]
    target = directory / name
    if target.exists():
        raise ProbeError(f"{target} exists: pass another --case")
    target.mkdir(parents=True)
    (target / "response.html").write_bytes(answer.body)
    meta = {
        "url": answer.url,
        "site": site,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": answer.status,
        "content_type": answer.headers.get("content-type"),
        "redirects": answer.redirects,
    }
    expected = {k: v for k, v in asdict(article).items() if k in FIXTURE_FIELDS}
    (target / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    (target / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
    return target


# The fields a saved case pins down (the press-release readings have their own labelled set).
FIXTURE_FIELDS = (
    "url",
    "title",
    "published_at",
    "author",
    "categories",
    "tags",
    "body_text",
    "featured_image",
    "extractor",
)
