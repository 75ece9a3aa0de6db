"""The funnel every source goes through, so that every path ends in the same Article."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from scraper.items import Article, Document, Image
from scraper.press_release import read_press_release
from scraper.text import absolute_url, body_html, body_text, clean_body, slug_of, word_count


class NotAnArticle(ValueError):
    """The page is not a published post (a page, an attachment, a listing, ...)."""


class Withheld(NotAnArticle):
    """A post the site lists but withholds (password-protected): nothing public to read, so an
    archived row keeps the last state that was public, instead of the password form."""


def asks_a_password(content: HtmlElement) -> bool:
    """Whether WordPress's password form stands in a post's content (``get_the_password_form``:
    a form sent to ``wp-login.php?action=postpass``, whatever the theme and the language)."""
    return any("action=postpass" in (form.get("action") or "") for form in content.iter("form"))


class Unreadable(Exception):
    """The page is a post (or may be) but cannot be read whole: a failure, never a skip."""


def missing(what: str, url: str, whole: bool = True) -> NotAnArticle:
    """``no publication date found at URL``, and whether the page stops short of its end."""
    cut = "" if whole else " (the page stops before its </html>: cut short)"
    return NotAnArticle(f"no {what} found at {url}{cut}")


def ends_whole(body: bytes | str | HtmlElement) -> bool:
    """Whether a page's text reaches its closing ``</body>`` or ``</html>``: a page that a PHP
    fatal error stopped halfway does not (libxml2 closes what is open, and says nothing)."""
    if isinstance(body, HtmlElement):
        return True
    tail = body[-4096:].lower()
    ends = (b"</html", b"</body") if isinstance(tail, bytes) else ("</html", "</body")
    return any(end in tail for end in ends)


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
    categories: list[str] | None = (),
    tags: list[str] | None = (),
    featured_image: str | None = None,
    extractor: str | None = None,
) -> Article:
    """Clean the body and derive every computed field the same way for every source.
    ``categories`` or ``tags`` None: the source has them but did not say which (unknown)."""
    if not published_at:
        raise missing("publication date", url)
    cleaned = clean_body(body, url)
    text = body_text(cleaned)
    html = body_html(cleaned)
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
        categories=None if categories is None else list(categories),
        tags=None if tags is None else list(tags),
        word_count=word_count(text),
        featured_image=featured_image,
        extractor=extractor,
        images=extract_images(cleaned, url, featured_image),
        documents=extract_documents(cleaned, url),
        **read_press_release(text, published_at),
    )


# Images and documents, read from the cleaned body (already parsed: no second parse).

DOCUMENT_TYPES = frozenset("pdf doc docx xls xlsx ppt pptx zip".split())
SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")
CAPTIONS = (
    etree.XPath("ancestor::figure[1]//figcaption//text()"),
    etree.XPath(
        "ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' wp-caption ')][1]"
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' wp-caption-text ')]//text()"
    ),
)


def extract_images(body: HtmlElement, base_url: str, featured_src: str | None) -> list[Image]:
    """Images of the body, absolute, with alt text, caption and whether featured."""
    featured_url = absolute_url(base_url, featured_src) if featured_src else None
    featured = _image_key(featured_url) if featured_url else None
    images: list[Image] = []
    seen: set[str] = set()
    for img in body.iter("img"):
        src = img.get("src") or img.get("data-src") or img.get("data-lazy-src")
        if not src or src.startswith("data:"):
            continue
        src = absolute_url(base_url, src)
        if src is None or src in seen:
            continue
        seen.add(src)
        alt = _text_or_none([img.get("alt", "")])
        is_featured = featured is not None and _image_key(src) == featured
        images.append(Image(src, alt, _caption(img), is_featured))
    return images


def extract_documents(body: HtmlElement, base_url: str) -> list[Document]:
    """Links to office documents and archives, absolute, with their link text and type."""
    documents: list[Document] = []
    seen: set[str] = set()
    for link in body.iter("a"):
        href = link.get("href")
        if href is None or "." not in href.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]:
            continue  # no file name with a suffix: not a document (most links)
        url = absolute_url(base_url, href)
        if url is None:
            continue
        suffix = PurePosixPath(urlsplit(url).path).suffix.lower().lstrip(".")
        if suffix not in DOCUMENT_TYPES or url in seen:
            continue
        seen.add(url)
        documents.append(Document(url, _text_or_none(link.itertext()), suffix))
    return documents


def _image_key(url: str) -> str:
    """Scheme-, www- and size-insensitive key to compare image URLs."""
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    return host + SIZE_SUFFIX.sub("", parts.path)


def _caption(img: HtmlElement) -> str | None:
    for query in CAPTIONS:
        if caption := _text_or_none(query(img)):
            return caption
    return None


def _text_or_none(values) -> str | None:
    return " ".join(" ".join(values).split()) or None
