import html
import random

import faultproxy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from scraper.text import (
    BLOCK_TAGS,
    BOILERPLATE,
    BOILERPLATE_STARTS,
    CLOUDFLARE_EMAIL,
    WIDGET_CLASSES,
    body_html,
    body_text,
    canonical_url,
    clean_body,
    cloudflare_email,
    plain,
    post_author,
    site_time,
    slug_of,
    steady_url,
)

SITE = "https://ham.go.id"


def cleaned(fragment: str):
    element = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return clean_body(element, "https://ham.go.id/2022/09/14/x/")


def test_paragraphs_are_separated_by_one_blank_line():
    body = cleaned(
        "<p>Satu  dua\n tiga.</p>\n\n<p>Empat<br>\nlima.</p><ul><li>a</li><li>b</li></ul>"
    )
    assert body_text(body) == "Satu dua tiga.\n\nEmpat\nlima.\n\na\n\nb"


def test_boilerplate_is_removed_from_text_and_html():
    body = cleaned("<p>Isi (Humas DJHAM)</p><p>Post Author: operator.info2</p><p>Bagikan</p>")
    assert body_text(body) == "Isi (Humas DJHAM)"
    assert "Post Author" not in body_html(body)


def test_captions_are_kept_in_html_but_not_in_text():
    body = cleaned(
        '<figure class="wp-caption"><img src="/a.jpg" alt="x">'
        '<figcaption class="wp-caption-text">Foto bersama</figcaption></figure><p>Teks.</p>'
    )
    assert body_text(body) == "Teks."
    html = body_html(body)
    assert "Foto bersama" in html and 'src="https://ham.go.id/a.jpg"' in html


@pytest.mark.parametrize("name", sorted(WIDGET_CLASSES))
def test_what_plugins_add_to_a_post_is_not_the_post(name):
    """Share buttons, view counts, related posts: dropped from the text and the HTML, whatever
    else the element's class says; what follows the widget stays."""
    body = cleaned(
        f'<p>Isi siaran.</p><div class="x {name} y"><span>Dilihat: 1.234</span>'
        f'<a href="/bagikan">Facebook</a></div> Ekor.<p class="{name}-lain">Tetap.</p>'
    )
    assert body_text(body) == "Isi siaran.\n\nEkor.\n\nTetap."
    assert "1.234" not in body_html(body) and "Tetap." in body_html(body)


@settings(max_examples=200)
@given(address=st.emails(), seed=st.integers(), linked=st.booleans())
def test_an_address_cloudflare_hides_reads_as_the_address(address, seed, linked):
    """Cloudflare's Email Address Obfuscation, with a key drawn per response: the same text
    and HTML as the page without it, whatever the key (it made every fetch an edit)."""
    text = html.escape(address)
    shown = f'<a href="mailto:{text}">{text}</a>' if linked else text
    page = f'<p>Informasi: {shown}, atau <a href="mailto:{text}">surel kami</a>.</p>'
    hidden = faultproxy.hide_emails(page.encode(), random.Random(seed)).decode()
    assert CLOUDFLARE_EMAIL in hidden
    plain_body, hidden_body = cleaned(page), cleaned(hidden)
    assert body_html(hidden_body) == body_html(plain_body)
    assert body_text(hidden_body) == body_text(plain_body)
    assert cloudflare_email("zz") is None and cloudflare_email(CLOUDFLARE_EMAIL) is None


def test_active_content_is_removed():
    body = cleaned(
        '<p onclick="x()">A<script>alert(1)</script></p><style>p{}</style>'
        '<iframe src="https://evil"></iframe><a href="javascript:alert(1)">b</a>'
        '<img src="x.png" onerror="alert(1)"><!-- c -->'
    )
    html = body_html(body)
    for bad in ("script", "onclick", "onerror", "iframe", "style", "javascript:", "<!--"):
        assert bad not in html
    assert body_text(body) == "A\n\nb"


def test_text_after_a_dropped_element_is_kept():
    assert body_text(cleaned("<p>sebelum<script>x</script> sesudah</p>")) == "sebelum sesudah"


def test_plain_decodes_entities_and_tags():
    assert plain("Bisnis &#038; HAM <em>baru</em>\n ") == "Bisnis & HAM baru"
    assert plain(None) == ""


def test_site_time_is_iso_with_jakarta_offset():
    assert site_time("2022-09-14T02:00:00", assume=site_time.__globals__["timezone"].utc) == (
        "2022-09-14T09:00:00+07:00"
    )
    assert site_time("2022-09-14T09:00:00") == "2022-09-14T09:00:00+07:00"
    assert site_time("2022-09-14T09:00:00+07:00") == "2022-09-14T09:00:00+07:00"
    assert site_time("2022-09-14T02:00:00Z") == "2022-09-14T09:00:00+07:00"
    assert site_time("kemarin") is None


def test_every_spelling_of_the_site_is_one_url():
    expected = "https://ham.go.id/2022/09/14/x/"
    for url in (
        "http://ham.go.id/2022/09/14/x/",
        "https://www.ham.go.id/2022/09/14/x/",
        "http://WWW.ham.go.id/2022/09/14/x/#respond",
        "https://ham.go.id:443/2022/09/14/x/",
    ):
        assert canonical_url(url, SITE) == expected
    assert canonical_url("https://portal.ham.go.id/2024/01/41200/", SITE).startswith(
        "https://portal"
    )


def test_slug_and_post_author():
    assert slug_of("https://ham.go.id/2021/03/16/27306/") == "27306"
    assert post_author("Teks\nPost Author: operator.info2\n") == "operator.info2"
    assert post_author("Teks") is None


def test_figure_wrapped_in_a_paragraph_is_unwrapped():
    body = cleaned('<p><figure><img src="a.jpg" loading="lazy"></figure></p><p>Teks</p>')
    assert (
        body_html(body)
        == '<figure><img src="https://ham.go.id/2022/09/14/x/a.jpg"></figure><p>Teks</p>'
    )


def test_what_wordpress_adds_as_it_renders_an_image_is_not_kept():
    """``srcset`` and ``sizes`` (WordPress 4.4; "auto" first since 6.7), ``loading``,
    ``decoding``, ``fetchpriority``: the same image as written, whatever the release."""
    written = '<img src="/f.jpg" alt="Foto" class="wp-image-7" width="1200" height="800">'
    rendered = written.replace(
        "<img ",
        '<img loading="lazy" decoding="async" fetchpriority="high" sizes="auto, (max-width: '
        '1200px) 100vw, 1200px" srcset="/f.jpg 1200w, /f-300x200.jpg 300w" ',
    )
    assert body_html(cleaned(rendered)) == body_html(cleaned(written))
    assert body_html(cleaned(written)) == (
        '<p><img src="https://ham.go.id/f.jpg" alt="Foto" class="wp-image-7" width="1200" '
        'height="800"></p>'
    )


def test_an_image_loaded_lazily_is_the_image():
    """WP Rocket, LiteSpeed Cache, jQuery Lazy Load: the address behind the placeholder."""
    written = '<img src="/f.jpg" alt="Foto" width="640">'
    for lazy in ("data-lazy-src", "data-src", "data-original"):
        rendered = (
            f'<img src="data:image/svg+xml,%3Csvg%3E" alt="Foto" width="640" {lazy}="/f.jpg" '
            f'data-srcset="/f.jpg 640w"><noscript>{written}</noscript>'
        )
        assert body_html(cleaned(rendered)) == body_html(cleaned(written))
    kept = '<img src="/f.jpg" data-src="/besar.jpg">'  # an address already: not a placeholder
    assert 'src="https://ham.go.id/f.jpg"' in body_html(cleaned(kept))


def test_what_changes_at_every_view_is_not_kept():
    """Download Manager's ``refresh`` token, WordPress's nonces and embed secrets: drawn for
    each view, so each fetch of the post differed."""
    pages = [
        f'<p><a href="/download/laporan-2022/?wpdmdl=8752&amp;refresh={token}">Unduh</a> '
        f'<a href="/wp-admin/admin-ajax.php?action=x&amp;_wpnonce={token}">Suka</a></p>'
        f'<blockquote class="wp-embedded-content" data-secret="{token}">Siaran</blockquote>'
        for token in ("67bf14f94fce91740575993", "67bf1a2b3c4d51740577000")
    ]
    first, second = (body_html(cleaned(page)) for page in pages)
    assert first == second
    assert 'href="https://ham.go.id/download/laporan-2022/?wpdmdl=8752"' in first
    assert "action=x" in first and "secret" not in first


@given(st.lists(st.sampled_from(["a=1", "p=2", "refresh=3", "page_id=4", "s=x%26y"]), max_size=4))
def test_an_address_keeps_every_parameter_not_drawn_for_one_view(params):
    url = "https://ham.go.id/?" + "&".join(params) if params else "https://ham.go.id/"
    assert steady_url(url) == url  # no wpdmdl, no nonce: nothing taken
    assert steady_url(url + ("&" if params else "?") + "_wpnonce=ab12") == url


PIECES = ["kata", " ", "\n", "<b>tebal</b>", "<br>", '<a href="/d">Unduh</a>', "<p>alinea</p>"]
PIECES += ["<figure><img src='/f.jpg'></figure>", "<ul><li>butir</li></ul>", "<img src='/g.jpg'>"]


@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_loose_text_becomes_paragraphs_the_same_text(pieces):
    """Text and inline elements directly in the body are put in paragraphs, as wpautop does in
    one context and not in another: the text is the same as without, and a body in which they
    are already paragraphs reads the same."""
    fragment = "".join(pieces)
    wrapped = cleaned(fragment)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("scraper.text._wrap_loose", lambda root: None)
        bare = cleaned(fragment)
    assert body_text(wrapped) == body_text(bare)
    again = cleaned(body_html(wrapped))
    assert body_html(again) == body_html(wrapped)
    assert all(child.tag in BLOCK_TAGS for child in wrapped)


def test_a_bare_link_and_its_paragraph_are_one_body():
    """A REST listing's ``<p><a>...</a></p>``, the page's bare ``<a>...</a>``."""
    listing = '<p>Isi.</p>\n<p><a href="/unduh">Unduh laporan</a></p>\n'
    page = '<p>Isi.</p>\n<a href="/unduh">Unduh laporan</a>\n\t'
    assert body_html(cleaned(page)) == body_html(cleaned(listing))


def test_the_numbers_wordpress_gives_a_request_s_blocks_are_not_kept():
    """``wp-container-N`` (5.9-6.2), ``wp-container-core-group-is-layout-N`` (6.3), duotone and
    elements classes, ``wp-block-gallery-N``, ``id="gallery-N"``: numbered per request."""
    numbered = [
        f'<div class="is-layout-flex wp-container-{n} wp-block-columns"><p>a</p></div>'
        f'<div class="wp-container-core-group-is-layout-{n} wp-elements-{n}"><p>b</p></div>'
        f'<figure class="wp-block-gallery-{n} wp-block-gallery"><p>c</p></figure>'
        f'<div id="gallery-{n}" class="gallery galleryid-9"><p>d</p></div>'
        '<h2 id="bagian-2">Bagian</h2>'
        for n in (3, 7)
    ]
    first, second = (body_html(cleaned(page)) for page in numbered)
    assert first == second
    assert first == (
        '<div class="is-layout-flex wp-block-columns"><p>a</p></div><div><p>b</p></div>'
        '<figure class="wp-block-gallery"><p>c</p></figure><div class="gallery galleryid-9">'
        '<p>d</p></div><h2 id="bagian-2">Bagian</h2>'
    )


def test_retry_after_header():
    from scraper.middlewares import retry_after_seconds

    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(b"Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_retry_waits_and_retries():
    import asyncio

    from scrapy import Spider
    from scrapy.http import Request, Response
    from scrapy.utils.test import get_crawler

    from scraper.middlewares import BackoffRetryMiddleware

    settings = {"RETRY_BACKOFF_BASE": 0.01, "RETRY_BACKOFF_MAX": 1, "RETRY_TIMES": 1}
    crawler = get_crawler(Spider, settings)
    crawler.spider = crawler._create_spider("test")
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1/x")
    busy = Response(request.url, status=503, headers={"Retry-After": "0"}, request=request)
    retry = asyncio.run(middleware.process_response(request, busy))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert asyncio.run(middleware.process_response(retry, busy)) is busy  # gave up
    fine = Response(request.url, status=200, request=request)
    assert asyncio.run(middleware.process_response(request, fine)) is fine


def test_boilerplate_starts_cover_every_boilerplate_form():
    """clean_body reads a block's whole text only when its first four letters may open one."""
    forms = (
        "Post Author: operator.info2", "Leave a Reply", "Leave a comment", "Bagikan",
        "Bagikan ini:", "Share", "Share this:", "Skip to content", "Tinggalkan Balasan",
        "Like this:", "Suka ini:", "Related", "Terkait",
    )  # fmt: skip
    for form in forms:
        assert BOILERPLATE.match(form) and form[:4].lower() in BOILERPLATE_STARTS, form
        assert (
            body_text(cleaned(f"<p>Teks.</p><div>{form}</div><p>Akhir.</p>")) == "Teks.\n\nAkhir."
        )
