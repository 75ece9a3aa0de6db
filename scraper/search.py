"""Indonesian-aware search: stem words with Sastrawi so that lapor finds melaporkan.

The archive keeps two FTS5 indexes of title and body_text: ``articles_fts`` holds the words as
written, ``articles_stemmed_fts`` (rowid = articles.rowid) holds their stems. Queries against
the stemmed index go through ``stem_query``, which stems the words the same way and always
returns a valid FTS5 query, whatever a person typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

import sqlite_utils

STEMMED_TABLE = "articles_stemmed_fts"
DELETE_TRIGGER = "articles_stemmed_fts_ad"
# A word is a run of letters and digits: what FTS5's unicode61 tokenizer calls a token.
WORD = re.compile(r"[^\W_]+")
WORD_OR_GAP = re.compile(r"([^\W_]+)")
# Pieces of a query: a quoted phrase (straight or curly quotes, maybe left open), a bracket,
# or a run of anything else up to a space.
QUERY_PIECE = re.compile(
    r'["“”„](?P<phrase>[^"“”„]*)["“”„]?(?P<star>\*?)|(?P<bracket>[()])|[^\s"“”„()]+'
)
OPERATORS = {"AND", "OR", "NOT"}
MATCH_NOTHING = '""'  # an empty phrase: valid FTS5 that matches no row
MARK = ("<mark>", "</mark>")
# The SQL of the ``search`` canned query in metadata.yml (tests check that the two agree).
SEARCH_SQL = """\
select
  articles.url,
  articles.title,
  articles.published_at,
  ham_snippet(articles.body_text, :q) as snippet
from (
  select rowid, bm25(articles_stemmed_fts, 3.0, 1.0) as score
  from articles_stemmed_fts
  where articles_stemmed_fts match ham_stem_query(:q)
  order by score
  limit 100
) as hits
join articles on articles.rowid = hits.rowid
order by hits.score"""


@cache
def _stemmer():
    """Sastrawi's stemmer without its own cache (``stem_word`` caches instead)."""
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return Stemmer(ArrayDictionary(StemmerFactory().get_words()))


@lru_cache(maxsize=1 << 18)
def stem_word(word: str) -> str:
    """The stem of one word, lower-cased: ``melaporkan`` -> ``lapor``.

    Words with digits or letters outside a-z are only lower-cased: Sastrawi knows neither.
    """
    word = word.lower()
    if not (word.isascii() and word.isalpha()):
        return word
    stem = _stemmer().stem(word)
    return stem if stem and " " not in stem else word


def stem_text(text: str | None) -> str:
    """The stems of every word of ``text``, separated by spaces, in the same order."""
    if not text:
        return ""
    return " ".join(stem_word(word) for word in WORD.findall(text))


# --- queries -------------------------------------------------------------------------------


@dataclass
class Phrase:
    """One word or several in a row (``"hak asasi"``); ``prefix`` for a trailing ``*``."""

    words: list[str]
    prefix: bool = False


@dataclass
class Group:
    """Operands joined by operators; ``items`` pairs each operand with the operator before it."""

    items: list[tuple[str, Phrase | Group]] = field(default_factory=list)


def parse_query(q: str | None) -> Group:
    """Read a search box's text leniently: never fails, drops what cannot be searched.

    Understood: words, ``"phrases"`` (an unclosed quote closes at the end), ``word*`` and
    ``"a phrase"*`` prefixes, ``AND``/``OR``/``NOT`` (capitals), ``-word`` for ``NOT word``, and
    brackets (unmatched ones are closed or ignored). Anything else separates words.
    """
    stack = [Group()]
    openers: list[str] = []  # the operator in front of each open bracket
    pending: str | None = None
    for match in QUERY_PIECE.finditer(q or ""):
        piece = match.group(0)
        if match.group("bracket") == "(":
            openers.append(pending or "AND")
            stack.append(Group())
            pending = None
        elif match.group("bracket") == ")":
            if len(stack) > 1:
                group = stack.pop()
                stack[-1].items.append((openers.pop(), group))
            pending = None
        elif match.group("phrase") is not None:
            words = WORD.findall(match.group("phrase"))
            if words:
                stack[-1].items.append((pending or "AND", Phrase(words, bool(match.group("star")))))
            pending = None
        elif piece in OPERATORS:
            pending = piece
        else:
            negated = piece.startswith("-")
            words = WORD.findall(piece)
            if words:
                operator = "NOT" if negated else pending or "AND"
                stack[-1].items.append((operator, Phrase(words, piece.endswith("*"))))
            pending = None
    while len(stack) > 1:
        group = stack.pop()
        stack[-1].items.append((openers.pop(), group))
    return stack[0]


def _render(group: Group, stem: bool) -> str:
    parts: list[str] = []
    for operator, node in group.items:
        text = _render(node, stem) if isinstance(node, Group) else _phrase(node, stem)
        if not text:
            continue
        if isinstance(node, Group) and len(node.items) > 1:
            text = f"({text})"
        if parts:
            parts += [operator, text]
        elif operator != "NOT":  # FTS5 has no lone NOT: "-polisi" alone searches nothing
            parts.append(text)
    return " ".join(parts)


def _phrase(phrase: Phrase, stem: bool) -> str:
    words = [w.lower() for w in phrase.words]
    if stem:
        *head, last = words
        words = [stem_word(w) for w in head] + [
            _stem_prefix(last) if phrase.prefix else stem_word(last)
        ]
    return f'"{" ".join(words)}"' + (" *" if phrase.prefix else "")


def _stem_prefix(prefix: str) -> str:
    """``pelapor`` -> ``lapor`` (a known root), ``pelap`` -> ``pelap`` (left as typed)."""
    return stem_word(prefix)


def stem_query(q: str | None) -> str:
    """The FTS5 query for ``articles_stemmed_fts``: ``melaporkan "hak asasi"`` ->
    ``"lapor" AND "hak asasi"``. Always valid FTS5; ``""`` (no match) when nothing is left.
    """
    return _render(parse_query(q), stem=True) or MATCH_NOTHING


def exact_query(q: str | None) -> str:
    """The same query, words as written, for the exact-word index ``articles_fts``."""
    return _render(parse_query(q), stem=False) or MATCH_NOTHING


# --- snippets ------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _query_stems(q: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The stems a query looks for (not those after NOT), and its stemmed prefixes."""
    words: set[str] = set()
    prefixes: list[str] = []

    def visit(group: Group) -> None:
        for operator, node in group.items:
            if operator == "NOT":
                continue
            if isinstance(node, Group):
                visit(node)
                continue
            stems = [stem_word(w) for w in node.words]
            if node.prefix:
                prefixes.append(_stem_prefix(node.words[-1].lower()))
                stems.pop()
            words.update(stems)

    visit(parse_query(q))
    return frozenset(words), tuple(prefixes)


def snippet(text: str | None, q: str | None, size: int = 30) -> str | None:
    """About ``size`` words of ``text`` around the best cluster of matches, the matched words
    (any form of a searched stem) inside ``<mark>`` tags; the text's start if none match."""
    if text is None:
        return None
    stems, prefixes = _query_stems(q or "")
    parts = WORD_OR_GAP.split(text)  # gap, word, gap, word, ..., gap: one pass, in C
    words = parts[1::2]
    found = {w for w in set(words) if _matches(w, stems, prefixes)}
    hits = [i for i, word in enumerate(words) if word in found]
    start = max(0, min(_densest(hits, size) - size // 5, len(words) - size)) if hits else 0
    more = start + size < len(words)
    window = parts[2 * start + 1 : 2 * (start + size) if more else len(parts)]
    marked = (
        f"{MARK[0]}{p}{MARK[1]}" if i % 2 == 0 and p in found else p for i, p in enumerate(window)
    )
    body = " ".join("".join(marked).split())
    return ("… " if start else "") + body + (" …" if more else "")


def _matches(word: str, stems: frozenset[str], prefixes: tuple[str, ...]) -> bool:
    stem = stem_word(word)
    return stem in stems or bool(prefixes and stem.startswith(prefixes))


def _densest(hits: list[int], size: int) -> int:
    """The hit that starts the window of ``size`` words holding the most hits."""
    best, most, end = hits[0], 0, 0
    for i, first in enumerate(hits):
        while end < len(hits) and hits[end] < first + size:
            end += 1
        if end - i > most:
            best, most = first, end - i
    return best


# --- the index -----------------------------------------------------------------------------


def create_stemmed_index(db: sqlite_utils.Database) -> None:
    """Create ``articles_stemmed_fts`` and its delete trigger if missing; a new index over an
    archive that already has articles is filled at once. Safe to call on every open."""
    created = STEMMED_TABLE not in db.table_names()
    with db.conn:
        db.execute(
            f"create virtual table if not exists {STEMMED_TABLE} "
            "using fts5(title, body_text, tokenize='unicode61')"
        )
        if db.table("articles").exists():
            db.execute(
                f"create trigger if not exists {DELETE_TRIGGER} after delete on articles "
                f"begin delete from {STEMMED_TABLE} where rowid = old.rowid; end"
            )
    if created and db.table("articles").exists() and db.table("articles").count:
        rebuild_stemmed_index(db)


def index_article(db: sqlite_utils.Database, rowid: int, title: str, body_text: str) -> None:
    """Put one article's stems in the index, replacing its old row; runs in the caller's
    transaction (``Archive.save``)."""
    db.execute(
        f"insert or replace into {STEMMED_TABLE} (rowid, title, body_text) values (?, ?, ?)",
        [rowid, stem_text(title), stem_text(body_text)],
    )


def rebuild_stemmed_index(db: sqlite_utils.Database, batch: int = 500) -> int:
    """Stem every article again (after a Sastrawi upgrade, or a VACUUM); returns the count."""
    rows = db.execute("select rowid, title, body_text from articles")
    count = 0
    with db.conn:
        db.execute(f"delete from {STEMMED_TABLE}")
        while chunk := rows.fetchmany(batch):
            db.conn.executemany(
                f"insert into {STEMMED_TABLE} (rowid, title, body_text) values (?, ?, ?)",
                [(rowid, stem_text(title), stem_text(body)) for rowid, title, body in chunk],
            )
            count += len(chunk)
        db.execute(f"insert into {STEMMED_TABLE} ({STEMMED_TABLE}) values ('optimize')")
    return count
