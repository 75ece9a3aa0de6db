"""An article page rendered by a WordPress theme, classic (Twenty Twenty-One) or block (Twenty
Twenty-Three). Structured data first (``<time datetime>``, ``<link rel>``, meta), the DOM after.

Selectors are written as CSS (with parsel's ``::attr()``) and compiled to XPath once, at import:
a reparse runs this over the whole archive."""

from __future__ import annotations

import re
from functools import cached_property
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html
from parsel.csstranslator import HTMLTranslator

from scraper.items import Article
from scraper.pages.article import NotAnArticle, make_article
from scraper.text import canonical_url, plain, post_author, site_time

POST_ID = re.compile(r"[?&]p=(\d+)|post-?(?:id-)?(\d+)")
PERMALINK = re.compile(r"/\d{4}/\d{2}/\d{2}/[^/]+/?$")
_TRANSLATOR = HTMLTranslator()


def css(query: str) -> etree.XPath:
    """A CSS selector (``::attr(name)`` allowed), compiled once."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(query))


class ArticlePage:
    """One HTML page of a post. ``to_article()`` raises NotAnArticle for anything else."""

    # In the page: compiled selectors.
    TITLE = css("h1.entry-title, .wp-block-post-title, article h1, main h1")
    BODY = css("div.entry-content, .wp-block-post-content")
    ARTICLE_ID = css("article::attr(id)")
    PUBLISHED = (
        css("time.entry-date.published::attr(datetime)"),
        css(".wp-block-post-date time::attr(datetime)"),
        css("article time::attr(datetime)"),
    )
    AUTHOR = css("a[rel='author'], .wp-block-post-author__name")
    CATEGORIES = css("a[rel~='category'], .wp-block-post-terms.taxonomy-category a")
    TAGS = css(".wp-block-post-terms.taxonomy-post_tag a, a[rel='tag']")
    FEATURED = (
        css(".post-thumbnail img::attr(src)"),
        css(".wp-block-post-featured-image img::attr(src)"),
    )

    def __init__(self, url: str, body: bytes | str, site: str | None = None):
        self.url = url
        self.site = site or url
        self.root = parse_html(body)

    def to_article(self) -> Article:
        if not self.is_post:
            raise NotAnArticle(f"not a post: {self.url}")
        body = self.BODY(self.root)
        if not body:
            raise NotAnArticle(f"no article body found at {self.url}")
        return make_article(
            url=self.url_canonical,
            title=self.title,
            published_at=self.published_at,
            body=body[0],
            source="html",
            post_id=self.post_id,
            modified_at=self.modified_at,
            author=self.author,
            categories=self.categories,
            tags=self.tags,
            featured_image=self.featured_image,
        )

    def _first(self, query: etree.XPath) -> str | None:
        found = query(self.root)
        return str(found[0]) if found else None

    @cached_property
    def head(self) -> dict[str, str]:
        """``<meta>`` contents by property or name, ``<link>`` hrefs as ``link:<rel>``: one pass."""
        values: dict[str, str] = {}
        head = self.root.find("head")
        for element in head if head is not None else ():
            if element.tag == "meta" and element.get("content"):
                key = element.get("property") or element.get("name")
                values.setdefault(key, element.get("content"))
            elif element.tag == "link" and element.get("href"):
                for rel in (element.get("rel") or "").split():
                    values.setdefault(f"link:{rel}", element.get("href"))
        return values

    @cached_property
    def body_classes(self) -> list[str]:
        body = self.root.find("body")
        return (body.get("class") or "").split() if body is not None else []

    @property
    def is_post(self) -> bool:
        if self.body_classes:
            return "single-post" in self.body_classes
        return bool(PERMALINK.search(self.url))

    @property
    def url_canonical(self) -> str:
        href = self.head.get("link:canonical")
        return canonical_url(urljoin(self.url, href) if href else self.url, self.site)

    @property
    def post_id(self) -> int | None:
        candidates = [
            self.head.get("link:shortlink"),
            " ".join(c for c in self.body_classes if c.startswith("postid-")),
            self._first(self.ARTICLE_ID),
        ]
        for candidate in filter(None, candidates):
            if match := POST_ID.search(candidate):
                return int(match.group(1) or match.group(2))
        return None

    @property
    def title(self) -> str:
        titles = self.TITLE(self.root)
        return _text(titles[0]) if titles else plain(self.head.get("og:title"))

    @property
    def published_at(self) -> str | None:
        if value := site_time(self.head.get("article:published_time")):
            return value
        for query in self.PUBLISHED:
            if value := site_time(self._first(query)):
                return value
        return None

    @property
    def modified_at(self) -> str | None:
        return site_time(self.head.get("article:modified_time"))

    @property
    def author(self) -> str | None:
        authors = self.AUTHOR(self.root)
        if authors and (name := _text(authors[0])):
            return name
        if name := plain(self.head.get("author")):
            return name
        return post_author("\n".join(self.root.itertext()))

    @cached_property
    def _category_links(self) -> list:
        return self.CATEGORIES(self.root)

    @property
    def categories(self) -> list[str]:
        return _names(self._category_links)

    @property
    def tags(self) -> list[str]:
        categories = set(self._category_links)
        return _names(link for link in self.TAGS(self.root) if link not in categories)

    @property
    def featured_image(self) -> str | None:
        if src := self.head.get("og:image"):
            return canonical_url(src, self.site)
        for query in self.FEATURED:
            if src := self._first(query):
                return canonical_url(src, self.site)
        return None


def parse_html(body: bytes | str) -> lxml_html.HtmlElement:
    """A document tree from a page's bytes (UTF-8, as WordPress sends), never an exception."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        return lxml_html.document_fromstring(text)
    except ValueError:  # a str with an XML encoding declaration: let lxml read the bytes
        try:
            return lxml_html.document_fromstring(text.encode("utf-8"))
        except (etree.ParserError, ValueError):
            pass
    except etree.ParserError:  # nothing to parse
        pass
    return lxml_html.document_fromstring("<html><body></body></html>")


def _names(links) -> list[str]:
    """Distinct link texts, in page order (themes may print a term list twice)."""
    names = (_text(link) for link in links)
    return list(dict.fromkeys(name for name in names if name))


def _text(element) -> str:
    return plain(" ".join(element.itertext()))
