"""Tests for scraper.press_release: the text conventions of a ham.go.id press release."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.items import Document, Image, Person
from scraper.pages.article import extract_documents, extract_images
from scraper.pages.html import parse_fragment
from scraper.press_release import (
    detect_language,
    extract_people,
    find_credit,
    find_event_date,
    find_source_note,
    normalise_credit,
    parse_dateline,
    read_press_release,
)
from scraper.press_release import event_date as pr_event_date
from scraper.press_release import people as pr_people
from scraper.press_release.common import _MONTHS, _prepare, letter_runs

LABELLED = json.loads(
    (Path(__file__).parent / "labelled" / "press_releases.json").read_text(encoding="utf-8")
)["articles"]
BY_ID = {a["id"]: a for a in LABELLED}


def _text(article: dict) -> str:
    return "\n\n".join(article["paragraphs"])


# --------------------------------------------------------------------------- seed


def test_seed_article() -> None:
    seed = BY_ID["seed-bimtek-kkpham-kalsel"]
    fields = read_press_release(_text(seed), "2022-09-14T09:00:00+07:00")
    assert fields["dateline_city"] == "Banjarmasin"
    assert fields["event_date"] == "2022-09-13"
    assert fields["event_date_end"] is None
    assert fields["event_date_text"] == "Selasa (13/9)"
    assert fields["event_date_note"] is None
    assert fields["credit"] == "Humas DJHAM"
    assert fields["credit_text"] == "(Humas DJHAM)"
    assert fields["source_note"] is None
    assert fields["language"] == "id"
    people = fields["people"]
    assert Person("Bambang Iriana Djajaatmadja", "Sekretaris Direktorat Jenderal HAM") in people
    assert Person("Windi Arini", "Program Officer RWI") in people
    assert [p.name for p in people].count("Bambang Iriana Djajaatmadja") == 1
    assert all(p.name not in {"Bambang", "Windi", "PDHRE"} for p in people)


def test_read_press_release_keys() -> None:
    fields = read_press_release("", "2022-09-14T09:00:00+07:00")
    assert set(fields) == {
        "dateline_city",
        "event_date",
        "event_date_end",
        "event_date_text",
        "event_date_note",
        "credit",
        "credit_text",
        "source_note",
        "language",
        "people",
    }
    assert fields["people"] == [] and fields["dateline_city"] is None


# --------------------------------------------------------------------------- dateline


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Banjarmasin, ham.go.id – Bekerja sama dengan RWI", "Banjarmasin"),
        ("Jakarta – Sebanyak 45 pengaduan diterima", "Jakarta"),
        ("Banda Aceh, ham.go id – Suasana aula", "Banda Aceh"),
        ("Medan, 8 Mei 2017 – Direktorat Jenderal HAM", "Medan"),
        ("Jakarta, ham.go.id Kegiatan webinar bertema", "Jakarta"),
        ("SERANG, ham.go.id – Kantor Wilayah", "Serang"),
        ("BANDA ACEH, ham.go.id – Kantor Wilayah", "Banda Aceh"),
        ("Banten, ham.go.id — Pemerintah Provinsi", "Banten"),
        ("Jakarta, portal.ham.go.id – Direktorat", "Jakarta"),
        ("Surabaya, ham.go.id - Bidang HAM", "Surabaya"),
        ("Bandar Lampung,\xa0ham.go.id\xa0–\xa0Direktorat", "Bandar Lampung"),
        ("Palangka Raya,ham.go.id–Jum'at (24/2)", "Palangka Raya"),
        ("Jakarta, ham. go. id – Rapat", "Jakarta"),
        ("Jakarta (ham.go.id) – Rapat", "Jakarta"),
        ("BAU-BAU, ham.go.id – Rapat", "Bau-Bau"),
        ("Judul yang tertinggal\n\nJakarta, ham.go.id – Rapat", "Jakarta"),
        # neither site name nor dash: the place is told by its position alone
        ("Jakarta, Direktorat Jenderal HAM menerima kunjungan", "Jakarta"),
        ("SURABAYA, Kantor Wilayah Kemenkumham Jawa Timur menggelar", "Surabaya"),
        ("Tanjung Pinang, Ditjen HAM bersama Pemprov Kepri", "Tanjung Pinang"),
        ("Bau-Bau, Tim Pelayanan Komunikasi Masyarakat", "Bau-Bau"),
        ("Sebanyak 45 pengaduan diterima.", None),
        ("Di Jakarta, kegiatan berlangsung.", None),
        ("Sementara itu, Direktur Jenderal HAM menyampaikan", None),
        ("Menurut Bambang, Direktorat Jenderal HAM", None),
        ("Selasa, Direktorat Jenderal HAM menggelar", None),
        ("Direktur Jenderal HAM, Dhahana Putra, membuka acara", None),
        ("Bambang Iriana, Sekretaris Direktorat Jenderal HAM, membuka acara.", None),
        ("Jakarta, kegiatan berlangsung.", None),
        ("Judul\n\nJakarta, Direktorat Jenderal HAM menerima", None),  # not the first line
        ("", None),
    ],
)
def test_dateline(text: str, city: str | None) -> None:
    assert parse_dateline(text) == city


# --------------------------------------------------------------------------- event date


@pytest.mark.parametrize(
    ("text", "published", "start", "end", "written"),
    [
        (
            "di Hotel Galaxy Banjarmasin, Selasa (13/9). Acara",
            "2022-09-14",
            "2022-09-13",
            None,
            "Selasa (13/9)",
        ),
        (
            "rapat secara daring, Senin, (18/1). Rapat",
            "2021-01-19",
            "2021-01-18",
            None,
            "Senin, (18/1)",
        ),
        (
            "ramai Selasa pagi (13/9). Puluhan",
            "2022-09-14",
            "2022-09-13",
            None,
            "Selasa pagi (13/9)",
        ),
        (
            "ramai Selasa (13/9) pagi, puluhan",
            "2022-09-14",
            "2022-09-13",
            None,
            "Selasa (13/9) pagi",
        ),
        ("digelar Selasa (03/10).", "2023-10-04", "2023-10-03", None, "Selasa (03/10)"),
        (
            "di Kota Serang, Kamis (7/10/2021).",
            "2021-10-08",
            "2021-10-07",
            None,
            "Kamis (7/10/2021)",
        ),
        ("selama tiga hari (3-5/6) di", "2019-06-06", "2019-06-03", "2019-06-05", "(3-5/6)"),
        ("pada (26-28/08) di Bogor", "2021-08-29", "2021-08-26", "2021-08-28", "(26-28/08)"),
        ("penyandang disabilitas (13/9).", "2022-09-14", "2022-09-13", None, "(13/9)"),
        (
            "pada Kamis, 22 Juli 2021. Penilaian",
            "2021-07-23",
            "2021-07-22",
            None,
            "Kamis, 22 Juli 2021",
        ),
        (
            "pada Rabu,16 September 2020. Peluncuran",
            "2020-09-17",
            "2020-09-16",
            None,
            "Rabu,16 September 2020",
        ),
        (
            "pada Jumat (5 Juni 2020). Webinar",
            "2020-06-06",
            "2020-06-05",
            None,
            "Jumat (5 Juni 2020)",
        ),
        ("korban banjir, kamis (15/4).", "2021-04-16", "2021-04-15", None, "kamis (15/4)"),
        ("Jum’at (11/3), Direktorat", "2022-03-12", "2022-03-11", None, "Jum’at (11/3)"),
        ("Jum'at (11/3), Direktorat", "2022-03-12", "2022-03-11", None, "Jum'at (11/3)"),
        (
            "Jumat (30/9-1/10) di Jakarta",
            "2022-10-02",
            "2022-09-30",
            "2022-10-01",
            "Jumat (30/9-1/10)",
        ),
        ("pegawai, Rabu (28/12). Refleksi", "2023-01-02", "2022-12-28", None, "Rabu (28/12)"),
        ("Ahad (21/11), puluhan relawan", "2021-11-22", "2021-11-21", None, "Ahad (21/11)"),
        ("Minggu (21/11), puluhan relawan", "2021-11-22", "2021-11-21", None, "Minggu (21/11)"),
        ("delegation on Thursday (12/4). The", "2018-04-13", "2018-04-12", None, "Thursday (12/4)"),
        ("Selasa\xa0(10/11).", "2015-11-11", "2015-11-10", None, "Selasa\xa0(10/11)"),
        (
            "Senin hingga Rabu (3-5/6), di",
            "2019-06-06",
            "2019-06-03",
            "2019-06-05",
            "Senin hingga Rabu (3-5/6)",
        ),
        (
            "pada 5-6 September 2023 di",
            "2023-09-07",
            "2023-09-05",
            "2023-09-06",
            "5-6 September 2023",
        ),
        ("pada Kamis, 4 Agustus. Pelatihan", "2022-08-05", "2022-08-04", None, "Kamis, 4 Agustus"),
        ("Rapat berlangsung Kamis. (19/11) di", "2020-11-20", "2020-11-19", None, "Kamis. (19/11)"),
        (
            "Selasa sore, (30/6), Direktorat",
            "2020-07-01",
            "2020-06-30",
            None,
            "Selasa sore, (30/6)",
        ),
    ],
)
def test_event_date(text: str, published: str, start: str, end: str | None, written: str) -> None:
    found = find_event_date(text, date.fromisoformat(published))
    assert found is not None
    assert found.start.isoformat() == start
    assert (found.end.isoformat() if found.end else None) == end
    assert found.text == written
    assert found.note is None


def test_event_date_wrong_weekday_is_noted() -> None:
    found = find_event_date("lomba debat, Sabtu (21/11). Lomba", date(2021, 11, 22))
    assert found is not None and found.start == date(2021, 11, 21)
    assert found.note is not None and "Sabtu" in found.note and "Minggu" in found.note


def test_event_date_far_from_publication_is_noted() -> None:
    found = find_event_date("Festival pada Selasa (14/2) lalu.", date(2023, 2, 28))
    assert found is not None and found.start == date(2023, 2, 14)
    assert found.note is not None and "14 days before" in found.note


def test_event_date_first_one_wins_and_skips_dateline() -> None:
    text = "Medan, 8 Mei 2017 – Diseminasi pada Senin (8/5). Rapat lanjutan Rabu (10/5)."
    found = find_event_date(text, date(2017, 5, 9))
    assert found is not None and found.text == "Senin (8/5)"


@pytest.mark.parametrize(
    ("text", "published", "written"),
    [
        (
            "Jakarta – Memperingati Hari HAM yang jatuh setiap tanggal 10 Desember, Ditjen HAM"
            " menggelar diskusi daring, Senin (14/12/2020).",
            "2020-12-15",
            "Senin (14/12/2020)",
        ),
        (
            "Medan – Laporan harus diterima paling lambat 31 Januari 2021. Untuk itu Kanwil"
            " menggelar bimtek, Rabu (13/1).",
            "2021-01-14",
            "Rabu (13/1)",
        ),
        (
            "Kupang – Menyambut Hari Anak Nasional (23/7), Ditjen HAM menggelar lomba, Jumat"
            " pagi (22/7).",
            "2022-07-23",
            "Jumat pagi (22/7)",
        ),
        (
            "Jakarta – Sejak 1 Januari lalu pengaduan dibuka; rapat evaluasi digelar Kamis, 7"
            " Januari 2021 di Jakarta.",
            "2021-01-08",
            "Kamis, 7 Januari 2021",
        ),
    ],
)
def test_event_date_weekday_anchored_wins_in_its_paragraph(text, published, written) -> None:
    """An undated anniversary or deadline mentioned first yields to the event's own date."""
    found = find_event_date(text, date.fromisoformat(published))
    assert found is not None and found.text == written


def test_event_date_without_weekday_is_kept_when_no_anchored_date_follows() -> None:
    text = "Jakarta – Diskusi digelar 10 Desember 2020.\n\nRapat lanjutan Kamis (17/12)."
    found = find_event_date(text, date(2020, 12, 15))
    assert found is not None and found.text == "10 Desember 2020"  # the next paragraph's is not


def test_event_date_falls_back_to_dateline_date() -> None:
    found = find_event_date("Medan, 8 Mei 2017 – Diseminasi HAM berlangsung.", date(2017, 5, 9))
    assert found is not None and found.start == date(2017, 5, 8)
    assert found.note == "from the dateline"


def test_event_date_ignores_history_and_nonsense() -> None:
    assert find_event_date("Deklarasi sejak 10 Desember 1948.", date(2022, 9, 14)) is None
    assert find_event_date("Tanggal (45/13) bukan tanggal.", date(2022, 9, 14)) is None
    assert find_event_date("", date(2022, 9, 14)) is None


def test_month_table_agrees_with_dateparser() -> None:
    import dateparser  # a dependency of the project, kept off the hot path

    base = {"RELATIVE_BASE": datetime(2021, 1, 1)}
    for name in (n for n in _MONTHS if len(n) > 4 and n not in {"pebruari", "nopember"}):
        parsed = dateparser.parse(f"5 {name} 2021", languages=["id", "en"], settings=base)
        assert parsed is not None and parsed.month == _MONTHS[name], name


# --------------------------------------------------------------------------- credit


@pytest.mark.parametrize(
    ("text", "credit", "written"),
    [
        ("di Hotel Galaxy. (Humas DJHAM)", "Humas DJHAM", "(Humas DJHAM)"),
        ("di Hotel Galaxy.(Humas DJHAM)", "Humas DJHAM", "(Humas DJHAM)"),
        ("di Hotel Galaxy (HumasDJHAM)", "Humas DJHAM", "(HumasDJHAM)"),
        ("di Hotel Galaxy.\n\n(Humas Ditjen HAM)", "Humas Ditjen HAM", "(Humas Ditjen HAM)"),
        ("dua kali lipat. (Humas DJHAM).", "Humas DJHAM", "(Humas DJHAM)"),
        ("selesai. (sa)", "sa", "(sa)"),
        ("selesai (sa)", "sa", "(sa)"),
        (
            "kepala kampung. (Bidang HAM Kanwil Kemenkumham Jatim)",
            "Bidang HAM Kanwil Kemenkumham Jatim",
            "(Bidang HAM Kanwil Kemenkumham Jatim)",
        ),
        ("selesai. (Humas DJHAM)\n\nPost Author: operator.info2", "Humas DJHAM", "(Humas DJHAM)"),
        ("selesai. (Humas DJHAM)\nBagikan\nLeave a Reply", "Humas DJHAM", "(Humas DJHAM)"),
        ("selesai. (Humas DJHAM) Post Author: operator.ks1", "Humas DJHAM", "(Humas DJHAM)"),
        ("selesai. ( humas  djham )", "Humas DJHAM", "( humas  djham )"),
        ("selesai. (Humas DJHAM/rn)", "Humas DJHAM/rn", "(Humas DJHAM/rn)"),
    ],
)
def test_credit(text: str, credit: str, written: str) -> None:
    found = find_credit(text)
    assert found is not None
    assert (found.name, found.text) == (credit, written)


@pytest.mark.parametrize(
    "text",
    [
        "pertama kali oleh People’s Movement for Human Rights Learning (PDHRE).",
        "oleh (PDHRE) pada 1993. Sejak itu kota HAM berkembang.",
        "Tanpa tanda kurung di akhir.",
        "",
    ],
)
def test_no_credit(text: str) -> None:
    assert find_credit(text) is None


def test_normalise_credit() -> None:
    assert normalise_credit("HumasDJHAM") == "Humas DJHAM"
    assert normalise_credit("Humas DitjenHAM") == "Humas Ditjen HAM"
    assert normalise_credit("humas dj ham.") == "Humas DJHAM"


def test_source_note() -> None:
    note = "Disadur dari Antara, 18 Juli 2019 dengan modifikasi."
    text = f"Pemerintah bekerja sama.\n\n{note}\n\nBagikan"
    assert find_source_note(text) == "Disadur dari Antara, 18 Juli 2019 dengan modifikasi."
    assert find_credit(text) is None
    assert find_source_note("Tidak ada catatan. (Humas DJHAM)") is None


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Direktorat Jenderal HAM menggelar rapat koordinasi bersama pemerintah daerah.", "id"),
        ("Pemerintah berkomitmen memajukan HAM. (Humas DJHAM)", "id"),
        ("The Directorate General of Human Rights received a delegation from the embassy.", "en"),
        ("حقوق الإنسان في إندونيسيا والتعاون الدولي", "ar"),
        ("", None),
    ],
)
def test_language(text: str, code: str | None) -> None:
    assert detect_language(text) == code


# --------------------------------------------------------------------------- people


def test_people_position_name_and_later_first_name() -> None:
    text = (
        "Sekretaris Direktorat Jenderal HAM, Bambang Iriana Djajaatmadja, menjadi narasumber.\n\n"
        "“KKP HAM bukan kontestasi,” terang Bambang. Menurut Bambang, komitmen penting."
    )
    assert extract_people(text) == [
        Person("Bambang Iriana Djajaatmadja", "Sekretaris Direktorat Jenderal HAM")
    ]


@pytest.mark.parametrize(
    ("text", "person"),
    [
        (
            "Windi Arini, Program Officer RWI, menyampaikan",
            Person("Windi Arini", "Program Officer RWI"),
        ),
        (
            "Program Officer RWI Windi Arini, yang turut",
            Person("Windi Arini", "Program Officer RWI"),
        ),
        (
            "Direktur Jenderal HAM, Dr. Rudi Hartanto, S.H., M.H., dalam sambutannya",
            Person("Rudi Hartanto", "Direktur Jenderal HAM"),
        ),
        (
            "Pakar hukum pidana internasional Prof. Dr. Harkristuti Wulandari, S.H., M.A. menambah",
            Person("Harkristuti Wulandari", "Pakar hukum pidana internasional"),
        ),
        (
            "hadir Aulia Rahman selaku Kepala Bidang HAM Kanwil Kemenkumham Kaltim. Aulia",
            Person("Aulia Rahman", "Kepala Bidang HAM Kanwil Kemenkumham Kaltim"),
        ),
        (
            "Wakil Menteri Hukum dan HAM Prof. Edward Omar Sharif Hidayat membuka",
            Person("Edward Omar Sharif Hidayat", "Wakil Menteri Hukum dan HAM"),
        ),
        (
            "Menteri Hukum dan HAM Yasonna H. Laoly membuka acara.",
            Person("Yasonna H. Laoly", "Menteri Hukum dan HAM"),
        ),
        ("Presiden Joko Widodo menyampaikan pidato.", Person("Joko Widodo", "Presiden")),
        (
            "Director of Human Rights Cooperation, Sri Endah Wahyuningsih, said that",
            Person("Sri Endah Wahyuningsih", "Director of Human Rights Cooperation"),
        ),
    ],
)
def test_people_forms(text: str, person: Person) -> None:
    assert extract_people(text) == [person]


@pytest.mark.parametrize(
    "text",
    [
        "Direktur Jenderal HAM, Kementerian Hukum dan HAM menyampaikan laporan.",
        "Rakor diikuti kepala kantor wilayah dan kepala divisi dari seluruh Indonesia.",
        "Menurut Direktur Jenderal HAM, pemerintah terus bekerja.",
        "Hadir pula perwakilan Komnas HAM Perwakilan Aceh yang memaparkan tren pengaduan.",
    ],
)
def test_people_no_false_positives(text: str) -> None:
    assert extract_people(text) == []


# --------------------------------------------------------------------------- HTML

BODY_HTML = """
<figure class="wp-block-image"><img src="/wp-content/uploads/2022/09/bimtek-1024x683.jpg"
  alt="Peserta bimtek"><figcaption>Suasana bimtek di Banjarmasin</figcaption></figure>
<div class="wp-caption alignnone">
  <img src="http://ham.go.id/wp-content/uploads/2022/09/b.png" alt="">
  <p class="wp-caption-text">Narasumber  memaparkan</p></div>
<p><img data-src="c.jpg"></p>
<p>Unduh <a href="/wp-content/uploads/2022/09/Laporan.PDF?ver=2">laporan <b>lengkap</b></a>,
<a href="https://ham.go.id/files/data.xlsx#sheet">data</a>, <a href="/berita/lain/">berita</a>,
<a href="docs/paparan.pptx"></a> dan <a href="/x/arsip.zip">arsip</a>.</p>
"""
BASE = "https://ham.go.id/2022/09/14/bimtek/"


def test_extract_images() -> None:
    images = extract_images(
        parse_fragment(BODY_HTML),
        BASE,
        "https://www.ham.go.id/wp-content/uploads/2022/09/bimtek.jpg",
    )
    assert images == [
        Image(
            "https://ham.go.id/wp-content/uploads/2022/09/bimtek-1024x683.jpg",
            "Peserta bimtek",
            "Suasana bimtek di Banjarmasin",
            True,
        ),
        Image(
            "http://ham.go.id/wp-content/uploads/2022/09/b.png",
            None,
            "Narasumber memaparkan",
            False,
        ),
        Image("https://ham.go.id/2022/09/14/bimtek/c.jpg", None, None, False),
    ]
    assert extract_images(parse_fragment(""), BASE, None) == []


def test_extract_documents() -> None:
    assert extract_documents(parse_fragment(BODY_HTML), BASE) == [
        Document(
            "https://ham.go.id/wp-content/uploads/2022/09/Laporan.PDF?ver=2",
            "laporan lengkap",
            "pdf",
        ),
        Document("https://ham.go.id/files/data.xlsx#sheet", "data", "xlsx"),
        Document("https://ham.go.id/2022/09/14/bimtek/docs/paparan.pptx", None, "pptx"),
        Document("https://ham.go.id/x/arsip.zip", "arsip", "zip"),
    ]
    assert extract_documents(parse_fragment(""), BASE) == []


# --------------------------------------------------------------------------- labelled set

# Precision must stay >= 0.9 (the brief). The recall floor is set below the 0.80 that the
# extractor reached on the eight articles written after it (never tuned on): names that only a
# reader links to a position (`koordinator ... hadir ... Widayati menjelaskan`) are left out.
MIN_PRECISION = 0.9
MIN_RECALL = 0.75


def _people_scores() -> dict[str, float]:
    tp = fp = fn = pair_tp = 0
    for article in LABELLED:
        got = {(p.name, p.position) for p in extract_people(_text(article))}
        want = {(p["name"], p["position"]) for p in article["expected"]["people"]}
        got_names, want_names = {n for n, _ in got}, {n for n, _ in want}
        tp += len(got_names & want_names)
        fp += len(got_names - want_names)
        fn += len(want_names - got_names)
        pair_tp += len(got & want)
    return {
        "name_precision": tp / (tp + fp),
        "name_recall": tp / (tp + fn),
        "pair_precision": pair_tp / (tp + fp),
        "pair_recall": pair_tp / (tp + fn),
    }


def test_labelled_set_is_large_enough() -> None:
    assert len(LABELLED) >= 40


def test_people_precision_and_recall() -> None:
    scores = _people_scores()
    print("people:", {k: round(v, 3) for k, v in scores.items()})
    assert scores["pair_precision"] >= MIN_PRECISION
    assert scores["name_precision"] >= MIN_PRECISION
    assert scores["pair_recall"] >= MIN_RECALL


def test_field_accuracy_on_labelled_set() -> None:
    fields = ("dateline_city", "event_date", "event_date_end", "event_date_text", "credit",
              "credit_text", "source_note", "language")  # fmt: skip
    right = dict.fromkeys(fields + ("event_date_note",), 0)
    for article in LABELLED:
        expected = article["expected"]
        got = read_press_release(_text(article), article["published_at"])
        for name in fields:
            right[name] += got[name] == expected[name]
        right["event_date_note"] += bool(got["event_date_note"]) == expected["has_event_date_note"]
    accuracy = {name: count / len(LABELLED) for name, count in right.items()}
    print("accuracy:", {k: round(v, 3) for k, v in accuracy.items()})
    assert accuracy["dateline_city"] >= 0.97
    assert accuracy["event_date"] >= 0.95
    assert accuracy["credit"] >= 0.95
    assert min(accuracy.values()) >= 0.9


def test_event_date_is_not_the_date_of_a_source_line() -> None:
    text = (
        "Mataram, ham.go.id – Rapat digelar.\n\n"
        "Disadur dari Media Indonesia, 9 Januari 2016 dengan modifikasi."
    )
    assert find_event_date(text, date(2016, 1, 9)) is None


# --------------------------------------------------------------------------- fast paths


def test_fast_scanners_match_the_plain_patterns() -> None:
    """The speed-ups find exactly what the straightforward regexes find."""
    verbs = pr_people._ATTRIBUTION_VERBS + [v.capitalize() for v in pr_people._ATTRIBUTION_VERBS]
    plain_attribution = re.compile(r"\b(?:" + "|".join(verbs) + r")\s+([A-Z][a-z'\-]+)")
    extra = "(12 Mei 2023) 3-4 Juni, 1 2 (  5 sd 7 Agustus ) kata Budi, Tutur Ani tutup."
    for text in [_text(a) for a in LABELLED] + [extra]:
        clean = _prepare(text)
        assert [m.span() for m in pr_event_date._long_dates(clean, 0)] == [
            m.span() for m in pr_event_date._LONG_DATE.finditer(clean)
        ]
        assert pr_people._referred(clean) == {m.group(1) for m in plain_attribution.finditer(clean)}


def test_fast_people_scanners_match_the_reference() -> None:
    """Position words found by their runs of letters are the plain pattern's; the tokens of
    one regex are the one-by-one tokeniser's, offsets included."""
    heads = "|".join(sorted(pr_people._HEADS, key=len, reverse=True))
    plain_head = re.compile(rf"(?<![a-z])(?:{heads})(?![a-z])".encode())
    extra = [
        "Dr. Budi, S.H., Kepala Kanwil; kata BUDI. Prof.Dr.Ir. Ani selaku Direktur2 direktur.",
        "ham.go.id Jakarta. Sekretaris,dato'. Hj. Siti (Kasubdit) no. 5 - St. Louis DIREKTUR.",
        "Kepala.é Kepala.Ångström H. Yasonna H. Laoly, Menteri. ketua-ketua kepalanya ÉKetua.",
    ]
    for text in [_text(a) for a in LABELLED] + extra:
        clean = _prepare(text)
        data = clean.encode("ascii", "replace").lower()
        found = pr_people._words_at(letter_runs(clean), pr_people._HEAD_WORDS)
        assert found == [m.span() for m in plain_head.finditer(data)]
        windows = pr_people._windows(clean)
        for lo, hi in windows + [(0, len(clean))]:
            fast, slow = pr_people._tokens(clean[lo:hi]), pr_people._tokens_one_by_one(clean[lo:hi])
            assert [t.text for t in fast.toks] == [t.text for t in slow.toks]
            assert fast.spans == slow.spans


_PIECES = st.sampled_from(
    ["Dr", "dr", "DRS", "Prof", "H", "h", "dato'", "Kab", "no", "ham", "go", "id", "Budi", "Ani"]
    + ["kepala", "Direktur", "KETUA", "kata", "Jelas", "ketua-ketua", "é", "Å", "2", "_"]
    + [".", ". ", " ", "  ", ",", "'", "-", "(", ")", "\n", "“", "”", ";", "/"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_fast_people_scanners_on_any_text(text: str) -> None:
    """The one-regex tokeniser and the letter-run search agree with their references anywhere."""
    fast, slow = pr_people._tokens(text), pr_people._tokens_one_by_one(text)
    assert [t.text for t in fast.toks] == [t.text for t in slow.toks]
    assert fast.spans == slow.spans
    heads = "|".join(sorted(pr_people._HEADS, key=len, reverse=True))
    plain_head = re.compile(rf"(?<![a-z])(?:{heads})(?![a-z])".encode())
    data = text.encode("ascii", "replace").lower()
    assert pr_people._words_at(letter_runs(text), pr_people._HEAD_WORDS) == [
        m.span() for m in plain_head.finditer(data)
    ]
    verbs = pr_people._ATTRIBUTION_VERBS + [v.capitalize() for v in pr_people._ATTRIBUTION_VERBS]
    plain_attribution = re.compile(r"\b(?:" + "|".join(verbs) + r")\s+([A-Z][a-z'\-]+)")
    assert pr_people._referred(text) == {m.group(1) for m in plain_attribution.finditer(text)}
