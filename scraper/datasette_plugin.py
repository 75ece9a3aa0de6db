"""Datasette hooks for ham-archive: the SQL functions behind the ``search`` canned query."""

from __future__ import annotations

import sqlite3

from datasette import hookimpl
from markupsafe import Markup, escape

from scraper.search import MARK, exact_query, snippet, stem_query, stem_text


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Register ``ham_stem_query(q)``, ``ham_exact_query(q)``, ``ham_snippet(text, q)`` and
    ``ham_stem(text)``."""
    conn.create_function("ham_stem_query", 1, stem_query, deterministic=True)
    conn.create_function("ham_exact_query", 1, exact_query, deterministic=True)
    conn.create_function("ham_snippet", 2, snippet, deterministic=True)
    conn.create_function("ham_stem", 1, stem_text, deterministic=True)


@hookimpl
def render_cell(value: object, column: str, table: str | None) -> Markup | None:
    """Show a query's ``snippet`` column with its ``<mark>`` highlights, all else escaped."""
    if table is not None or column != "snippet" or not isinstance(value, str):
        return None
    if MARK[0] not in value:
        return None
    html = str(escape(value))
    for tag in MARK:
        html = html.replace(str(escape(tag)), tag)
    return Markup(html)
