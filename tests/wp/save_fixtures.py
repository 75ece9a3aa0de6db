"""Regenerate tests/fixtures/<theme>-<locale>/<case>/ from a real WordPress loaded with the corpus.

    /work/venv/bin/python tests/wp/save_fixtures.py [--out tests/fixtures]

For each of twentytwentyone/en_US, twentytwentythree/id_ID and twentytwentyone/id_ID it starts a
site (tests/wordpress.py) with ``make_corpus(60)`` and saves, per case:

* ``response.html`` – the article page exactly as served (GET of the permalink);
* ``meta.json``     – {"url", "fetched_at", "status", "content_type"};
* ``rest.json``     – the body of
  ``/wp-json/wp/v2/posts/<id>?_embed=author,wp:term,wp:featuredmedia``;
* ``expected.json`` – ground truth from the corpus: title, published_at (ISO 8601, +07:00),
  author (display name), author_login, categories, tags, body_text (= expected_text), post_id,
  slug, url, plus the dateline / event date / credit truth.

URLs contain 127.0.0.1:<port> of the run that made them. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

import corpus  # noqa: E402
import wordpress  # noqa: E402

CONFIGS = [
    ("twentytwentyone", "en_US"),
    ("twentytwentythree", "id_ID"),
    ("twentytwentyone", "id_ID"),
]
# case directory -> feature that picks the first matching published post
CASES = {
    "seed": "seed",
    "caption-image": "caption_image",
    "pdf-link": "pdf",
    "caps-title": "caps_title",
    "numeric-slug": "id_slug",
    "block-image": "block_image",
}
N_POSTS = 60


def save_config(mariadb, theme, locale, out: Path, workdir: Path) -> list[str]:
    posts = corpus.make_corpus(N_POSTS)
    site = wordpress.start_site(
        workdir / f"{theme}-{locale}", posts, mariadb=mariadb, theme=theme, locale=locale
    )
    saved = []
    try:
        info = site.wp.post_info(site.ids)
        target = out / f"{theme}-{locale}"
        if target.exists():
            shutil.rmtree(target)
        for case, feature in CASES.items():
            pid, post = next((i, p) for i, p in site.published() if feature in p["features"])
            link = info[pid]["link"]
            status, headers, body = wordpress.fetch(link)
            if status != 200:
                raise SystemExit(f"{link}: HTTP {status}")
            fetched_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            rest_url = (
                f"{site.url}/wp-json/wp/v2/posts/{pid}?_embed=author,wp:term,wp:featuredmedia"
            )
            rstatus, _, rest = wordpress.fetch(rest_url)
            if rstatus != 200:
                raise SystemExit(f"{rest_url}: HTTP {rstatus}")
            d = target / case
            d.mkdir(parents=True)
            (d / "response.html").write_bytes(body)
            (d / "rest.json").write_bytes(rest)
            meta = {
                "url": link,
                "fetched_at": fetched_at,
                "status": status,
                "content_type": headers.get("Content-Type"),
                "rest_url": rest_url,
            }
            (d / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
            expected = {
                "post_id": pid,
                "url": link,
                "slug": info[pid]["slug"],
                # Twenty Twenty-One shows an untitled post as "Untitled", on the page and in REST.
                "title": post["title"] or ("Untitled" if theme == "twentytwentyone" else ""),
                "published_at": corpus.published_at_iso(post["date"]),
                "author": post["author_name"],
                "author_login": post["author"],
                "categories": post["categories"],
                "tags": post["tags"],
                "body_text": post["expected_text"],
                "expected_dateline": post["expected_dateline"],
                "expected_dateline_city": post["expected_dateline_city"],
                "expected_event_date": post["expected_event_date"],
                "expected_credit": post["expected_credit"],
                "expected_source": post["expected_source"],
                "corpus_key": post["key"],
                "features": post["features"],
                "theme": theme,
                "locale": locale,
            }
            (d / "expected.json").write_text(
                json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
            )
            saved.append(f"{theme}-{locale}/{case}: {link}")
    finally:
        site.stop()
    return saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=TESTS / "fixtures")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ham-fixtures-") as tmp:
        tmp = Path(tmp)
        with wordpress.MariaDB(tmp / "mariadb") as db:
            for theme, locale in CONFIGS:
                for line in save_config(db, theme, locale, args.out, tmp):
                    print(line)


if __name__ == "__main__":
    main()
