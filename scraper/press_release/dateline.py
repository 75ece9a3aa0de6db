"""The dateline: `City, ham.go.id – ` at the start of a release, and its variants."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scraper.press_release.common import (
    _DASH,
    _MONTH_RE,
    _MONTHS,
    _WD,
    _WEEKDAYS,
    _prepare,
    _squash,
)
from scraper.press_release.people import _HEADS, _HONORIFICS, _ORG_WORDS, _people

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
      | (?P<bare>,)[ \t]+(?=\w)
    )""",
    re.I | re.M | re.X,
)
_DATELINE_WINDOW = 600
# Words that open a sentence, name an office or a person: never the place of a bare dateline
# (`Jakarta, Direktorat Jenderal HAM menerima ...`), whose city is only told by its position.
_NOT_A_PLACE = (
    _HEADS
    | _HONORIFICS
    | _ORG_WORDS
    | frozenset(_WEEKDAYS)
    | frozenset(_MONTHS)
    | frozenset(
        """selain dalam menurut sementara namun tetapi untuk pada dengan sebagai oleh bahwa
        kemudian adapun terkait sehubungan berdasarkan bertempat hari ini itu tahun saat setelah
        sebelum melalui guna demi agar mengingat meskipun walaupun jika apabila kepada bersama
        sebelumnya selanjutnya akhirnya karena maka tidak sedangkan bahkan juga di ke dari yang
        dan atau lebih sekitar tak sejak hingga sampai tentunya sayangnya bagi kami kita mereka
        ia dia beliau sdr saudara selamat assalamualaikum salam halo yth the in on at as after
        however meanwhile today yesterday tomorrow direktorat jenderal kementerian kantor
        wilayah ditjen kanwil komnas pemerintah tim para humas balai bidang divisi subdit
        sekretariat biro bagian seksi panitia peserta acara kegiatan rapat""".split()
    )
)


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
        if m.group("bare") and not _bare_dateline(text, m, city):
            continue
        return _Dateline(_title_case(city), m.end(), m.group("date") or m.group("date2"))
    return None


def _bare_dateline(text: str, m: re.Match[str], city: str) -> bool:
    """`City, Sentence ...` with neither site name nor dash: only as the text's first words,
    a place of capitalised words that open no sentence and name no person (`Bambang Iriana,
    Sekretaris ...`), then a capitalised word."""
    words = city.replace("-", " ").split()
    if not (
        not text[: m.start()].strip()
        and text[m.end() : m.end() + 1].isupper()
        and all(word[:1].isupper() for word in words)
        and not any(word.lower().strip(".'") in _NOT_A_PLACE for word in words)
    ):
        return False
    sentence = text[m.start() : text.find(".", m.end()) % len(text) + 1]
    return all(person.name != _squash(city) for person in _people(sentence))


def parse_dateline(body_text: str) -> str | None:
    """The dateline's place as written, in title case, or None."""
    found = _find_dateline(_prepare(body_text))
    return found.city if found else None
