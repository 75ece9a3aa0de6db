"""Never lose what was published: edits, deletions, incremental runs, kill and resume, reparse."""

import http.server
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timedelta
from pathlib import Path

import corpus
import pytest
import wordpress
import yaml
from conftest import ham_archive, reparse_keeps
from hypothesis import given
from hypothesis import strategies as st

from scraper.archive import watermark
from scraper.reparse import articles_in
from scraper.spiders.ham import clock_offset
from scraper.text import SITE_TZ

ROOT = Path(__file__).resolve().parent.parent


def crawl(site_url: str, db: Path, *extra: str) -> str:
    result = ham_archive("crawl", "--site", site_url, "--db", str(db), *extra)
    assert result.returncode == 0, result.stderr
    return result.stderr


def query(db: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


def last_run(db: Path) -> dict:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return dict(connection.execute("select * from crawl_runs order by id desc").fetchone())


def newest_post_id(site) -> int:
    """The newest published post: an incremental HTML run re-checks it for edits."""
    return max(site.published(), key=lambda pair: pair[1]["date"])[0]


def assert_the_next_run_finds_an_edit(site, db: Path) -> None:
    edited = site.ids[6]
    site.wp.update_post(edited, post_title="Judul Sesudah Suntingan")
    summary = crawl(site.url, db)
    assert "(incremental)" in summary and "1 changed" in summary
    assert query(db, "select title from articles where post_id = ?", [edited]) == [
        ("Judul Sesudah Suntingan",)
    ]


@pytest.mark.parametrize("locked", [False, True], ids=["rest", "html"])
def test_edit_becomes_a_version_and_trash_a_deletion(wp_fresh, tmp_path, locked):
    site, db = wp_fresh, tmp_path / "archive.db"
    if locked:
        site.wp.php("update_option('ham_test_rest_locked', 1);")
    crawl(site.url, db)
    edited = newest_post_id(site)
    trashed = next(post_id for post_id, _ in site.published() if post_id != edited)
    url = site.wp.post_info([edited])[edited]["link"]
    old_title, old_text = query(db, "select title, body_text from articles where url = ?", [url])[0]
    site.wp.update_post(edited, post_title="Judul yang Diubah", post_content="Teks yang diubah.")
    trashed_url = site.wp.post_info([trashed])[trashed]["link"]
    site.wp.trash_post(trashed)

    summary = crawl(site.url, db)
    assert "(incremental)" in summary and "1 gone" in summary

    row = query(db, "select title, body_text, version_count from articles where url = ?", [url])
    assert row == [("Judul yang Diubah", "Teks yang diubah.", 2)]
    versions = query(
        db, "select title, body_text, valid_to from article_versions where article_url = ?", [url]
    )
    assert [v[:2] for v in versions] == [(old_title, old_text)]
    deleted = query(db, "select deleted_at, title from articles where url = ?", [trashed_url])
    assert deleted[0][0] and deleted[0][1]  # marked, and the row is kept
    assert query(db, "select count(*) from articles") == [(len(site.published()),)]
    run = last_run(db)
    assert (run["status"], run["updated"], run["deleted"]) == ("ok", 1, 1)


def test_unchanged_rest_site_costs_at_most_five_requests(mariadb, tmp_path):
    posts = corpus.make_corpus(1000)
    with wordpress.start_site(tmp_path / "wp", posts, mariadb=mariadb) as site:
        db = tmp_path / "archive.db"
        crawl(site.url, db)
        assert query(db, "select count(*) from articles") == [(len(site.published()),)]
        summary = crawl(site.url, db)
        assert "(incremental)" in summary and "0 articles" in summary
        assert last_run(db)["requests"] <= 5

        site.wp.insert_posts([corpus.make_corpus(1, seed=7)[0] | {"date": None}])  # now
        summary = crawl(site.url, db)
        assert "1 added" in summary and last_run(db)["requests"] <= 6

        # Backdated, its modified date is its old date: modified_after cannot see it, the
        # total does, and the id listing (11 pages) finds it: robots.txt, home page, modified,
        # total, 11 id pages, the total again (scraper.deletion: same at start and end), include.
        site.wp.insert_posts([corpus.make_corpus(1, seed=8)[0] | {"date": "2024-01-02 10:00:00"}])
        summary = crawl(site.url, db)
        assert "1 added" in summary and last_run(db)["requests"] <= 4 + 11 + 1 + 1


def test_transient_errors_are_not_deletions(wp_fresh, tmp_path):
    site, db = wp_fresh, tmp_path / "archive.db"
    site.wp.php("update_option('ham_test_rest_locked', 1);")
    crawl(site.url, db)
    site.wp.php("update_option('ham_test_status', 503);")
    command = [sys.executable, "-m", "scrapy", "crawl", "ham", "-a", f"site={site.url}"]
    command += ["-s", f"ARCHIVE_DB={db}", "-s", "RETRY_BACKOFF_BASE=0.05", "-s", "LOG_LEVEL=ERROR"]
    command += ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_TIMES=1"]  # quick failures
    subprocess.run(command, cwd=ROOT, capture_output=True, timeout=300)
    assert query(db, "select count(*) from articles where deleted_at is not null") == [(0,)]
    assert last_run(db)["status"] == "partial"
    assert last_run(db)["failed"] > 0


def test_killed_crawl_resumes_with_nothing_lost_or_duplicated(mariadb, tmp_path):
    posts = corpus.make_corpus(300)
    with wordpress.start_site(tmp_path / "wp", posts, mariadb=mariadb, rest_locked=True) as site:
        db = tmp_path / "archive.db"
        command = [sys.executable, "-m", "scraper.cli", "crawl", "--site", site.url, "--db", db]
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                if query(db, "select count(*) from articles")[0][0] >= 40:
                    break
            except sqlite3.OperationalError:  # not created yet
                pass
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert query(db, "pragma integrity_check") == [("ok",)]
        killed = query(db, "select count(*) from articles")[0][0]
        assert 40 <= killed < len(site.published())
        assert last_run(db)["status"] == "running"

        crawl(site.url, db)
        urls = [row[0] for row in query(db, "select url from articles")]
        assert len(urls) == len(set(urls)) == len(site.published())
        assert query(db, "pragma integrity_check") == [("ok",)]


def test_reparse_with_the_site_down_reproduces_the_rows(wp_fresh, tmp_path):
    site, db = wp_fresh, tmp_path / "archive.db"
    crawl(site.url, db)
    site.wp.update_post(site.ids[3], post_content="Isi yang diperbarui. (Humas DJHAM)")
    crawl(site.url, db)
    site.wp.php("update_option('ham_test_rest_locked', 1);")
    crawl(site.url, db, "--full")
    site.stop()  # no network from here on

    tables = {
        "articles": "*",
        "article_versions": "article_url, title, body_text, capture_id, valid_from, valid_to",
        "article_people": "*",
        "article_documents": "*",
        "article_captures": "*",
    }
    assert len(reparse_keeps(db, tables)["article_versions"]) == 1
    hits = "select count(*) from articles_fts where articles_fts match 'Banjarmasin'"
    assert query(db, hits)[0][0] >= 1


def test_captures_are_warc_records_linked_to_articles(wp_fresh, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    db, warc = tmp_path / "archive.db", tmp_path / "raw"
    crawl(wp_fresh.url, db, "--warc-dir", str(warc))
    assert not (tmp_path / "warc").exists()
    captures = query(db, "select url, status, warc_file, warc_offset, sha256 from captures")
    assert any("/wp-json/wp/v2/posts" in c[0] for c in captures)
    assert any(c[0].endswith("/robots.txt") for c in captures)
    url, status, warc_file, offset, _ = next(c for c in captures if "/wp-json/" in c[0])
    with open(warc / warc_file, "rb") as file:
        file.seek(offset)
        record = next(iter(ArchiveIterator(file)))
        assert record.rec_headers.get_header("WARC-Target-URI") == url
        assert record.http_headers.get_statuscode() == str(status)
    linked = query(db, "select count(distinct article_url) from article_captures")
    assert linked == [(len(wp_fresh.published()),)]
    result = ham_archive("reparse", "--db", str(db), "--warc-dir", str(warc))
    assert result.returncode == 0 and "Reparsed" in result.stderr, result.stderr
    result = ham_archive("reparse", "--db", str(db))  # the default warc/ holds nothing
    assert result.returncode == 1 and "the archive was left unchanged" in result.stderr
    assert query(db, "select count(*) from articles") == [(len(wp_fresh.published()),)]


@pytest.mark.parametrize("locked", [False, True], ids=["rest", "html"])
def test_a_new_slug_and_date_keep_one_row(wp_fresh, tmp_path, locked):
    """wp_update_post changes a post's slug and date, so its permalink: the row moves, the old
    URL stays an alias, and nothing else changes. html: read by REST first, then by HTML."""
    site, db = wp_fresh, tmp_path / "archive.db"
    crawl(site.url, db)
    post_id = site.ids[5]
    old_url = site.wp.post_info([post_id])[post_id]["link"]
    (before,) = query(db, "select published_at, modified_at from articles where url = ?", [old_url])
    site.wp.update_post(post_id, slug="judul-yang-dipindah", date="2021-03-04 10:11:12")
    new_url = site.wp.post_info([post_id])[post_id]["link"]
    assert new_url.endswith("/2021/03/04/judul-yang-dipindah/")
    if locked:
        site.wp.php("update_option('ham_test_rest_locked', 1);")
    crawl(site.url, db)

    published = len(site.published())
    assert query(db, "select count(*), count(distinct post_id) from articles") == [
        (published, published)
    ]
    row = query(
        db,
        "select url, published_at, modified_at, deleted_at from articles where post_id = ?",
        [post_id],
    )
    assert row[0][:2] == (new_url, "2021-03-04T10:11:12+07:00") and row[0][3] is None
    if locked:  # the HTML page has no modified date: REST's stays
        assert row[0][2] == before[1]
    aliases = query(db, "select url from article_urls where article_url = ?", [new_url])
    assert sorted(a[0] for a in aliases) == sorted([old_url, new_url])
    versions = query(db, "select url, published_at from article_versions")
    assert versions == [(old_url, before[0])]
    for table in ("article_people", "article_captures", "article_urls", "article_versions"):
        assert query(db, f"select count(*) from {table} where article_url = ?", [old_url]) == [
            (0,)
        ], table
    assert (
        query(db, "select count(*) from article_captures where article_url = ?", [new_url])[0][0]
        == 2
    )
    from scraper.archive import Archive

    archive = Archive(db)
    assert archive.find(old_url)["post_id"] == post_id
    archive.close()
    history = yaml.safe_load((ROOT / "metadata.yml").read_text())["databases"]["archive"]
    history = history["queries"]["article_history"]["sql"]
    states = query(db, history, {"url": old_url})  # the canned query takes an old URL too
    assert [s[0] for s in states] == ["current", "version 1"]


def test_edits_are_found_whatever_the_site_timezone(mariadb, tmp_path):
    """A site on UTC, and a post whose modified date lies in the future: the next run asks for
    what changed since the last one started, with the offset, and finds the edit."""
    posts = corpus.make_corpus(12)
    posts[3] = posts[3] | {"modified": "2031-01-01 00:00:00"}
    with wordpress.start_site(tmp_path / "wp", posts, mariadb=mariadb, timezone="UTC") as site:
        db = tmp_path / "archive.db"
        crawl(site.url, db)
        assert_the_next_run_finds_an_edit(site, db)


@pytest.mark.parametrize(
    "theme, locale", [("twentytwentyone", "en_US"), ("twentytwentythree", "id_ID")]
)
def test_a_post_put_behind_a_password_keeps_its_last_public_state(mariadb, tmp_path, theme, locale):
    """WordPress answers a password-protected post with its password form (in HTML) and an
    empty content (REST): neither is an edit. The row keeps the text that was public, the run
    says the post is withheld, nothing fails; once public again, it is read as before."""
    posts = corpus.make_corpus(6)
    with wordpress.start_site(
        tmp_path / "wp", posts, mariadb=mariadb, theme=theme, locale=locale
    ) as site:
        db = tmp_path / "archive.db"
        crawl(site.url, db)
        protected = site.ids[2]
        columns = "url, title, body_text, word_count, version_count, changed_at, deleted_at"
        public = query(db, f"select {columns} from articles where post_id = ?", [protected])
        site.wp.update_post(protected, post_password="rahasia")
        for extra in ((), ("--full",)):
            summary = crawl(site.url, db, *extra)
            assert "· 1 withheld (password) · 0 failed" in summary, summary
            assert query(db, f"select {columns} from articles where post_id = ?", [protected]) == (
                public
            )
        coverage = json.loads(last_run(db)["coverage"])
        assert coverage["withheld"] == [public[0][0]]
        site.wp.php("update_option('ham_test_rest_locked', 1);")  # the pages: the password form
        summary = crawl(site.url, db, "--full")
        assert "· 1 withheld (password) · 0 failed" in summary and "0 changed" in summary
        assert query(db, f"select {columns} from articles where post_id = ?", [protected]) == public
        assert query(db, "select count(*) from article_versions") == [(0,)]
        reparse_keeps(db, {"articles": columns})  # the captures of the form read the same way
        site.wp.update_post(protected, post_password="")
        summary = crawl(site.url, db, "--full")
        assert "withheld" not in summary and "0 changed" in summary


HIDE_ROUTES = """<?php
// A common hardening: routes of the REST API taken away for everyone (%s).
add_filter('rest_endpoints', function ($endpoints) {
    foreach (array_keys($endpoints) as $route) {
        if (preg_match('#^/wp/v2/(%s)#', $route)) {
            unset($endpoints[$route]);
        }
    }
    return $endpoints;
});
"""


@pytest.mark.parametrize("routes", ["users", "categories|tags"], ids=["users", "terms"])
def test_a_site_that_hides_users_or_terms_from_rest_changes_no_article(wp_fresh, tmp_path, routes):
    """The posts then embed an error where their author, or their terms, were: unknown, not
    removed. A --full run made every article an edit without them; now nothing changes, and
    the reparse agrees. A post first seen so keeps no terms it cannot name."""
    site, db = wp_fresh, tmp_path / "archive.db"
    newest = max(site.published(), key=lambda pair: pair[1]["date"])[0]
    site.wp.trash_post(newest)  # published again after the hardening: first seen without them
    crawl(site.url, db)
    columns = "url, author, categories, tags, version_count, changed_at"
    before = query(db, f"select {columns} from articles order by url")
    assert all(author and categories != "[]" for _, author, categories, *_ in before)
    plugin = site.wp.content_dir / "mu-plugins" / "hide-routes.php"
    plugin.write_text(HIDE_ROUTES % (routes, routes))
    summary = crawl(site.url, db, "--full")
    assert f"0 added, 0 changed, {len(before)} unchanged" in summary, summary
    assert query(db, f"select {columns} from articles order by url") == before
    assert query(db, "select count(*) from article_versions") == [(0,)]
    reparse_keeps(db, {"articles": columns})
    site.wp.update_post(newest, post_status="publish")
    crawl(site.url, db)
    ((author, categories, tags),) = query(
        db, "select author, categories, tags from articles where post_id = ?", [newest]
    )
    assert (author is None) == (routes == "users")
    assert (categories, tags) == (("[]", "[]") if routes != "users" else (categories, tags))


NO_TERMS = """<?php
// A theme that prints no term lists (Twenty Twenty-One's footer prints them only if any).
add_filter('the_category', '__return_empty_string');
add_filter('the_tags', '__return_empty_string');
"""


def test_a_theme_that_shows_no_terms_changes_no_article(wp_fresh, tmp_path):
    """Read by its HTML pages, a site whose theme stopped printing categories and tags: not
    said, not removed. A --full run made every article an edit without its terms; now only
    the post really edited changes, and a post first seen so has none it cannot name."""
    site, db = wp_fresh, tmp_path / "archive.db"
    newest = max(site.published(), key=lambda pair: pair[1]["date"])[0]
    site.wp.trash_post(newest)
    crawl(site.url, db)
    columns = "url, categories, tags"
    before = query(db, f"select {columns} from articles order by url")
    assert all(categories != "[]" for _, categories, _ in before)
    site.wp.php("update_option('ham_test_rest_locked', 1);")
    (site.wp.content_dir / "mu-plugins" / "no-terms.php").write_text(NO_TERMS)
    edited = site.ids[3]
    title = query(db, "select title from articles where post_id = ?", [edited])[0][0]
    site.wp.update_post(edited, post_title="Judul Sesudah Suntingan")
    summary = crawl(site.url, db, "--full")
    assert f"0 added, 1 changed, {len(before) - 1} unchanged" in summary, summary
    assert query(db, f"select {columns} from articles order by url") == before
    assert query(db, "select post_id, title from article_versions") == [(edited, title)]
    reparse_keeps(db, {"articles": columns})
    site.wp.update_post(newest, post_status="publish")
    crawl(site.url, db)
    assert query(db, "select categories, tags from articles where post_id = ?", [newest]) == [
        ("[]", "[]")
    ]


WIDGETS = r"""<?php
// What plugins add to each post's content, as they print it: AddToAny's share buttons (their
// id numbered in page order) and Post Views Counter's count, one more at every view; and WP
// Rocket's lazy loading, each image's address moved to data-lazy-src behind a placeholder.
add_filter('the_content', function ($content) {
    $content = preg_replace_callback('#<img ([^>]*?)src="([^"]+)"([^>]*)>#', function ($m) {
        $placeholder = "data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E";
        return '<img ' . $m[1] . 'src="' . $placeholder . '"' . $m[3] . ' data-lazy-src="'
            . $m[2] . '"><noscript><img ' . $m[1] . 'src="' . $m[2] . '"' . $m[3] . '></noscript>';
    }, $content);
    $id = get_the_ID();
    $views = (int) get_post_meta($id, 'views', true) + 1;
    update_post_meta($id, 'views', $views);
    return $content
        . '<div class="addtoany_share_save_container addtoany_content addtoany_content_bottom">'
        . '<div class="a2a_kit a2a_kit_size_32 addtoany_list" id="wpa2a_' . $views . '">'
        . '<a class="a2a_button_facebook" href="https://www.addtoany.com/add_to/facebook">'
        . 'Facebook</a></div></div><div class="post-views content-post post-' . $id
        . ' entry-meta load-static"><span class="post-views-label">Dilihat:</span> '
        . '<span class="post-views-count">' . number_format($views) . '</span></div>';
}, 20);
"""


@pytest.mark.parametrize("locked", [False, True], ids=["rest", "html"])
def test_share_buttons_and_view_counters_are_not_the_article(wp_fresh, tmp_path, locked):
    """A plugin that adds share buttons and a view count to every post: not its text, and not
    an edit. Each --full run made every article an edit (the count had gone up), the buttons'
    label and the count in its text. Images lazy-loaded are the same images (their ``src``
    was the placeholder, dropped: no image)."""
    site, db = wp_fresh, tmp_path / "archive.db"
    if locked:
        site.wp.php("update_option('ham_test_rest_locked', 1);")
    crawl(site.url, db)
    columns = "url, body_text, body_html, version_count"
    before = query(db, f"select {columns} from articles order by url")
    (site.wp.content_dir / "mu-plugins" / "widgets.php").write_text(WIDGETS)
    for _ in range(2):
        summary = crawl(site.url, db, "--full")
        assert f"0 added, 0 changed, {len(before)} unchanged" in summary, summary
    assert query(db, f"select {columns} from articles order by url") == before
    assert query(db, "select count(*) from article_versions") == [(0,)]
    assert query(db, "select count(*) from articles where body_html like '%<img %'") != [(0,)]


DOWNLOADS = r"""<?php
// Download Manager's button, as its [wpdm_package] shortcode prints it: a token of this view.
add_shortcode('wpdm_package', function ($attributes) {
    $link = home_url('/download/laporan-tahunan/?wpdmdl=' . (int) $attributes['id']
        . '&refresh=' . uniqid() . time());
    return '<a class="wpdm-download-link" href="' . esc_url($link) . '">Unduh laporan</a>';
});
"""


def test_a_download_button_with_a_token_of_each_view_is_not_an_edit(wp_fresh, tmp_path):
    """Download Manager adds a new ``refresh`` token to its links at every view: each --full
    run made a post with a download button an edit, in REST and in HTML mode."""
    site, db = wp_fresh, tmp_path / "archive.db"
    (site.wp.content_dir / "mu-plugins" / "downloads.php").write_text(DOWNLOADS)
    post_id, post = next(iter(site.by_id().items()))
    site.wp.update_post(post_id, content=post["content"] + '\n\n[wpdm_package id="12"]')
    crawl(site.url, db)
    columns = "url, body_text, body_html, version_count"
    before = query(db, f"select {columns} from articles order by url")
    for locked in (False, True):
        site.wp.php(f"update_option('ham_test_rest_locked', {int(locked)});")
        summary = crawl(site.url, db, "--full")
        assert f"0 added, 0 changed, {len(before)} unchanged" in summary, summary
    assert query(db, f"select {columns} from articles order by url") == before
    ((html,),) = query(db, "select body_html from articles where post_id = ?", [post_id])
    assert f'href="{site.url}/download/laporan-tahunan/?wpdmdl=12">Unduh laporan</a>' in html


LAYOUT = (
    '<!-- wp:columns --><div class="wp-block-columns"><!-- wp:column --><div class="wp-block-'
    'column"><!-- wp:paragraph --><p>Kolom satu.</p><!-- /wp:paragraph --></div><!-- /wp:column'
    ' --><!-- wp:column --><div class="wp-block-column"><!-- wp:paragraph --><p>Kolom dua.</p>'
    "<!-- /wp:paragraph --></div><!-- /wp:column --></div><!-- /wp:columns -->"
    '<!-- wp:group {"layout":{"type":"flex"}} --><div class="wp-block-group"><!-- wp:paragraph'
    " --><p>Kontak media.</p><!-- /wp:paragraph --></div><!-- /wp:group --><!-- wp:latest-posts"
    " /-->"
)


def test_what_wordpress_numbers_or_draws_as_it_renders_is_not_an_edit(wp_fresh, tmp_path):
    """Posts with columns, a group and a Latest Posts block (WordPress's own blocks): the
    layout classes are numbered in the order a request renders them (``wp-container-7`` in a
    REST listing, ``wp-container-3`` on the post's page) and the list is the newest posts. A new
    post made each of them an edit, and so did a site that locked its REST API."""
    site, db = wp_fresh, tmp_path / "archive.db"
    posts = [post_id for post_id, _ in site.published()][:3]
    for post_id in posts:
        site.wp.update_post(
            post_id,
            content=f"<!-- wp:paragraph --><p>Isi {post_id}.</p><!-- /wp:paragraph -->" + LAYOUT,
        )
    crawl(site.url, db)
    columns = "url, body_text, body_html, version_count"
    before = query(db, f"select {columns} from articles order by url")
    newest = max(post["date"] for post in site.posts)
    news = dict(site.posts[0], title="Siaran Pers Terbaru", content=LAYOUT, slug=None)
    site.wp.insert_posts([dict(news, date=newest.replace(newest[:4], str(int(newest[:4]) + 1)))])
    summary = crawl(site.url, db, "--full")
    assert f"1 added, 0 changed, {len(before)} unchanged" in summary, summary
    site.wp.php("update_option('ham_test_rest_locked', 1);")
    summary = crawl(site.url, db, "--full")
    assert f"0 added, 0 changed, {len(before) + 1} unchanged" in summary, summary
    assert set(query(db, f"select {columns} from articles order by url")) > set(before)
    ((html, text),) = query(
        db, "select body_html, body_text from articles where post_id = ?", [posts[1]]
    )
    assert "Kolom dua." in text and "Siaran Pers Terbaru" not in text
    assert 'class="is-layout-flex wp-block-columns"' in html and "wp-container" not in html


ATTACHMENT = r"""
$id = wp_insert_attachment(
    ['post_mime_type' => 'image/jpeg', 'post_title' => 'Foto', 'post_status' => 'inherit'],
    '2022/09/foto-kegiatan.jpg'
);
update_post_meta($id, '_wp_attached_file', '2022/09/foto-kegiatan.jpg');
wp_update_attachment_metadata($id, ['width' => 1200, 'height' => 800,
    'file' => '2022/09/foto-kegiatan.jpg', 'sizes' => ['medium' => ['width' => 300,
    'height' => 200, 'file' => 'foto-kegiatan-300x200.jpg', 'mime-type' => 'image/jpeg']]]);
echo $id;
"""
# What regenerating thumbnails does after a theme registers an image size of its own.
NEW_SIZE = r"""
$meta = wp_get_attachment_metadata(%d);
$meta['sizes']['large'] = ['width' => 1024, 'height' => 683,
    'file' => 'foto-kegiatan-1024x683.jpg', 'mime-type' => 'image/jpeg'];
wp_update_attachment_metadata(%d, $meta);
"""


def test_image_renditions_wordpress_adds_as_it_renders_are_not_an_edit(wp_fresh, tmp_path):
    """WordPress gives an image of its media library a ``srcset`` of its renditions and a
    ``sizes`` as it renders the post: a new rendition (thumbnails regenerated for a theme's
    size) made the post an edit, in REST and in HTML mode; neither is what was written."""
    site, db = wp_fresh, tmp_path / "archive.db"
    image = int(site.wp.php(ATTACHMENT))
    post_id, post = next(iter(site.by_id().items()))
    src = f"{site.url}/wp-content/uploads/2022/09/foto-kegiatan.jpg"
    figure = (
        f'<figure class="wp-block-image size-full"><img src="{src}" alt="Foto kegiatan" '
        f'class="wp-image-{image}" width="1200" height="800"/></figure>'
    )
    site.wp.update_post(post_id, content=post["content"] + "\n\n" + figure)
    assert "srcset=" in wordpress.fetch(f"{site.url}/?p={post_id}")[2].decode()
    crawl(site.url, db)
    columns = "url, body_html, version_count"
    before = query(db, f"select {columns} from articles order by url")
    site.wp.php(NEW_SIZE % (image, image))
    for locked in (False, True):
        site.wp.php(f"update_option('ham_test_rest_locked', {int(locked)});")
        summary = crawl(site.url, db, "--full")
        assert f"0 added, 0 changed, {len(before)} unchanged" in summary, summary
    assert query(db, f"select {columns} from articles order by url") == before
    assert (src, "Foto kegiatan") in query(db, "select src, alt from article_images")


def test_a_reparse_reads_rest_posts_without_embedded_terms_as_the_crawl_did():
    """A REST page whose posts came without ``_embedded`` (a site that ignores ``_embed``) is
    read back, not skipped: a reparse rebuilt every row a crawl stored, or lost it."""
    post = {
        "id": 7,
        "type": "post",
        "status": "publish",
        "link": "http://127.0.0.1:8080/2022/09/14/siaran/",
        "date_gmt": "2022-09-14T02:00:00",
        "title": {"rendered": "Siaran"},
        "content": {"rendered": "<p>Jakarta, ham.go.id – Teks siaran pers. (Humas DJHAM)</p>"},
    }
    ids = [{"id": 7}]  # a listing of ids (_fields=id): no post to read
    capture = {"url": "http://127.0.0.1:8080/wp-json/wp/v2/posts", "status": 200}
    capture["content_type"] = "application/json"
    for body, expected in ((json.dumps([post]), [7]), (json.dumps(ids), [])):
        articles = articles_in(capture, body.encode(), "http://127.0.0.1:8080")
        assert [article.post_id for article in articles] == expected


EMPTY_REST = """<?php
// A plugin that filters the REST API's queries: a complete, empty listing (X-WP-Total: 0).
add_filter('rest_post_query', function ($args) {
    $args['post__in'] = array(0);
    return $args;
});
"""


def test_a_rest_api_that_lists_nothing_deletes_nothing_but_what_is_gone(wp_fresh, tmp_path):
    """The listing and the lookup by id of such an API have none of the posts; every page is
    there. An incremental run marked every article deleted; now each post's own URL is asked
    too, and only the post that is gone (trashed: its URL answers the site's 404) is."""
    site, db = wp_fresh, tmp_path / "archive.db"
    crawl(site.url, db)
    (site.wp.content_dir / "mu-plugins" / "empty-rest.php").write_text(EMPTY_REST)
    trashed = next(post_id for post_id, _ in site.published())
    url = site.wp.post_info([trashed])[trashed]["link"]
    site.wp.trash_post(trashed)
    summary = crawl(site.url, db)
    assert "(incremental)" in summary and "· 1 gone ·" in summary, summary
    assert query(db, "select url from articles where deleted_at is not null") == [(url,)]
    live = {u for (u,) in query(db, "select url from articles")}
    absent = json.loads(last_run(db)["coverage"])["absent_from_rest"]  # the run says so
    assert len(absent) == min(50, len(live)) and set(absent) <= live
    crawl(site.url, db, "--full")  # no posts listed: read from the pages, as a locked API's
    assert query(db, "select url from articles where deleted_at is not null") == [(url,)]
    (evidence,) = query(db, "select deletion_evidence from articles where url = ?", [url])[0]
    assert json.loads(evidence)["reasons"][0] == "HTTP 404 with the site's not-found page"
    assert len(json.loads(evidence)["reasons"]) == 3


def test_a_deleted_post_whose_url_wordpress_redirects_to_another_is_found_gone(mariadb, tmp_path):
    """WordPress answers the URL of a deleted post with a redirect to a post of the same day
    whose slug begins with its own (``redirect_guess_404_permalink``): with the REST API's
    word, that is evidence too. The other post keeps its own row."""
    posts = corpus.make_corpus(6)
    with wordpress.start_site(tmp_path / "wp", posts, mariadb=mariadb) as site:
        db = tmp_path / "archive.db"
        trashed = site.ids[2]
        info = site.wp.post_info([trashed])[trashed]
        sibling = {**posts[2], "slug": f"{info['slug']}-lanjutan", "title": "Siaran lanjutan"}
        (sibling_id,) = site.wp.insert_posts([sibling])
        crawl(site.url, db)
        site.wp.trash_post(trashed)
        summary = crawl(site.url, db)
        assert "· 1 gone ·" in summary, summary
        gone = query(
            db, "select post_id, deletion_evidence from articles where deleted_at is not null"
        )
        assert [post_id for post_id, _ in gone] == [trashed]
        reasons = json.loads(gone[0][1])["reasons"]
        assert reasons == [
            f"its URL now leads to another post (id {sibling_id})",
            f"absent from a complete listing of {len(site.published())} posts",
            "not returned when asked for by id",
        ]
        assert query(db, "select deleted_at from articles where post_id = ?", [sibling_id]) == [
            (None,)
        ]


def test_an_edit_right_after_a_run_is_found_though_the_sites_clock_is_behind(mariadb, tmp_path):
    """The site's clock five minutes behind ours (libfaketime under PHP): an edit made just
    after a run listed the site is dated before that run's start by our clock. The watermark
    goes back by the offset the site's Date headers showed, and the next run finds it."""
    posts = corpus.make_corpus(12)
    with wordpress.start_site(tmp_path / "wp", posts, mariadb=mariadb, clock_offset=-300) as site:
        db = tmp_path / "archive.db"
        crawl(site.url, db)
        run = last_run(db)
        assert -302 < run["site_clock_offset"] <= -300
        assert_the_next_run_finds_an_edit(site, db)


@pytest.mark.parametrize(
    "date, age, received, offset",
    [
        (b"Tue, 01 Dec 2026 10:00:00 GMT", None, 1796119200.5, -0.5),  # 10:00:00.5 UTC here
        (b"Tue, 01 Dec 2026 09:55:00 GMT", None, 1796119200.0, -300.0),
        (b"Tue, 01 Dec 2026 09:55:00 GMT", b"300", 1796119200.0, 0.0),  # a cache kept it
        (b"Tue, 01 Dec 2026 10:10:00 GMT", None, 1796119200.0, 600.0),
        (None, None, 1796119200.0, None),
        (b"yesterday", None, 1796119200.0, None),
        (b"Tue, 01 Dec 2026 10:00:00 GMT", b"soon", 1796119200.0, None),
    ],
)
def test_clock_offset_reads_date_and_age(date, age, received, offset):
    assert clock_offset(date, age, received) == offset


@given(
    started=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    offset=st.one_of(st.none(), st.floats(-86400 * 3, 86400 * 3)),
)
def test_the_watermark_is_never_later_than_the_sites_clock_at_the_start(started, offset):
    started_at = started.replace(microsecond=0, tzinfo=SITE_TZ).isoformat()
    mark = datetime.fromisoformat(watermark(started_at, offset))
    start = datetime.fromisoformat(started_at)
    assert mark <= start - timedelta(seconds=1)  # never later than our start
    assert mark <= start + timedelta(seconds=offset or 0) - timedelta(seconds=1)  # nor the site's
    assert mark >= start + timedelta(seconds=min(offset or 0, 0) - 2)  # and no earlier than that


HOSTILE_PATHS = [
    "/../../../../tmp/ham-evil/x/",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/tmp/ham-evil/y/",
    "/..%2f..%2f..%2f..%2ftmp%2fham-evil%2fz.warc.gz",
    "/2022/09/14/a%00b/",
    "/2022/09/14/" + "x" * 3000 + "/",
    "/2022/09/14/~root/.ssh/authorized_keys",
    "/C:%5cWindows%5cham-evil/",
    "/2022/09/14/%F0%9F%98%80-%E2%80%AE-emoji/",
]


class HostileSite(http.server.BaseHTTPRequestHandler):
    """A site whose sitemap lists post URLs made to escape a directory, each served as a post."""

    def do_GET(self):
        if self.path.startswith("/wp-json/"):
            return self.answer(401, "application/json", b'{"code": "rest_not_logged_in"}')
        if self.path == "/":
            home = b'<html><head><meta name="generator" content="WordPress 6.1"></head></html>'
            return self.answer(200, "text/html; charset=utf-8", home)
        if self.path == "/wp-sitemap.xml":
            host = f"http://{self.headers['Host']}"
            locs = "".join(f"<url><loc>{host}{p}</loc></url>" for p in HOSTILE_PATHS)
            body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
            return self.answer(200, "application/xml", body.encode())
        if self.path in [urllib.parse.quote(p, safe="/%:~") for p in HOSTILE_PATHS] + HOSTILE_PATHS:
            number = len(self.path)
            page = (
                '<html><head><meta name="generator" content="WordPress 6.1">'
                f'<link rel="shortlink" href="/?p={number}"></head>'
                f'<body class="single single-post postid-{number}"><article id="post-{number}">'
                f'<h1 class="entry-title">Judul {number}</h1><time class="entry-date published" '
                f'datetime="2022-09-14T09:00:00+07:00"></time><div class="entry-content">'
                f"<p>Jakarta, ham.go.id – Teks {number}. (Humas DJHAM)</p></div></article>"
                "</body></html>"
            )
            return self.answer(200, "text/html; charset=utf-8", page.encode())
        self.answer(404, "text/html", b"<html><body>Not found</body></html>")

    def answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


WARC_NAME = re.compile(r"ham-\d{8}T\d{6}Z-\d+-\d{5}\.warc\.gz")


def test_the_crawler_writes_only_its_db_and_warc_files(tmp_path):
    """Whatever a URL holds, WARC file names come from the run (time, pid, number), never from a
    URL, and nothing is written outside the database's and the WARC directory."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HostileSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    work, data = tmp_path / "cwd", tmp_path / "data"
    work.mkdir()
    data.mkdir()
    evil = Path("/tmp/ham-evil")
    assert not evil.exists()
    try:
        command = [sys.executable, "-m", "scraper.cli", "crawl", "--db", str(data / "a.db")]
        command += ["--site", f"http://127.0.0.1:{server.server_address[1]}"]
        result = subprocess.run(
            command,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in data.iterdir()) in (
        ["a.db", "a.db.lock", "warc"],
        ["a.db", "a.db-shm", "a.db-wal", "a.db.lock", "warc"],
    )
    assert all(WARC_NAME.fullmatch(p.name) for p in (data / "warc").iterdir())
    assert list(work.iterdir()) == [] and not evil.exists()
    saved = query(data / "a.db", "select count(*) from articles")[0][0]
    assert saved >= len(HOSTILE_PATHS) - 2  # what the crawler could fetch is archived
    captured = {row[0] for row in query(data / "a.db", "select url from captures")}
    assert any("%2e%2e" in url or ".." in url for url in captured)


@pytest.mark.parametrize(
    "url", ["http://x" + p for p in HOSTILE_PATHS] + ["http://x/" + "../" * 60]
)
def test_warc_file_names_never_come_from_urls(tmp_path, url):
    from scraper.captures import WarcFiles, read_body

    warc = WarcFiles(tmp_path / "warc")
    capture = warc.write(url, 200, "OK", [(b"Content-Type", b"text/html")], b"<p>x</p>")
    warc.close()
    assert WARC_NAME.fullmatch(capture.warc_file)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [capture.warc_file]
    assert read_body(tmp_path / "warc", capture.warc_file, capture.warc_offset) == b"<p>x</p>"


@pytest.mark.parametrize(
    ("status", "headers", "body", "target"),
    [
        (301, [(b"Location", b"/baru/")], b"", "http://x/baru/"),
        (308, [(b"Location", b"https://y/baru")], b"", "https://y/baru"),
        (302, [], b"", None),  # no Location: nothing was followed
        (200, [], b'<meta http-equiv="refresh" content="0; url=/baru">', "http://x/baru"),
        (200, [], b'<meta http-equiv="refresh" content="300">', None),  # a reload, not a move
        (200, [], b"<noscript><meta http-equiv=refresh content='0;url=/b'></noscript>", None),
        (200, [], b"<title>Siaran pers</title><p>Isi.</p>", None),
    ],
)
def test_a_reparse_reads_redirects_back_as_scrapy_followed_them(
    tmp_path, status, headers, body, target
):
    from scraper.captures import WarcFiles
    from scraper.reparse import redirect_target

    warc = WarcFiles(tmp_path)
    capture = warc.write(
        "http://x/lama", status, "", [(b"Content-Type", b"text/html"), *headers], body
    )
    warc.close()
    row = {**capture.__dict__, "content_type": "text/html"}
    assert redirect_target(row, body, tmp_path) == target
