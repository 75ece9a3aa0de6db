"""Indonesian-aware search: stemming, query repair, the stemmed index and the ``search`` query."""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import pytest
import pytest_asyncio
import sqlite_utils
import yaml
from datasette.app import Datasette
from datasette.plugins import pm
from hypothesis import given, settings
from hypothesis import strategies as st

import scraper.datasette_plugin
from scraper.archive import Archive
from scraper.items import Article
from scraper.search import (
    NASAL,
    PREFIXES,
    SEARCH_SQL,
    STEMMED_SQL,
    STEMMED_TABLE,
    SUFFIXES,
    broad_query,
    consistent_stem,
    create_stemmed_index,
    exact_query,
    index_article,
    rebuild_stemmed_index,
    snippet,
    stem_query,
    stem_text,
    stem_word,
    vocabulary,
)

METADATA = Path(__file__).parent.parent / "scraper" / "metadata.yml"
LAPOR_ONLY = {  # each says the stem lapor in one form only
    "laporan": "Warga menyampaikan laporan tentang dugaan pelanggaran kepada petugas.",
    "melaporkan": "Warga datang untuk melaporkan dugaan pelanggaran kepada petugas.",
    "dilaporkan": "Dugaan pelanggaran itu dilaporkan warga kepada petugas.",
    "pelaporan": "Petugas menjelaskan tata cara pelaporan dugaan pelanggaran.",
}
OTHERS = {
    "hak-asasi": "Sosialisasi hak asasi manusia bagi aparatur desa digelar di Medan.",
    "asasi-hak": "Prinsip asasi dibahas, lalu hak anak menjadi topik kedua di Medan.",
    "polisi": "Polisi menerima laporan dan melaporkan hasilnya kepada Kanwil.",
    "html": 'Teks dengan <script>alert("x")</script> harus tampil apa adanya, laporan.',
}


def article(key: str, body: str, title: str | None = None, day: int = 1) -> Article:
    return Article(
        url=f"https://ham.go.id/2022/09/{day:02d}/{key}/",
        title=title or f"Berita {key}",
        published_at=f"2022-09-{day:02d}T09:00:00+07:00",
        body_html=f"<p>{body}</p>",
        body_text=body,
        source="html",
    )


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    path = tmp_path / "archive.db"
    archive = Archive(path)
    for day, (key, body) in enumerate({**LAPOR_ONLY, **OTHERS}.items(), start=1):
        archive.save(article(key, body, day=day))
    archive.save(
        article("judul", "Laporan tahunan. Laporan lengkap.", title="Laporan pelaporan HAM", day=20)
    )
    create_stemmed_index(archive.db)  # fills the index unless Archive.save already did
    archive.close()
    return path


def metadata() -> dict:
    data = yaml.safe_load(METADATA.read_text())
    queries = data["databases"]["archive"].setdefault("queries", {})
    queries.setdefault("search", {"title": "Search", "sql": SEARCH_SQL})  # until it is pasted
    return data


@pytest_asyncio.fixture
async def ds(archive_path: Path) -> Datasette:
    if pm.get_plugin("ham_archive") is None:  # until the entry point is installed
        pm.register(scraper.datasette_plugin, name="ham_archive")
    datasette = Datasette([str(archive_path)], metadata=metadata())
    await datasette.invoke_startup()
    return datasette


async def search(ds: Datasette, q: str) -> list[dict]:
    response = await ds.client.get("/archive/search.json", params={"q": q, "_shape": "array"})
    assert response.status_code == 200, response.text
    return response.json()


def keys(rows: list[dict]) -> set[str]:
    return {row["url"].rstrip("/").rsplit("/", 1)[1] for row in rows}


# --- stemming and queries ------------------------------------------------------------------


def test_stem_text_gives_one_stem_for_every_form():
    assert stem_text("lapor laporan melaporkan dilaporkan pelaporan") == "lapor " * 4 + "lapor"


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("pelaporan", "lapor"),
        ("laporan", "lapor"),
        ("penyiksaan", "siksa"),  # peny- for s
        ("memukul", "pukul"),  # mem- for p
        ("menulis", "tulis"),  # men- for t
        ("mengirim", "kirim"),  # meng- for k
        ("pengejawantahan", "ejawantah"),
        ("mempelajari", "ajar"),  # prefixes stacked
        ("kebijakannya", "bijak"),  # suffixes stacked
    ],
)
def test_stems_consistent_with_their_word_are_trusted(word: str, stem: str):
    assert consistent_stem(word, stem)
    assert stem_word(word) == stem


@pytest.mark.parametrize(
    ("word", "sastrawi"),
    [
        ("diseminasi", "mas"),  # a loanword: the root is not inside it
        ("berbasis", "bas"),  # ber- + bas + "is": no suffix -is
        ("relawan", "rawan"),
        ("bali", "bal"),  # -i alone, no prefix: a name, not bal + -i
        ("johanis", "johan"),
    ],
)
def test_stems_inconsistent_with_their_word_leave_it_as_itself(word: str, sastrawi: str):
    assert not consistent_stem(word, sastrawi)
    assert stem_word(word) == word


def test_stem_text_keeps_numbers_and_splits_like_fts5():
    assert stem_text("Selasa (13/9), ham.go.id, Hak-hak") == "selasa 13 9 ham go id hak hak"
    assert stem_text("") == ""
    assert stem_text(None) == ""


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("melaporkan", '"lapor"'),
        ('"hak asasi"', '"hak asasi"'),
        ("pelapor*", '("pelapor" * OR "lapor")'),  # without an archive: the prefix's own stem
        ("diskrimin*", '"diskrimin" *'),  # no root found: the prefix as typed
        ("diseminasi*", '"diseminasi" *'),  # Sastrawi's "mas" is not inside it: not trusted
        ("laporan OR aduan", '"lapor" OR "adu"'),
        ("laporan NOT polisi", '"lapor" NOT "polisi"'),
        ("laporan -polisi", '"lapor" NOT "polisi"'),
        ("(laporan OR aduan) warga", '("lapor" OR "adu") AND "warga"'),
        ("ham.go.id", '"ham go id"'),
    ],
)
def test_stem_query(q: str, expected: str):
    assert stem_query(q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"hak asasi', '"hak asasi"'),  # an open quote closes at the end
        ("lapor *", '"lapor"'),  # a stray star is dropped
        ("- lapor", '"lapor"'),  # so is a lone dash
        ("(lapor", '"lapor"'),  # an open bracket closes at the end
        ("lapor)", '"lapor"'),  # an unmatched closing one is ignored
        ("AND lapor OR", '"lapor"'),  # operators need something on both sides
        ("NOT polisi", '""'),  # FTS5 cannot search for "everything but": nothing
        ("", '""'),
        ("( * - )", '""'),
    ],
)
def test_malformed_queries_are_repaired(q: str, expected: str):
    assert stem_query(q) == expected


def test_any_typed_query_is_valid_fts5():
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(title, body_text)")
    conn.execute("insert into t values ('laporan warga', 'hak asasi manusia')")
    pieces = ['"', "“", "”", "(", ")", "*", "-", "+", ":", "^", "AND", "OR", "NOT", "NEAR"]
    pieces += ["lapor", "hak asasi", "pelapor*", "'", ".", ",", "{", "}", " ", "  "]
    rng = random.Random(7)
    for _ in range(3000):
        q = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        for fts_query in (stem_query(q), exact_query(q)):
            conn.execute("select count(*) from t where t match ?", [fts_query]).fetchone()


def test_snippet_marks_every_form_in_the_original_text():
    text = "Jakarta – Warga melaporkan kasus. Pelaporan berlangsung, laporan diterima."
    assert snippet(text, "lapor") == (
        "Jakarta – Warga <mark>melaporkan</mark> kasus. <mark>Pelaporan</mark> berlangsung, "
        "<mark>laporan</mark> diterima."
    )


def test_snippet_centres_on_the_matches_of_a_long_text():
    text = " ".join(f"kata{i}" for i in range(200)) + " dilaporkan " + "akhir " * 100
    result = snippet(text, "pelapor*", size=10)
    assert result.startswith("… ") and result.endswith(" …")
    assert "<mark>dilaporkan</mark>" in result
    assert len(result.split()) <= 12


def test_snippet_without_match_shows_the_start_and_skips_negated_words():
    assert snippet("Satu dua tiga.", "lapor") == "Satu dua tiga."
    assert "<mark>" not in snippet("Polisi datang.", "warga NOT polisi")
    assert snippet(None, "lapor") is None


# --- the index -----------------------------------------------------------------------------


def stemmed_rowids(db, q: str, expand=None) -> set[int]:
    sql = f"select rowid from {STEMMED_TABLE} where {STEMMED_TABLE} match ?"
    return {row[0] for row in db.execute(sql, [stem_query(q, expand)])}


def test_index_follows_articles(archive_path: Path):
    archive = Archive(archive_path)
    db = archive.db
    create_stemmed_index(db)  # a second call changes nothing
    assert db.table(STEMMED_TABLE).count == db.table("articles").count == 9
    rowid = db.execute(
        "select rowid, title, body_text from articles where body_text like 'Sosialisasi%'"
    ).fetchone()
    with db.conn:
        index_article(db, rowid[0], "Judul", "Kanwil melaporkan hasil sosialisasi.", rowid[1:])
    assert rowid[0] in stemmed_rowids(db, "laporan")
    assert db.table(STEMMED_TABLE).count == 9  # replaced, not added
    db.execute(  # what save() does, then what the delete trigger needs to find
        "update articles set title = 'Judul', body_text = ? where rowid = ?",
        ["Kanwil melaporkan hasil sosialisasi.", rowid[0]],
    )
    with db.conn:
        db.execute("delete from articles where rowid = ?", rowid[:1])
    assert rowid[0] not in stemmed_rowids(db, "laporan")
    assert db.table(STEMMED_TABLE).count == 8
    archive.close()


def test_create_fills_an_index_added_to_an_existing_archive(archive_path: Path):
    archive = Archive(archive_path)
    with archive.db.conn:
        archive.db.execute(f"drop table {STEMMED_TABLE}")
    create_stemmed_index(archive.db)
    assert archive.db.table(STEMMED_TABLE).count == 9
    assert rebuild_stemmed_index(archive.db) == 9
    assert len(stemmed_rowids(archive.db, "lapor")) == 7
    archive.close()


# --- the search canned query through Datasette ---------------------------------------------


@pytest.mark.asyncio
async def test_every_form_finds_the_same_articles(ds: Datasette):
    expected = {*LAPOR_ONLY, "polisi", "html", "judul"}
    for q in ("lapor", "melaporkan", "laporan", "dilaporkan", "pelaporan"):
        assert keys(await search(ds, q)) == expected, q


@pytest.mark.asyncio
async def test_exact_word_index_does_not_find_other_forms(ds: Datasette):
    sql = "select count(*) as n from articles_fts where articles_fts match 'lapor'"
    response = await ds.client.get("/archive.json", params={"sql": sql, "_shape": "array"})
    assert response.json() == [{"n": 0}]


@pytest.mark.asyncio
async def test_result_rows_best_first_with_highlighted_original_text(ds: Datasette):
    rows = await search(ds, "melaporkan")
    assert set(rows[0]) == {"url", "title", "published_at", "snippet"}
    assert keys(rows[:1]) == {"judul"}  # the stem in the title and twice in the text
    by_key = {key: row for row in rows for key in keys([row])}
    assert by_key["dilaporkan"]["snippet"] == (
        "Dugaan pelanggaran itu <mark>dilaporkan</mark> warga kepada petugas."
    )
    assert by_key["dilaporkan"]["published_at"] == "2022-09-03T09:00:00+07:00"


@pytest.mark.asyncio
async def test_phrase_prefix_and_operators(ds: Datasette):
    assert keys(await search(ds, '"hak asasi"')) == {"hak-asasi"}
    assert keys(await search(ds, "hak asasi")) == {"hak-asasi", "asasi-hak"}
    assert keys(await search(ds, "pelapor*")) == keys(await search(ds, "lapor"))
    assert keys(await search(ds, "laporan NOT polisi")) == {*LAPOR_ONLY, "html", "judul"}
    assert keys(await search(ds, "polisi OR sosialisasi")) == {"polisi", "hak-asasi"}


@pytest.mark.parametrize(
    ("q", "broad"),
    [
        ("pe*", True),
        ("p*", True),
        ("laporan OR (di* hak)", True),
        ("pel*", False),
        ('"hak a"*', False),  # the phrase narrows it
        ("laporan -pe*", False),
        ("pe", False),
    ],
)
def test_a_prefix_of_one_or_two_letters_is_broad(q: str, broad: bool):
    assert broad_query(q) is broad


@pytest.mark.asyncio
async def test_a_broad_prefix_lists_every_match_it_can_newest_first(ds: Datasette):
    """``pe*`` matches nearly everything: the newest matches instead of the best, the same
    matches as the prefix finds (here, fewer than 100: all of them)."""
    rows = await search(ds, "pe*")
    dates = [row["published_at"] for row in rows]
    assert dates == sorted(dates, reverse=True) and len(rows) > 2
    found = "select url from articles where rowid in (select rowid from articles_stemmed_fts"
    found += " where articles_stemmed_fts match ham_stem_query('pe*'))"
    response = await ds.client.get("/archive.json", params={"sql": found, "_shape": "array"})
    assert {r["url"] for r in rows} == {r["url"] for r in response.json()}
    assert "<mark>" in rows[0]["snippet"]


@pytest.mark.asyncio
@pytest.mark.parametrize("q", ['"hak asasi', "*", "-", "(", ")", '"', "NOT", "lapor (", ""])
async def test_malformed_query_answers_rows_not_an_error(ds: Datasette, q: str):
    rows = await search(ds, q)
    assert isinstance(rows, list)
    if q == '"hak asasi':
        assert keys(rows) == {"hak-asasi"}


@pytest.mark.asyncio
async def test_search_page_shows_marks_and_escapes_the_rest(ds: Datasette):
    response = await ds.client.get("/archive/search", params={"q": "laporan"})
    assert response.status_code == 200
    assert "<mark>laporan</mark>" in response.text
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert" in response.text


@pytest.mark.asyncio
async def test_plugin_functions_are_available_in_sql(ds: Datasette):
    sql = "select ham_stem('Pelaporan') s, ham_stem_query('pelapor*') q, ham_exact_query('(a') e"
    response = await ds.client.get("/archive.json", params={"sql": sql, "_shape": "array"})
    assert response.json() == [{"s": "lapor", "q": '("pelapor" * OR "lapor")', "e": '"a"'}]


def test_metadata_search_query_is_the_reference_sql():
    query = metadata()["databases"]["archive"]["queries"]["search"]
    assert query["sql"].strip() == SEARCH_SQL


# --- prefixes: at least what the exact index finds, and only forms of such words ----------

# Words of the kind press releases hold: roots with their affixed forms, loanwords and names
# Sastrawi cuts wrongly, and look-alikes (fungsi/pengungsi, rawan/relawan).
WORDS = (
    "lapor laporan melaporkan dilaporkan pelapor pelaporan siksa disiksa menyiksa penyiksaan "
    "diseminasi masyarakat pemasyarakatan berbasis basis relawan rawan kerawanan bali kembali "
    "pukul memukul dipukul tulis menulis penulis kirim mengirim pengiriman adu aduan pengaduan "
    "mengadukan fungsi pengungsi pengungsian johanis diskriminasi diskriminatif hak berhak "
    "hakim ham sosialisasi menyosialisasikan kerja bekerja pekerja pekerjaan"
).split()
word = st.one_of(st.sampled_from(WORDS), st.text("aeikmnprstuy", min_size=1, max_size=9))


def prefix_archive(texts: list[list[str]]) -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    db["articles"].insert_all([{"title": "", "body_text": " ".join(t)} for t in texts], pk="rowid")
    db["articles"].enable_fts(["title", "body_text"])
    create_stemmed_index(db)
    return db


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.lists(word, min_size=1, max_size=6), min_size=1, max_size=8),
    pick=st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(1, 12)),
)
def test_a_prefix_finds_what_the_exact_index_finds_and_only_forms_of_its_words(texts, pick):
    db = prefix_archive(texts)
    words = [w for t in texts for w in t]
    chosen = words[pick[0] % len(words)]
    prefix = chosen[: max(1, min(pick[2], len(chosen)))]
    q = f"{prefix}*"
    exact = {
        r[0]
        for r in db.execute(
            "select rowid from articles_fts where articles_fts match ?", [exact_query(q)]
        )
    }
    found = stemmed_rowids(db, q, vocabulary(db.conn))
    assert exact <= found
    assert exact  # the prefix was taken from a word of the archive
    # ...and only articles holding a word that begins with it, or another form of one.
    forms = {stem_word(w) for w in words if w.startswith(prefix)}
    for rowid in found:
        text = texts[rowid - 1]
        assert any(
            w.startswith(prefix) or stem_word(w).startswith(prefix) or stem_word(w) in forms
            for w in text
        ), (q, text)


def test_penyiks_finds_every_form_of_siksa_and_diseminasi_not_masyarakat():
    db = prefix_archive(
        [["penyiksaan"], ["disiksa"], ["menyiksa", "warga"], ["diseminasi"], ["masyarakat"]]
    )
    expand = vocabulary(db.conn)
    assert stem_query("penyiks*", expand) == '("penyiks" * OR "siksa")'
    assert stemmed_rowids(db, "penyiks*", expand) == {1, 2, 3}
    assert stemmed_rowids(db, "diseminasi*", expand) == {4}
    assert stemmed_rowids(db, '"menyiksa war"*', expand) == {3}
    assert "<mark>disiksa</mark>" in snippet("Ia disiksa.", "penyiks*", expand=expand)


def test_search_precision_and_recall_on_the_labelled_queries(tmp_path: Path):
    """tests/labelled/search_queries.json: docs/search.md keeps the figures."""
    from bench.search_quality import EXACT, STEMMED, build, evaluate, labelled_queries

    archive = build(tmp_path / "archive.db")
    expand = vocabulary(archive.db.conn)
    result = evaluate(archive, STEMMED, lambda q: stem_query(q, expand))
    assert result["precision"] >= 0.98 and result["recall"] >= 0.98, result
    exact = evaluate(archive, EXACT, exact_query)
    for item in labelled_queries():  # nothing the exact words find is lost
        hits, found, relevant = result["queries"][item["q"]]
        assert hits >= exact["queries"][item["q"]][0], item["q"]
    archive.close()


def test_index_keeps_no_copy_of_the_stems_and_is_rebuilt_when_its_rules_change(
    archive_path: Path,
):
    archive = Archive(archive_path)
    db = archive.db
    assert f"{STEMMED_TABLE}_content" not in db.table_names()  # contentless
    with db.conn:  # an index by the older rules, with its own copy of the stems
        db.execute(f"drop table {STEMMED_TABLE}")
        db.execute(STEMMED_SQL.replace("content=''", "content_rowid='rowid'"))
        db.execute(f"insert into {STEMMED_TABLE} (rowid, title, body_text) values (1, 'mas', '')")
    archive.close()
    archive = Archive(archive_path)
    assert f"{STEMMED_TABLE}_content" not in archive.db.table_names()
    assert len(stemmed_rowids(archive.db, "lapor")) == 7
    assert not stemmed_rowids(archive.db, "mas")
    archive.db.execute(f"insert into {STEMMED_TABLE} ({STEMMED_TABLE}) values ('integrity-check')")
    archive.close()


def test_saving_an_edited_article_replaces_its_stems(archive_path: Path):
    archive = Archive(archive_path)
    archive.save(article("polisi", "Polisi menerima aduan tentang penyiksaan.", day=7))
    db = archive.db
    assert not stemmed_rowids(db, "laporan") & stemmed_rowids(db, "polisi")
    assert stemmed_rowids(db, "siksa") == stemmed_rowids(db, "polisi")
    db.execute(f"insert into {STEMMED_TABLE} ({STEMMED_TABLE}) values ('integrity-check')")
    archive.close()


def _consistent_by_one_pattern(word: str, stem: str) -> bool:
    """consistent_stem as one regular expression per stem (what it was before it was split in
    pieces, for speed): the two must agree."""
    if stem == word:
        return True
    if not stem:
        return False
    roots = [re.escape(stem)]
    if stem[0] in NASAL:
        roots.append(f"(?<=[mp]e){NASAL[stem[0]]}{re.escape(stem[1:])}")
    match = re.fullmatch(f"({PREFIXES})(?:{'|'.join(roots)})({SUFFIXES})", word)
    if match is None:
        return False
    prefix, suffix = match.groups()
    return bool(prefix) or suffix not in ("i", "ku", "mu")


AFFIXED = st.tuples(  # the affixes that PREFIXES and SUFFIXES name
    st.lists(st.sampled_from(re.findall(r"[a-z]+", PREFIXES)), max_size=3),
    st.text("abeiklmnoprstuy", min_size=1, max_size=6),
    st.lists(st.sampled_from(re.findall(r"[a-z]+", SUFFIXES)), max_size=3),
)


@settings(max_examples=3000, deadline=None)
@given(
    AFFIXED, st.sampled_from(["root", "nasal", "inner", "other"]), st.text("aeiknst", max_size=4)
)
def test_consistent_stem_agrees_with_one_pattern(parts, pick: str, other: str):
    prefixes, root, suffixes = parts
    word = "".join(prefixes) + root + "".join(suffixes)
    stem = {
        "root": root,
        "nasal": next((k + root[len(v) :] for k, v in NASAL.items() if root.startswith(v)), root),
        "inner": root[1:] or root,
        "other": other,
    }[pick]
    assert consistent_stem(word, stem) == _consistent_by_one_pattern(word, stem)
