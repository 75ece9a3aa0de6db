"""The one record shape: every source (REST, sitemap + HTML, listing + HTML) ends as an Article."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Person:
    """A person named in an article, with the position the article gives them."""

    name: str
    position: str | None = None


@dataclass
class Image:
    src: str  # absolute URL
    alt: str | None = None
    caption: str | None = None
    is_featured: bool = False


@dataclass
class Document:
    url: str  # absolute URL
    link_text: str | None = None
    file_type: str = ""  # lower-case extension: pdf, docx, xlsx, pptx, zip, ...


@dataclass
class Article:
    """A press release, normalised. Dates are ISO 8601 with the site's offset (+07:00)."""

    url: str  # canonical permalink
    title: str  # plain text, entities decoded
    published_at: str  # e.g. 2022-09-14T09:00:00+07:00
    body_html: str  # sanitized HTML of the article body
    body_text: str  # paragraphs separated by one blank line, boilerplate removed
    source: str  # "rest" or "html"
    post_id: int | None = None
    slug: str = ""
    modified_at: str | None = None
    author: str | None = None
    # None: the source did not say (a REST post whose terms could not be embedded), kept as
    # the archive has them
    categories: list[str] | None = field(default_factory=list)
    tags: list[str] | None = field(default_factory=list)
    word_count: int = 0
    featured_image: str | None = None  # absolute URL, when the source names one
    # What the text itself says (scraper.press_release, pure):
    dateline_city: str | None = None
    event_date: str | None = None  # YYYY-MM-DD
    event_date_end: str | None = None
    event_date_text: str | None = None
    event_date_note: str | None = None
    credit: str | None = None
    credit_text: str | None = None
    source_note: str | None = None
    language: str | None = None
    people: list[Person] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    extractor: str | None = None  # the page object that read it: wordpress-classic-v1, ...
    capture_id: int | None = None  # the raw capture (captures.id) this record was read from
    site: str | None = None  # the site it was archived from (after any move), set by the spider
    aliases: list[str] = field(default_factory=list)  # other URLs it answered at (redirects)


@dataclass
class Gone:
    """An archived article the site no longer shows: 404/410, or absent from a complete listing."""

    url: str
    reason: str  # "HTTP 404", "absent from the REST listing", ...
    capture_id: int | None = None
    evidence: dict | None = None  # scraper.deletion.Evidence.as_json(): reasons, capture ids


@dataclass
class NoArticle:
    """A page read that holds no article (a web archive's capture of a listing, say): recorded so
    that a resumed backfill does not read it again."""

    url: str
    capture_id: int | None = None
