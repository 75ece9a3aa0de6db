"""An article page rendered by a WordPress theme, classic (Twenty Twenty-One) or block (Twenty
Twenty-Three). Structured data first (``<time datetime>``, ``<link rel>``, meta), the DOM after."""

from __future__ import annotations

import re
from functools import cached_property
from urllib.parse import urljoin

from parsel import Selector

from scraper.items import Article
from scraper.pages.article import NotAnArticle, make_article
from scraper.text import canonical_url, plain, post_author, site_time

POST_ID = re.compile(r"[?&]p=(\d+)|post-?(?:id-)?(\d+)")
PERMALINK = re.compile(r"/\d{4}/\d{2}/\d{2}/[^/]+/?$")


class ArticlePage:
    """One HTML page of a post. ``to_article()`` raises NotAnArticle for anything else."""

    TITLE = "h1.entry-title, .wp-block-post-title, article h1, main h1"
    BODY = "div.entry-content, .wp-block-post-content"
    PUBLISHED = (
        "meta[property='article:published_time']::attr(content)",
        "time.entry-date.published::attr(datetime)",
        ".wp-block-post-date time::attr(datetime)",
        "article time::attr(datetime)",
    )
    MODIFIED = ("meta[property='article:modified_time']::attr(content)",)
    AUTHOR = "a[rel='author'], .wp-block-post-author__name"
    CATEGORIES = "a[rel~='category'], .wp-block-post-terms.taxonomy-category a"
    TAGS = ".wp-block-post-terms.taxonomy-post_tag a, a[rel='tag']"
    FEATURED = (
        "meta[property='og:image']::attr(content)",
        ".post-thumbnail img::attr(src)",
        ".wp-block-post-featured-image img::attr(src)",
    )

    def __init__(self, url: str, body: bytes | str, site: str | None = None):
        self.url = url
        self.site = site or url
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        self.selector = Selector(text=text)

    def to_article(self) -> Article:
        if not self.is_post:
            raise NotAnArticle(f"not a post: {self.url}")
        body = self.selector.css(self.BODY)
        if not body:
            raise NotAnArticle(f"no article body found at {self.url}")
        return make_article(
            url=self.url_canonical,
            title=self.title,
            published_at=self.published_at,
            body=body[0].root,
            source="html",
            post_id=self.post_id,
            modified_at=self.modified_at,
            author=self.author,
            categories=self.categories,
            tags=self.tags,
            featured_image=self.featured_image,
        )

    @cached_property
    def body_classes(self) -> list[str]:
        return (self.selector.css("body::attr(class)").get() or "").split()

    @property
    def is_post(self) -> bool:
        if self.body_classes:
            return "single-post" in self.body_classes
        return bool(PERMALINK.search(self.url))

    @property
    def url_canonical(self) -> str:
        href = self.selector.css("link[rel='canonical']::attr(href)").get()
        return canonical_url(urljoin(self.url, href) if href else self.url, self.site)

    @property
    def post_id(self) -> int | None:
        candidates = [
            self.selector.css("link[rel='shortlink']::attr(href)").get(),
            " ".join(c for c in self.body_classes if c.startswith("postid-")),
            self.selector.css("article::attr(id)").get(),
        ]
        for candidate in filter(None, candidates):
            if match := POST_ID.search(candidate):
                return int(match.group(1) or match.group(2))
        return None

    @property
    def title(self) -> str:
        title = _text(self.selector.css(self.TITLE)[:1])
        return title or plain(self.selector.css("meta[property='og:title']::attr(content)").get())

    @property
    def published_at(self) -> str | None:
        return self._first_time(self.PUBLISHED)

    @property
    def modified_at(self) -> str | None:
        return self._first_time(self.MODIFIED)

    def _first_time(self, queries: tuple[str, ...]) -> str | None:
        for query in queries:
            if value := site_time(self.selector.css(query).get()):
                return value
        return None

    @property
    def author(self) -> str | None:
        if name := _text(self.selector.css(self.AUTHOR)[:1]):
            return name
        if name := plain(self.selector.css("meta[name='author']::attr(content)").get()):
            return name
        return post_author("\n".join(self.selector.css("body ::text").getall()))

    @property
    def categories(self) -> list[str]:
        return _names(self.selector.css(self.CATEGORIES))

    @property
    def tags(self) -> list[str]:
        categories = {link.root for link in self.selector.css(self.CATEGORIES)}
        return _names(link for link in self.selector.css(self.TAGS) if link.root not in categories)

    @property
    def featured_image(self) -> str | None:
        for query in self.FEATURED:
            if src := self.selector.css(query).get():
                return canonical_url(src, self.site)
        return None


def _names(links) -> list[str]:
    """Distinct link texts, in page order (themes may print a term list twice)."""
    names = (_text(link) for link in links)
    return list(dict.fromkeys(name for name in names if name))


def _text(selection) -> str:
    return plain(" ".join(selection.xpath(".//text()").getall()))
