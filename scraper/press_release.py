"""What a ham.go.id press release says about itself: dateline, event date, credit, people.

Pure parsing, no network. `read_press_release` is the entry point for the page objects;
`extract_images` and `extract_documents` read the body HTML.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from parsel import Selector

from scraper.items import Document, Image, Person
from scraper.text import absolute_url

# --------------------------------------------------------------------------- text prep

# One-to-one replacements, so offsets in the cleaned text are offsets in the original.
_SAME_LENGTH = str.maketrans(
    {
        "\xa0": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u200b": " ",
        "\u202f": " ",
        "\ufeff": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
    }
)
_WS = re.compile(r"\s+")
_BOILERPLATE_LINE = re.compile(
    r"^\s*(?:post\s+author\s*:.*|bagikan\b.*|share\b.*|leave\s+a\s+reply.*|skip\s+to\s+content"
    r"|tags?\s*:.*|kategori\s*:.*|like\s+this:?|related|print|facebook|twitter|whatsapp|email"
    r"|previous\s+post.*|next\s+post.*|\d*\s*views?)\s*$",
    re.I,
)
_TRAILING_POST_AUTHOR = re.compile(r"\s*Post\s+Author\s*:\s*\S*\s*$", re.I)


_ODD_CHARS = re.compile("[" + "".join(chr(c) for c in _SAME_LENGTH) + "]")


def _prepare(text: str) -> str:
    """Same-length copy of the text with odd spaces and apostrophes made plain."""
    return text.translate(_SAME_LENGTH) if _ODD_CHARS.search(text) else text


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _content_end(text: str) -> int:
    """Offset where the article ends, once trailing boilerplate lines are dropped."""
    end = len(text)
    may_have_author = "author" in text.lower()  # the search below scans the whole text
    while True:
        head = text[:end].rstrip()
        cut = head.rfind("\n") + 1
        line = head[cut:]
        if head and _BOILERPLATE_LINE.match(line):
            end = cut
            continue
        m = _TRAILING_POST_AUTHOR.search(head) if may_have_author else None
        if m:
            end = m.start()
            continue
        return len(head)


# --------------------------------------------------------------------------- dateline

_MONTHS: dict[str, int] = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "agst": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_WEEKDAYS: dict[str, int] = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5,
    "minggu": 6, "ahad": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
_WEEKDAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_WD = (
    r"(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
_TOD = r"(?:pagi|siang|sore|petang|malam|dini\s+hari|morning|afternoon|evening|night)"
_RANGE_SEP = r"(?:-|–|—|s\.?\s?d\.?|s/d|sampai(?:\s+dengan)?|hingga|to|until)"
_DASH = r"[-–—―‒−]+"

_SITE = r"\(?[ \t]*(?:portal[ \t]*\.[ \t]*)?ham[ \t]*\.?[ \t]*go[ \t]*\.?[ \t]*id[ \t]*\)?"
_WRITTEN_DATE = rf"(?:{_WD}[ \t]*,?[ \t]*)?\d{{1,2}}[ \t]+(?:{_MONTH_RE})\.?[ \t]+\d{{4}}"
_DATELINE = re.compile(
    rf"""^[ \t]*(?P<city>[A-Za-z][A-Za-z'.]*(?:(?:[ \t]+|-)[A-Z][A-Za-z'.]*){{0,3}})[ \t]*
    (?:
        ,[ \t]*(?P<site>{_SITE})
            (?:[ \t]*,?[ \t]*(?P<date2>{_WRITTEN_DATE}))?[ \t]*(?P<dash>{_DASH})?
      | ,[ \t]*(?P<date>{_WRITTEN_DATE})[ \t]*{_DASH}
      | (?P<site2>\([ \t]*(?:portal\.)?ham\.go\.id[ \t]*\))[ \t]*{_DASH}?
      | {_DASH}
    )""",
    re.I | re.M | re.X,
)
_DATELINE_WINDOW = 600


@dataclass
class _Dateline:
    city: str
    end: int  # offset just after the dateline in the text
    date_text: str | None


def _title_case(city: str) -> str:
    city = _squash(city)
    if city.isupper() or city.islower():
        return "-".join(
            " ".join(w[:1].upper() + w[1:].lower() for w in part.split(" "))
            for part in city.split("-")
        )
    return city


def _find_dateline(text: str) -> _Dateline | None:
    """The `City, ham.go.id – ` opening, searched in the first few lines only."""
    for m in _DATELINE.finditer(text, 0, _DATELINE_WINDOW):
        city = m.group("city")
        site = m.group("site") or m.group("site2")
        if city[0].islower() and not site:
            continue
        return _Dateline(_title_case(city), m.end(), m.group("date") or m.group("date2"))
    return None


def parse_dateline(body_text: str) -> str | None:
    """The dateline's place as written, in title case, or None."""
    found = _find_dateline(_prepare(body_text))
    return found.city if found else None


# --------------------------------------------------------------------------- event date

_NUMERIC_DATE = re.compile(
    rf"""\(\s*(?P<d1>\d{{1,2}})
        (?:(?:\s*/\s*(?P<m1>\d{{1,2}}))?\s*{_RANGE_SEP}\s*(?P<d2>\d{{1,2}}))?
        \s*/\s*(?P<m2>\d{{1,2}})(?:\s*/\s*(?P<y>\d{{4}}|\d{{2}}))?\s*\)
    (?:[ \t]*,?[ \t]*{_TOD}\b)?""",
    re.I | re.X,
)
_LONG_DATE = re.compile(
    rf"""(?P<open>\(\s*)?\b(?P<d1>\d{{1,2}})(?:\s+(?P<m1>{_MONTH_RE})\.?)?
        (?:\s*{_RANGE_SEP}\s*(?P<d2>\d{{1,2}}))?
        \s+(?P<m2>{_MONTH_RE})\b(?:\.?\s+(?P<y>\d{{4}})\b)?
    (?(open)\s*\))""",
    re.I | re.X,
)
_LONG_DATE_START = re.compile(r"[(\d]")  # a long date starts with `(` or a digit
# The weekday (or weekday range) and time of day written just before a date.
_DATE_PREFIX = re.compile(
    rf"""\b(?P<wd>{_WD})(?:\s*{_RANGE_SEP}\s*(?P<wd2>{_WD}))?
    (?:\s*[,.]?\s*{_TOD})?\s*[,.]?\s*$""",
    re.I | re.X,
)
_PREFIX_WINDOW = 48
_FAR_DAYS = 10  # beyond this distance from publication a date is flagged
_LOOSE_DAYS = 30  # a written date with no weekday must lie this close to publication


@dataclass
class EventDate:
    """An event date as resolved, with what was written and any doubt about it."""

    start: date
    end: date | None
    text: str
    note: str | None


@dataclass
class _Written:
    """A date expression found in the text: the date itself and the weekday before it."""

    m: re.Match[str]
    start: int
    weekday: str | None
    weekday_end: str | None

    @property
    def numeric(self) -> bool:
        return self.m.re is _NUMERIC_DATE


def _month_number(token: str | None) -> int | None:
    if token is None:
        return None
    if token.isdigit():
        return int(token)
    return _MONTHS.get(token.lower().rstrip("."))


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest(day: int, month: int, pub: date) -> date | None:
    """The date with this day and month nearest to publication (year not written)."""
    options = [_make_date(y, month, day) for y in (pub.year - 1, pub.year, pub.year + 1)]
    found = [d for d in options if d is not None]
    return min(found, key=lambda d: abs((d - pub).days)) if found else None


def _resolve(m: re.Match[str], pub: date) -> tuple[date, date | None] | None:
    """Start and end dates of a matched date expression, or None when impossible."""
    d1, d2 = int(m.group("d1")), m.group("d2")
    m2 = _month_number(m.group("m2"))
    m1 = _month_number(m.group("m1")) or m2
    if not m1 or not m2 or not 1 <= m1 <= 12 or not 1 <= m2 <= 12:
        return None
    year = m.group("y")
    if year:
        y = int(year) + (2000 if len(year) == 2 else 0)
        end_year = y
        start = _make_date(y - 1 if (m1, d1) > (m2, int(d2 or d1)) else y, m1, d1)
    else:
        start = _nearest(d1, m1, pub)
        end_year = None
    if start is None:
        return None
    if d2 is None:
        return start, None
    if end_year is None:
        end_year = start.year + (1 if (m2, int(d2)) < (m1, d1) else 0)
    end = _make_date(end_year, m2, int(d2))
    if end is None or end < start or (end - start).days > 62:
        return None
    return start, end


def _weekday_note(name: str | None, day: date | None) -> str | None:
    if not name or day is None:
        return None
    wanted = _WEEKDAYS.get(name.lower())
    if wanted is None or wanted == day.weekday():
        return None
    return f"weekday {name} does not match {day.isoformat()} ({_WEEKDAY_NAMES[day.weekday()]})"


def _distance_note(start: date, end: date | None, pub: date) -> str | None:
    if (start - pub).days > _FAR_DAYS:
        return f"{start.isoformat()} is {(start - pub).days} days after publication"
    last = end or start
    if (pub - last).days > _FAR_DAYS:
        return f"{last.isoformat()} is {(pub - last).days} days before publication"
    return None


def _written(text: str, m: re.Match[str]) -> _Written:
    """Attach the weekday written just before the date, when there is one."""
    lo = max(0, m.start() - _PREFIX_WINDOW)
    prefix = _DATE_PREFIX.search(text, lo, m.start())
    if prefix is None:
        return _Written(m, m.start(), None, None)
    return _Written(m, prefix.start(), prefix.group("wd"), prefix.group("wd2"))


def _long_dates(text: str, begin: int) -> Iterator[re.Match[str]]:
    """`_LONG_DATE.finditer`, faster: the pattern is only tried where a match can start."""
    pos = begin
    for start in _LONG_DATE_START.finditer(text, begin):
        if start.start() < pos:
            continue
        m = _LONG_DATE.match(text, start.start())
        if m:
            yield m
            pos = m.end()


def _date_expressions(text: str, begin: int) -> Iterator[_Written]:
    """Date expressions in reading order, found lazily."""
    found = heapq.merge(
        _NUMERIC_DATE.finditer(text, begin),
        _long_dates(text, begin),
        key=lambda m: m.start(),
    )
    return (_written(text, m) for m in found)


def _accept(w: _Written, span: tuple[date, date | None], pub: date) -> bool:
    """A weekday makes a date certain; without one it must lie near publication."""
    if w.weekday:
        return True
    distance = abs((span[0] - pub).days)
    if w.numeric and not w.m.group("y"):
        return distance <= 2 * _LOOSE_DAYS
    return distance <= _LOOSE_DAYS


def _event_from(w: _Written, span: tuple[date, date | None], pub: date, original: str) -> EventDate:
    """The resolved date with the text as written (original has the same offsets)."""
    start, end = span
    notes = [
        _weekday_note(w.weekday, start),
        _weekday_note(w.weekday_end, end),
        _distance_note(start, end, pub),
    ]
    note = "; ".join(n for n in notes if n) or None
    return EventDate(start, end, original[w.start : w.m.end()].strip(), note)


def _event_date(
    clean: str, original: str, pub: date, dateline: _Dateline | None, body_end: int
) -> EventDate | None:
    """The first acceptable date after the dateline and before `body_end` (no source note)."""
    begin = dateline.end if dateline else 0
    clean = clean[:body_end]  # a source's date is not the event's
    for w in _date_expressions(clean, begin):
        span = _resolve(w.m, pub)
        if span and _accept(w, span, pub):
            return _event_from(w, span, pub, original)
    if dateline and dateline.date_text:
        m = _LONG_DATE.search(dateline.date_text)
        span = _resolve(m, pub) if m else None
        if m and span:
            found = _event_from(_written(dateline.date_text, m), span, pub, dateline.date_text)
            found.note = "; ".join(filter(None, ["from the dateline", found.note]))
            return found
    return None


def find_event_date(body_text: str, published: date) -> EventDate | None:
    """The first event date of the text, its year chosen from the publication date."""
    clean = _prepare(body_text)
    body_end = _strip_source_notes(clean, _content_end(clean))
    return _event_date(clean, body_text, published, _find_dateline(clean), body_end)


# --------------------------------------------------------------------------- credit

_FINAL_BRACKET = re.compile(r"\(\s*(?P<inner>[^()\n]{1,80}?)\s*\)\s*\.?\s*$")
_CREDIT_WORDS = re.compile(
    r"humas|kanwil|bidang|ditjen|djham|divisi|subbag|redaksi|\bred\b|\btim\b|sumber|kontributor"
    r"|kemenkumham|penulis|editor|\bed\b|foto",
    re.I,
)
_INITIALS = re.compile(r"^[a-z]{1,5}(?:\s*[/,&]\s*[a-z]{1,5})*$")
_SENTENCE_END = ".!?\"'”’)…"
_SOURCE_NOTE = re.compile(
    r"^[ \t]*\(?(?P<note>(?:disadur|dikutip|diolah|dilansir|disarikan)\b[^\n]*?)\)?[ \t]*$",
    re.I | re.M,
)
_SOURCE_NOTE_WINDOW = 600  # characters at the end searched for a source line
_CREDIT_FIXES = (
    (re.compile(r"\bhumas\s*(?=\S)", re.I), "Humas "),
    (re.compile(r"\bdj\s*ham\b", re.I), "DJHAM"),
    (re.compile(r"\bditjen\s*ham\b", re.I), "Ditjen HAM"),
)


@dataclass
class Credit:
    """The press-office credit at the end of a release."""

    text: str  # as written, brackets included
    name: str  # normalised


def normalise_credit(inner: str) -> str:
    """`HumasDJHAM` -> `Humas DJHAM`; other credits keep their spelling."""
    value = _squash(inner).strip(" .")
    for pattern, repl in _CREDIT_FIXES:
        value = pattern.sub(repl, value)
    return value


def _strip_source_notes(text: str, end: int) -> int:
    """Move the end of the text before any closing source lines."""
    while True:
        head = text[:end].rstrip()
        cut = head.rfind("\n") + 1
        if head and _SOURCE_NOTE.match(head[cut:]):
            end = cut
            continue
        return len(head)


def _credit(clean: str, original: str, end: int) -> Credit | None:
    """The credit bracket closing the text before `end` (source notes already cut off)."""
    opening = clean.rfind("(", 0, end)
    m = _FINAL_BRACKET.match(clean, opening, end) if opening >= 0 else None
    if not m:
        return None
    inner = m.group("inner")
    before = clean[max(0, m.start() - 8) : m.start()].rstrip(" \t")
    glued_to_sentence = (
        m.start() == 0 or not before or before[-1] in _SENTENCE_END or before[-1] == "\n"
    )
    credit_like = bool(_CREDIT_WORDS.search(inner) or _INITIALS.match(inner.strip()))
    if not (glued_to_sentence or credit_like) or _SOURCE_NOTE.match(inner):
        return None
    close = clean.index(")", m.start()) + 1
    return Credit(original[m.start() : close], normalise_credit(inner))


def find_credit(body_text: str) -> Credit | None:
    """The bracket at the very end of the text, when it names who wrote the release."""
    clean = _prepare(body_text)
    return _credit(clean, body_text, _strip_source_notes(clean, _content_end(clean)))


def _source_note(clean: str, original: str, end: int) -> str | None:
    """The last source line before `end`, the end of the content."""
    notes = list(_SOURCE_NOTE.finditer(clean, max(0, end - _SOURCE_NOTE_WINDOW), end))
    if not notes:
        return None
    m = notes[-1]
    return _squash(original[m.start("note") : m.end("note")])


def find_source_note(body_text: str) -> str | None:
    """A closing `Disadur dari <newspaper>, <date> ...` line, as written."""
    clean = _prepare(body_text)
    return _source_note(clean, body_text, _content_end(clean))


# --------------------------------------------------------------------------- language

_ID_WORDS = frozenset(
    "yang dan di dengan untuk dalam ini itu pada tidak dari ke akan juga oleh sebagai adalah "
    "bahwa telah dapat para atau kami kita serta tersebut karena sudah agar bagi antara menjadi "
    "secara lebih kepada hal ia mereka masih bisa harus saat sejumlah melalui terhadap hari "
    "tahun kegiatan acara menyampaikan mengatakan pun jika apabila maka setiap seluruh semua "
    "hingga sampai sebuah salah satu lain baik namun tetapi atas yakni yaitu sejak tentang "
    "mengenai terkait sehingga sedangkan bahkan hanya masing ada belum juga selain bersama "
    "pemerintah daerah peserta masyarakat".split()
)
_EN_WORDS = frozenset(
    "the and of to in is that for on with as by this was are be from at it an which have has "
    "were will their also its or not but been would said can our we they such".split()
)
_WORD = re.compile(r"[a-z]+")
_ID_AFFIXED = re.compile(r"^(?:me|ber|di|ter|pe)[a-z]{2,}(?:kan|an|nya)$")  # memajukan, kegiatannya
_LANG_SAMPLE = 4000
_MIN_STOP_SHARE = 0.05
_SCRIPTS = (
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
)


@functools.lru_cache(maxsize=1 << 16)
def _is_id_word(word: str) -> bool:
    """An Indonesian stop word or affixed verb (cached: the same words recur)."""
    return word in _ID_WORDS or _ID_AFFIXED.match(word) is not None


def detect_language(text: str) -> str | None:
    """`id` or `en` from stop words; other scripts by Unicode block; None when unsure."""
    sample = text[:_LANG_SAMPLE]
    words = _WORD.findall(sample.lower())
    id_hits = sum(map(_is_id_word, words))
    en_hits = sum(map(_EN_WORDS.__contains__, words))
    hits = id_hits + en_hits
    if words and (hits / len(words) >= _MIN_STOP_SHARE or hits >= 3) and id_hits != en_hits:
        return "id" if id_hits >= en_hits else "en"
    letters = sum(1 for c in sample if c.isalpha())
    for code, pattern in _SCRIPTS:
        if letters and len(pattern.findall(sample)) / letters > 0.3:
            return code
    return _fallback_language(sample) if words else None


def _fallback_language(sample: str) -> str | None:
    """A statistical guess for Latin-script text that is neither id nor en."""
    try:
        import py3langid  # optional: only when installed
    except ImportError:
        return None
    code, _score = py3langid.classify(sample)
    return code


# --------------------------------------------------------------------------- people

_HONORIFICS = frozenset(
    "prof dr drs dra ir h hj kh pdt romo ust ustadz ustaz habib bapak ibu pak bu sdr sdri mr "
    "mrs ms dato dato' datuk tgk hon rev kombes akbp akp kompol iptu ipda aiptu brigjen irjen "
    "komjen jenderal pol kolonel kol letkol mayor kapten laksamana marsekal mayjen letjen".split()
)
_BARE_HONORIFICS = frozenset(
    "bapak ibu dato' datuk romo habib ustadz ustaz kombes akbp akp kompol iptu ipda aiptu brigjen "
    "komjen kolonel letkol mayjen letjen".split()
)
_NOMINAL = re.compile(r"^(?:pe|ke)[a-z]{3,}an$")  # Pelayanan, Perlindungan, Kesehatan: not names
_ORG_WORDS = frozenset(
    """universitas yayasan institut institute lembaga persatuan aliansi koalisi majelis serikat
    forum ikatan himpunan gerakan asosiasi komunitas sekolah politeknik hotel pt radio harian
    perkumpulan""".split()
)
_NAME_PARTICLES = frozenset("van von der den de bin binti al el da dos di".split())
_NOT_A_DEGREE = r"(?!(?:Prof|Dr|Drs|Dra|Ir|H|Hj|KH|Pdt|Mhd|Muh|Moh|Plt|Plh|Pj)\.)"
_DEGREE = (
    rf"(?:{_NOT_A_DEGREE}(?:[A-Z][A-Za-z]{{0,3}}\.){{1,3}}(?:[A-Z][A-Za-z]{{0,3}}\b)?"
    r"|(?:SH|MH|MSi|MPA|MM|MBA|PhD|LLM|MHum|MKn|SSos|MAP|MSc|BSc|AMd)\b)"
)
_DEGREES = re.compile(rf"(?<=[a-z'])\s*,\s*{_DEGREE}(?:\s*,?\s*{_DEGREE})*(?P<next>\s+[A-Z])?")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\-]*\.?|[(),.;:!?\"“”]|[^\sA-Za-z(),.;:!?\"“”]+")
_ABBREV = _HONORIFICS | frozenset("mhd muh moh plt plh pj st no kab prov kec m".split())

_HEADS = frozenset(
    """menteri menko wamen menkumham wamenkumham menkopolhukam direktur dirjen sesditjen
    sekretaris sekjen sekda kepala kabid kadiv
    kakanwil kasubdit kasubbag kasubag kabag kasi ketua anggota koordinator gubernur wagub bupati
    wabup wali walikota wawali camat lurah officer manager manajer staf staff analis penyuluh
    perancang peneliti dosen pengajar rektor dekan akademisi pakar pengamat praktisi perwakilan
    juru jubir asisten deputi inspektur irjen komisioner hakim jaksa duta dubes konsul
    pesuruhjaya direktris pendiri presiden kapolda kapolres kapolri pimpinan pemimpin plt plh
    pj ketum kaur kabiro director secretary head chief chairman chairperson minister deputy
    ambassador representative commissioner professor lecturer researcher coordinator president
    founder""".split()
)
_COMPLETE_HEADS = frozenset("presiden wapres president menkumham wamenkumham menkopolhukam".split())
_HEAD_PREFIXES = frozenset(
    "wakil plt. plh. pj. first second third senior deputy vice acting executive program guru "
    "staf".split()
)
_CONT_LOWER = frozenset(
    """dan & serta di untuk bidang urusan tim dewan juri senior ahli madya muda utama
    pertama hukum pidana perdata tata negara internasional politik ekonomi sosial pendamping
    umum khusus luar dalam negeri wilayah daerah provinsi kabupaten kota kantor bicara besar
    penilai pelaksana panitia pengarah pembina harian eksekutif
    of the for and on at to in se""".split()
)
_LINK_WORDS = frozenset("dan & serta di untuk pada of the for and on at to in se /".split())
_NOT_NAME = frozenset(
    """direktur direktorat jenderal hak asasi manusia ham kepala kantor wilayah kementerian
    kemenkumham hukum universitas fakultas provinsi kabupaten kota dinas bidang divisi ketua
    menteri gubernur bupati wali walikota sekretaris sekretariat daerah setda biro bagian seksi
    subdirektorat subdit kasubdit direktur jenderal pemerintah pemerintahan presiden republik
    indonesia negara nasional kanwil komisi komnas lembaga badan yayasan institute institut
    persatuan perkumpulan aliansi koalisi majelis serikat forum ikatan himpunan gerakan
    asosiasi komunitas kelompok organisasi program pusat balai unit kerja sama kerjasama
    pelayanan komunikasi masyarakat diseminasi penguatan instrumen informasi sistem umum
    pendidikan kesehatan sosial politik ekonomi keamanan luar dalam negeri imigrasi kepolisian
    polda polres kejaksaan pengadilan mahkamah agung konstitusi dprd dpr mpr perwakilan
    kedutaan embassy kingdom netherlands belanda hotel aula gedung ruang wisma sekolah
    pondok pesantren masjid gereja radio televisi care watch foundation center centre
    network international council commission committee office programme agency bank
    perusahaan pt cv tbk rapat acara kegiatan diskusi seminar webinar pelatihan sosialisasi
    dalam menurut sementara selain pada para hal ia dia beliau mereka kami kita anda saya
    tim sebanyak adapun kemudian selanjutnya namun tetapi sedangkan bahkan juga dengan untuk
    dan atau bersama hadir turut tampak sebelumnya akhirnya kegiatan ini itu tersebut
    utara selatan barat timur tengah raya tenggara daya besar kecil baru lama pulau kepulauan
    jawa sumatera sumatra kalimantan sulawesi papua maluku bali nusa aceh riau jambi bengkulu
    lampung banten jakarta dki bandung surabaya semarang yogyakarta medan makassar padang
    palembang pekanbaru pontianak banjarmasin samarinda balikpapan manado kupang mataram
    denpasar ambon jayapura sorong merauke mamuju palu kendari gorontalo ternate sofifi
    serang bogor depok bekasi tangerang malang solo surakarta batam tanjungpinang pangkalpinang
    kaltim kaltara kalbar kalteng kalsel sulsel sulut sulteng sultra sulbar sumut sumbar
    sumsel jatim jateng jabar diy ntb ntt kepri babel banyuwangi tabanan flores minahasa
    senin selasa rabu kamis jumat sabtu minggu ahad januari februari maret april mei juni
    juli agustus september oktober november desember the of and for on human rights
    internasional komite palang merah polri tni polisi khusus pusat istana
    directorate general ministry director secretary head deputy first""".split()
)
_ATTRIBUTION_VERBS = (
    "kata ujar ucap jelas tutur tegas ungkap imbuh tambah terang papar sebut lanjut pungkas tutup "
    "harap menurut said says added explained"
).split()


def _alternation(words: list[str]) -> str:
    """A regex matching any of the words, grouped by first letter (much faster than `a|b|c`)."""
    by_first: dict[str, list[str]] = {}
    for word in sorted(words, key=len, reverse=True):
        by_first.setdefault(word[0], []).append(re.escape(word[1:]))
    groups = (f"{first}(?:{'|'.join(rest)})" for first, rest in by_first.items())
    return "(?:" + "|".join(groups) + ")"


_ATTRIBUTION = re.compile(
    r"\b"
    + _alternation(_ATTRIBUTION_VERBS + [v.capitalize() for v in _ATTRIBUTION_VERBS])
    + r"\s+([A-Z][a-z'\-]+)"
)
_MAX_NAME_TOKENS = 5
_LOOK_BEHIND = 90  # characters read before a position word (for `Name, Position`)
_LOOK_AHEAD = 160  # characters read after it before stopping at the next sentence end
_LETTERS = re.compile(r"[A-Za-z]+")


class _Tok:
    """A word or punctuation mark, with what the people reader asks of it.

    It depends on the text alone, so one object serves every occurrence (see `_tok`);
    where a token lies in its paragraph is kept by `_Para`.
    """

    __slots__ = ("text", "low", "word", "cap", "honorific", "nameable", "head", "may_head")

    def __init__(self, text: str) -> None:
        self.text = text
        self.low = text.lower().rstrip(".")
        self.word = text[:1].isalpha()
        self.cap = text[:1].isupper()
        self.honorific = self.low in _HONORIFICS and (
            text.endswith(".") or self.low in _BARE_HONORIFICS
        )
        self.nameable = _nameable(self)
        self.head = self.word and self.low in _HEADS
        self.may_head = self.head or text.lower() in _HEAD_PREFIXES  # may start a head


@functools.lru_cache(maxsize=1 << 16)
def _tok(text: str) -> _Tok:
    """The shared token for this text."""
    return _Tok(text)


@dataclass
class _Para:
    """A stretch of text cut into tokens: toks[i] lies at text[starts[i]:ends[i]]."""

    text: str
    toks: list[_Tok]
    starts: list[int]
    ends: list[int]


def _tokens(text: str) -> _Para:
    para = _Para(text, [], [], [])
    add_tok, add_start, add_end = para.toks.append, para.starts.append, para.ends.append
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        start, end = m.span()
        if word.endswith(".") and len(word) > 1:
            stem = word[:-1]
            nxt = text[end : end + 1]
            keep = stem.lower() in _ABBREV or len(stem) == 1 or nxt.isalpha()
            if not keep:
                add_tok(_tok(stem)), add_start(start), add_end(end - 1)
                add_tok(_tok(".")), add_start(end - 1), add_end(end)
                continue
        add_tok(_tok(word)), add_start(start), add_end(end)
    return para


def _is_word(tok: _Tok) -> bool:
    return tok.word


def _is_cap(tok: _Tok) -> bool:
    return tok.cap


def _is_acronym(tok: _Tok) -> bool:
    letters = tok.text.replace("-", "").rstrip(".")
    return len(letters) > 1 and letters.isupper()


def _is_honorific(tok: _Tok) -> bool:
    return tok.honorific


def _nameable(tok: _Tok) -> bool:
    """Could this token be part of a person's name?"""
    if not tok.word or not tok.cap or _is_acronym(tok):
        return tok.low in _NAME_PARTICLES and not tok.cap
    return tok.low not in _NOT_NAME and not _NOMINAL.match(tok.low)


def _head_span(toks: list[_Tok], i: int) -> int:
    """Number of tokens forming a position head at i (0 when none)."""
    if not toks[i].may_head:
        return 0
    j = i
    while j < len(toks) and toks[j].text.lower() in _HEAD_PREFIXES:
        j += 1
    for k in range(min(j, len(toks) - 1), i - 1, -1):
        if toks[k].head:
            return k - i + 1
    return 0


def _position_end(toks: list[_Tok], i: int) -> int:
    """Index just past the position phrase whose complement starts at i."""
    while i < len(toks):
        tok = toks[i]
        if _is_honorific(tok) and not _is_initial(toks, i):
            return i
        if tok.text == "(" and i + 2 < len(toks) and toks[i + 2].text == ")":
            i += 3
            continue
        if _is_word(tok) and _is_cap(tok):
            i += 1
            continue
        if tok.text in _CONT_LOWER or tok.text in {"&", "/"}:
            j = i
            while j < len(toks) and (toks[j].text in _CONT_LOWER or toks[j].text in {"&", "/"}):
                j += 1
            nxt = toks[j] if j < len(toks) else None
            if nxt is None or _head_span(toks, j):
                return i
            if _is_word(nxt) and _is_cap(nxt) or nxt.text == "," or _is_honorific(nxt):
                i = j
                continue
            return i
        return i
    return i


def _is_initial(toks: list[_Tok], i: int) -> bool:
    """`H.` after a name word is a middle initial (`Yasonna H. Laoly`), not `Haji`."""
    return toks[i].low == "h" and i > 0 and toks[i - 1].nameable and toks[i - 1].cap


def _name_after(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """A name (start, end) beginning at i after any honorifics, ending at a boundary."""
    while i < len(toks) and _is_honorific(toks[i]):
        i += 1
    j = i
    while j < len(toks) and toks[j].nameable and j - i < _MAX_NAME_TOKENS:
        j += 1
    if j == i or not _ends_name(toks, j) or not _is_cap(toks[i]):
        return None
    return i, j


def _ends_name(toks: list[_Tok], j: int) -> bool:
    if j >= len(toks):
        return True
    tok = toks[j]
    return not _is_word(tok) or not _is_cap(tok)


def _name_before(toks: list[_Tok], comma: int) -> tuple[int, int] | None:
    """A name ending just before toks[comma], preceded by a sentence or clause boundary."""
    j = comma
    i = j
    while (
        i > 0
        and _is_word(toks[i - 1])
        and (_is_cap(toks[i - 1]) or toks[i - 1].low in _NAME_PARTICLES)
    ):
        i -= 1
    start = i
    while start < j and _is_honorific(toks[start]):
        start += 1
    if start == j or not all(t.nameable for t in toks[start:j]) or j - start > _MAX_NAME_TOKENS:
        return None
    return start, j


def _split_name(toks: list[_Tok], lo: int, hi: int, referred: set[str]) -> tuple[int, int] | None:
    """Split a run `Position-complement Name`: the name is the nameable tail of the run."""
    k = hi
    while k > lo and toks[k - 1].nameable:
        k -= 1
    if toks[lo - 1].low not in _COMPLETE_HEADS:
        k = max(k, lo + 1)  # the first word after the head belongs to the position
    if k < hi and toks[k - 1].low in _ORG_WORDS:
        k += 1  # `Universitas Pattimura`: the word after an organisation word is its name
    if k >= hi:
        return None
    for s in range(k, hi):
        if toks[s].text in referred:
            return s, hi
    if hi - k > 4 or (hi - k == 1 and len(toks[k].text) < 3):
        return None
    if hi - k == 1:
        return None  # a lone word after a position is too often a place or an organisation
    return k, hi


def _name_text(para: _Para, span: tuple[int, int]) -> str:
    return _squash(para.text[para.starts[span[0]] : para.ends[span[1] - 1]])


def _position_text(para: _Para, lo: int, hi: int) -> str:
    while hi > lo and para.toks[hi - 1].text in _LINK_WORDS:
        hi -= 1
    return _squash(para.text[para.starts[lo] : para.ends[hi - 1]]).rstrip(",")


def _person(para: _Para, name: tuple[int, int], head: int, pos_end: int) -> tuple[int, Person]:
    """Where the name starts, and the person with the position toks[head:pos_end]."""
    return para.starts[name[0]], Person(_name_text(para, name), _position_text(para, head, pos_end))


def _merge(people: list[tuple[int, Person]]) -> list[Person]:
    """One Person per person: a name that is part of another is the same person."""
    out: list[Person] = []
    for _, person in sorted(people, key=lambda p: p[0]):
        words = person.name.split()
        for known in out:
            kw = known.name.split()
            if _contains(kw, words) or _contains(words, kw):
                if len(words) > len(kw):
                    known.name = person.name
                break
        else:
            out.append(person)
    return out


def _contains(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def _referred(text: str) -> set[str]:
    """Words used alone to refer to someone (`kata Windi`, `Menurut Bambang`)."""
    return {m.group(1) for m in _ATTRIBUTION.finditer(text)}


def _strip_degrees(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        nxt = m.group("next")
        return (". " + nxt.strip()) if nxt else ""

    return _DEGREES.sub(repl, text)


def _windows(text: str) -> list[tuple[int, int]]:
    """Stretches of text around position words, within one paragraph, merged."""
    spans: list[tuple[int, int]] = []
    for m in _LETTERS.finditer(text):
        if m.group().lower() not in _HEADS:
            continue
        para_start = text.rfind("\n", 0, m.start()) + 1
        para_end = text.find("\n", m.end())
        para_end = len(text) if para_end < 0 else para_end
        lo = max(para_start, m.start() - _LOOK_BEHIND)
        if lo > para_start:
            lo = text.find(" ", lo, m.start()) + 1 or m.start()
        stop = text.find(". ", min(m.end() + _LOOK_AHEAD, para_end), para_end)
        hi = para_end if stop < 0 else stop + 1
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return spans


def _people_in(paragraph: str, referred: set[str]) -> list[tuple[int, Person]]:
    para = _tokens(paragraph)
    toks = para.toks
    found: list[tuple[int, Person]] = []
    resume = 0  # tokens before this belong to a position already read
    for i in [k for k, tok in enumerate(toks) if tok.may_head]:
        if i < resume:
            continue
        n = _head_span(toks, i)
        if not n or (i > 0 and _head_span(toks, i - 1)):
            continue
        pos_end = _position_end(toks, i + n)
        hit = _read_person(para, i, i + n, pos_end, referred)
        if hit:
            found.append(hit)
        resume = max(i + 1, pos_end)
    return found


def _read_person(
    para: _Para, head: int, head_end: int, pos_end: int, referred: set[str]
) -> tuple[int, Person] | None:
    """Try `Position, Name`, `Position Name`, `Name, Position` and `Name selaku Position`."""
    toks = para.toks
    nxt = toks[pos_end] if pos_end < len(toks) else None
    if nxt is not None and nxt.text == "," and pos_end > head_end - 1:
        name = _name_after(toks, pos_end + 1)
        if name:
            return _person(para, name, head, pos_end)
    if nxt is not None and _is_honorific(nxt):
        name = _name_after(toks, pos_end)
        if name:
            return _person(para, name, head, pos_end)
    split = _split_name(toks, head_end, pos_end, referred)
    if split:
        return _person(para, split, head, split[0])
    if head > 1 and (toks[head - 1].text == "," or toks[head - 1].low == "selaku"):
        name = _name_before(toks, head - 1)
        if name and _closes_clause(nxt):
            return _person(para, name, head, pos_end)
    return None


def _closes_clause(tok: _Tok | None) -> bool:
    return tok is None or not _is_word(tok) or tok.text[:1].islower()


def extract_people(text: str) -> list[Person]:
    """People named with their position, one Person per person."""
    return _people(_prepare(text))


def _people(prepared: str) -> list[Person]:
    clean = _strip_degrees(prepared)
    referred = _referred(clean)
    found: list[tuple[int, Person]] = []
    for lo, hi in _windows(clean):
        found.extend((lo + at, p) for at, p in _people_in(clean[lo:hi], referred))
    return _merge(found)


# --------------------------------------------------------------------------- HTML

_DOCUMENT_TYPES = frozenset("pdf doc docx xls xlsx ppt pptx zip".split())
_SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")


def _image_key(url: str) -> str:
    """Scheme-, www- and size-insensitive key to compare image URLs."""
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    return host + _SIZE_SUFFIX.sub("", parts.path)


def _text_or_none(values: list[str]) -> str | None:
    text = _squash(" ".join(values))
    return text or None


def _caption(img: Selector) -> str | None:
    for query in (
        "ancestor::figure[1]//figcaption//text()",
        "ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' wp-caption ')][1]"
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' wp-caption-text ')]//text()",
    ):
        caption = _text_or_none(img.xpath(query).getall())
        if caption:
            return caption
    return None


def _body(body: str | Selector) -> Selector:
    """The body as a selector: pass the parsed one when there is one (no second parse)."""
    return body if isinstance(body, Selector) else Selector(text=body or "<p></p>")


def extract_images(body: str | Selector, base_url: str, featured_src: str | None) -> list[Image]:
    """Images of the body, absolute, with alt text, caption and whether featured."""
    featured_url = absolute_url(base_url, featured_src) if featured_src else None
    featured = _image_key(featured_url) if featured_url else None
    images: list[Image] = []
    seen: set[str] = set()
    for img in _body(body).css("img"):
        src = img.attrib.get("src") or img.attrib.get("data-src") or img.attrib.get("data-lazy-src")
        if not src or src.startswith("data:"):
            continue
        src = absolute_url(base_url, src)
        if src is None or src in seen:
            continue
        seen.add(src)
        alt = _squash(img.attrib.get("alt", "")) or None
        is_featured = featured is not None and _image_key(src) == featured
        images.append(Image(src, alt, _caption(img), is_featured))
    return images


def extract_documents(body: str | Selector, base_url: str) -> list[Document]:
    """Links to office documents and archives, absolute, with their link text and type."""
    documents: list[Document] = []
    seen: set[str] = set()
    for link in _body(body).css("a[href]"):
        url = absolute_url(base_url, link.attrib["href"])
        if url is None:
            continue
        suffix = PurePosixPath(urlsplit(url).path).suffix.lower().lstrip(".")
        if suffix not in _DOCUMENT_TYPES or url in seen:
            continue
        seen.add(url)
        documents.append(Document(url, _text_or_none(link.xpath(".//text()").getall()), suffix))
    return documents


# --------------------------------------------------------------------------- entry point


def _publication_date(published_at: str) -> date:
    return date.fromisoformat(published_at.strip()[:10])


def read_press_release(body_text: str, published_at: str) -> dict:
    """Every field the text of a press release gives, for the page objects."""
    published = _publication_date(published_at)
    clean = _prepare(body_text)
    dateline = _find_dateline(clean)
    content_end = _content_end(clean)
    body_end = _strip_source_notes(clean, content_end)
    event = _event_date(clean, body_text, published, dateline, body_end)
    credit = _credit(clean, body_text, body_end)
    return {
        "dateline_city": dateline.city if dateline else None,
        "event_date": event.start.isoformat() if event else None,
        "event_date_end": event.end.isoformat() if event and event.end else None,
        "event_date_text": event.text if event else None,
        "event_date_note": event.note if event else None,
        "credit": credit.name if credit else None,
        "credit_text": credit.text if credit else None,
        "source_note": _source_note(clean, body_text, content_end),
        "language": detect_language(clean),
        "people": _people(clean),
    }


__all__ = [
    "Credit",
    "EventDate",
    "detect_language",
    "extract_documents",
    "extract_images",
    "extract_people",
    "find_credit",
    "find_event_date",
    "find_source_note",
    "normalise_credit",
    "parse_dateline",
    "read_press_release",
]
