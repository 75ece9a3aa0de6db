"""Datasette hooks for ham-archive: SQL functions, fast facets, safe cells, the home page.

- ``ham_stem_query``, ``ham_exact_query``, ``ham_snippet``, ``ham_stem`` (search, see search.py)
  and ``ham_diff(old, new)`` (the ``edited_articles`` query) as SQL functions;
- two facet types that stay fast at 100,000 articles: ``terms`` (JSON arrays such as
  ``categories``, one count per article) and ``month`` (``YYYY-MM`` of an ISO date);
- cells: search snippets with their ``<mark>``, diffs with ``<del>``/``<ins>``, and
  ``body_html`` shown as HTML only after an allow-list sanitizer (nh3) ran again;
- ``/robots.txt``, a small stylesheet, and the home page's facts (last crawl, counts);
- any file name: metadata.yml's ``archive`` block for every archive attached (``get_metadata``);
- the reading page of an article (``reading_page``, template ``ham_article.html``), the replay
  of a capture from our WARC record (``/<db>/-/captured/<id>``), the search page's entries and
  facets (``search_page``, ``?_stemmed=q`` on the articles table), the downloads of
  ``ham-archive export`` (``/<db>/-/download/<file>``);
- security headers and each page's ``lang`` (``asgi_wrapper``). docs/site.md says more.
"""

from __future__ import annotations

import asyncio
import copy
import difflib
import functools
import json
import os
import re
import sqlite3
import weakref
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import lxml.html
import nh3
import yaml
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet, Facet
from datasette.filters import FilterArguments
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
    tilde_decode,
    tilde_encode,
)
from datasette.utils.asgi import AsgiFileDownload, NotFound, Response
from markupsafe import Markup, escape

from scraper import export
from scraper.archive import FACET_COLUMNS, TERM_COLUMNS
from scraper.captures import read_body
from scraper.reading import apa, bibtex, publisher, tanggal
from scraper.search import (
    MARK,
    broad_query,
    exact_query,
    snippet,
    stem_query,
    stem_text,
    vocabulary,
)

DATABASE = "archive"  # the key of the archive's block in metadata.yml, whatever the file's name
METADATA = Path(__file__).with_name("metadata.yml")
# What an article body may keep when it is shown as HTML: text structure, links and images.
BODY_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "s",
    "sub", "sup", "blockquote", "ul", "ol", "li", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "span", "div", "pre", "code",
}  # fmt: skip
BODY_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
BODY_COLUMNS = {("articles", "body_html"), ("article_versions", "body_html")}
DIFF_TAGS = {"del", "ins", "br"}
DIFF_CONTEXT = 8  # words kept either side of a change
DIFF_WORD = re.compile(r"\S+|\s+")
ROBOTS_TXT = """\
# ham-archive: the home page, tables and articles may be indexed; query pages, exports and
# facet combinations may not (they are endless and each one costs the server a query), nor
# the replays of captures and the downloads (/<db>/-/...).
User-agent: *
Disallow: /*?
Disallow: /*.json
Disallow: /*.csv
Disallow: /*.atom
Disallow: /-/
Disallow: /*/-/
Allow: /-/dashboards$
"""
SITE_CSS = """\
/* ham-archive: hide the Atom feed's columns from the HTML of the queries that carry them */
th[class^="col-atom_"], td[class^="col-atom_"] { display: none; }
.ham-body { max-height: 12em; overflow: auto; }
body.row .ham-body { max-height: none; }
.ham-body img { max-width: 100%; height: auto; }
del.ham-diff { background: #fdd; } ins.ham-diff { background: #dfd; text-decoration: none; }
.ham-facts dt { font-weight: bold; } .ham-facts dd { margin: 0 0 0.6em 1.5em; }
[lang="en"] { color: #555; }
.ham-reading { max-width: 46rem; margin: 0 auto; font-size: 1.05rem; line-height: 1.6; }
.ham-reading h1 { font-size: 1.9rem; line-height: 1.25; margin: 0.2em 0 0.6em; }
.ham-kicker { text-transform: uppercase; letter-spacing: 0.05em; font-size: 0.8rem; margin: 0; }
.ham-meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.25em 1em; }
.ham-meta dt { font-weight: bold; } .ham-meta dd { margin: 0; }
@media (max-width: 600px) { .ham-meta { display: block; } .ham-meta dd { margin-bottom: 0.5em; } }
.ham-term { display: inline-block; margin: 0 0.4em 0.2em 0; padding: 0 0.5em;
  border: 1px solid #bbb; border-radius: 1em; text-decoration: none; }
.ham-url { word-break: break-all; }
.ham-toc { margin: 1.2em 0; padding: 0.5em 0; border-top: 1px solid #ddd;
  border-bottom: 1px solid #ddd; display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; }
.ham-text { font-family: Georgia, "Times New Roman", serif; font-size: 1.15rem; }
.ham-text img { max-width: 100%; height: auto; }
.ham-text figure { margin: 1em 0; } .ham-text figcaption { font-size: 0.9rem; color: #444; }
.ham-gone { display: inline-block; padding: 0.3em 0.6em; background: #fff3cd; color: #5c4400; }
.ham-notice { border-left: 6px solid #b00020; background: #fdecee; padding: 0.5em 1em; }
.ham-states { padding-left: 1.2em; } .ham-state { margin-bottom: 1em; }
.ham-diff-text { white-space: pre-wrap; background: #fafafa; padding: 0.5em; }
.ham-old-text { white-space: pre-wrap; font-size: 0.95rem; }
.ham-replay { width: 100%; height: 32rem; border: 1px solid #999; background: #fff; }
.ham-reading label { display: block; font-weight: bold; margin-top: 0.8em; }
.ham-cite { width: 100%; font-family: monospace; font-size: 0.9rem; display: block; }
.ham-copy { margin: 0.3em 0 1em; } .ham-copy[data-copied]::after { content: " ✓"; }
.ham-hash { font-size: 0.8rem; } .ham-note { color: #5c4400; }
.ham-search-box input { font-size: 1.1rem; padding: 0.3em; width: min(28rem, 100%); }
.ham-search-box button { font-size: 1.1rem; }
.ham-search-box label, .ham-reading label { display: block; width: auto; font-weight: bold; }
.ham-meta code, .ham-captures time { white-space: nowrap; }
.ham-search-facets { display: flex; flex-wrap: wrap; gap: 0.5em 2.5em; margin: 1em 0; }
.ham-facet h2 { font-size: 1rem; margin: 0; } .ham-facet ul { list-style: none; padding: 0; }
.ham-results { list-style: none; padding: 0; } .ham-results li { margin: 0 0 1.2em; }
.ham-results .ham-result-title { font-size: 1.15rem; font-weight: bold; }
.ham-results .ham-result-meta { color: #444; font-size: 0.9rem; }
.ham-results mark { background: #fff1a8; }
"""
CSS_PATH = "/-/ham-archive.css"
TERM_LOOKUP = "__term"  # ?categories__term=RANHAM
JS_PATH = "/-/ham-archive.js"
# The reading page's copy buttons (the citations stay selectable text without it).
SITE_JS = """\
document.querySelectorAll("button[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copy);
    text.select();
    try { await navigator.clipboard.writeText(text.value); }
    catch (e) { document.execCommand("copy"); }
    button.dataset.copied = "1";
  });
});
"""


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Register ``ham_stem_query(q)``, ``ham_exact_query(q)``, ``ham_broad(q)``,
    ``ham_snippet(text, q)``, ``ham_stem(text)`` and ``ham_diff(old, new)``."""
    expand = vocabulary(conn)  # prefixes widen with the stems of this archive's words
    conn.create_function("ham_stem_query", 1, lambda q: stem_query(q, expand))
    conn.create_function("ham_exact_query", 1, exact_query, deterministic=True)
    conn.create_function("ham_broad", 1, broad_query, deterministic=True)  # constant: folded
    conn.create_function("ham_snippet", 2, lambda text, q: snippet(text, q, expand=expand))
    conn.create_function("ham_stem", 1, stem_text, deterministic=True)
    conn.create_function("ham_diff", 2, diff, deterministic=True)


# --- diffs ---------------------------------------------------------------------------------


def diff(old: str | None, new: str | None, context: int = DIFF_CONTEXT) -> str | None:
    """A word-level diff of two texts as short HTML: removed words in ``<del>``, added ones in
    ``<ins>``, ``context`` words of unchanged text either side and `` … `` for the rest.
    The texts are escaped; ``None`` when both are equal (or both missing)."""
    old, new = old or "", new or ""
    if old == new:
        return None
    a, b = DIFF_WORD.findall(old), DIFF_WORD.findall(new)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            parts.append(_context(a[i1:i2], context, index == 0, index == len(opcodes) - 1))
            continue
        if i2 > i1:
            parts.append(f'<del class="ham-diff">{_words(a[i1:i2])}</del>')
        if j2 > j1:
            parts.append(f'<ins class="ham-diff">{_words(b[j1:j2])}</ins>')
    return "".join(parts)


def _words(tokens: list[str]) -> str:
    return str(escape("".join(tokens))).replace("\n\n", "<br><br>")


def _context(tokens: list[str], size: int, first: bool, last: bool) -> str:
    """Unchanged text: whole when short, else its ends (only the end before the first
    change, only the start after the last)."""
    words = [i for i, token in enumerate(tokens) if not token.isspace()]
    if len(words) <= 2 * size:
        return _words(tokens)
    head = tokens[: words[size - 1] + 1] if not first else []
    tail = tokens[words[-size] :] if not last else []
    return _words(head) + " … " + _words(tail)


# --- facets --------------------------------------------------------------------------------


ARTICLES_SQL = re.compile(r"select .+? from articles (where .+)", re.DOTALL)


async def article_rows(facet: Facet) -> str | None:
    """For a facet of the articles table of an archive with narrow rows (article_facets,
    article_terms keyed by rowid): ``select rowid from articles where ...``, the rows the
    page's filters keep, or "" when nothing is filtered; None elsewhere.

    A filtered page's facets then count narrow rows by rowid (every index holds the rowid, so
    the filter itself reads no article row) instead of the 8 KB article rows."""
    if facet.table != "articles":
        return None
    db = facet.ds.get_database(facet.database)
    if "article_rowid" not in await db.table_columns("article_facets"):
        return None
    match = ARTICLES_SQL.fullmatch(facet.sql.strip())
    return f"select rowid from articles {match[1]}" if match else ""


def _column(config: dict) -> str:
    return config["config"].get("column") or config["config"]["simple"]


def facet_result(facet: Facet, column: str, config: dict, rows: list, arg: str) -> dict:
    """One facet as Datasette shows it: each value with its count and the link that selects it
    (the filter ``arg=value``) or, once selected, removes it."""
    size, pairs = facet.get_facet_size(), facet.get_querystring_pairs()
    values = []
    for row in rows[:size]:
        selected = (arg, str(row["value"])) in pairs
        change = path_with_removed_args if selected else path_with_added_args
        path = facet.ds.urls.path(change(facet.request, {arg: str(row["value"])}))
        values.append(
            {
                "value": row["value"],
                "label": row["value"],
                "count": row["count"],
                "toggle_url": facet.ds.absolute_url(facet.request, path),
                "selected": selected,
            }
        )
    shown = "_facet" if facet.type == "column" else f"_facet_{facet.type}"
    return {
        "name": column if facet.type != "month" else f"{column} (month)",
        "type": facet.type,
        "results": values,
        "hideable": config["source"] != "metadata",
        "toggle_url": facet.ds.urls.path(path_with_removed_args(facet.request, {shown: column})),
        "truncated": len(rows) > size,
    }


class NarrowColumnFacet(ColumnFacet):
    """Datasette's column facet (``?_facet=author``, ``- author`` in metadata.yml); on a filtered
    articles page, the columns of article_facets are counted from its narrow rows, all in one
    query that finds the filtered rowids once (at 100,000 articles: 25-40 ms in all, where
    each column read the whole rows in 10-70 ms), the others as Datasette counts them."""

    narrow: bool | None = None  # while counting: only the columns article_facets has, or not

    def get_configs(self):
        configs = super().get_configs()
        if self.narrow is None:
            return configs
        return [c for c in configs if (_column(c) in FACET_COLUMNS) == self.narrow]

    async def facet_results(self):
        rows = await article_rows(self)
        narrow = [c for c in self.get_configs() if _column(c) in FACET_COLUMNS]
        if not rows or not narrow:
            return await super().facet_results()
        self.narrow = False
        results, timed_out = await super().facet_results()
        self.narrow = None
        columns = [escape_sqlite(_column(c)) for c in narrow]
        counts = " union all ".join(
            f"select * from (select {i} as facet, {c} as value, count(*) as count from kept"
            f" join article_facets on article_rowid = kept.rowid where {c} is not null"
            f" group by {c} order by count desc, value limit {self.get_facet_size() + 1})"
            for i, c in enumerate(columns)
        )
        try:
            found = await self.ds.execute(
                self.database,
                f"with kept as materialized ({rows}) {counts}",
                self.params,
                truncate=False,
                custom_time_limit=self.ds.setting("facet_time_limit_ms"),
            )
        except QueryInterrupted:
            return results, timed_out + [_column(c) for c in narrow]
        for i, config in enumerate(narrow):
            mine = [row for row in found.rows if row["facet"] == i]
            results.append(facet_result(self, _column(config), config, mine, _column(config)))
        return results, timed_out


class _GroupedFacet(Facet):
    """A facet whose counts come from one SQL query over the table's rows; subclasses give the
    query (``counts_sql``, given ``article_rows``) and the filter a value selects (``lookup``)."""

    lookup = ""

    def counts_sql(self, col: str, limit: int, rows: str | None) -> str:
        raise NotImplementedError

    async def facet_results(self):
        results, timed_out = [], []
        kept = await article_rows(self)
        for config in self.get_configs():
            column = _column(config)
            try:
                rows = await self.ds.execute(
                    self.database,
                    self.counts_sql(column, self.get_facet_size() + 1, kept),
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except Exception as error:  # QueryInterrupted, or a column that is not JSON
                if "interrupted" not in str(error).lower():
                    raise
                timed_out.append(column)
                continue
            results.append(
                facet_result(self, column, config, rows.rows, f"{column}__{self.lookup}")
            )
        return results, timed_out


class TermsFacet(_GroupedFacet):
    """Facet a JSON array column (``categories``, ``tags``): how many articles carry each term.

    ``?_facet_terms=categories``, or ``- terms: categories`` in metadata.yml. Selecting a term
    filters with ``categories__term=...`` (see ``term_filters``). On ``articles`` the
    counts come from ``article_terms`` (one row per article and term, keyed by kind, name and
    the article's rowid): unfiltered, one range of that key; filtered, the same range with the
    rowids the filters keep. Elsewhere (a table without it) the few distinct arrays are grouped
    first, then split: Datasette 0.65's own array facet removes duplicates over every column of
    every row (``select distinct j.value, inner.*``: 30 s at 100,000 articles).
    """

    type = "terms"
    lookup = "term"

    def counts_sql(self, column: str, limit: int, rows: str | None) -> str:
        col, kind = escape_sqlite(column), "'" + column.replace("'", "''") + "'"
        if rows is not None and column in TERM_COLUMNS:
            kept = f"and article_rowid in ({rows})" if rows else ""
            return f"""
                select name as value, count(*) as count from article_terms
                where kind = {kind} {kept} group by name order by count desc, value limit {limit}
            """
        return f"""
            with arrays as (
                select {col} as terms, count(*) as n from ({self.sql})
                where json_type({col}) = 'array' group by +{col}
            ),
            items as (select distinct arrays.terms, j.value, arrays.n
                      from arrays, json_each(arrays.terms) as j)
            select value, sum(n) as count from items
            group by value order by count desc, value limit {limit}
        """


class MonthFacet(_GroupedFacet):
    """Facet an ISO 8601 date column by month: ``?_facet_month=published_at``.

    Selecting a month filters with ``published_at__startswith=2022-09``, which the index on
    ``published_at`` answers.
    """

    type = "month"
    lookup = "startswith"

    def counts_sql(self, column: str, limit: int, rows: str | None) -> str:
        col, sql = escape_sqlite(column), self.sql
        if rows and column in FACET_COLUMNS:
            sql = f"select * from article_facets where article_rowid in ({rows})"
        return f"""
            select substr({col}, 1, 7) as value, count(*) as count from ({sql})
            where {col} is not null group by value order by value desc limit {limit}
        """


@hookimpl
def register_facet_classes():
    return [TermsFacet, MonthFacet]


@hookimpl(specname="register_facet_classes", hookwrapper=True)
def narrow_column_facet():
    """Datasette's column facet is counted by ``NarrowColumnFacet``, which does what it does but
    on filtered articles pages."""
    outcome = yield
    outcome.force_result(
        [
            [NarrowColumnFacet if c is ColumnFacet else c for c in group]
            for group in outcome.get_result()
        ]
    )


@hookimpl(specname="filters_from_request")
def term_filters(request, database, table, datasette):
    """``?categories__term=RANHAM``: articles carrying that term, read from ``article_terms``'s
    index (``categories__arraycontains`` reads every row's JSON: 0.3 s at 100,000)."""
    pairs = [
        (key[: -len(TERM_LOOKUP)], value)
        for key in request.args
        if key.endswith(TERM_LOOKUP)
        for value in request.args.getlist(key)
    ]
    if table != "articles" or not pairs:
        return None

    async def inner() -> FilterArguments:
        db = datasette.get_database(database)
        indexed = "article_rowid" in await db.table_columns("article_terms")
        clauses, params, descriptions = [], {}, []
        for i, (kind, name) in enumerate(pairs):
            if indexed:  # + : the rows come in the order asked for, each tested by rowid
                clauses.append(
                    "+rowid in (select article_rowid from article_terms"
                    f" where kind = :ham_kind_{i} and name = :ham_term_{i})"
                )
            else:  # an archive made before article_terms: the same answer, slower
                clauses.append(
                    f":ham_term_{i} in (select value from json_each({escape_sqlite(kind)}))"
                )
            params.update({f"ham_kind_{i}": kind, f"ham_term_{i}": name})
            descriptions.append(f'{kind} has "{name}"')
        return FilterArguments(clauses, params=params, human_descriptions=descriptions)

    return inner


# --- cells ---------------------------------------------------------------------------------


def clean_body(html: str) -> str:
    """Sanitize article HTML again at display: only BODY_TAGS and BODY_ATTRIBUTES survive,
    links and images only with http(s) or relative URLs; scripts and styles go with their text."""
    return nh3.clean(
        html,
        tags=BODY_TAGS,
        attributes=BODY_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style"},
    )


@hookimpl
def render_cell(value: object, column: str, table: str | None) -> Markup | None:
    """Search snippets keep their ``<mark>``, diffs their ``<del>``/``<ins>``, article bodies
    are shown sanitized; everything else is left to Datasette (escaped)."""
    if not isinstance(value, str):
        return None
    if (table, column) in BODY_COLUMNS:
        return Markup(f'<div class="ham-body">{clean_body(value)}</div>')
    if table is None and column.endswith("_diff"):
        clean = nh3.clean(value, tags=DIFF_TAGS, attributes={"del": {"class"}, "ins": {"class"}})
        return Markup(clean)
    if table is not None or column != "snippet" or MARK[0] not in value:
        return None
    return snippet_html(value)


def snippet_html(value: str | None) -> Markup:
    """A search snippet as HTML: the text escaped, its ``<mark>`` tags kept."""
    html = str(escape(value or ""))
    for tag in MARK:
        html = html.replace(str(escape(tag)), tag)
    return Markup(html)


# --- routes, styles and the home page --------------------------------------------------------


async def robots_txt() -> Response:
    return Response.text(ROBOTS_TXT)


async def site_css() -> Response:
    return Response(SITE_CSS, content_type="text/css; charset=utf-8")


async def site_js() -> Response:
    return Response(SITE_JS, content_type="text/javascript; charset=utf-8")


async def search_atom(datasette, request) -> Response:
    """``/archive/search.atom?q=...``: the Atom feed of a search, answered by the
    ``search_feed`` query (``search`` keeps its four columns; its twin adds the atom_* ones)."""
    database = request.url_vars["database"]
    response = await datasette.client.get(
        datasette.urls.database(database) + "/search_feed.atom", params=dict(request.args)
    )
    return Response(
        response.content,
        status=response.status_code,
        content_type=response.headers.get("content-type", "application/xml; charset=utf-8"),
    )


@hookimpl
def register_routes():
    return [
        (r"^/robots\.txt$", robots_txt),
        (rf"^{re.escape(CSS_PATH)}$", site_css),
        (rf"^{re.escape(JS_PATH)}$", site_js),
        (r"^/(?P<database>[^/]+)/search\.atom$", search_atom),
        (r"^/(?P<database>[^/]+)/-/captured/(?P<id>\d+)$", captured),
        (r"^/(?P<database>[^/]+)/-/download/(?P<name>[^/]+)$", download),
    ]


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path(CSS_PATH)]


# --- any file name: the archive's metadata for every database that is an archive ------------

_ARCHIVES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@functools.cache
def packaged_metadata() -> dict:
    return yaml.safe_load(METADATA.read_text())


def archive_names(datasette) -> list[str]:
    """The attached databases that are ham-archive archives (a file with an ``articles``
    table holding ``body_text``), in the order Datasette lists them; checked once per name."""
    known = _ARCHIVES.setdefault(datasette, {})
    for name, db in list(datasette.databases.items()):
        if name not in known:
            known[name] = _is_archive(db)
    return [name for name in datasette.databases if known.get(name)]


def _is_archive(db) -> bool:
    if db.is_memory or not db.path:
        return False
    mode = "ro&immutable=1" if not db.is_mutable else "ro"
    try:
        conn = sqlite3.connect(f"{Path(db.path).resolve().as_uri()}?mode={mode}", uri=True)
        try:
            columns = {row[1] for row in conn.execute("pragma table_info(articles)")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return "body_text" in columns


def archive_name(datasette) -> str | None:
    """The first archive served (what the home page and the charts describe)."""
    names = archive_names(datasette)
    return names[0] if names else None


@hookimpl
def get_metadata(datasette, key, database, table):
    """metadata.yml describes the archive under the key ``archive``; apply it to every database
    that is an archive, whatever its file is called (``mirror.db`` is served at ``/mirror``),
    and point the dashboard's charts at the first one. Metadata passed with ``-m`` wins.

    Datasette asks for metadata hundreds of times a page (once per cell), so the answer is
    built once per set of archives and kept, without the blocks ``-m`` gives as they are
    (``serve`` passes metadata.yml): Datasette merges ``-m`` into the answer, key by key, at
    every call (100 ms of a 150 ms articles page when both held the archive's block). It
    merges in place, so each call gets its own top two levels."""
    names = tuple(archive_names(datasette))
    if not names:
        return {}
    cached = _METADATA.get(datasette)
    if cached is None or cached[0] != names:
        local = (getattr(datasette, "_metadata_local", None) or {}).get("databases") or {}
        metadata = archive_metadata(names)
        block = metadata["databases"]
        metadata["databases"] = {n: b for n, b in block.items() if local.get(n) != b}
        cached = _METADATA[datasette] = (names, metadata)
    return {**cached[1], "databases": dict(cached[1]["databases"])}


_METADATA: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def archive_metadata(names: tuple[str, ...]) -> dict:
    packaged = packaged_metadata()
    metadata = {
        k: v for k, v in copy.deepcopy(packaged).items() if k not in ("databases", "plugins")
    }
    block = packaged["databases"][DATABASE]
    metadata["databases"] = {name: copy.deepcopy(block) for name in names}
    dashboards = copy.deepcopy(packaged.get("plugins", {}).get("datasette-dashboards", {}))
    for dashboard in dashboards.values():
        for chart in dashboard.get("charts", {}).values():
            chart.setdefault("db", names[0])
    metadata["plugins"] = {"datasette-dashboards": dashboards}
    return metadata


@hookimpl
def extra_template_vars(template: str, view_name: str, datasette, request, database, table):
    """The home page's facts, and the reading page of an article (``ham_article``; the raw
    row view with ``?_raw=1``)."""
    if view_name == "row" and table == "articles" and database in archive_names(datasette):
        if request.args.get("_raw"):
            return {}

        async def article() -> dict:
            url = tilde_decode(request.url_vars["pks"])
            return {"ham_article": await reading_page(datasette, request, database, url)}

        return article
    if (
        template.startswith("query")
        and request is not None
        and request.url_vars.get("table") == "search"
        and database in archive_names(datasette)
    ):

        async def search() -> dict:
            return {"ham_search": await search_page(datasette, request, database)}

        return search
    if view_name != "index":
        return {}

    async def facts() -> dict:
        name = archive_name(datasette)
        if name is None:
            return {"archive": None, "archive_db": None}
        db = datasette.get_database(name)
        articles = await db.execute(
            "select count(*) as n, max(published_at) as newest, min(published_at) as oldest,"
            " (select count(distinct article_url) from article_versions) as edited"
            " from articles"
        )  # every part answered from an index: the home page stays fast at any size
        runs = await db.execute(
            "select started_at, ended_at, status, site from crawl_runs"
            " where ended_at is not null order by id desc limit 1"
        )
        return {
            "archive": dict(articles.first()),
            "last_crawl": runs.first(),
            "archive_db": name,
            "downloads": downloads(datasette, name),
        }

    return facts


EMPTY_FEED = """\
<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>{url}</id>
  <title>{title}</title>
  <updated>{updated}</updated>
  <link href="{url}" rel="self"/>
</feed>
"""


@hookimpl
def handle_exception(request, exception):
    """A feed with no entries yet is a valid feed: datasette-atom 0.9 fails on zero rows
    (``max()`` of the empty sequence of ``atom_updated``), so answer with an empty one. This
    is what a subscription to a search nothing matches yet gets."""
    if not (
        request is not None
        and request.path.endswith(".atom")
        and isinstance(exception, ValueError)
        and "empty sequence" in str(exception)
    ):
        return None
    from datetime import UTC, datetime

    url = str(escape(request.url))
    updated = datetime.now(UTC).isoformat(timespec="seconds")
    feed = EMPTY_FEED.format(url=url, title=f"ham-archive: {url}", updated=updated)
    return Response(feed, content_type="application/xml; charset=utf-8")


# --- the reading page: /<db>/articles/<key> ----------------------------------------------------

READING_DIFF_CONTEXT = 25  # words of unchanged text kept around a change on the reading page
REPLAY_PATH = "/{database}/-/captured/{id}"
WARC_DIR_ENV = "HAM_ARCHIVE_WARC_DIR"
# The captured page is shown as data, never as a program: no script, no plugin, no request to
# anywhere (its own images and styles point at the live site and stay blocked).
REPLAY_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
REPLAY_TYPES = ("text/html", "text/plain", "application/json", "application/xml", "text/xml")
MEMENTO_COLUMNS = ("memento_url", "memento", "archive_url")  # web-archive captures, if present
ORIGIN_COLUMNS = ("archive", "origin", "source")  # who made a capture, if the table says


def row_path(value: object) -> str:
    """The path segment of a row whose key is ``value`` (Datasette's tilde encoding)."""
    return tilde_encode(str(value))


def reading_url(datasette, database: str, url: str) -> str:
    return datasette.urls.row(database, "articles", row_path(url))


def replay_url(datasette, database: str, capture_id: int) -> str:
    return datasette.urls.path(REPLAY_PATH.format(database=tilde_encode(database), id=capture_id))


STATE_BOOKKEEPING = {
    "id", "article_url", "url", "valid_from", "valid_to", "capture_id", "fetched_at", "current",
    "title", "body_text", "body_html", "version_count", "first_seen_at", "last_seen_at",
    "changed_at", "deleted_at", "deletion_evidence", "word_count", "source",
}  # fmt: skip


def state_changes(states: list[dict]) -> list[dict]:
    """``states`` oldest first (title, body_text, ...); each state but the last gains
    ``title_diff`` and ``text_diff`` against the state that replaced it, and ``also``: the
    other fields both states hold that changed (date, author, terms, ...), as (name, old, new)."""
    for old, new in zip(states, states[1:], strict=False):
        old["title_diff"] = diff(old["title"], new["title"], READING_DIFF_CONTEXT)
        old["text_diff"] = diff(old["body_text"], new["body_text"], READING_DIFF_CONTEXT)
        old["also"] = [
            (name, old[name], new[name])
            for name in old
            if name in new and name not in STATE_BOOKKEEPING and old[name] != new[name]
        ]
    return states


def mark_images(html: str, found: dict[str, dict], replay) -> str:
    """Point each ``<img>`` of sanitized body HTML at the archive's own copy when there is one,
    and replace an image the site answered 404/410 for with a visible note."""
    if "<img" not in html:
        return html
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    for img in list(fragment.iter("img")):
        capture = found.get(img.get("src") or "")
        if capture is None:
            continue
        if capture["status"] in (404, 410):
            note = lxml.html.Element("span", {"class": "ham-gone"})
            alt = img.get("alt") or ""
            when = f"HTTP {capture['status']}, {capture['fetched_at']}"
            note.text = f"Gambar hilang dari situs ({when}) · image gone"
            note.text += f": {alt}" if alt else ""
            note.tail = img.tail
            img.getparent().replace(img, note)
        elif 200 <= capture["status"] < 300 and capture.get("warc_file"):
            img.set("src", replay(capture["id"]))
    inner = (fragment.text and str(escape(fragment.text))) or ""
    return inner + "".join(lxml.html.tostring(child, encoding="unicode") for child in fragment)


async def _columns(db, table: str) -> set[str]:
    rows = await db.execute("select name from pragma_table_info(?)", [table])
    return {row["name"] for row in rows}


async def _latest_captures(db, urls: list[str]) -> dict[str, dict]:
    """The newest capture of each URL (images, documents), if the archive fetched it."""
    if not urls:
        return {}
    marks = ", ".join("?" for _ in urls)
    rows = await db.execute(
        f"select * from captures where url in ({marks}) order by id", list(urls)
    )
    return {row["url"]: dict(row) for row in rows}


async def _add_mementos(db, captures: list[dict]) -> None:
    """A capture read from a web archive gets the time that archive made it (``archived_at``)
    and its memento URL, from the ``mementos`` table when the archive has one."""
    tables = await db.table_names()
    if "mementos" not in tables or not captures:
        return
    columns = await _columns(db, "mementos")
    if not {"capture_id", "archived_at"} <= columns:
        return
    by_id = {c["id"]: c for c in captures}
    marks = ", ".join("?" for _ in by_id)
    rows = await db.execute(
        f"select * from mementos where capture_id in ({marks}) order by archived_at", list(by_id)
    )
    for row in rows:
        capture = by_id[row["capture_id"]]
        capture.setdefault("archived_at", row["archived_at"])
        if "memento_url" in columns and row["memento_url"]:
            capture.setdefault("memento", row["memento_url"])
        if "archive" in columns and row["archive"]:
            capture.setdefault("archive_name", row["archive"])


def _json_list(value: str | None) -> list[str]:
    try:
        items = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(item) for item in items] if isinstance(items, list) else []


def _evidence(value: object) -> list[tuple[str, str]] | str | None:
    """``deletion_evidence`` as key/value pairs when it is a JSON object, else as text."""
    if value in (None, ""):
        return None
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    if isinstance(parsed, dict):
        return [
            (str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
            for k, v in parsed.items()
        ]
    return str(value)


async def reading_page(datasette, request, database: str, url: str) -> dict | None:
    """Everything the reading page shows about the article ``url``."""
    db = datasette.get_database(database)
    article = (await db.execute("select * from articles where url = ?", [url])).first()
    if article is None:
        return None
    article = dict(article)
    table = datasette.urls.table(database, "articles")

    def facet(column: str, value: str) -> str:
        lookup = "__arraycontains" if column in ("categories", "tags") else ""
        return f"{table}?{urlencode({column + lookup: value})}"

    capture_columns = await _columns(db, "captures")
    versions = await db.execute(
        "select v.*, c.fetched_at from article_versions as v"
        " left join captures as c on c.id = v.capture_id"
        " where v.article_url = ? order by v.valid_from, v.id",
        [url],
    )
    current_capture = None
    if article.get("capture_id"):
        current_capture = (
            await db.execute("select * from captures where id = ?", [article["capture_id"]])
        ).first()
    states = [dict(v) for v in versions] + [
        {
            **article,
            "capture_id": article.get("capture_id"),
            "valid_from": article.get("changed_at") or article.get("first_seen_at"),
            "valid_to": None,
            "fetched_at": current_capture["fetched_at"] if current_capture else None,
            "current": True,
        }
    ]
    captures = [
        dict(row)
        for row in await db.execute(
            "select * from captures where id in ("
            " select capture_id from article_captures where article_url = ?"
            " union select id from captures where url = ? union select ?"
            ") order by fetched_at, id",  # three index lookups, at any size
            [url, url, article.get("capture_id") or -1],
        )
    ]
    await _add_mementos(db, captures)
    memento = next((c for c in MEMENTO_COLUMNS if c in capture_columns), None)
    origin = next((c for c in ORIGIN_COLUMNS if c in capture_columns), None)
    for capture in captures:
        capture["replay_url"] = (
            replay_url(datasette, database, capture["id"]) if capture.get("warc_file") else None
        )
        capture["memento_url"] = (capture.get(memento) if memento else None) or capture.get(
            "memento"
        )
        capture["origin"] = (capture.get(origin) if origin else None) or capture.get("archive_name")
    images = [
        dict(r)
        for r in await db.execute("select * from article_images where article_url = ?", [url])
    ]
    documents = [
        dict(r)
        for r in await db.execute("select * from article_documents where article_url = ?", [url])
    ]
    people_table = datasette.urls.table(database, "people")
    people = [
        {**dict(r), "url": f"{people_table}?{urlencode({'name': r['name']})}"}
        for r in await db.execute(
            "select name, position from article_people where article_url = ? order by rowid", [url]
        )
    ]
    other_urls = []
    if "article_urls" in await db.table_names():  # every URL the article was seen at, if kept
        rows = await db.execute("select * from article_urls where article_url = ?", [url])
        other_urls = [dict(r) for r in rows if r["url"] != url]
    found = await _latest_captures(db, [i["src"] for i in images] + [d["url"] for d in documents])
    for item in images:
        item["capture"] = found.get(item["src"])
    for item in documents:
        item["capture"] = found.get(item["url"])
    body = mark_images(
        clean_body(article.get("body_html") or ""),
        found,
        lambda capture_id: replay_url(datasette, database, capture_id),
    )
    here = reading_url(datasette, database, url)
    stable = datasette.absolute_url(request, here)
    current = next((c for c in captures if c["id"] == article.get("capture_id")), None)
    captured_at = current and (current.get("archived_at") or current["fetched_at"])
    return {
        "article": article,
        "database": database,
        "published": tanggal(article.get("published_at")),
        "event": tanggal(article.get("event_date")),
        "event_end": tanggal(article.get("event_date_end")),
        "site": article.get("site") or urlsplit(url).hostname,
        "publisher": publisher(article.get("published_at")),
        "author_url": facet("author", article["author"]) if article.get("author") else None,
        "city_url": facet("dateline_city", article["dateline_city"])
        if article.get("dateline_city")
        else None,
        "year_url": facet("year", str(article.get("year"))) if article.get("year") else None,
        "categories": [(c, facet("categories", c)) for c in _json_list(article.get("categories"))],
        "tags": [(t, facet("tags", t)) for t in _json_list(article.get("tags"))],
        "body": Markup(body),
        "images": images,
        "documents": documents,
        "people": people,
        "other_urls": other_urls,
        "states": list(reversed(state_changes(states))),
        "captures": captures,
        "deletion_evidence": _evidence(article.get("deletion_evidence")),
        "stable_url": stable,
        "captured_at": captured_at,
        "apa": apa(article, stable, captured_at),
        "bibtex": bibtex(article, stable, captured_at),
        "json_url": datasette.urls.row(database, "articles", row_path(url), format="json"),
        "csv_url": f"{datasette.urls.table(database, 'articles', format='csv')}?"
        + urlencode({"url": url, "_size": 1}),
        "raw_url": f"{here}?_raw=1",
        "history_url": f"{datasette.urls.database(database)}/article_history?"
        + urlencode({"url": url}),
    }


PAYLOAD_SQL = (
    "select c.*, coalesce(o.warc_file, c.warc_file) as payload_file,"
    " coalesce(o.warc_offset, c.warc_offset) as payload_offset from captures as c"
    " left join captures as o on o.id = c.revisit_of where c.id = ?"
)


async def captured(datasette, request) -> Response:
    """``/<db>/-/captured/<id>``: the body of capture ``id`` replayed from the archive's own
    WARC record, under a Content-Security-Policy that lets nothing in it run or load."""
    database = tilde_decode(request.url_vars["database"])
    if database not in archive_names(datasette):
        raise NotFound(f"no archive called {database}")
    db = datasette.get_database(database)
    capture = (
        await db.execute(PAYLOAD_SQL, [int(request.url_vars["id"])])
    ).first()  # a revisit record's payload is in the record it refers to
    if capture is None or not capture["warc_file"]:
        raise NotFound("no such capture in this archive")
    directory = os.environ.get(WARC_DIR_ENV) or str(Path(db.path).parent / "warc")
    try:
        body = await asyncio.to_thread(
            read_body, directory, capture["payload_file"], capture["payload_offset"]
        )
    except (OSError, StopIteration, ValueError):
        raise NotFound(f"the WARC file {capture['warc_file']} is not on this server") from None
    content_type = capture["content_type"] or "application/octet-stream"
    headers = {"Content-Security-Policy": REPLAY_CSP, "X-Content-Type-Options": "nosniff"}
    headers["Referrer-Policy"] = "no-referrer"
    kind = content_type.split(";")[0].strip().lower()
    if not (kind in REPLAY_TYPES or kind.startswith("image/")):  # anything else is a download
        content_type, headers["Content-Disposition"] = "application/octet-stream", "attachment"
    return Response(body, status=200, headers=headers, content_type=content_type)


# --- the search as a table filter: /<db>/articles?_stemmed=lapor, with every facet -------------

STEMMED_ARG = "_stemmed"


@hookimpl
def filters_from_request(request, database, table, datasette):
    """``?_stemmed=q`` on the articles table keeps the articles the ``search`` query finds
    (the stemmed index, every match rather than the 100 best), so that its results can be
    faceted by year, month, city, category and the rest like any table page."""
    q = request.args.get(STEMMED_ARG)
    if table != "articles" or not q or database not in archive_names(datasette):
        return None
    return FilterArguments(
        [  # + : the rows come in the order asked for, each tested by rowid (as term_filters)
            "+rowid in (select rowid from articles_stemmed_fts"
            " where articles_stemmed_fts match ham_stem_query(:ham_stemmed))"
        ],
        params={"ham_stemmed": q},
        human_descriptions=[f'found by the search "{q}" (every form of its words)'],
    )


# --- the search page: readable entries, the SQL one click away, facets of every match ---------

SEARCH_FACETS = {"year": ("Tahun", "year"), "dateline_city": ("Kota", "city")}
SEARCH_FACETS["categories"] = ("Kategori", "category")
# One pass of the stemmed index for the count and all three facets, each counted from the
# narrow rows of the matches (article_facets, article_terms: by rowid, no article row read).
SEARCH_FACETS_SQL = """
with hits as materialized (
  select rowid from articles_stemmed_fts where articles_stemmed_fts match ham_stem_query(:q)
)
select 'total' as facet, null as value, count(*) as n from hits
union all select * from (
  select 'year', year, count(*) as n from article_facets
  where article_rowid in hits and year is not null
  group by year order by n desc, year desc limit :size
)
union all select * from (
  select 'dateline_city', dateline_city, count(*) as n from article_facets
  where article_rowid in hits and dateline_city is not null
  group by dateline_city order by n desc, dateline_city limit :size
)
union all select * from (
  select 'categories', name, count(*) as n from article_terms
  where kind = 'categories' and article_rowid in hits
  group by name order by n desc, name limit :size
)
"""
SEARCH_FACET_SIZE = 8


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["ham_snippet"] = snippet_html
    env.filters["ham_tanggal"] = tanggal
    env.filters["ham_row_path"] = row_path


async def search_page(datasette, request, database: str) -> dict:
    """What the search page adds to Datasette's query page: each result's city, and how the
    matches (all of them, not only the 100 shown) spread over years, cities and categories,
    each linking to ``/<db>/articles?_stemmed=q`` with that facet selected."""
    db = datasette.get_database(database)
    q = request.args.get("q") or ""
    table = datasette.urls.table(database, "articles")
    limit = datasette.setting("facet_time_limit_ms")

    def link(**args) -> str:
        return f"{table}?{urlencode({STEMMED_ARG: q, **args})}"

    async def details(rows) -> dict[str, dict]:
        urls = [row["url"] for row in rows]
        if not urls:
            return {}
        marks = ", ".join("?" for _ in urls)
        found = await db.execute(
            f"select url, dateline_city, year from articles where url in ({marks})", urls
        )
        return {row["url"]: dict(row) for row in found}

    facets, total = [], None
    if q:
        try:
            rows = await db.execute(
                SEARCH_FACETS_SQL, {"q": q, "size": SEARCH_FACET_SIZE}, custom_time_limit=limit
            )
        except Exception as error:  # facets that cannot finish in time are left out
            if "interrupted" not in str(error).lower():
                raise
            rows = []
        found: dict[str, list] = {}
        for row in rows:
            if row["facet"] == "total":
                total = row["n"]
                continue
            value = str(row["value"])
            arg = "categories__term" if row["facet"] == "categories" else row["facet"]
            found.setdefault(row["facet"], []).append((value, row["n"], link(**{arg: value})))
        for column, (label, english) in SEARCH_FACETS.items():
            if found.get(column):
                facets.append({"label": label, "english": english, "counts": found[column]})
    return {
        "q": q,
        "details": details,
        "facets": facets,
        "total": total,
        "table_url": link() if q else table,
        "feed_url": f"{datasette.urls.database(database)}/search.atom?{urlencode({'q': q})}",
    }


# --- safe to publish: security headers, and the language of each page ---------------------------

# What the pages need, and no more. Datasette 0.65's templates and datasette-dashboards put
# inline scripts on their pages ('unsafe-inline'); the charts' Vega compiles its expressions
# with Function() ('unsafe-eval', on the dashboard pages only). Images: our own (captures) and
# those of the archived sites, by host, read from the archive at startup.
CSP = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-inline'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "frame-src": "'self'",
    "frame-ancestors": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
DASHBOARDS = "/-/dashboards"
IMAGE_HOSTS_SQL = """
select distinct substr(src, 1, instr(substr(src, 9), '/') + 7) as origin from article_images
where src like 'http://%' or src like 'https://%'
union select distinct substr(url, 1, instr(substr(url, 9), '/') + 7) from (
  select url from articles order by rowid desc limit 1
)
"""
LANG_MARK = b"ham-id"  # in the body class of the pages written in Indonesian first


async def image_origins(datasette) -> list[str]:
    """Scheme and host of every image the archived articles show (and of the newest
    article's site), from every archive attached."""
    origins: set[str] = set()
    for name in archive_names(datasette):
        try:
            rows = await datasette.get_database(name).execute(IMAGE_HOSTS_SQL)
        except sqlite3.Error:  # a file Datasette could not open as it is named
            continue
        origins.update(
            row["origin"]
            for row in rows
            if re.fullmatch(r"https?://[^/\s;,']+", row["origin"] or "")
        )
    return sorted(origins)


def content_security_policy(path: str, origins: list[str]) -> str:
    policy = dict(CSP)
    policy["img-src"] = " ".join([CSP["img-src"], *origins])
    if path.startswith(DASHBOARDS):
        policy["script-src"] += " 'unsafe-eval'"
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def page_language(first_chunk: bytes) -> bytes:
    return b"id" if LANG_MARK in first_chunk.split(b"</head>", 1)[-1][:2000] else b"en"


@hookimpl
def asgi_wrapper(datasette):
    """Every response gets ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
    no-referrer`` (as Datasette's own pages) and, unless it brought its own (the replay of a
    capture does), the site's Content-Security-Policy; every HTML page gets a ``lang``
    (``id`` for our own pages, written in Indonesian first)."""

    def wrap(app):
        origins: list[str] | None = None

        async def with_headers(scope, receive, send):
            nonlocal origins
            if scope["type"] != "http":
                return await app(scope, receive, send)
            if origins is None:
                origins = await image_origins(datasette)
            policy = content_security_policy(scope["path"], origins).encode()
            state = {"html": False}

            async def send_with_headers(event):
                if event["type"] == "http.response.start":
                    headers = [(bytes(k), bytes(v)) for k, v in event.get("headers", [])]
                    names = {k.lower() for k, _ in headers}
                    for name, value in (
                        (b"content-security-policy", policy),
                        (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"no-referrer"),
                    ):
                        if name not in names:
                            headers.append((name, value))
                    kind = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
                    state["html"] = kind.startswith(b"text/html") and b"content-length" not in names
                    event = {**event, "headers": headers}
                elif event["type"] == "http.response.body" and state.pop("html", False):
                    body = event.get("body", b"")
                    if b"<html>" in body[:200]:
                        tag = b'<html lang="' + page_language(body) + b'">'
                        event = {**event, "body": body.replace(b"<html>", tag, 1)}
                await send(event)

            await app(scope, receive, send_with_headers)

        return with_headers

    return wrap


# --- take it home: the files of `ham-archive export`, from the home page -------------------------


def export_directory(datasette, database: str) -> Path:
    path = datasette.get_database(database).path
    return Path(os.environ.get(export.ENV) or export.export_dir(path))


def downloads(datasette, database: str) -> dict | None:
    """The files of the last export with their size, date and SHA-256, or None."""
    directory = export_directory(datasette, database)
    package = export.read_package(directory)
    if not package:
        return None
    base = datasette.urls.path(f"/{tilde_encode(database)}/-/download/")
    files = []
    for item in package.get("resources", []):
        if (directory / item["path"]).is_file():
            files.append(
                {
                    "path": item["path"],
                    "title": item.get("title", ""),
                    "size": export.human_size(item["bytes"]),
                    "modified": item.get("modified", ""),
                    "sha256": item.get("hash", "").removeprefix("sha256:"),
                    "url": base + item["path"],
                }
            )
    described = directory / export.DATAPACKAGE
    files.append(
        {
            "path": export.DATAPACKAGE,
            "title": "Frictionless Data Package: what each file holds, column by column",
            "size": export.human_size(described.stat().st_size),
            "modified": package.get("created", ""),
            "sha256": export.sha256(described),
            "url": base + export.DATAPACKAGE,
        }
    )
    return {"created": package.get("created"), "files": files, "datapackage_url": files[-1]["url"]}


async def download(datasette, request):
    """``/<db>/-/download/<name>``: one file the data package lists (or the package itself)."""
    database = tilde_decode(request.url_vars["database"])
    name = request.url_vars["name"]
    if database not in archive_names(datasette):
        raise NotFound(f"no archive called {database}")
    directory = export_directory(datasette, database)
    package = export.read_package(directory) or {}
    listed = {item["path"]: item for item in package.get("resources", [])}
    if name != export.DATAPACKAGE and name not in listed:
        raise NotFound("no such file in this archive's downloads")
    path = directory / name
    if not path.is_file():
        raise NotFound("no such file in this archive's downloads")
    kind = listed.get(name, {}).get("mediatype", "application/json")
    return AsgiFileDownload(str(path), filename=name, content_type=kind)
