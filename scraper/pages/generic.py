"""An article page of any CMS: structured data first, then the DOM.

Structured data is read with extruct's readers on the one lxml tree (JSON-LD, OpenGraph,
microdata: about 0.1 ms a page, against 0.4 ms for ``extruct.extract``, which parses again).
A page whose title and date both come from structured data is ``generic-structured``; one read
from its DOM (the main heading, a date written near it, the container holding the most paragraph
text) is ``generic-dom``. Menus, breadcrumbs, share bars, related boxes and view counters are
taken out of the body before the common funnel (``make_article``) cleans it.
"""

from __future__ import annotations

import re
from functools import cache, cached_property
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from scraper.items import Article
from scraper.pages.article import NotAnArticle, Unreadable, ends_whole, make_article, missing
from scraper.pages.html import css, parse_html
from scraper.text import absolute_url, canonical_url, plain, site_time, written_date

ARTICLE_TYPES = frozenset(
    "Article NewsArticle PressRelease BlogPosting ReportageNews AnalysisNewsArticle"
    " Report GovernmentPermit".split()
)
# Words that mark an element as page furniture, matched against its class and id tokens.
CHROME_WORDS = frozenset(
    "share sharing social sosmed bagikan related terkait breadcrumb breadcrumbs comment comments"
    " komentar sidebar widget menu navbar nav navigation pagination pager tags tag views viewer"
    " counter hits dilihat baca lainnya populer popular terpopuler newsletter subscribe print"
    " cetak ads advert advertisement banner footer author-box".split()
)
CHROME_TAGS = ("nav", "aside", "footer", "form")
TOKEN = re.compile(r"[^a-z0-9]+")
# Whole paragraphs of furniture inside a body (Indonesian and English).
FURNITURE = re.compile(
    r"^(?:baca juga|berita terkait|artikel terkait|baca selengkapnya|lihat juga|simak juga"
    r"|read also|related(?: posts| articles)?|bagikan|share)\b.*"
    r"|^(?:dilihat|dibaca|views?|hits)\s*:?\s*[\d.,]+(?:\s*kali)?\.?$"
    r"|^[\d.,]+\s*(?:kali dilihat|kali dibaca|views?|hits)\.?$",
    re.IGNORECASE | re.DOTALL,
)
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " » ")
DATE_HINT = re.compile(r"date|tanggal|tgl|time|waktu|publish|posted|diterbitkan|meta", re.I)
NEAR_HEADING = 15  # elements: a date printed above the heading must be this close to count
MAX_DATES = 2  # a page that shows more distinct dates outside its furniture is a listing
MIN_WORDS = 15
_SCRIPTS = css("script, style, noscript, template")
_HEADINGS = css("main h1, article h1, h1")
_TIMES = css("time")
_ARTICLE_BODY = css("[itemprop='articleBody']")
_CONTAINERS = css("body div, body article, body section, body main, body td")


@cache
def _extractors() -> dict:
    """extruct's readers, imported when a page first needs them: extruct's package loads every
    syntax it knows (0.1 s), and a crawl of a WordPress never reads a page this way."""
    from extruct.jsonld import JsonLdExtractor
    from extruct.opengraph import OpenGraphExtractor
    from extruct.w3cmicrodata import LxmlMicrodataExtractor

    return {
        "json-ld": JsonLdExtractor(),
        "opengraph": OpenGraphExtractor(),
        "microdata": LxmlMicrodataExtractor(),
    }


class GenericArticlePage:
    """One HTML page of a press release from a site that is not (known to be) WordPress."""

    def __init__(
        self,
        url: str,
        body: bytes | str,
        site: str | None = None,
        *,
        content_type: str | bytes | None = None,
        encoding: str | None = None,
    ):
        self.url = url
        self.site = site or url
        self.root = parse_html(body, content_type, encoding)
        self.whole = ends_whole(body)

    # Structured data

    @cached_property
    def structured(self) -> dict:
        """The page's first JSON-LD or microdata object of an article type, else {}."""
        try:
            items = _extractors()["json-ld"].extract_items(self.root, self.url)
        except Exception:  # a broken JSON-LD block is the site's, not ours: use the DOM
            items = []
        for item in _flatten(items):
            if _types(item.get("@type")) & ARTICLE_TYPES:
                return item
        for item in _extractors()["microdata"].extract_items(self.root, self.url):
            if _types(item.get("type")) & ARTICLE_TYPES:
                return {"@type": "Article", **item.get("properties", {})}
        return {}

    @cached_property
    def opengraph(self) -> list[tuple[str, str]]:
        """OpenGraph properties in page order (``article:tag`` may repeat)."""
        groups = _extractors()["opengraph"].extract_items(self.root, self.url)
        return [pair for group in groups for pair in group.get("properties", [])]

    @cached_property
    def meta(self) -> dict[str, str]:
        """OpenGraph and ``<meta name>`` values (first of each), ``link:<rel>`` hrefs."""
        values: dict[str, str] = {}
        for key, value in self.opengraph:
            values.setdefault(key, value)
        head = self.root.find("head")
        for element in head if head is not None else ():
            if element.tag == "meta" and element.get("content") and element.get("name"):
                values.setdefault(element.get("name").lower(), element.get("content"))
            elif element.tag == "link" and element.get("href"):
                for rel in (element.get("rel") or "").split():
                    values.setdefault(f"link:{rel}", element.get("href"))
        return values

    # Fields

    @cached_property
    def heading(self) -> HtmlElement | None:
        headings = _HEADINGS(self.root)
        return headings[0] if headings else None

    @property
    def title(self) -> str:
        names = {self.meta.get("og:site_name"), self.meta.get("application-name")}
        heading = plain(self.heading.text_content()) if self.heading is not None else ""
        document_title = plain(self.root.findtext(".//title"))
        for sep in TITLE_SEPARATORS:  # "<heading> | <site name>": the tail names the site
            if heading and document_title.startswith(heading + sep):
                names.add(document_title[len(heading + sep) :])
        for candidate in (_text(self.structured.get("headline")), self.meta.get("og:title")):
            if candidate := plain(candidate):
                return strip_site_name(candidate, names)
        return heading or strip_site_name(document_title, names)

    @cached_property
    def dates(self) -> list[tuple[str, HtmlElement | None]]:
        """The publication date the page gives, with the element it came from (None for
        structured data): structured data first, then the date printed nearest the heading.
        Written dates are parsed in that order until one reads: dateparser is the slow part."""
        meta = [
            site_time(_text(self.structured.get("datePublished"))),
            site_time(self.meta.get("article:published_time")),
        ]
        for name in ("pubdate", "publishdate", "date", "dc.date", "dc.date.issued"):
            meta.append(site_time(self.meta.get(name)) or written_date(self.meta.get(name)))
        if value := next(filter(None, meta), None):
            return [(value, None)]
        in_page = [(t.get("datetime"), t) for t in _TIMES(self.root)]
        in_page += [(None, e) for e in self._date_elements]
        heading, everything = self.heading, list(self.root.iter())  # alive: ids stay unique
        order = {id(element): n for n, element in enumerate(everything)}
        start = order.get(id(heading), 0)

        def nearness(pair):  # the date printed just after the main heading is the article's
            n = order.get(id(pair[1]), 0)
            return (n < start, abs(n - start))

        def beside_heading(pair) -> bool:  # not the site's "today" bar, nor a sidebar's date
            n = order.get(id(pair[1]), 0)
            if heading is None or (n < start and start - n > NEAR_HEADING):
                return heading is None
            return _common_ancestor(heading, pair[1]).tag not in ("body", "html")

        for attribute, element in sorted(filter(beside_heading, in_page), key=nearness):
            value = site_time(attribute) if attribute else written_date(element.text_content())
            if value:
                return [(value, element)]
        return []

    @cached_property
    def _date_elements(self) -> list[HtmlElement]:
        """Short elements outside the furniture whose class or id speaks of a date."""
        elements = []
        for element in self.root.iter("span", "div", "p", "time", "small", "li", "em", "i"):
            hint = f"{element.get('class', '')} {element.get('id', '')}"
            if (
                DATE_HINT.search(hint)
                and len(element.text_content()) < 120
                and not self._in_furniture(element)
            ):
                elements.append(element)
        return elements

    @property
    def published_at(self) -> str | None:
        return self.dates[0][0] if self.dates else None

    @property
    def modified_at(self) -> str | None:
        value = _text(self.structured.get("dateModified")) or self.meta.get("article:modified_time")
        return site_time(value)

    @property
    def author(self) -> str | None:
        author = self.structured.get("author")
        if isinstance(author, list):
            author = author[0] if author else None
        if isinstance(author, dict):
            author = author.get("name")
        return plain(_text(author)) or plain(self.meta.get("author")) or None

    @property
    def categories(self) -> list[str] | None:
        """None when the page names none: its markup does not say (``UNKNOWN_WHEN_NULL``)."""
        section = self.structured.get("articleSection") or self.meta.get("article:section")
        return _names(section) or None

    @property
    def tags(self) -> list[str] | None:
        keywords = self.structured.get("keywords")
        if isinstance(keywords, str):
            keywords = keywords.split(",")
        tags = [value for key, value in self.opengraph if key == "article:tag"]
        return _names(keywords or tags) or None

    @property
    def featured_image(self) -> str | None:
        image = self.structured.get("image")
        if isinstance(image, list):
            image = image[0] if image else None
        if isinstance(image, dict):
            image = image.get("url")
        src = _text(image) or self.meta.get("og:image")
        return absolute_url(self.url, src, self.site) if src else None

    @property
    def url_canonical(self) -> str:
        """The page's own canonical link when it stays on this host, else the URL fetched."""
        for href in (self.meta.get("link:canonical"), self.meta.get("og:url")):
            link = absolute_url(self.url, href, self.site) if href else None
            if (
                link
                and urlsplit(link).netloc == urlsplit(canonical_url(self.url, self.site)).netloc
            ):
                return link
        return canonical_url(self.url, self.site)

    @property
    def extractor(self) -> str:
        structured = self.structured.get("headline") and self.structured.get("datePublished")
        return "generic-structured" if structured else "generic-dom"

    # The body

    @cached_property
    def body(self) -> HtmlElement | None:
        """The element holding the article's text: itemprop=articleBody, else the container
        whose own paragraphs carry the most text."""
        for element in _SCRIPTS(self.root):
            element.drop_tree()
        marked = _ARTICLE_BODY(self.root)
        if marked:
            return marked[0]
        best, best_score = None, 0
        for element in _CONTAINERS(self.root):
            if self._in_furniture(element):
                continue
            score = len((element.text or "").strip())
            for child in element:  # its paragraphs (and leaf divs), and text between children
                if child.tag in ("p", "blockquote") or (child.tag == "div" and not len(child)):
                    score += len(child.text_content())
                if child.tail:
                    score += len(child.tail.strip())
            if score > best_score:
                best, best_score = element, score
        return best

    def _in_furniture(self, element: HtmlElement) -> bool:
        for node in element.iterancestors():
            if node.tag == "body":
                return False
            if self._furniture(node):
                return True
        return self._furniture(element)

    def _furniture(self, element: HtmlElement) -> bool:
        """``_is_furniture``, once per element of the page (the same ancestors are asked about
        again and again)."""
        known = self._furniture_of.get(element)
        if known is None:
            known = self._furniture_of[element] = _is_furniture(element)
        return known

    @cached_property
    def _furniture_of(self) -> dict[HtmlElement, bool]:
        return {}

    def to_article(self) -> Article:
        _ = self.structured, self.meta  # read before the body's cleaning drops the scripts
        body = self.body
        if body is None:
            raise missing("article body", self.url, self.whole)
        if not self.published_at:
            raise missing("publication date", self.url, self.whole)
        if not self.structured and self.meta.get("og:type") != "article":
            dated = {id(element) for element in self._date_elements}
            outermost = [
                element
                for element in self._date_elements
                if not any(id(node) in dated for node in element.iterancestors())
            ]
            if len(outermost) > MAX_DATES:
                raise NotAnArticle(f"a listing, not an article: {self.url}")
        date_elements = {id(element) for _, element in self.dates if element is not None}
        for element in list(body.iterdescendants()):
            if element.getparent() is None:
                continue  # inside something already dropped
            if (
                _is_furniture(element)
                or id(element) in date_elements
                or element.tag == "h1"
                or (
                    element.tag in ("p", "div", "span", "h2", "h3", "h4", "strong")
                    and FURNITURE.match(" ".join(element.text_content().split()))
                )
            ):
                element.drop_tree()
        words = len(body.text_content().split())
        linked = sum(len(link.text_content().split()) for link in body.iter("a"))
        if words < MIN_WORDS and (self.structured or self.meta.get("og:type") == "article"):
            raise Unreadable(f"an article with no text found at {self.url} ({words} words)")
        if not self.structured and (words < MIN_WORDS or linked > words / 2):
            raise NotAnArticle(f"no article text at {self.url} ({words} words, {linked} linked)")
        return make_article(
            url=self.url_canonical,
            title=self.title,
            published_at=self.published_at,
            body=body,
            source="html",
            modified_at=self.modified_at,
            author=self.author,
            categories=self.categories,
            tags=self.tags,
            featured_image=self.featured_image,
            extractor=self.extractor,
        )


def strip_site_name(title: str, names: set[str | None]) -> str:
    """``Judul | Kementerian HAM`` -> ``Judul`` when the tail (or head) names the site."""
    for name in filter(None, names):
        for sep in TITLE_SEPARATORS:
            if title.endswith(sep + name):
                return title[: -len(sep + name)].strip()
            if title.startswith(name + sep):
                return title[len(name + sep) :].strip()
    return title


def _is_furniture(element: HtmlElement) -> bool:
    if element.tag in CHROME_TAGS:
        return True
    classes, element_id = element.get("class"), element.get("id")
    if not classes and not element_id:
        return False
    tokens = TOKEN.split(f"{classes or ''} {element_id or ''}".lower())
    return bool(CHROME_WORDS.intersection(tokens))


def _common_ancestor(a: HtmlElement, b: HtmlElement) -> HtmlElement:
    above_a = {id(node): node for node in (a, *a.iterancestors())}
    for node in (b, *b.iterancestors()):
        if id(node) in above_a:
            return node
    return a.getroottree().getroot()


def _flatten(items) -> list[dict]:
    """JSON-LD objects, with ``@graph`` lists and nested lists opened."""
    out: list[dict] = []
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, list):
            out += _flatten(item)
        elif isinstance(item, dict):
            out.append(item)
            if "@graph" in item:
                out += _flatten(item["@graph"])
    return out


def _types(value) -> set[str]:
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1] for v in values if v}


def _text(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    return str(value) if value is not None else None


def _names(value) -> list[str]:
    values = value if isinstance(value, list) else [value] if value else []
    names = (plain(_text(v)) for v in values)
    return list(dict.fromkeys(name for name in names if name))
