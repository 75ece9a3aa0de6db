"""The generic page object and the site-level policies, on small pages written for each case."""

import pytest

from scraper.pages import NotAnArticle
from scraper.pages.generic import GenericArticlePage, strip_site_name
from scraper.pages.listing import ListingPage
from scraper.pages.site import (
    detect_cms,
    feed_urls,
    page_object,
    read_article,
    site_after_redirects,
)
from scraper.text import written_date

SITE = "http://127.0.0.1:8080"
TEXT = " ".join(["Direktorat Jenderal HAM menyelenggarakan bimbingan teknis di Jakarta."] * 4)


@pytest.mark.parametrize(
    "written, iso",
    [
        ("Rabu, 14 September 2022 | 09:00 WIB", "2022-09-14T09:00:00+07:00"),
        ("14 Sep 2022", "2022-09-14T00:00:00+07:00"),
        ("Kamis, 5 Desember 2022 - 10:30 WITA", "2022-12-05T09:30:00+07:00"),
        ("Senin, 3 Januari 2022 pukul 08.15 WIT", "2022-01-03T06:15:00+07:00"),
        ("Diposting 1 Agt 2020", "2020-08-01T00:00:00+07:00"),
        ("14/09/2022 09:00", "2022-09-14T09:00:00+07:00"),
        ("Mei 3, 2020", "2020-05-03T00:00:00+07:00"),
        ("Dilihat 123 kali", None),
        ("", None),
    ],
)
def test_written_dates(written, iso):
    assert written_date(written) == iso


def test_site_name_stripped_from_titles():
    names = {"Kementerian HAM"}
    assert strip_site_name("Bimtek KKP HAM | Kementerian HAM", names) == "Bimtek KKP HAM"
    assert strip_site_name("Kementerian HAM - Bimtek KKP HAM", names) == "Bimtek KKP HAM"
    assert strip_site_name("Bimtek - Hari Kedua", names) == "Bimtek - Hari Kedua"


def article_page(head: str = "", before: str = "", inside: str = "", after: str = "") -> bytes:
    return f"""<html><head><title>Judul Berita | Kementerian HAM</title>{head}</head><body>
<div class="top"><span class="date">Selasa, 1 Desember 2026</span></div>
<nav class="menu"><a href="/">Beranda</a><a href="/berita">Berita</a></nav>
<div class="wrap"><ol class="breadcrumb"><li>Beranda</li><li>Berita</li></ol>
<h1>Judul Berita</h1>{before}<div class="content"><p>{TEXT}</p>{inside}<p>Penutup. (Humas)</p></div>
{after}</div><footer><p>Hak cipta 2026</p></footer></body></html>""".encode()


def test_dom_page_title_date_body_and_no_furniture():
    page = article_page(
        before='<div class="meta"><span class="tanggal">Rabu, 14 September 2022 | 09:00 WIB</span>'
        '<span class="views">Dilihat 50 kali</span></div>',
        inside="<p><strong>Baca juga:</strong> <a href='/b/2'>Lain</a></p><p>Dibaca: 1.234 kali</p>"
        '<div class="share-buttons">Bagikan: Facebook</div>',
        after='<div class="berita-terkait"><h3>Berita Terkait</h3><a href="/b/3">Tiga</a>'
        '<span class="date">Senin, 12 September 2022</span></div>',
    )
    article = GenericArticlePage(f"{SITE}/berita/1/judul", page, SITE).to_article()
    assert article.title == "Judul Berita"
    assert article.published_at == "2022-09-14T09:00:00+07:00"
    assert article.body_text == f"{TEXT}\n\nPenutup. (Humas)"
    assert article.extractor == "generic-dom"


def test_structured_data_first():
    ld = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "name": "Kementerian HAM"},
      {"@type": ["NewsArticle"], "headline": "Judul dari JSON-LD",
       "datePublished": "2022-09-14T02:00:00Z", "author": [{"@type": "Person", "name": "Humas"}],
       "keywords": "HAM, Bimtek", "articleSection": "Berita"}]}</script>"""
    article = GenericArticlePage(f"{SITE}/x", article_page(head=ld), SITE).to_article()
    assert (article.title, article.published_at) == (
        "Judul dari JSON-LD",
        "2022-09-14T09:00:00+07:00",
    )
    assert (article.author, article.tags, article.categories) == (
        "Humas",
        ["HAM", "Bimtek"],
        ["Berita"],
    )
    assert article.extractor == "generic-structured"


def test_microdata_and_opengraph():
    page = f"""<html><head><meta property="og:title" content="Judul OG | Kementerian HAM">
<meta property="og:site_name" content="Kementerian HAM"></head><body>
<div itemscope itemtype="https://schema.org/NewsArticle"><h1 itemprop="headline">Judul OG</h1>
<meta itemprop="datePublished" content="2021-03-16T10:00:00+07:00">
<div itemprop="articleBody"><p>{TEXT}</p></div></div></body></html>"""
    article = GenericArticlePage(f"{SITE}/y", page, SITE).to_article()
    assert (article.title, article.published_at) == ("Judul OG", "2021-03-16T10:00:00+07:00")
    assert article.body_text == TEXT


def test_a_listing_is_not_an_article():
    cards = "".join(
        f'<div class="item"><h3><a href="/b/{i}">Berita {i}</a></h3>'
        f'<span class="tanggal">{i} Mei 2022</span><p>{TEXT[:80]}</p></div>'
        for i in range(1, 8)
    )
    page = f"<html><body><main><h1>Berita</h1><div class='list'>{cards}</div></main></body></html>"
    with pytest.raises(NotAnArticle, match="listing"):
        GenericArticlePage(f"{SITE}/berita", page, SITE).to_article()


def test_a_page_without_a_date_is_not_an_article():
    page = f"<html><body><h1>Profil</h1><div><p>{TEXT}</p></div></body></html>"
    with pytest.raises(NotAnArticle, match="no publication date"):
        GenericArticlePage(f"{SITE}/profil", page, SITE).to_article()


def test_broken_json_ld_falls_back_to_the_dom():
    page = article_page(
        head='<script type="application/ld+json">{"@type": "NewsArticle", </script>',
        before='<p class="post-date">14 Sep 2022</p>',
    )
    assert (
        GenericArticlePage(f"{SITE}/z", page, SITE)
        .to_article()
        .published_at.startswith("2022-09-14")
    )


def test_which_page_object():
    wordpress = b'<html><head><link rel="stylesheet" href="/wp-content/themes/x.css"></head>'
    assert page_object(wordpress).__name__ == "ArticlePage"
    assert page_object(b"<html><body><h1>x</h1></body></html>") is GenericArticlePage
    headless = article_page(
        head='<img src="/wp-content/uploads/a.jpg">',
        before="<time datetime='2022-09-14T09:00:00+07:00'>x</time>",
    )
    assert read_article(f"{SITE}/h", headless, SITE).extractor == "generic-dom"


def test_site_moves():
    assert (
        site_after_redirects("https://ham.go.id", "https://kemenham.go.id/beranda")
        == "https://kemenham.go.id"
    )
    assert site_after_redirects("http://ham.go.id", "https://ham.go.id/") == "https://ham.go.id"
    assert (
        site_after_redirects("http://127.0.0.1:8/ham", "http://127.0.0.1:8/ham/")
        == "http://127.0.0.1:8/ham"
    )


def test_cms_and_feeds():
    rss = b'<link rel="alternate" type="application/rss+xml" href='
    wp = b'<html><head><meta name="generator" content="WordPress 6.1.1">'
    wp += rss + b'"/feed/">' + rss + b'"/comments/feed/"></head></html>'
    assert detect_cms(wp) == "WordPress 6.1.1"
    assert feed_urls(f"{SITE}/", wp) == [f"{SITE}/feed/"]
    assert detect_cms(
        b'<meta name="generator" content="Drupal 10 (https://www.drupal.org)">'
    ).startswith("Drupal 10")
    assert detect_cms(b"<html></html>", {"x-powered-by": "PHP/8.1"}) == "unknown (PHP/8.1)"
    assert detect_cms(b"<html></html>") is None


@pytest.mark.parametrize(
    "url, links, expected",
    [
        (
            "/berita",
            '<a href="/berita?page=1">1</a><a href="/berita?page=2">2</a>',
            "/berita?page=2",
        ),
        (
            "/berita?page=2",
            '<a href="/berita?page=2">2</a><a href="/berita?page=3">3</a>',
            "/berita?page=3",
        ),
        ("/news/page/4/", '<a href="/news/page/5/">5</a>', "/news/page/5/"),
        ("/x", '<a href="/x?hal=9">Selanjutnya</a>', "/x?hal=9"),
        ("/x", '<link rel="next" href="/x/2">', "/x/2"),
        ("/x", '<a href="https://elsewhere.example/x?page=2">2</a>', None),
    ],
)
def test_pagination(url, links, expected):
    page = ListingPage(SITE + url, f"<html><head></head><body>{links}</body></html>".encode(), SITE)
    assert page.next_page == (SITE + expected if expected else None)


def test_crawl_links_stay_on_the_site_and_skip_files():
    body = b"""<a href="/berita">B</a><a href="https://elsewhere.example/">E</a>
    <a href="/f.pdf">F</a><a href="mailto:a@b">M</a><a href="/cari?q=ham">S</a>
    <a href="/berita#top">B2</a>"""
    assert ListingPage(f"{SITE}/", body, SITE).links == [f"{SITE}/berita"]


def test_common_date_forms_read_as_dateparser_reads_them():
    """The forms read without dateparser give what dateparser gives, for every month name."""
    from scraper.text import _MONTH_NUMBERS, _common_form, _dateparser

    reference = _dateparser()
    forms = [f"{day} {name} 2022" for name in _MONTH_NUMBERS for day in ("3", "14")]
    forms += [f"{name.capitalize()}. 28, 2021 09:05" for name in _MONTH_NUMBERS]
    forms += [f"14 {name.upper()}, 2020 - 23:59:58" for name in _MONTH_NUMBERS]
    forms += ["14/09/2022", "1-2-2022 7:05", "14.09.2022 09:00:01", "29 Feb 2024"]
    for value in forms:  # read here, and as dateparser reads them
        assert _common_form(value) == reference.get_date_data(value).date_obj, value
    left = ["09/14/2022", "31 Februari 2022", "29 Feb 2023", "1 Sep 2022 25:00", "1 Agst 2022"]
    for value in left:
        assert _common_form(value) is None, value  # left to dateparser
