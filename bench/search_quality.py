"""Precision and recall of the search on the labelled queries, against other ways to stem.

    python bench/search_quality.py [--json FILE]

Builds an archive of the labelled corpus (``tests/labelled/search_queries.json``: the releases
of ``press_releases.json`` and its own) with ``Archive.save``, then for each way of indexing
rebuilds the stemmed index and runs every labelled query on it: all matches count, not only
the best 100. Ways: the search as shipped (Sastrawi stems checked against their word, prefixes
widened by the archive's words); the exact-word index ``articles_fts``; Sastrawi's stems taken
as they come, prefixes stemmed (the search before this check, ``BEFORE`` read from git);
simplemma's Indonesian lemmas, with and without the check.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import scraper.search as search  # noqa: E402
from scraper.archive import Archive  # noqa: E402
from scraper.items import Article  # noqa: E402

LABELS = ROOT / "tests" / "labelled"
BEFORE = "3398273"  # the last commit whose search stemmed prefixes and trusted every stem
STEMMED = f"select rowid from {search.STEMMED_TABLE} where {search.STEMMED_TABLE} match ?"
EXACT = "select rowid from articles_fts where articles_fts match ?"


def corpus() -> list[Article]:
    """Every labelled release as an Article; the url's last part is its id."""
    releases = json.loads((LABELS / "press_releases.json").read_text())["articles"]
    queries = json.loads((LABELS / "search_queries.json").read_text())
    texts = [(r["id"], "Siaran pers", "\n\n".join(r["paragraphs"])) for r in releases]
    texts += [(a["id"], a["title"], a["text"]) for a in queries["articles"]]
    return [
        Article(
            url=f"https://ham.go.id/2023/01/{i % 28 + 1:02d}/{key}/",
            title=title,
            published_at=f"2023-01-{i % 28 + 1:02d}T09:00:00+07:00",
            body_html="".join(f"<p>{p}</p>" for p in text.split("\n\n")),
            body_text=text,
            source="html",
        )
        for i, (key, title, text) in enumerate(texts)
    ]


def labelled_queries() -> list[dict]:
    """The queries, each with ``relevant``: the ids of the articles holding one of its forms."""
    tokens = {
        article.url.rstrip("/").rsplit("/", 1)[1]: [
            w.lower() for w in search.WORD.findall(f"{article.title} {article.body_text}")
        ]
        for article in corpus()
    }
    queries = json.loads((LABELS / "search_queries.json").read_text())["queries"]
    for query in queries:
        forms = [form.split() for form in query["forms"]]
        query["relevant"] = sorted(
            key
            for key, words in tokens.items()
            if any(words[i : i + len(f)] == f for f in forms for i in range(len(words)))
        )
    return queries


def build(path: Path) -> Archive:
    archive = Archive(path)
    for article in corpus():
        archive.save(article, seen_at="2023-02-01T00:00:00+07:00")
    return archive


def keys_of(db, rowids: set[int]) -> set[str]:
    rows = db.execute("select rowid, url from articles").fetchall()
    return {url.rstrip("/").rsplit("/", 1)[1] for rowid, url in rows if rowid in rowids}


def score(found: set[str], relevant: set[str]) -> tuple[int, int, int]:
    return len(found & relevant), len(found), len(relevant)


def evaluate(archive: Archive, query_sql: str, to_fts) -> dict:
    """Per query (hits, found, relevant) and the totals, micro-averaged."""
    db = archive.db
    per_query = {}
    for item in labelled_queries():
        rowids = {r[0] for r in db.execute(query_sql, [to_fts(item["q"])])}
        per_query[item["q"]] = score(keys_of(db, rowids), set(item["relevant"]))
    hits, found, relevant = (sum(v[i] for v in per_query.values()) for i in range(3))
    return {
        "precision": hits / found if found else 1.0,
        "recall": hits / relevant,
        "queries": per_query,
    }


def old_search_module() -> types.ModuleType:
    """scraper/search.py as it was at BEFORE (stems trusted, prefixes stemmed)."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{BEFORE}:scraper/search.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("search_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, "search_before.py", "exec"), module.__dict__)
    return module


def simplemma_stem(checked: bool):
    import simplemma

    def stem(word: str) -> str:
        word = word.lower()
        if not (word.isascii() and word.isalpha()):
            return word
        lemma = simplemma.lemmatize(word, lang="id").lower()
        return lemma if not checked or search.consistent_stem(word, lemma) else word

    return stem


def with_stemmer(archive: Archive, stem, query) -> dict:
    """Rebuild the stemmed index with ``stem`` for words, evaluate ``query`` on it."""
    shipped = search.stem_word
    search.stem_word = stem
    try:
        search.rebuild_stemmed_index(archive.db)
        return evaluate(archive, STEMMED, query)
    finally:
        search.stem_word = shipped
        search.rebuild_stemmed_index(archive.db)


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        archive = build(Path(tmp) / "archive.db")
        expand = search.vocabulary(archive.db.conn)
        results = {
            "search (shipped)": evaluate(archive, STEMMED, lambda q: search.stem_query(q, expand)),
            "exact words (articles_fts)": evaluate(archive, EXACT, search.exact_query),
        }
        old = old_search_module()
        results["before: Sastrawi unchecked, prefix stemmed"] = with_stemmer(
            archive, old.stem_word, old.stem_query
        )
        for checked in (False, True):
            name = "simplemma lemmas" + (", checked" if checked else "")
            stem = simplemma_stem(checked)
            results[name] = with_stemmer(
                archive,
                stem,
                lambda q, stem=stem: search.stem_query(q, search.vocabulary(archive.db.conn)),
            )
        archive.close()
    return results


def report(results: dict) -> str:
    lines = ["| way | precision | recall |", "| --- | --- | --- |"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} |")
    names = list(results)
    lines += ["", "| query | relevant | " + " | ".join(names) + " |"]
    lines.append("| --- | --- |" + " --- |" * len(names))
    for q in results[names[0]]["queries"]:
        relevant = results[names[0]]["queries"][q][2]
        cells = [f"{r['queries'][q][0]}/{r['queries'][q][1]}" for r in results.values()]
        lines.append(f"| `{q}` | {relevant} | " + " | ".join(cells) + " |")
    lines.append("\nCells: relevant found / found.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    results = run()
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
