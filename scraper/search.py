"""Indonesian-aware search: stem words with Sastrawi so that lapor finds melaporkan.

The archive keeps two FTS5 indexes of title and body_text: ``articles_fts`` holds the words as
written, ``articles_stemmed_fts`` (rowid = articles.rowid, contentless) holds their stems.
Queries against the stemmed index go through ``stem_query``, which stems the words the same way
and always returns a valid FTS5 query, whatever a person typed. A prefix (``penyiks*``) is
widened with the stems of the archive's words that begin with it (``expand``), so that it finds
at least what the exact-word index finds.
"""

from __future__ import annotations

import importlib.metadata
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache

import sqlite_utils

STEMMED_TABLE = "articles_stemmed_fts"
DELETE_TRIGGER = "articles_stemmed_fts_ad"
# The stems' rules and stemmer: when either changes, create_stemmed_index() builds the index
# again (a contentless index can only forget a row by being told its stems again).
STEMS_VERSION = f"3 PySastrawi {importlib.metadata.version('PySastrawi')}"
STEMMED_SQL = (
    f"create virtual table {STEMMED_TABLE} "
    "using fts5(title, body_text, content='', tokenize='unicode61')"
)
# Every word of the archive (as the exact index folds it) with its stem, for widening prefixes.
WORDS_TABLE = "search_words"
# Indonesian affixes around a root: prefixes (stacked: mem-per-, di-per-, ke-ber-...) and
# suffixes (-kan/-an/-i, then -ku/-mu/-nya, then -lah/-kah/-pun/-tah).
PREFIXES = (
    "(?:di|ke|se|ber|bel|be|ter|te|per|pel|pe|menge|meng|meny|mem|men|me|penge|peng|peny|pem|pen)*"
)
SUFFIXES = "(?:kan|an|i)?(?:ku|mu|nya)?(?:lah|kah|pun|tah)?"
_PREFIXES, _SUFFIXES = re.compile(PREFIXES), re.compile(SUFFIXES)
# me-/pe- before a root's first letter: meny-/peny- for s, mem-/pem- for p, men-/pen- for t,
# meng-/peng- for k (the letter itself is dropped: menyiksa, memukul, menulis, mengirim).
NASAL = {"s": "ny", "p": "m", "t": "n", "k": "ng"}
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
# A prefix of one or two letters (``pe*``) matches nearly every article, with dozens of words
# each: ranking them all took 0.9-1.3 s at 100,000 articles, so its matches are listed newest
# first (``ham_broad``), each branch skipped unless it applies.
SEARCH_SQL = """\
with ranked as (
  select rowid, bm25(articles_stemmed_fts, 3.0, 1.0) as score
  from articles_stemmed_fts
  where articles_stemmed_fts match ham_stem_query(:q) and not ham_broad(:q)
  order by score
  limit 100
),
newest as (
  select rowid, -julianday(published_at) as score
  from articles
  where ham_broad(:q) and +rowid in (
    select rowid from articles_stemmed_fts
    where articles_stemmed_fts match ham_stem_query(:q)
  )
  order by published_at desc
  limit 100
)
select
  articles.url,
  articles.title,
  articles.published_at,
  ham_snippet(articles.body_text, :q) as snippet
from (select * from ranked union all select * from newest) as hits
join articles on articles.rowid = hits.rowid
order by hits.score"""
BROAD_PREFIX = 2  # letters: a prefix this short is listed newest first


@cache
def _stemmer():
    """Sastrawi's stemmer without its own cache (``stem_word`` caches instead)."""
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return Stemmer(ArrayDictionary(StemmerFactory().get_words()))


def consistent_stem(word: str, stem: str) -> bool:
    """Whether ``stem`` can be the root of ``word``: the word is the root with Indonesian
    affixes around it (``pelaporan`` -> ``lapor``), its first letter maybe assimilated after
    me-/pe- (``penyiksaan`` -> ``siksa``). A root with a suffix but no prefix needs -an, -kan,
    -nya or a particle (``laporan``), not only -i/-ku/-mu: ``Bali`` is not ``bal`` + -i.
    ``diseminasi`` -> ``mas``, ``berbasis`` -> ``bas``, ``relawan`` -> ``rawan`` are not.

    Each place the root occurs in the word splits it into prefixes, root and suffixes; two
    patterns compiled once test the pieces (a pattern per stem cost 0.4 ms a new word)."""
    if stem == word:
        return True
    if not stem:
        return False
    roots = [(stem, ("",))]
    if stem[0] in NASAL:
        roots.append((NASAL[stem[0]] + stem[1:], ("me", "pe")))
    for root, before in roots:
        start = word.find(root)
        while start != -1:
            prefix, suffix = word[:start], word[start + len(root) :]
            if (
                prefix.endswith(before)
                and _PREFIXES.fullmatch(prefix)
                and _SUFFIXES.fullmatch(suffix)
                and (prefix or suffix not in ("i", "ku", "mu"))
            ):
                return True
            start = word.find(root, start + 1)
    return False


@lru_cache(maxsize=1 << 18)
def stem_word(word: str) -> str:
    """The stem of one word, lower-cased: ``melaporkan`` -> ``lapor``.

    Words with digits or letters outside a-z are only lower-cased: Sastrawi knows neither. A
    stem that is not consistent with its word (``consistent_stem``) is not trusted: the word
    stands for itself (``diseminasi`` stays ``diseminasi``, not Sastrawi's ``mas``).
    """
    word = word.lower()
    if not (word.isascii() and word.isalpha()):
        return word
    stem = _stemmer().stem(word)
    return stem if " " not in stem and consistent_stem(word, stem) else word


def stem_text(text: str | None) -> str:
    """The stems of every word of ``text``, separated by spaces, in the same order."""
    if not text:
        return ""
    return " ".join(map(stem_word, WORD.findall(text)))


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


# A prefix's widening: the stems of the archive's words that begin with it, None when unknown.
Expand = Callable[[str], frozenset[str] | None]


def _render(group: Group, stem: bool, expand: Expand | None = None) -> str:
    parts: list[str] = []
    for operator, node in group.items:
        if isinstance(node, Group):
            text = _render(node, stem, expand)
        else:
            text = _phrase(node, stem, expand)
        if not text:
            continue
        if isinstance(node, Group) and len(node.items) > 1:
            text = f"({text})"
        if parts:
            parts += [operator, text]
        elif operator != "NOT":  # FTS5 has no lone NOT: "-polisi" alone searches nothing
            parts.append(text)
    return " ".join(parts)


def _quoted(words: list[str]) -> str:
    return f'"{" ".join(words)}"'


def _phrase(phrase: Phrase, stem: bool, expand: Expand | None) -> str:
    words = [w.lower() for w in phrase.words]
    if not stem:
        return _quoted(words) + (" *" if phrase.prefix else "")
    *head, last = words
    head = [stem_word(w) for w in head]
    if not phrase.prefix:
        return _quoted([*head, stem_word(last)])
    # The prefix as typed (stems and words indexed as themselves that begin with it), or the
    # stem of a word that begins with it: "penyiks"* OR "siksa".
    alternatives = [_quoted([*head, last]) + " *"]
    alternatives += [_quoted([*head, s]) for s in sorted(prefix_stems(last, expand))]
    return alternatives[0] if len(alternatives) == 1 else f"({' OR '.join(alternatives)})"


def prefix_stems(prefix: str, expand: Expand | None = None) -> frozenset[str]:
    """The stems that a search for ``prefix*`` looks for besides those beginning with it: the
    stems of the words beginning with it (``expand``; without it, the prefix's own stem)."""
    stems = expand(prefix) if expand else None
    if stems is None:
        stems = frozenset([stem_word(prefix)])
    return frozenset(s for s in stems if not s.startswith(prefix))


def stem_query(q: str | None, expand: Expand | None = None) -> str:
    """The FTS5 query for ``articles_stemmed_fts``: ``melaporkan "hak asasi"`` ->
    ``"lapor" AND "hak asasi"``. Always valid FTS5; ``""`` (no match) when nothing is left.
    A prefix ``p*`` becomes ``("p" * OR "s1" OR ...)``, s1... the stems of the words that
    begin with p (``expand``, see ``vocabulary``)."""
    return _render(parse_query(q), stem=True, expand=expand) or MATCH_NOTHING


def broad_query(q: str | None) -> bool:
    """Whether the query looks for a prefix of one or two letters (not after NOT): ``pe*``."""

    def broad(group: Group) -> bool:
        return any(
            broad(node)
            if isinstance(node, Group)
            else node.prefix and len(node.words) == 1 and len(node.words[0]) <= BROAD_PREFIX
            for operator, node in group.items
            if operator != "NOT"
        )

    return broad(parse_query(q))


def exact_query(q: str | None) -> str:
    """The same query, words as written, for the exact-word index ``articles_fts``."""
    return _render(parse_query(q), stem=False) or MATCH_NOTHING


def vocabulary(conn: sqlite3.Connection) -> Expand:
    """``expand`` for ``stem_query`` over an archive: the stems of the archive's words that
    begin with a prefix (``search_words``, an index range), cached until the database changes;
    None in a database without that table."""
    cache: dict[tuple, frozenset[str] | None] = {}
    sql = (
        f"select distinct stem from {WORDS_TABLE} where word >= ? and word < ?"
        " and substr(stem, 1, ?) != ?"
    )

    def expand(prefix: str) -> frozenset[str] | None:
        prefix = _fold(prefix)
        version = (conn.execute("pragma data_version").fetchone()[0], conn.total_changes)
        key = (prefix, version)
        if key not in cache:
            if len(cache) > 256:
                cache.clear()
            try:
                rows = conn.execute(sql, [prefix, prefix + "\U0010ffff", len(prefix), prefix])
                cache[key] = frozenset(row[0] for row in rows)
            except sqlite3.OperationalError:  # not an archive, or one older than the table
                cache[key] = None
        return cache[key]

    return expand


def words_and_stems(*texts: str | None) -> set[tuple[str, str]]:
    """The distinct words of the texts, folded as the exact index holds them, with stems."""
    return _with_stems(_words(*texts))


def _words(*texts: str | None) -> set[str]:
    return {word for text in texts if text for word in WORD.findall(text)}


def _with_stems(words: set[str]) -> set[tuple[str, str]]:
    return {(word.lower() if word.isascii() else _fold(word), stem_word(word)) for word in words}


def _fold(word: str) -> str:
    """Lower case without accents, as unicode61 indexes a word."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- snippets ------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _query_stems(q: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The stems a query looks for (not those after NOT), and its prefixes as typed."""
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
                prefixes.append(node.words[-1].lower())
                stems.pop()
            words.update(stems)

    visit(parse_query(q))
    return frozenset(words), tuple(prefixes)


def snippet(
    text: str | None, q: str | None, size: int = 30, expand: Expand | None = None
) -> str | None:
    """About ``size`` words of ``text`` around the best cluster of matches, the matched words
    (any form of a searched stem, any word a prefix finds) inside ``<mark>`` tags; the text's
    start if none match."""
    if text is None:
        return None
    stems, prefixes = _query_stems(q or "")
    if prefixes:
        stems = stems.union(*(prefix_stems(p, expand) for p in prefixes))
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
    return stem in stems or bool(
        prefixes and (stem.startswith(prefixes) or _fold(word).startswith(prefixes))
    )


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
    """Create ``articles_stemmed_fts`` and its delete trigger if missing, or again when it was
    built by older rules (``STEMS_VERSION``) or kept its own copy of the stems (before it was
    contentless); a new index over an archive that already has articles is filled at once.
    Registers ``ham_stem`` on the connection (the delete trigger needs it). Safe to call on
    every open."""
    db.conn.create_function("ham_stem", 1, stem_text, deterministic=True)
    current = _index_version(db)
    with db.conn:
        if current not in (None, STEMS_VERSION):
            db.execute(f"drop trigger if exists {DELETE_TRIGGER}")
            db.execute(f"drop table {STEMMED_TABLE}")
            db.execute(f"drop table if exists {WORDS_TABLE}")
        if current != STEMS_VERSION:
            db.execute(STEMMED_SQL)
            db.execute(
                f"create table if not exists {WORDS_TABLE} "
                "(word text primary key, stem text not null) without rowid"
            )
            db.execute(
                f"insert into {STEMMED_TABLE}_config (k, v) values ('ham-stems', ?)",
                [STEMS_VERSION],
            )
        if db.table("articles").exists():
            # A contentless index forgets a row only when told its stems again.
            db.execute(
                f"create trigger if not exists {DELETE_TRIGGER} after delete on articles begin "
                f"insert into {STEMMED_TABLE} ({STEMMED_TABLE}, rowid, title, body_text) values "
                "('delete', old.rowid, ham_stem(old.title), ham_stem(old.body_text)); end"
            )
    if current != STEMS_VERSION and db.table("articles").exists() and db.table("articles").count:
        rebuild_stemmed_index(db)


def _index_version(db: sqlite_utils.Database) -> str | None:
    """The rules the index was built by: None when there is no index, "1" before versions."""
    if STEMMED_TABLE not in db.table_names():
        return None
    row = db.execute(f"select v from {STEMMED_TABLE}_config where k = 'ham-stems'").fetchone()
    return str(row[0]) if row else "1"


def index_article(
    db: sqlite_utils.Database,
    rowid: int,
    title: str,
    body_text: str,
    old: tuple[str, str] | None = None,
    written: set[str] | None = None,
) -> None:
    """Put one article's stems in the index; ``old`` (title, body_text) is what was indexed
    for this rowid before, and is taken out first. Runs in the caller's transaction
    (``Archive.save``).

    ``written``: the words this connection has put in search_words, not asked again (most of
    an article's words are; asking cost a tenth of a save); the words added join it. A caller
    whose transaction is rolled back empties it."""
    if old is not None:
        db.execute(
            f"insert into {STEMMED_TABLE} ({STEMMED_TABLE}, rowid, title, body_text) "
            "values ('delete', ?, ?, ?)",
            [rowid, stem_text(old[0]), stem_text(old[1])],
        )
    title_words, body_words = WORD.findall(title or ""), WORD.findall(body_text or "")
    db.execute(
        f"insert into {STEMMED_TABLE} (rowid, title, body_text) values (?, ?, ?)",
        [rowid, " ".join(map(stem_word, title_words)), " ".join(map(stem_word, body_words))],
    )
    words = set(title_words).union(body_words) - (written or set())
    db.conn.executemany(
        f"insert or ignore into {WORDS_TABLE} (word, stem) values (?, ?)", _with_stems(words)
    )
    if written is not None:
        written |= words


def rebuild_stemmed_index(db: sqlite_utils.Database, batch: int = 500) -> int:
    """Stem every article again (after a Sastrawi upgrade, or a VACUUM); returns the count."""
    rows = db.execute("select rowid, title, body_text from articles")
    count = 0
    with db.conn:
        db.execute(f"insert into {STEMMED_TABLE} ({STEMMED_TABLE}) values ('delete-all')")
        db.execute(f"delete from {WORDS_TABLE}")
        words: set[tuple[str, str]] = set()
        while chunk := rows.fetchmany(batch):
            db.conn.executemany(
                f"insert into {STEMMED_TABLE} (rowid, title, body_text) values (?, ?, ?)",
                [(rowid, stem_text(title), stem_text(body)) for rowid, title, body in chunk],
            )
            for _, title, body in chunk:
                words |= words_and_stems(title, body)
            count += len(chunk)
        db.conn.executemany(
            f"insert or ignore into {WORDS_TABLE} (word, stem) values (?, ?)", words
        )
        db.execute(f"insert into {STEMMED_TABLE} ({STEMMED_TABLE}) values ('optimize')")
    return count
