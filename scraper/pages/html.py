"""An article page rendered by a WordPress theme, classic (Twenty Twenty-One) or block (Twenty
Twenty-Three). Structured data first (``<time datetime>``, ``<link rel>``, meta), the DOM after.

Selectors are written as CSS (with parsel's ``::attr()``) and compiled to XPath once, at import:
a reparse runs this over the whole archive."""

from __future__ import annotations

import codecs
import re
from functools import cached_property
from itertools import chain

from lxml import etree
from lxml import html as lxml_html
from parsel.csstranslator import HTMLTranslator
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

from scraper.items import Article
from scraper.pages.article import (
    NotAnArticle,
    Unreadable,
    Withheld,
    asks_a_password,
    ends_whole,
    make_article,
    missing,
)
from scraper.text import (
    absolute_url,
    body_html,
    body_text,
    canonical_url,
    clean_body,
    plain,
    post_author,
    site_time,
)

POST_ID = re.compile(r"[?&]p=(\d+)|post-?(?:id-)?(\d+)")
PERMALINK = re.compile(r"/\d{4}/\d{2}/\d{2}/[^/]+/?$")
_TRANSLATOR = HTMLTranslator()


def css(query: str) -> etree.XPath:
    """A CSS selector (``::attr(name)`` allowed), compiled once."""
    return etree.XPath(on_class_attributes(_TRANSLATOR.css_to_xpath(query)))


_CLASS_TEST = (
    r"@class and contains\(@class, '[^']+'\)"
    r" and contains\(concat\(' ', normalize-space\(@class\), ' '\), ' [^']+ '\)"
)
_ANY_WITH_CLASSES = re.compile(rf"descendant-or-self::\*\[((?:\(?{_CLASS_TEST}\)?(?: and )?)+)\]")


def on_class_attributes(xpath: str) -> str:
    """The same XPath, its leading ``*[class tests]`` step asked of the class attributes
    (``descendant-or-self::*/@class[tests]/..``): libxml2 then tests the elements that have a
    class, not every element, and the expression runs in half the time. The elements found
    are the same, in the same order."""
    parts = xpath.split(" | ")
    for n, part in enumerate(parts):
        step = _ANY_WITH_CLASSES.match(part)
        if step and step.group(1).count("(") == step.group(1).count(")"):
            tests = step.group(1).replace("@class and ", "").replace("@class", ".")
            parts[n] = f"descendant-or-self::*/@class[{tests}]/..{part[step.end() :]}"
    return " | ".join(parts)


class ArticlePage:
    """One HTML page of a WordPress post. ``to_article()`` raises NotAnArticle for anything else.

    ``ArticlePage(url, body, site)`` parses the page once and returns the page object of its
    layout (``page_object_for``): ``ClassicThemeV1``, ``BlockThemeV1``, or ``AnyThemeV1``,
    which knows the selectors of every layout, for a theme none of them matches. A layout's own
    class (``ClassicThemeV1(url, body, site)``) reads a page as that layout, as for old captures.
    When a layout changes, a new version subclasses the old one and overrides what changed; the
    old one stays for the captures made before (see docs/crawling.md).
    """

    EXTRACTOR = "wordpress-html"  # Article.extractor: which page object read the row
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

    def __new__(
        cls,
        url: str,
        body: bytes | str | lxml_html.HtmlElement,
        site: str | None = None,
        *,
        content_type: str | bytes | None = None,
        encoding: str | None = None,
    ) -> ArticlePage:
        """``body``: the response's bytes (or an already parsed document); ``content_type``
        its Content-Type header (the charset is read); ``encoding`` overrides that charset when
        the caller already knows it."""
        found: dict = {}
        if isinstance(body, lxml_html.HtmlElement):
            root = body
        elif cls is not ArticlePage:
            root = parse_html(body, content_type, encoding)
        else:  # parse less: a layout's fields all lie in <head>, the <body> tag and <main>
            text, utf8 = _decode(body, content_type, encoding)
            data = text if utf8 is None else utf8
            slim = _head_and_main(data)
            root = _parse(data if slim is None else slim, utf8 is not None)
            cls, found = _layout(root)
            if slim is not None and cls is AnyThemeV1:
                root = _parse(data, utf8 is not None)  # a theme we do not know: all of it
                found = {}
        if cls is ArticlePage:
            cls, found = _layout(root)
        page = super().__new__(cls)
        page.url, page.site, page.root = url, site or url, root
        page.whole = ends_whole(body)
        page.__dict__.update(found)  # what choosing the layout found: ``scope`` and ``bodies``
        return page

    def to_article(self) -> Article:
        if not self.is_post:
            raise NotAnArticle(f"not a post: {self.url}")
        if self.bodies and asks_a_password(self.bodies[0]):
            raise Withheld(f"password-protected: {self.url}")
        published_at = self.published_at
        if not self.bodies or not published_at:
            what = "publication date" if self.bodies else "article body"
            raise missing(what, self.url, self.whole)
        return make_article(
            url=self.url_canonical,
            title=self.title,
            published_at=published_at,
            body=self.bodies[0],
            source="html",
            post_id=self.post_id,
            modified_at=self.modified_at,
            author=self.author,
            categories=self.categories,
            tags=self.tags,
            featured_image=self.featured_image,
            extractor=self.EXTRACTOR,
        )

    def _first(self, query: etree.XPath) -> str | None:
        found = query(self.scope)
        return str(found[0]) if found else None

    @cached_property
    def scope(self) -> lxml_html.HtmlElement:
        """Where the field selectors look: the whole page, for a theme we do not know."""
        return self.root

    @cached_property
    def bodies(self) -> list[lxml_html.HtmlElement]:
        return self.BODY(self.scope)

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
        found = absolute_url(self.url, href, self.site) if href else None
        return found or canonical_url(self.url, self.site)

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
        titles = self.TITLE(self.scope)
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
        authors = self.AUTHOR(self.scope)
        if authors and (name := _text(authors[0])):
            return name
        if name := plain(self.head.get("author")):
            return name
        return post_author("\n".join(self.root.itertext()))

    @cached_property
    def _category_links(self) -> list:
        return self.CATEGORIES(self.scope)

    @property
    def categories(self) -> list[str] | None:
        """None when the page shows no category: many themes print none, and WordPress gives
        every post at least one, so a page without them says nothing (``UNKNOWN_WHEN_NULL``)."""
        return _names(self._category_links) or None

    @property
    def tags(self) -> list[str] | None:
        """None when the page shows no tag: themes print the list only when there is one, so a
        post without tags and a theme that hides them look alike."""
        categories = set(self._category_links)
        return _names(link for link in self.TAGS(self.scope) if link not in categories) or None

    @property
    def featured_image(self) -> str | None:
        sources = chain([self.head.get("og:image")], map(self._first, self.FEATURED))
        for src in filter(None, sources):  # lazily: most pages stop at the first
            if url := absolute_url(self.url, src, self.site):
                return url
        return None


class ClassicThemeV1(ArticlePage):
    """Twenty Twenty-One (classic theme) as WordPress 6.1 renders it, and classic themes that
    follow its conventions: ``article#post-ID``, ``h1.entry-title``, ``div.entry-content``,
    ``time.entry-date.published``, ``a[rel=author]``, ``a[rel="category tag"]``, ``a[rel=tag]``.
    In use: the known ham.go.id layout to 2023."""

    EXTRACTOR = "wordpress-classic-v1"
    TITLE = css("h1.entry-title, article h1")
    BODY = css("div.entry-content")
    PUBLISHED = (
        css("time.entry-date.published::attr(datetime)"),
        css("article time::attr(datetime)"),
    )
    AUTHOR = css("a[rel='author']")
    CATEGORIES = css("a[rel~='category']")
    TAGS = css("a[rel='tag']")
    FEATURED = (css(".post-thumbnail img::attr(src)"),)

    @cached_property
    def scope(self) -> lxml_html.HtmlElement:
        """The ``<main>`` element: the post, its header and footer; no menus, no widgets."""
        main = self.root.find("body//main")
        return main if main is not None else self.root


class BlockThemeV1(ArticlePage):
    """Twenty Twenty-Three (block theme) as WordPress 6.1 renders it: no ``<article>``; the
    ``wp-block-post-*`` blocks (title, date with a ``<time datetime>``, author, terms, content)
    inside ``body > div.wp-site-blocks``."""

    EXTRACTOR = "wordpress-block-v1"
    TITLE = css(".wp-block-post-title")
    BODY = css(".wp-block-post-content")
    PUBLISHED = (css(".wp-block-post-date time::attr(datetime)"),)
    AUTHOR = css(".wp-block-post-author__name")
    CATEGORIES = css(".wp-block-post-terms.taxonomy-category a")
    TAGS = css(".wp-block-post-terms.taxonomy-post_tag a")
    FEATURED = (css(".wp-block-post-featured-image img::attr(src)"),)
    scope = ClassicThemeV1.scope  # <main>: the single template's post blocks


class AnyThemeV1(ArticlePage):
    """A WordPress theme neither layout matches: the selectors of both, first match wins."""


def page_object_for(root: lxml_html.HtmlElement) -> type[ArticlePage]:
    """Which page object reads this page (pure), from its ``<main>`` (the whole page when it
    has none): a Post Content block (``.wp-block-post-content``, which only a block theme's
    templates render) is the block layout; a classic ``div.entry-content`` the classic one;
    anything else the page object that knows both. (Generic page objects for other CMSs come
    before that last answer when they exist.)"""
    return _layout(root)[0]


def _layout(root: lxml_html.HtmlElement) -> tuple[type[ArticlePage], dict]:
    """``page_object_for``, and what it found on the way, for the page object's cache: its
    ``scope`` and the ``bodies`` its BODY selector matched there."""
    main = root.find("body//main")
    scope = root if main is None else main
    for layout in (BlockThemeV1, ClassicThemeV1):
        if bodies := layout.BODY(scope):
            return layout, {"scope": scope, "bodies": bodies}
    return AnyThemeV1, {}


def decode_html(
    body: bytes | str, content_type: str | bytes | None = None, encoding: str | None = None
) -> str:
    """A page's text, decoded as a browser (and Scrapy's ``response.text``, through w3lib) would:
    a byte-order mark first, then the HTTP charset (``encoding`` when the caller already knows
    it), then ``<meta charset>``, UTF-8 when nothing is said. Two repairs for labels that lie:
    bytes that are valid UTF-8 (and not plain ASCII) are read as UTF-8 whatever a single-byte
    label says, since legacy text almost never forms valid UTF-8 sequences; and in a page said
    (or taken) to be UTF-8, the bytes that are not UTF-8 are read as Windows-1252 (text pasted
    from Word), not lost to U+FFFD. BeautifulSoup's ``UnicodeDammit.detwingle`` does the second
    only for bytes 0x80-0x9F: it takes ``é`` (0xE9) before ASCII for the start of a UTF-8
    sequence and loses it (``test_pages.py`` shows it)."""
    return _decode(body, content_type, encoding)[0]


def _decode(
    body: bytes | str, content_type: str | bytes | None, encoding: str | None
) -> tuple[str, bytes | None]:
    """The text, and the bytes when they are that text in UTF-8 as they stand (the common case:
    lxml reads UTF-8 bytes faster than a str)."""
    if isinstance(body, str):
        return body, None
    if isinstance(content_type, bytes):  # as Scrapy's headers hold it
        content_type = content_type.decode("latin-1")
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        text = body[len(bom) :].decode(bom_encoding, "replace")
        return text, body[len(bom) :] if bom_encoding == "utf-8" else None
    declared = (
        resolve_encoding(encoding) if encoding else http_content_type_encoding(content_type)
    ) or html_body_declared_encoding(body)
    if declared in ("utf-16", "utf-32"):
        declared += "-be"  # as w3lib reads a label without a BOM
    if declared and declared.startswith(("utf-16", "utf-32")):
        return body.decode(declared, "replace"), None
    try:
        return body.decode("utf-8"), body
    except UnicodeDecodeError:
        if declared not in (None, "utf-8"):
            try:
                return body.decode(declared, "replace"), None
            except LookupError:  # a label Python does not know
                pass
        return body.decode("utf-8", WINDOWS_1252_REPAIR), None


def _windows_1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the bytes that are not UTF-8, read as Windows-1252 (the five bytes
    it leaves undefined as the C1 controls of the same number, as WHATWG's decoder does)."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return "".join(
        chr(b) if b in _UNDEFINED else bytes([b]).decode("cp1252") for b in bad
    ), error.end


_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
WINDOWS_1252_REPAIR = "ham-archive-windows-1252"
codecs.register_error(WINDOWS_1252_REPAIR, _windows_1252)


# huge_tree: without it libxml2 stops at 256 levels of nesting (a body pasted from Word) and
# at text or attribute nodes of 10 MB (inline ``data:`` images), and drops the rest silently.
# collect_ids off: no page object looks an element up by id (a sixth of the parse). The UTF-8
# parser reads bytes as UTF-8 whatever the page says (the caller has checked that they are).
_PARSER = lxml_html.HTMLParser(huge_tree=True, collect_ids=False)
_UTF8_PARSER = lxml_html.HTMLParser(huge_tree=True, collect_ids=False, encoding="utf-8")
# Every element an HtmlElement, chosen in C: lxml.html's own lookup is a Python call for each
# element the code touches, to give forms and inputs their classes (which nothing here uses).
_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement,
    comment=lxml_html.HtmlComment,
    pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity,
)
for _parser in (_PARSER, _UTF8_PARSER):
    _parser.set_element_class_lookup(_CLASSES)


def parse_html(
    body: bytes | str, content_type: str | bytes | None = None, encoding: str | None = None
) -> lxml_html.HtmlElement:
    """A document tree from a page's bytes; Unreadable when lxml cannot read all of it."""
    text, utf8 = _decode(body, content_type, encoding)
    return _parse(text if utf8 is None else utf8, utf8 is not None)


def _parse(data: bytes | str, utf8: bool) -> lxml_html.HtmlElement:
    parser = _UTF8_PARSER if utf8 else _PARSER
    try:
        root = lxml_html.document_fromstring(data, parser=parser)
    except ValueError:  # a str with an XML encoding declaration: let lxml read the bytes
        parser = _UTF8_PARSER
        try:
            root = lxml_html.document_fromstring(data.encode("utf-8"), parser=parser)
        except (etree.ParserError, ValueError):
            root = lxml_html.document_fromstring("<html><body></body></html>")
    except etree.ParserError:  # nothing to parse
        root = lxml_html.document_fromstring("<html><body></body></html>")
    _check_complete(parser)
    return root


def _head_and_main(data: bytes | str) -> bytes | None:
    """A UTF-8 page cut to what the page objects read: the head's ``<meta>``, ``<link>`` and
    ``<title>`` (its ``<style>`` and ``<script>`` elements and comments left out: a block theme
    inlines 40 KB of CSS there), the ``<body>`` tag, and its ``<main>``; most of a theme's
    markup (menus, icons, widgets, footers) lies outside them. None when there is no such
    ``<main>``, an element of the head is not closed, or the page was not UTF-8. A byte search,
    stepping over scripts and comments whole as a browser reads them (a ``<body`` inside one is
    not the body); the parse is the check."""
    if isinstance(data, str):
        return None
    pieces, kept = [], 0
    while (mark := _HEAD_MARK.search(data, kept)) and (tag := mark.group()) != b"<body":
        closing = _CLOSE[tag]
        close = data.find(closing[0:1], mark.end())  # memchr: fast over 40 KB of CSS
        while close >= 0 and not data.startswith(closing, close):
            close = data.find(closing[0:1], close + 1)
        if close < 0:
            return None
        pieces.append(data[kept : mark.start()])
        kept = close + len(closing)
    if mark is None:
        return None
    body = mark.start()
    tag_end = data.find(b">", body)
    main = data.find(b"<main", tag_end)
    close = data.rfind(b"</main>")
    if min(tag_end, main) < 0 or close < main or data[main + 5 : main + 6] not in _TAG_END:
        return None
    pieces += (data[kept : tag_end + 1], data[main : close + 7])
    return b"".join(pieces)


_HEAD_MARK = re.compile(rb"<(?:style|script|!--|body)")
_CLOSE = {b"<style": b"</style>", b"<script": b"</script>", b"<!--": b"-->"}


_TAG_END = frozenset((b" ", b">", b"\t", b"\n", b"\r"))


def parse_fragment(html: str) -> lxml_html.HtmlElement:
    """An HTML fragment (the REST API's ``content.rendered``) inside one ``<div>``, made by
    _PARSER too (lxml.html's ``create_parent`` makes it with its own parser, whose Python class
    lookup then serves every element of the body)."""
    elements = lxml_html.fragments_fromstring(html, parser=_PARSER)
    _check_complete(_PARSER)
    root = _PARSER.makeelement("div")
    if elements and isinstance(elements[0], str):
        root.text = elements.pop(0)
    root.extend(elements)
    return root


def cleaned_again(html: str, base_url: str) -> tuple[str, str] | None:
    """A stored body as this release's cleaning reads it: (body_html, body_text); None when it
    cannot be read. A body an earlier release stored with what is dropped now (a share button,
    a numbered class) reads as today's parse of the same page does."""
    if not html.strip():
        return None
    try:
        root = clean_body(parse_fragment(html), base_url)
    except (Unreadable, etree.ParserError, ValueError):
        return None
    return body_html(root), body_text(root)


def reads_as(stored: str, html: str, text: str, base_url: str) -> bool:
    """Whether a stored body, cleaned again by this release, is ``html`` and ``text``, its
    attributes in any order (an image an earlier release stored without its lazy ``src`` gets
    it back last)."""
    again = cleaned_again(stored, base_url)
    if again is None or again[1] != text:
        return False
    return again[0] == html or _sorted_attributes(again[0]) == _sorted_attributes(html)


def _sorted_attributes(html: str) -> str:
    root = parse_fragment(html)
    for el in root.iter():
        if isinstance(el.tag, str) and len(el.attrib) > 1:
            attributes = sorted(el.attrib.items())
            el.attrib.clear()
            el.attrib.update(attributes)
    return lxml_html.tostring(root, encoding="unicode")


def _check_complete(parser: etree.HTMLParser) -> None:
    """Raise Unreadable when libxml2 gave up part of the document (a resource limit)."""
    for entry in parser.error_log:
        if entry.level >= etree.ErrorLevels.FATAL:
            raise Unreadable(f"the HTML parser stopped early: {entry.message.strip()}")


def _names(links) -> list[str]:
    """Distinct link texts, in page order (themes may print a term list twice)."""
    names = (_text(link) for link in links)
    return list(dict.fromkeys(name for name in names if name))


def _text(element) -> str:
    return plain(" ".join(element.itertext()))
