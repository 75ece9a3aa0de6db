"""Make N synthetic press releases in the style of ham.go.id into an archive, for benchmarks.

    python bench/make_articles.py 100000 /tmp/bench/archive.db          # bulk (fast) path
    python bench/make_articles.py 2000 /tmp/bench/save.db --save        # through Archive.save

The bulk path writes the same rows as ``Archive.save`` (``article_row`` and ``child_rows``:
people) with sqlite-utils' ``insert_all`` (the triggers still fill the exact index,
article_facets and article_terms), then fills the stemmed index and ``people`` in one pass each.
Texts are deterministic for a given N and seed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scraper.archive import Archive, article_row, child_rows, refresh_people  # noqa: E402
from scraper.items import Article, Person  # noqa: E402
from scraper.search import create_stemmed_index, rebuild_stemmed_index  # noqa: E402

CITIES = (
    "Jakarta, Medan, Banjarmasin, Makassar, Surabaya, Bandung, Semarang, Yogyakarta, "
    "Denpasar, Padang, Pekanbaru, Palembang, Pontianak, Manado, Jayapura, Kupang, Mataram, "
    "Ambon, Banda Aceh, Serang, Samarinda, Palu"
).split(", ")
PROVINCES = (
    "Sumatera Utara, Kalimantan Selatan, Sulawesi Selatan, Jawa Timur, Jawa Barat, "
    "Jawa Tengah, Bali, Sumatera Barat, Riau, Papua, Nusa Tenggara Timur, Maluku"
).split(", ")
CATEGORIES = (
    "Berita, Kabupaten/Kota Peduli HAM, Diseminasi HAM, RANHAM, Pelayanan Komunikasi, "
    "Kerja Sama HAM, Bisnis dan HAM, Informasi HAM, Kanwil"
).split(", ")
TAGS = "HAM, P5HAM, KKPHAM, RANHAM, Bisnis dan HAM, Yankomas, Diseminasi, PRISMA".split(", ")
AUTHORS = "operator.info1, operator.info2, operator.ks1, operator.ks2, humas.djham".split(", ")
FIRST = "Bambang, Sri, Agus, Dewi, Hendra, Rina, Mualimin, Windi, Yuli, Arif".split(", ")
LAST = "Santoso, Wahyuni, Pratama, Lestari, Siregar, Nasution, Hidayat, Arini".split(", ")
POSITIONS = (
    "Direktur Jenderal HAM, Sekretaris Direktorat Jenderal HAM, Kepala Kantor Wilayah, "
    "Direktur Diseminasi dan Penguatan HAM, Kepala Bidang HAM, Direktur Kerja Sama HAM, "
    "Direktur Pelayanan Komunikasi Masyarakat, Analis Hukum, Penyuluh Hukum"
).split(", ")
EVENTS = (
    "bimbingan teknis, sosialisasi, rapat koordinasi, diseminasi, penyuluhan, "
    "focus group discussion, pelatihan, seminar, lokakarya, temu konsultasi, "
    "penilaian kabupaten/kota peduli HAM, evaluasi aksi HAM, verifikasi laporan"
).split(", ")
TOPICS = (
    "hak asasi manusia, hak anak, hak perempuan, hak penyandang disabilitas, "
    "bisnis dan hak asasi manusia, pelayanan publik berbasis HAM, kebebasan beragama, "
    "hak atas kesehatan, hak atas pendidikan, hak masyarakat adat, perlindungan saksi, "
    "pencegahan penyiksaan, kesetaraan gender, hak pekerja migran, hak atas lingkungan"
).split(", ")
SENTENCES = [
    "{position}, {person}, menyampaikan bahwa {topic} merupakan tanggung jawab negara.",
    "Kegiatan {event} tersebut diikuti oleh perwakilan pemerintah daerah se-{province}.",
    "Dalam paparannya, {person} menegaskan pentingnya {topic} bagi seluruh lapisan masyarakat.",
    "Masyarakat dapat melaporkan dugaan pelanggaran {topic} melalui layanan komunikasi.",
    "Laporan yang diterima akan ditindaklanjuti oleh tim pelayanan komunikasi masyarakat.",
    "Sepanjang tahun ini, tercatat ratusan aduan telah dilaporkan kepada Direktorat Jenderal HAM.",
    "Mekanisme pelaporan aksi HAM dilakukan secara berkala oleh pemerintah {level}.",
    "Para peserta diharapkan mampu menerapkan prinsip {topic} dalam pelaksanaan tugasnya.",
    "Acara dibuka secara resmi oleh {position} di {place}.",
    "Pemerintah {level} berkomitmen meningkatkan pemenuhan {topic} di wilayahnya.",
    "Selain itu, {person} mengapresiasi kerja sama yang terjalin dengan {partner}.",
    "Penilaian dilakukan berdasarkan indikator yang telah ditetapkan dalam peraturan menteri.",
    "Diskusi berlangsung interaktif dengan berbagai pertanyaan dari para peserta.",
    "Kegiatan ini merupakan tindak lanjut dari rencana aksi nasional hak asasi manusia.",
    "Menurutnya, penghormatan, perlindungan, dan pemenuhan HAM harus dimulai dari pelayanan.",
    "Narasumber menjelaskan tata cara penyusunan laporan pelaksanaan aksi HAM.",
    "Ke depan, pemerintah akan memperkuat koordinasi lintas sektor dalam penanganan kasus.",
    "Pelapor diminta melengkapi dokumen pendukung agar pengaduan dapat segera diproses.",
    "Hasil evaluasi menunjukkan peningkatan jumlah kabupaten/kota peduli HAM setiap tahun.",
    "Peserta juga mendapatkan materi mengenai {topic} dan penanganan diskriminasi.",
    "Ia berharap kegiatan serupa dapat diselenggarakan secara rutin di {place}.",
    "Kerja sama dengan {partner} diwujudkan melalui penandatanganan nota kesepahaman.",
    "Hadir pula kepala desa {village}, camat {village} dan tokoh adat dari {village}.",
    "Warga {village} mengadukan sengketa lahan, dan pengaduan itu diteruskan ke Kanwil.",
    "Anak-anak di {village} perlu dilindungi dari kekerasan dan perundungan di sekolah.",
    "Petugas mendampingi korban yang diadukan kepada pemerintah desa {village}.",
]
SYLLABLES = "ka la ma pu ru si to ba ne ri wa ngo se lo da tu gi ra pa ha".split()
PARTNERS = (
    "Raoul Wallenberg Institute, Komnas HAM, UNICEF, pemerintah provinsi, "
    "perguruan tinggi setempat, organisasi masyarakat sipil, Kantor Staf Presiden"
).split(", ")
LEVELS = "daerah, provinsi, kabupaten, kota, pusat".split(", ")
WEEKDAYS = "Senin, Selasa, Rabu, Kamis, Jumat, Sabtu, Minggu".split(", ")
START = datetime(2015, 1, 1, 8, 0)
SPAN_MINUTES = int((datetime(2024, 12, 31, 17, 0) - START).total_seconds() // 60)


def person(rng: random.Random) -> str:
    """A name: one of 80 common ones, or (one time in five) one of a long tail of rare ones."""
    if rng.random() < 0.2:
        return f"{village(rng)} {village(rng)}"
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def sentence(rng: random.Random, people: list[Person]) -> str:
    someone = rng.choice(people)
    return rng.choice(SENTENCES).format(
        position=someone.position,
        person=someone.name,
        topic=rng.choice(TOPICS),
        event=rng.choice(EVENTS),
        province=rng.choice(PROVINCES),
        place=rng.choice(CITIES),
        partner=rng.choice(PARTNERS),
        level=rng.choice(LEVELS),
        village=village(rng),
    )


def village(rng: random.Random) -> str:
    """A made-up place name: the long tail of rare words that real texts have."""
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    return name.title()


def make_article(i: int, rng: random.Random) -> Article:
    """One press release of 300-600 words: dateline, event date, paragraphs, credit."""
    published = START + timedelta(minutes=rng.randrange(SPAN_MINUTES))
    city, event, topic = rng.choice(CITIES), rng.choice(EVENTS), rng.choice(TOPICS)
    day = published - timedelta(days=rng.choice([0, 1, 1, 2]))
    opening = (
        f"{city}, ham.go.id – Direktorat Jenderal HAM menggelar {event} tentang {topic} di "
        f"{city}, {WEEKDAYS[day.weekday()]} ({day.day}/{day.month})."
    )
    named = {person(rng): rng.choice(POSITIONS) for _ in range(rng.randint(1, 3))}
    people = [Person(name, position) for name, position in named.items()]
    target = rng.randint(300, 600)
    paragraphs, words = [opening], len(opening.split())
    while words < target:
        paragraph = " ".join(sentence(rng, people) for _ in range(rng.randint(2, 4)))
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    paragraphs[-1] += " (Humas DJHAM)"
    title = f"Ditjen HAM Gelar {event.title()} {topic.title()} di {city}"
    body_text = "\n\n".join(paragraphs)
    slug = f"{i}-" + "-".join(title.lower().replace("/", " ").split())[:80]
    return Article(
        url=f"https://ham.go.id/{published:%Y/%m/%d}/{slug}/",
        title=title,
        published_at=published.isoformat(timespec="seconds") + "+07:00",
        body_html="".join(f"<p>{p}</p>" for p in paragraphs),
        body_text=body_text,
        source="rest",
        post_id=4900 + i,
        slug=slug,
        author=rng.choice(AUTHORS),
        categories=rng.sample(CATEGORIES, rng.choice([1, 1, 2])),
        tags=rng.sample(TAGS, rng.randint(0, 3)),
        word_count=len(body_text.split()),
        dateline_city=city,
        language="id",
        people=people,
    )


def articles(n: int, seed: int = 0) -> Iterator[Article]:
    rng = random.Random(seed)
    return (make_article(i, rng) for i in range(n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="how many articles")
    parser.add_argument("path", type=Path, help="the archive file (must not exist)")
    parser.add_argument("--save", action="store_true", help="write through Archive.save")
    args = parser.parse_args()
    if args.path.exists():
        parser.error(f"{args.path} exists")
    started = time.monotonic()
    archive = Archive(args.path)
    if args.save:
        for article in articles(args.n):
            archive.save(article, seen_at="2025-01-01T00:00:00+07:00")
        create_stemmed_index(archive.db)  # a no-op once Archive.save indexes itself
    else:
        seen = {"first_seen_at": "2025-01-01T00:00:00+07:00"}
        seen["last_seen_at"] = seen["first_seen_at"]
        create_stemmed_index(archive.db)  # before the rows: created empty, filled below
        with archive.db.conn:
            generated = articles(args.n)
            while chunk := list(islice(generated, 500)):
                archive.db.table("articles").insert_all(
                    ({**article_row(a), **seen} for a in chunk), batch_size=500
                )
                children: dict[str, list[dict]] = {}
                for article in chunk:
                    for name, rows in child_rows(article).items():
                        children.setdefault(name, []).extend(rows)
                for name, rows in children.items():
                    archive.db.table(name).insert_all(rows, batch_size=500)
        saved = time.monotonic()
        print(f"articles: {args.n} in {saved - started:.0f}s", file=sys.stderr)
        with archive.db.conn:
            refresh_people(archive.db)
        rebuild_stemmed_index(archive.db)
        print(f"stemmed index: {time.monotonic() - saved:.0f}s", file=sys.stderr)
    seconds = time.monotonic() - started
    print(f"{args.n} articles -> {args.path} in {seconds:.0f}s ({args.n / seconds:.0f}/s)")
    archive.close()


if __name__ == "__main__":
    main()
