"""The funnel every source goes through, so that every path ends in the same Article."""

from __future__ import annotations

from lxml.html import HtmlElement
from parsel import Selector

from scraper.items import Article
from scraper.press_release import extract_documents, extract_images, read_press_release
from scraper.text import body_html, body_text, clean_body, slug_of, word_count


class NotAnArticle(ValueError):
    """The page is not a published post (a page, an attachment, a listing, ...)."""


class Unreadable(Exception):
    """The page is a post (or may be) but cannot be read whole: a failure, never a skip."""


def make_article(
    *,
    url: str,
    title: str,
    published_at: str | None,
    body: HtmlElement,
    source: str,
    post_id: int | None = None,
    slug: str | None = None,
    modified_at: str | None = None,
    author: str | None = None,
    categories: list[str] | None = None,
    tags: list[str] | None = None,
    featured_image: str | None = None,
) -> Article:
    """Clean the body and derive every computed field the same way for every source."""
    if not published_at:
        raise NotAnArticle(f"no publication date found at {url}")
    cleaned = clean_body(body, url)
    text = body_text(cleaned)
    html = body_html(cleaned)
    parsed = Selector(root=cleaned, type="html")
    return Article(
        url=url,
        title=title,
        published_at=published_at,
        body_html=html,
        body_text=text,
        source=source,
        post_id=post_id,
        slug=slug or slug_of(url),
        modified_at=modified_at,
        author=author,
        categories=categories or [],
        tags=tags or [],
        word_count=word_count(text),
        featured_image=featured_image,
        images=extract_images(parsed, url, featured_image),
        documents=extract_documents(parsed, url),
        **read_press_release(text, published_at),
    )
