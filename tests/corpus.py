"""Deterministic press releases in the style of ham.go.id, with ground truth.

``make_corpus(n, seed=0)`` returns ``n`` published posts (post_type "post", the real seed article
among them when n >= 1) followed by the constant extras: 3 drafts, 1 private post and 2 pages.
Every dict is ready for ``tests.wordpress.WordPress.insert_posts`` and carries its ground truth:

``key``               stable name inside the corpus ("seed", "p0007", "draft1", "page-profil", ...)
``title``             as stored (and as a perfect extractor returns it: ``&`` and curly quotes
                      literal, no entities); "" for the posts whose slug becomes the post id
                      (Twenty Twenty-One then shows "Untitled", in HTML and REST alike)
``content``           as an editor stores it, in one of three styles (``style`` key):
                      "plain" (text with blank lines; wpautop makes the paragraphs and turns a
                      single newline into ``<br />``), "html" (classic editor ``<p>`` markup, some
                      with ``&#8220;``-style entities) or "blocks" (Gutenberg comment-delimited
                      blocks, where wpautop does not run)
``date``              "YYYY-MM-DD HH:MM:SS" local Asia/Jakarta time, 2015-2023, unique
``status``            publish / draft / private; ``post_type`` post / page
``categories``, ``tags``  names (created by the loader)
``author``, ``author_name``  login and display name
``slug``              passed to WordPress only when the corpus forces it (the seed article, posts
                      whose title was corrected after publication so the slug keeps the typo),
                      else None and WordPress derives it from the title
``expected_slug``     what WordPress stores; None when ``expected_slug_is_id`` (empty title: the
                      slug is the numeric post id)
``expected_text``     the article's own text: paragraphs joined by exactly one blank line, a
                      ``<br>`` inside a paragraph is a single "\\n", entities decoded, curly quotes
                      kept, no ``Post Author:`` line; **captions are not body text** (neither
                      ``[caption]`` text nor block-image ``<figcaption>``), image alt texts neither;
                      link texts (the PDF link) are
``expected_dateline`` the dateline as written, without its dash (``"Medan, 8 Mei 2017"``), None when
                      the text has none; ``expected_dateline_city`` the place as written
                      (``"SERANG"``, ``"Banda Aceh"``, ``"Banten"``)
``expected_event_date``  {"text": as written, "date": ISO start, "end": ISO end or None,
                      "weekday": weekday as written or None, "weekday_correct": bool or None,
                      "year_written": bool}, or None
``expected_credit``   text inside the final credit bracket (``"Humas DJHAM"``, ``"sa"``) or None;
                      ``expected_credit_style`` "glued" / "own_paragraph" / "own_line" (after a
                      ``<br>``) / "trailing_period" / None; ``expected_source`` the
                      ``Disadur dari ...`` line or None
``features``          list of tags for picking cases: seed, caption_image, block_image, pdf,
                      caps_title, long_title, amp_title, quote_title, id_slug, typo_title,
                      slug_typo, post_author_boilerplate, entities, br_in_paragraph,
                      position_name, name_position, year_boundary, wrong_weekday
``uploads``           files (paths under wp-content/uploads) the content links to;
                      ``WordPress.insert_posts`` creates them (a small valid PDF for ``.pdf``)

Texts avoid what ``wptexturize`` would rewrite (straight quotes, `` - ``, ``--``, ``...``,
``2x3``) so that the rendered text equals ``expected_text``; the harness tests check this against
the REST ``content.rendered`` of every post.

Every text convention listed in shared/SITE.md is covered once ``n >= 40`` (the convention lists
are cycled with co-prime strides, and the special posts come first).
"""

from __future__ import annotations

import datetime as dt
import html
import random
import re
from pathlib import Path

# The user's seed article, in the shared/ folder beside the repository (CI lays a copy there).
_SEEDS = [Path(__file__).resolve().parents[2] / "shared", Path("/work/shared")]
SEED_ARTICLE = next((d for d in _SEEDS if (d / "seed-article.txt").exists()), _SEEDS[0])
SEED_ARTICLE /= "seed-article.txt"
SEED_SLUG = "bekerja-sama-dengan-rwi-ditjen-ham-gelar-bimtek-kkp-ham-di-kalimantan-selatan"
SEED_DATE = "2022-09-14 09:00:00"

WEEKDAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]  # date.weekday()
MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]

AUTHORS = [
    ("operator.info2", "Operator Info 2"),
    ("operator.ks1", "Operator KS 1"),
    ("humas.djham", "Humas Ditjen HAM"),
    ("redaksi", "Redaksi ham.go.id"),
]
CATEGORIES = [
    "Berita",
    "Berita Utama",
    "Kegiatan",
    "Siaran Pers",
    "Diseminasi HAM",
    "Kerja Sama HAM",
    "Bisnis & HAM",
    "Pelayanan Komunikasi Masyarakat",
]
TAGS = [
    "HAM",
    "KKPHAM",
    "RANHAM",
    "Aksi HAM",
    "Bimtek",
    "Sosialisasi",
    "P5HAM",
    "Kabupaten/Kota Peduli HAM",
    "Pelayanan Publik Berbasis HAM",
    "Bisnis dan HAM",
    "Yankomas",
    "Diseminasi",
]
CITIES = [
    "Jakarta",
    "Banjarmasin",
    "Medan",
    "Surabaya",
    "Bandung",
    "Semarang",
    "Yogyakarta",
    "Makassar",
    "Padang",
    "Pontianak",
    "Denpasar",
    "Kupang",
    "Jayapura",
    "Ambon",
    "Manado",
    "Palembang",
    "Mataram",
    "Banda Aceh",
    "Bandar Lampung",
    "Serang",
]
PROVINCES = ["Banten", "Jawa Barat", "Sulawesi Selatan", "Kalimantan Timur", "Papua", "Bali"]
VENUES = [
    "Hotel Galaxy",
    "Aula Kantor Wilayah Kemenkumham",
    "Gedung Ditjen HAM",
    "Hotel Grand Mercure",
    "Ruang Rapat Lantai 7",
    "Hotel Santika",
    "Balai Kota",
    "Kantor Gubernur",
]
EVENTS = [
    ("bimbingan teknis", "Bimtek", "Kabupaten/Kota Peduli HAM (KKPHAM)"),
    ("sosialisasi", "Sosialisasi", "Pelayanan Publik Berbasis HAM (P2HAM)"),
    ("rapat koordinasi", "Rakor", "Aksi Hak Asasi Manusia (Aksi HAM)"),
    ("diseminasi", "Diseminasi", "Prinsip Bisnis dan HAM"),
    ("focus group discussion", "FGD", "Penanganan Dugaan Pelanggaran HAM"),
    ("pelatihan", "Pelatihan", "Penilaian Mandiri Risiko Bisnis dan HAM (PRISMA)"),
    ("seminar nasional", "Seminar", "Hak atas Pendidikan bagi Penyandang Disabilitas"),
    ("workshop", "Workshop", "Penyusunan Laporan RANHAM"),
    ("dialog interaktif", "Dialog", "Perlindungan Hak Pekerja Migran"),
    ("evaluasi", "Evaluasi", "Pelaksanaan Program P5HAM"),
]
OFFICIALS = [
    ("Direktur Jenderal HAM", "Mualimin Abdi"),
    ("Sekretaris Direktorat Jenderal HAM", "Bambang Iriana Djajaatmadja"),
    ("Direktur Kerja Sama HAM", "Hajerati"),
    ("Direktur Diseminasi dan Penguatan HAM", "Dulyono"),
    ("Direktur Instrumen HAM", "Timbul Sinaga"),
    ("Direktur Pelayanan Komunikasi Masyarakat", "Sofia Alatas"),
    ("Kepala Kantor Wilayah Kemenkumham Jawa Timur", "Zaeroji"),
    ("Kepala Bidang HAM Kanwil Kemenkumham Banten", "Ronald Lumbuun"),
    ("Program Officer RWI", "Windi Arini"),
    ("Koordinator Kerja Sama Dalam Negeri", "Widayati"),
]
TOPIC_SENTENCES = [
    "Kegiatan ini diharapkan dapat meningkatkan pemahaman aparatur pemerintah daerah mengenai "
    "kewajiban negara dalam penghormatan, pelindungan, dan pemenuhan HAM.",
    "Para peserta berasal dari unsur pemerintah daerah, organisasi masyarakat sipil, akademisi, "
    "serta perwakilan dunia usaha.",
    "Menurutnya, pelayanan publik yang baik harus memperhatikan kebutuhan kelompok rentan seperti "
    "anak, perempuan, lansia, dan penyandang disabilitas.",
    "Sejumlah pertanyaan substansi dan teknis disampaikan oleh para peserta dalam sesi diskusi.",
    "Pemerintah daerah diminta segera melengkapi data dukung pada aplikasi penilaian sebelum batas "
    "waktu yang ditentukan.",
    "Hasil kegiatan ini akan menjadi bahan penyusunan rekomendasi kebijakan bagi kementerian dan "
    "lembaga terkait.",
    "Ia menambahkan, sinergi antara pemerintah pusat dan pemerintah daerah menjadi kunci "
    "keberhasilan pelaksanaan Aksi HAM.",
    "Acara ditutup dengan penandatanganan komitmen bersama oleh seluruh peserta yang hadir.",
    "Selain itu, peserta juga diajak melakukan simulasi pengisian instrumen penilaian secara "
    "langsung.",
    "Tercatat lebih dari 150 peserta mengikuti kegiatan tersebut secara luring maupun daring.",
    "Pelaporan dugaan pelanggaran HAM dapat disampaikan melalui layanan komunikasi masyarakat "
    "yang dikelola Direktorat Jenderal HAM.",
    "Dalam kesempatan itu, narasumber juga memaparkan capaian pelaksanaan Rencana Aksi Nasional "
    "HAM di tingkat provinsi.",
    "Kemitraan dengan dunia usaha dinilai penting untuk memastikan penghormatan HAM dalam rantai "
    "pasok.",
    "Peserta tampak antusias mengikuti seluruh rangkaian acara hingga selesai.",
]
QUOTES = [
    "Penghormatan terhadap HAM bukan hanya tugas pemerintah, tetapi tanggung jawab kita bersama",
    "Kami berharap kegiatan ini tidak berhenti pada seremoni, namun ditindaklanjuti dengan aksi "
    "nyata di daerah",
    "Pelayanan publik yang berbasis HAM adalah wujud kehadiran negara bagi masyarakat",
    "Data yang akurat akan memudahkan kita menyusun kebijakan yang tepat sasaran",
    "Dunia usaha harus memastikan tidak ada pelanggaran HAM dalam kegiatan bisnisnya",
]
SAY = ["ujar", "kata", "jelas", "tegas", "terang", "ungkap"]
TYPOS = [
    ("Sosialisasi", "Sosialiasi"),
    ("Koordinasi", "Koordiansi"),
    ("Pelayanan", "Pelayanaan"),
    ("Kabupaten", "Kabuapten"),
    ("Diseminasi", "Desiminasi"),
]
CREDITS_RECENT = ["Humas DJHAM", "HumasDJHAM"]
CREDITS_OLD = ["Humas Ditjen HAM"]
CREDITS_OTHER = [
    "sa",
    "rd",
    "Bidang HAM Kanwil Kemenkumham Jatim",
    "Bidang HAM Kanwil Kemenkumham Banten",
]
SOURCES = ["Kompas.com", "Antara", "Media Indonesia", "Tribun Banjarmasin"]

# Convention lists, cycled with different strides so that combinations vary.
DATELINE_FORMS = [
    "site",  # City, ham.go.id –
    "site",
    "bare",  # Jakarta –
    "typo",  # City, ham.go id –
    "full_date",  # Medan, 8 Mei 2017 –
    "no_dash",  # City, ham.go.id Text...
    "upper",  # SERANG, ham.go.id –
    "two_word",  # Banda Aceh, ham.go.id –
    "province",  # Banten, ham.go.id –
    "portal",  # Jakarta, portal.ham.go.id –
    "none",  # no dateline
]
EVENT_FORMS = [
    "plain",  # Selasa (13/9)
    "comma",  # Senin, (18/1)
    "period",  # Senin. (18/1)
    "pagi",  # Selasa pagi (13/9)
    "siang_after",  # Selasa (13/9) siang
    "zero",  # Jumat (03/10)
    "year",  # Kamis (7/10/2021)
    "range",  # (3-5/6)
    "range_zero",  # (26-28/08)
    "no_weekday",  # (13/9)
    "long",  # Kamis, 22 Juli 2021
    "long_nospace",  # Rabu,16 September 2020
    "lower",  # selasa (13/9)
    "none",
]
CREDIT_FORMS = ["glued", "glued", "own_paragraph", "own_line", "trailing_period", "source", "none"]
STYLES = ["plain", "html", "blocks"]


def _fmt_d(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def wp_slug(title: str) -> str:
    """What WordPress's sanitize_title() makes of the (ASCII-ish) titles this corpus uses."""
    t = html.unescape(title)
    for ch in "\u00a0\u2013\u2014":
        t = t.replace(ch, "-")
    for ch in "\u201c\u201d\u2018\u2019\u201e\u2026":
        t = t.replace(ch, "")
    t = t.lower().replace(".", "-").replace("/", "-")
    t = re.sub(r"[^a-z0-9 _-]", "", t)
    t = re.sub(r"\s+", "-", t)
    t = re.sub(r"-+", "-", t)
    return t.strip("-")


def _event_date(rng: random.Random, pub: dt.date, i: int) -> dt.date:
    r = rng.random()
    if r < 0.45:
        off = 0
    elif r < 0.80:
        off = -1
    elif r < 0.90:
        off = -rng.randint(2, 4)
    elif r < 0.95:
        off = rng.randint(1, 3)
    else:
        off = rng.choice([-10, -8, -6, 5, 7, 10])
    return pub + dt.timedelta(days=off)


def _event_expr(form: str, ev: dt.date, rng: random.Random, wrong_weekday: bool):
    """(phrase to put in the text, ground-truth dict) for one event-date convention."""
    wd_idx = ev.weekday()
    if wrong_weekday:
        wd_idx = (wd_idx + rng.choice([1, 6])) % 7
    wd = WEEKDAYS[wd_idx]
    truth = {
        "text": None,
        "date": ev.isoformat(),
        "end": None,
        "weekday": wd,
        "weekday_correct": not wrong_weekday,
        "year_written": False,
    }
    dm = f"({ev.day}/{ev.month})"
    if form == "plain":
        text = f"{wd} {dm}"
        phrase = f"pada {text}"
    elif form == "comma":
        text = f"{wd}, {dm}"
        phrase = text
    elif form == "period":
        text = f"{wd}. {dm}"
        phrase = text
    elif form == "pagi":
        text = f"{wd} pagi {dm}"
        phrase = f"pada {text}"
    elif form == "siang_after":
        word = rng.choice(["siang", "sore"])
        text = f"{wd} {dm} {word}"
        phrase = f"pada {text}"
    elif form == "zero":
        text = f"{wd} ({ev.day:02d}/{ev.month:02d})"
        phrase = text
    elif form == "year":
        text = f"{wd} ({ev.day}/{ev.month}/{ev.year})"
        phrase = f"pada {text}"
        truth["year_written"] = True
    elif form in ("range", "range_zero"):
        end = ev + dt.timedelta(days=2)
        if end.month != ev.month:
            ev = ev - dt.timedelta(days=3)
            end = ev + dt.timedelta(days=2)
            truth["date"] = ev.isoformat()
        truth["end"] = end.isoformat()
        truth["weekday"] = None
        truth["weekday_correct"] = None
        if form == "range":
            text = f"({ev.day}-{end.day}/{ev.month})"
        else:
            text = f"({ev.day:02d}-{end.day:02d}/{ev.month:02d})"
        phrase = f"selama tiga hari {text}"
    elif form == "no_weekday":
        text = dm
        truth["weekday"] = None
        truth["weekday_correct"] = None
        phrase = text
    elif form == "long":
        text = f"{wd}, {_fmt_d(ev)}"
        phrase = f"pada {text}"
        truth["year_written"] = True
    elif form == "long_nospace":
        text = f"{wd},{_fmt_d(ev)}"
        phrase = f"pada {text}"
        truth["year_written"] = True
    elif form == "lower":
        text = f"{wd.lower()} {dm}"
        truth["weekday"] = wd.lower()
        phrase = f"pada {text}"
    else:
        return "", None
    truth["text"] = text
    return phrase, truth


def _dateline(form: str, rng: random.Random, pub: dt.date):
    """(prefix text, dateline without dash, city as written)."""
    city = rng.choice(CITIES[:17])
    if form == "site":
        return f"{city}, ham.go.id \u2013 ", f"{city}, ham.go.id", city
    if form == "bare":
        return "Jakarta \u2013 ", "Jakarta", "Jakarta"
    if form == "typo":
        return f"{city}, ham.go id \u2013 ", f"{city}, ham.go id", city
    if form == "full_date":
        city = rng.choice(["Medan", "Jakarta", "Makassar"])
        return f"{city}, {_fmt_d(pub)} \u2013 ", f"{city}, {_fmt_d(pub)}", city
    if form == "no_dash":
        return f"{city}, ham.go.id ", f"{city}, ham.go.id", city
    if form == "upper":
        city = rng.choice(["SERANG", "JAKARTA", "SURABAYA"])
        return f"{city}, ham.go.id \u2013 ", f"{city}, ham.go.id", city
    if form == "two_word":
        city = rng.choice(["Banda Aceh", "Bandar Lampung"])
        return f"{city}, ham.go.id \u2013 ", f"{city}, ham.go.id", city
    if form == "province":
        city = rng.choice(PROVINCES)
        return f"{city}, ham.go.id \u2013 ", f"{city}, ham.go.id", city
    if form == "portal":
        return "Jakarta, portal.ham.go.id \u2013 ", "Jakarta, portal.ham.go.id", "Jakarta"
    return "", None, None


# ---------------------------------------------------------------- rendering of the content
def _esc(text: str, entities: bool = False) -> str:
    s = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if entities:
        s = (
            s.replace("\u201c", "&#8220;")
            .replace("\u201d", "&#8221;")
            .replace("\u2019", "&#8217;")
            .replace("\u2013", "&#8211;")
        )
    return s


def _render(blocks: list[dict], style: str, entities: bool) -> str:
    """blocks: {"kind": "p", "lines": [html-ready lines]} | {"kind": "caption"|"image", ...} |
    {"kind": "raw", "html": ...}."""
    out = []
    for b in blocks:
        if b["kind"] == "p":
            lines = b["lines"]
            if style == "plain":
                out.append("\n".join(lines))
            elif style == "html":
                out.append("<p>" + "<br />\n".join(lines) + "</p>")
            else:
                out.append(
                    "<!-- wp:paragraph -->\n<p>"
                    + "<br>".join(lines)
                    + "</p>\n<!-- /wp:paragraph -->"
                )
        elif b["kind"] == "caption":
            n, src, cap = b["id"], b["src"], _esc(b["caption"], entities)
            out.append(
                f'[caption id="attachment_{n}" align="aligncenter" width="640"]'
                f'<img class="size-full wp-image-{n}" src="{src}" alt="" width="640" '
                f'height="427" /> {cap}[/caption]'
            )
        elif b["kind"] == "image":
            n, src, cap = b["id"], b["src"], _esc(b["caption"], entities)
            out.append(
                f'<!-- wp:image {{"id":{n},"sizeSlug":"large","linkDestination":"none"}} -->\n'
                f'<figure class="wp-block-image size-large"><img src="{src}" alt="{cap}" '
                f'class="wp-image-{n}"/><figcaption class="wp-element-caption">{cap}'
                "</figcaption></figure>\n<!-- /wp:image -->"
            )
        else:
            out.append(b["html"])
    return "\n\n".join(out)


def _p(*lines: str, entities: bool = False, raw: bool = False) -> dict:
    return {"kind": "p", "lines": [ln if raw else _esc(ln, entities) for ln in lines]}


def _seed_post() -> dict:
    raw = SEED_ARTICLE.read_text(encoding="utf-8")
    title, _, body = raw.partition("\n")
    body = body.strip("\n")
    paras = [p for p in body.split("\n\n")]
    text_paras = [p for p in paras if not p.startswith("Post Author:")]
    return {
        "key": "seed",
        "title": title.strip(),
        "content": body,
        "style": "plain",
        "date": SEED_DATE,
        "status": "publish",
        "post_type": "post",
        "categories": ["Berita", "Kerja Sama HAM"],
        "tags": ["KKPHAM", "RWI", "Bimtek"],
        "author": "operator.info2",
        "author_name": "Operator Info 2",
        "slug": SEED_SLUG,
        "expected_slug": SEED_SLUG,
        "expected_slug_is_id": False,
        "expected_text": "\n\n".join(text_paras),
        "expected_dateline": "Banjarmasin, ham.go.id",
        "expected_dateline_city": "Banjarmasin",
        "expected_event_date": {
            "text": "Selasa (13/9)",
            "date": "2022-09-13",
            "end": None,
            "weekday": "Selasa",
            "weekday_correct": True,
            "year_written": False,
        },
        "expected_credit": "Humas DJHAM",
        "expected_credit_style": "glued",
        "expected_source": None,
        "features": ["seed", "post_author_boilerplate", "position_name", "name_position"],
        "uploads": [],
    }


# Special posts forced at fixed positions (index among generated posts -> feature overrides).
_SPECIALS = {
    0: {"caption": True, "style": "plain"},
    1: {"pdf": True, "style": "html"},
    2: {"caps": True},
    3: {"empty_title": True},
    4: {"block_image": True, "style": "blocks"},
    5: {"amp_title": True},
    6: {"long_title": True},
    7: {"quote_title": True, "entities": True, "style": "html"},
    8: {"typo_title": True},
    9: {"slug_typo": True},
    10: {"year_boundary": True},
    11: {"wrong_weekday": True},
    12: {"empty_title": True, "style": "blocks"},
    13: {"caption": True, "pdf": True, "style": "html", "entities": True},
}


def _title(rng, ev, place, year, opts) -> tuple[str, list[str]]:
    long_name, short, topic = ev
    feats = []
    if opts.get("amp_title"):
        return f"Ditjen HAM Dorong Penerapan Bisnis & HAM di {place}", ["amp_title"]
    if opts.get("quote_title"):
        return (
            f"\u201cHAM Tanggung Jawab Bersama\u201d, Pesan {short} {topic} di {place}",
            ["quote_title"],
        )
    if opts.get("long_title"):
        t = (
            f"Perkuat Sinergi Pusat dan Daerah, Ditjen HAM Gelar {long_name.title()} {topic} "
            f"bagi Pemerintah Kabupaten/Kota se-{place}"
        )
        extra = [
            f" Tahun {year}",
            " dalam Rangka Percepatan Pelaksanaan Aksi HAM",
            " serta Penguatan Pelayanan Publik",
            " yang Inklusif",
        ]
        for e in extra:
            if len(t) + len(e) <= 185:
                t += e
        return t, ["long_title"]
    forms = [
        f"Ditjen HAM Gelar {short} {topic} di {place}",
        f"{short} {topic} Digelar di {place}",
        f"Tingkatkan Pemahaman, Ditjen HAM Adakan {long_name.title()} di {place}",
        f"Kanwil Kemenkumham dan Ditjen HAM Laksanakan {short} {topic}",
        f"Dirjen HAM Buka {short} {topic} di {place}",
    ]
    t = rng.choice(forms)
    if opts.get("typo_title") or opts.get("slug_typo"):
        for right, wrong in TYPOS:
            if right in t:
                t = t.replace(right, wrong)
                break
        else:
            t = t.replace("Gelar", "Gelarr").replace("Digelar", "Digelarr")
            if "Gelarr" not in t and "Digelarr" not in t:
                t = t.replace(" di ", " di di ", 1)
        feats.append("typo_title")
    if opts.get("caps"):
        t = t.upper()
        feats.append("caps_title")
    return t, feats


def _make_post(i: int, rng: random.Random, pub: dt.datetime) -> dict:
    opts = dict(_SPECIALS.get(i, {}))
    if "style" not in opts:
        opts["style"] = STYLES[i % 3]
    style = opts["style"]
    entities = bool(opts.get("entities")) or (style == "html" and i % 4 == 1)
    feats: list[str] = []
    author, author_name = AUTHORS[i % len(AUTHORS)]
    ev_kind = EVENTS[i % len(EVENTS)]
    venue = rng.choice(VENUES)
    place = rng.choice(CITIES + PROVINCES)
    pub_d = pub.date()

    # ---- dateline, event date, credit
    dform = DATELINE_FORMS[(i * 3) % len(DATELINE_FORMS)]
    eform = EVENT_FORMS[(i * 5 + 1) % len(EVENT_FORMS)]
    cform = CREDIT_FORMS[(i * 2 + i // 7) % len(CREDIT_FORMS)]
    wrong_weekday = bool(opts.get("wrong_weekday")) or (i % 17 == 16)
    if opts.get("wrong_weekday") and eform in ("range", "range_zero", "no_weekday", "none"):
        eform = "plain"
    if opts.get("year_boundary"):
        pub = pub.replace(month=1, day=2)
        pub_d = pub.date()
        ev = pub_d - dt.timedelta(days=2)  # 31 December of the year before
        eform = "plain"
        feats.append("year_boundary")
    else:
        ev = _event_date(rng, pub_d, i)
    prefix, dateline, city = _dateline(dform, rng, pub_d)
    phrase, ev_truth = _event_expr(eform, ev, rng, wrong_weekday)
    if ev_truth and ev_truth["weekday_correct"] is False:
        feats.append("wrong_weekday")

    # ---- title
    title, tfeats = _title(rng, ev_kind, place, pub.year, opts)
    feats += tfeats
    slug = None
    expected_slug = wp_slug(title)
    if opts.get("slug_typo"):
        # Title corrected after publication: the slug keeps the typo, the title does not.
        slug = expected_slug
        for right, wrong in TYPOS:
            title = title.replace(wrong, right)
        title = title.replace("Gelarr", "Gelar").replace(" di di ", " di ")
        feats = [f for f in feats if f != "typo_title"] + ["slug_typo"]
    if opts.get("empty_title"):
        title = ""
        expected_slug = None
        feats.append("id_slug")

    # ---- paragraphs (plain text, for expected_text) and content blocks
    long_name, short, topic = ev_kind
    pos, name = OFFICIALS[i % len(OFFICIALS)]
    pos2, name2 = OFFICIALS[(i + 3) % len(OFFICIALS)]
    organiser = rng.choice(
        [
            "Direktorat Jenderal HAM",
            "Ditjen HAM",
            "Kantor Wilayah Kemenkumham",
            "Direktorat Kerja Sama HAM",
        ]
    )
    first = (
        f"{prefix}{organiser} menyelenggarakan {long_name} {topic} di {venue}"
        + (f", {phrase}" if phrase else "")
        + f". Kegiatan tersebut diikuti oleh perwakilan pemerintah daerah se-{place}."
    )
    if dform == "no_dash":
        first = (
            f"{prefix}{organiser} kembali menyelenggarakan {long_name} {topic} di {venue}"
            + (f", {phrase}" if phrase else "")
            + "."
        )
    paras: list[list[str]] = [[first]]
    if i % 2 == 0:
        paras.append(
            [
                f"{pos}, {name}, dalam sambutannya menyampaikan bahwa {topic} merupakan salah satu "
                "prioritas pemerintah dalam memajukan hak asasi manusia."
            ]
        )
        feats.append("position_name")
    else:
        paras.append(
            [
                f"{name}, {pos}, hadir sebagai narasumber. Ia menjelaskan pentingnya {topic} bagi "
                "pemerintah daerah."
            ]
        )
        feats.append("name_position")
    quote = QUOTES[i % len(QUOTES)]
    short_name = name.split()[0]
    paras.append([f"\u201c{quote},\u201d {rng.choice(SAY)} {short_name}."])
    k = 2 + (i % 3)
    picks = rng.sample(TOPIC_SENTENCES, k + 2)
    paras.append([picks[0] + " " + picks[1]])
    for s in picks[2:]:
        paras.append([s])
    paras.append(
        [
            f"Pada kesempatan yang sama, {pos2} {name2} mengapresiasi peran pemerintah daerah "
            f"yang telah berkomitmen menjalankan {topic}."
        ]
    )

    uploads: list[str] = []
    pdf_para = None
    if opts.get("pdf"):
        fname = f"{pub.year}/{pub.month:02d}/Laporan-{short}-{pub.year}.pdf"
        uploads.append(fname)
        link_text = f"Laporan {long_name.title()} {topic} Tahun {pub.year}"
        pdf_para = len(paras)
        paras.append([f"Bahan paparan dan laporan kegiatan dapat diunduh di sini: {link_text}."])
        feats.append("pdf")

    # ---- credit / source
    credit = credit_style = source = None
    year = pub.year
    if cform in ("glued", "own_paragraph", "own_line", "trailing_period"):
        if i % 5 == 3:
            credit = CREDITS_OTHER[(i // 5) % len(CREDITS_OTHER)]
        elif year >= 2019:
            credit = CREDITS_RECENT[(i // 3) % len(CREDITS_RECENT)]
        else:
            credit = CREDITS_OLD[0]
        credit_style = cform
        if cform == "glued":
            paras[-1][-1] += f" ({credit})"
        elif cform == "trailing_period":
            paras[-1][-1] += f" ({credit})."
        elif cform == "own_paragraph":
            paras.append([f"({credit})"])
        else:  # own line after a <br>
            paras[-1].append(f"({credit})")
            feats.append("br_in_paragraph")
    elif cform == "source":
        source = f"Disadur dari {SOURCES[i % len(SOURCES)]}, {_fmt_d(pub_d)} dengan modifikasi."
        paras.append([source])

    # ---- content blocks
    blocks = []
    for n, lines in enumerate(paras):
        if n == pdf_para:
            href = f"/wp-content/uploads/{uploads[0]}"
            line = lines[0]
            before, _, rest = line.partition(link_text)
            blocks.append(
                _p(
                    _esc(before, entities)
                    + f'<a href="{href}">{_esc(link_text, entities)}</a>'
                    + _esc(rest, entities),
                    raw=True,
                )
            )
        else:
            blocks.append(_p(*lines, entities=entities))
        if n == 0 and (opts.get("caption") or opts.get("block_image")):
            cap = f"Suasana {long_name} {topic} di {venue} ({organiser})"
            src = f"/wp-content/uploads/{pub.year}/{pub.month:02d}/IMG-{short}-{i}.jpg"
            if opts.get("block_image"):
                blocks.append({"kind": "image", "id": 9000 + i, "src": src, "caption": cap})
                feats.append("block_image")
            else:
                blocks.append({"kind": "caption", "id": 9000 + i, "src": src, "caption": cap})
                feats.append("caption_image")
    if style == "blocks" and any(b["kind"] == "caption" for b in blocks):
        style = "html"
    if i % 3 == 1 and style != "blocks":
        blocks.append({"kind": "raw", "html": f"Post Author: {author}"})
        feats.append("post_author_boilerplate")
    if entities:
        feats.append("entities")
    content = _render(blocks, style, entities)

    cats = [CATEGORIES[i % len(CATEGORIES)]]
    if i % 4 == 0:
        cats.append("Berita")
    if opts.get("amp_title"):
        cats.append("Bisnis & HAM")
    cats = list(dict.fromkeys(cats))
    tags = list(dict.fromkeys(rng.sample(TAGS, 1 + i % 3)))

    return {
        "key": f"p{i:04d}",
        "title": title,
        "content": content,
        "style": style,
        "date": pub.strftime("%Y-%m-%d %H:%M:%S"),
        "status": "publish",
        "post_type": "post",
        "categories": cats,
        "tags": tags,
        "author": author,
        "author_name": author_name,
        "slug": slug,
        "expected_slug": expected_slug,
        "expected_slug_is_id": expected_slug is None,
        "expected_text": "\n\n".join("\n".join(lines) for lines in paras),
        "expected_dateline": dateline,
        "expected_dateline_city": city,
        "expected_event_date": ev_truth,
        "expected_credit": credit,
        "expected_credit_style": credit_style,
        "expected_source": source,
        "features": feats,
        "uploads": uploads,
    }


def _extras(rng: random.Random) -> list[dict]:
    base = {
        "post_type": "post",
        "categories": ["Berita"],
        "tags": ["HAM"],
        "author": "operator.info2",
        "author_name": "Operator Info 2",
        "slug": None,
        "expected_dateline": None,
        "expected_dateline_city": None,
        "expected_event_date": None,
        "expected_credit": None,
        "expected_credit_style": None,
        "expected_source": None,
        "expected_slug_is_id": False,
        "uploads": [],
    }
    out = []
    for n, (date, title) in enumerate(
        [
            ("2023-03-01 10:00:00", "Draf Rilis Rakor Aksi HAM Triwulan I"),
            ("2021-07-07 08:30:00", "DRAF: Sosialisasi P5HAM di Kupang"),
            ("2019-11-20 14:00:00", "Bahan Rilis Diseminasi HAM Belum Final"),
        ],
        1,
    ):
        text = (
            f"Jakarta, ham.go.id \u2013 Ini adalah draf nomor {n} yang belum terbit. (Humas DJHAM)"
        )
        out.append(
            {
                **base,
                "key": f"draft{n}",
                "title": title,
                "content": text,
                "style": "plain",
                "date": date,
                "status": "draft",
                "expected_slug": None,
                "expected_text": text,
                "features": ["draft"],
            }
        )
    text = "Catatan internal rapat pimpinan. Tidak untuk dipublikasikan."
    out.append(
        {
            **base,
            "key": "private1",
            "title": "Catatan Internal Rapat Pimpinan",
            "content": text,
            "style": "plain",
            "date": "2020-02-10 16:00:00",
            "status": "private",
            "expected_slug": "catatan-internal-rapat-pimpinan",
            "expected_text": text,
            "features": ["private"],
        }
    )
    for key, title, text in [
        (
            "page-profil",
            "Profil Direktorat Jenderal HAM",
            "Direktorat Jenderal Hak Asasi Manusia mempunyai tugas menyelenggarakan perumusan dan "
            "pelaksanaan kebijakan di bidang hak asasi manusia.",
        ),
        (
            "page-kontak",
            "Kontak",
            "Jl. H.R. Rasuna Said Kav. 6\u20137, Kuningan, Jakarta Selatan.",
        ),
    ]:
        out.append(
            {
                **base,
                "key": key,
                "post_type": "page",
                "title": title,
                "content": text,
                "style": "plain",
                "date": "2016-01-05 09:00:00",
                "status": "publish",
                "categories": [],
                "tags": [],
                "author": "redaksi",
                "author_name": "Redaksi ham.go.id",
                "expected_slug": wp_slug(title),
                "expected_text": text,
                "features": ["page"],
            }
        )
    return out


def make_corpus(n: int, seed: int = 0) -> list[dict]:
    """``n`` published posts (the seed article first when n >= 1; special cases next) followed by
    3 drafts, 1 private post and 2 pages. Deterministic for a given (n, seed)."""
    rng = random.Random(seed)
    posts: list[dict] = []
    used_dates = {SEED_DATE}
    used_titles: set[str] = set()
    used_slugs = {SEED_SLUG}
    if n >= 1:
        posts.append(_seed_post())
        used_titles.add(posts[0]["title"])
    start = dt.datetime(2015, 1, 1)
    span_days = (dt.datetime(2023, 12, 31) - start).days
    i = 0
    while len(posts) < n:
        post_rng = random.Random(f"{seed}-{i}")
        for _attempt in range(50):
            day = start + dt.timedelta(days=rng.randrange(span_days))
            pub = day.replace(
                hour=rng.randint(7, 21), minute=rng.randrange(60), second=rng.randrange(60)
            )
            if i in _SPECIALS and _SPECIALS[i].get("year_boundary"):
                pub = pub.replace(month=1, day=2)
            if pub.strftime("%Y-%m-%d %H:%M:%S") in used_dates:
                continue
            post = _make_post(i, post_rng, pub)
            if post["title"] and post["title"] in used_titles:
                post_rng = random.Random(f"{seed}-{i}-{_attempt}")
                continue
            if post["expected_slug"] and post["expected_slug"] in used_slugs:
                post_rng = random.Random(f"{seed}-{i}-{_attempt}")
                continue
            break
        else:  # pragma: no cover
            raise RuntimeError("could not make a unique post")
        used_dates.add(post["date"])
        if post["title"]:
            used_titles.add(post["title"])
        if post["expected_slug"]:
            used_slugs.add(post["expected_slug"])
        posts.append(post)
        i += 1
    return posts + _extras(rng)


def published(posts: list[dict]) -> list[dict]:
    """The posts an archive must contain (published, post_type post)."""
    return [p for p in posts if p["status"] == "publish" and p.get("post_type", "post") == "post"]


def published_at_iso(local: str) -> str:
    """ "2022-09-14 09:00:00" (Jakarta) -> "2022-09-14T09:00:00+07:00"."""
    return local.replace(" ", "T") + "+07:00"
