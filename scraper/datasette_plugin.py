"""Datasette hooks for ham-archive: SQL functions, fast facets, safe cells, the home page.

- ``ham_stem_query``, ``ham_exact_query``, ``ham_snippet``, ``ham_stem`` (search, see search.py)
  and ``ham_diff(old, new)`` (the ``edited_articles`` query) as SQL functions;
- two facet types that stay fast at 100,000 articles: ``terms`` (JSON arrays such as
  ``categories``, one count per article) and ``month`` (``YYYY-MM`` of an ISO date);
- cells: search snippets with their ``<mark>``, diffs with ``<del>``/``<ins>``, and
  ``body_html`` shown as HTML only after an allow-list sanitizer (nh3) ran again;
- ``/robots.txt``, a small stylesheet, and the home page's facts (last crawl, counts).
"""

from __future__ import annotations

import difflib
import re
import sqlite3

import nh3
from datasette import hookimpl
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from scraper.search import MARK, exact_query, snippet, stem_query, stem_text, vocabulary

DATABASE = "archive"
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
# facet combinations may not (they are endless and each one costs the server a query).
User-agent: *
Disallow: /*?
Disallow: /*.json
Disallow: /*.csv
Disallow: /*.atom
Disallow: /-/
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
"""
CSS_PATH = "/-/ham-archive.css"


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Register ``ham_stem_query(q)``, ``ham_exact_query(q)``, ``ham_snippet(text, q)``,
    ``ham_stem(text)`` and ``ham_diff(old, new)``."""
    expand = vocabulary(conn)  # prefixes widen with the stems of this archive's words
    conn.create_function("ham_stem_query", 1, lambda q: stem_query(q, expand))
    conn.create_function("ham_exact_query", 1, exact_query, deterministic=True)
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


class _GroupedFacet(Facet):
    """A facet whose counts come from one SQL query over the table's rows; subclasses give the
    query (``counts_sql``), the filter a value selects (``lookup``) and the facet's label."""

    lookup = ""

    def counts_sql(self, col: str, limit: int) -> str:
        raise NotImplementedError

    def label(self, column: str) -> str:
        return column

    async def facet_results(self):
        results, timed_out = [], []
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        for config in self.get_configs():
            column = config["config"].get("column") or config["config"]["simple"]
            try:
                rows = await self.ds.execute(
                    self.database,
                    self.counts_sql(escape_sqlite(column), size + 1),
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except Exception as error:  # QueryInterrupted, or a column that is not JSON
                if "interrupted" not in str(error).lower():
                    raise
                timed_out.append(column)
                continue
            values = []
            for row in rows.rows[:size]:
                value = str(row["value"])
                arg = {f"{column}__{self.lookup}": value}
                selected = (f"{column}__{self.lookup}", value) in pairs
                change = path_with_removed_args if selected else path_with_added_args
                values.append(
                    {
                        "value": value,
                        "label": value,
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(
                            self.request, self.ds.urls.path(change(self.request, arg))
                        ),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": self.label(column),
                    "type": self.type,
                    "results": values,
                    "hideable": config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {f"_facet_{self.type}": column})
                    ),
                    "truncated": len(rows.rows) > size,
                }
            )
        return results, timed_out


class TermsFacet(_GroupedFacet):
    """Facet a JSON array column (``categories``, ``tags``): how many articles carry each term.

    ``?_facet_terms=categories``, or ``- terms: categories`` in metadata.yml. Selecting a term
    filters with ``categories__arraycontains=...`` like Datasette's ``array`` facet. Datasette
    0.65's array facet removes duplicates over every column of every row (``select distinct
    j.value, inner.*``: 30 s at 100,000 articles); this one groups the few distinct arrays
    first, then splits them. ``group by +column`` keeps SQLite from walking the column's
    index when a filter is set (it would look up every row to test the filter: 0.8 s).
    """

    type = "terms"
    lookup = "arraycontains"

    def counts_sql(self, col: str, limit: int) -> str:
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

    def counts_sql(self, col: str, limit: int) -> str:
        return f"""
            select substr({col}, 1, 7) as value, count(*) as count from ({self.sql})
            where {col} is not null group by value order by value desc limit {limit}
        """

    def label(self, column: str) -> str:
        return f"{column} (month)"


@hookimpl
def register_facet_classes():
    return [TermsFacet, MonthFacet]


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
    html = str(escape(value))
    for tag in MARK:
        html = html.replace(str(escape(tag)), tag)
    return Markup(html)


# --- routes, styles and the home page --------------------------------------------------------


async def robots_txt() -> Response:
    return Response.text(ROBOTS_TXT)


async def site_css() -> Response:
    return Response(SITE_CSS, content_type="text/css; charset=utf-8")


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
        (r"^/(?P<database>[^/]+)/search\.atom$", search_atom),
    ]


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path(CSS_PATH)]


@hookimpl
def extra_template_vars(view_name: str, datasette):
    """The home page's facts: article count, newest article, the last crawl."""
    if view_name != "index":
        return {}

    async def facts() -> dict:
        try:
            db = datasette.get_database(DATABASE)
        except KeyError:
            return {"archive": None}
        articles = await db.execute(
            "select count(*) as n, max(published_at) as newest, min(published_at) as oldest,"
            " (select count(distinct article_url) from article_versions) as edited"
            " from articles"
        )  # every part answered from an index: the home page stays fast at any size
        runs = await db.execute(
            "select started_at, ended_at, status, site from crawl_runs"
            " where ended_at is not null order by id desc limit 1"
        )
        return {"archive": dict(articles.first()), "last_crawl": runs.first()}

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
