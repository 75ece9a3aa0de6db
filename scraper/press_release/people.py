"""People named with their position: `Position, Name`, `Name, Position`, `Name selaku Position`."""

from __future__ import annotations

import re
from functools import cached_property

from scraper.items import Person
from scraper.press_release.common import _prepare, _squash, letter_runs

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
_DEGREE_AFTER_COMMA = re.compile(rf",\s*{_DEGREE}")  # what every _DEGREES match holds
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
_ATTRIBUTION_WORDS = frozenset(verb.encode() for verb in _ATTRIBUTION_VERBS)
_HEAD_WORDS = frozenset(head.encode() for head in _HEADS)
_MAX_NAME_TOKENS = 5
_LOOK_BEHIND = 90  # characters read before a position word (for `Name, Position`)
_LOOK_AHEAD = 160  # characters read after it before stopping at the next sentence end
# `_TOKEN`'s tokens, with the dot rule of `_tokens_one_by_one` in the pattern: a word keeps its
# final dot when it is an abbreviation, a single letter, or followed by a letter (`ham.go.id`);
# otherwise the dot is a token of its own. (A letter outside ASCII after a dot: one by one.)
_ABBREV_DOT = (  # tried only where a short word meets a dot: the lookahead is cheap
    rf"(?=[A-Za-z][A-Za-z']{{0,{max(map(len, _ABBREV)) - 1}}}\.)"
    rf"(?ai:{_alternation(sorted(_ABBREV))})\."
)
_WORD_DOT = _ABBREV_DOT + r"|[A-Za-z]\.|[A-Za-z][A-Za-z'\-]*(?:\.(?=[A-Za-z]))?"
_TOKENS = re.compile(_WORD_DOT + r"|[(),.;:!?\"“”]|[^\sA-Za-z(),.;:!?\"“”]+")
_DOT_BEFORE_NON_ASCII = re.compile(r"\.(?=[^\x00-\x7f])")


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


_TOKS: dict[str, _Tok] = {}  # one shared token per text; cleared when it grows past 65,536


def _tok(text: str) -> _Tok:
    """The shared token for this text."""
    tok = _TOKS.get(text)
    if tok is None:
        if len(_TOKS) >= 1 << 16:
            _TOKS.clear()
        tok = _TOKS[text] = _Tok(text)
    return tok


class _Para:
    """A stretch of text cut into tokens: toks[i] lies at text[start:end] for spans[i] (start,
    end). The spans are found when first asked for: most stretches name no one."""

    def __init__(self, text: str, toks: list[_Tok]) -> None:
        self.text, self.toks = text, toks

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        return [m.span() for m in _TOKENS.finditer(self.text)]


def _tokens(text: str) -> _Para:
    """The text's tokens, found by one regex."""
    if any(text[m.end()].isalpha() for m in _DOT_BEFORE_NON_ASCII.finditer(text)):
        return _tokens_one_by_one(text)
    get = _TOKS.get
    return _Para(text, [get(word) or _tok(word) for word in _TOKENS.findall(text)])


def _tokens_one_by_one(text: str) -> _Para:
    """The reference tokeniser: `_TOKEN`'s matches, a final dot cut off unless the word is an
    abbreviation or a single letter or a letter follows (`str.isalpha`, in any script)."""
    toks: list[_Tok] = []
    spans: list[tuple[int, int]] = []
    get = _TOKS.get
    for m in _TOKEN.finditer(text):
        word = m.group()
        start, end = m.span()
        if word[-1] == "." and len(word) > 1:
            stem = word[:-1]
            if not (stem.lower() in _ABBREV or len(stem) == 1 or text[end : end + 1].isalpha()):
                toks.append(get(stem) or _tok(stem))
                toks.append(get(".") or _tok("."))
                spans += ((start, end - 1), (end - 1, end))
                continue
        toks.append(get(word) or _tok(word))
        spans.append((start, end))
    para = _Para(text, toks)
    para.spans = spans
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
    return _squash(para.text[para.spans[span[0]][0] : para.spans[span[1] - 1][1]])


def _position_text(para: _Para, lo: int, hi: int) -> str:
    while hi > lo and para.toks[hi - 1].text in _LINK_WORDS:
        hi -= 1
    return _squash(para.text[para.spans[lo][0] : para.spans[hi - 1][1]]).rstrip(",")


def _person(para: _Para, name: tuple[int, int], head: int, pos_end: int) -> tuple[int, Person]:
    """Where the name starts, and the person with the position toks[head:pos_end]."""
    person = Person(_name_text(para, name), _position_text(para, head, pos_end))
    return para.spans[name[0]][0], person


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


def _referred(text: str, runs: tuple[bytes, set[bytes]] | None = None) -> set[str]:
    """Words used alone to refer to someone (`kata Windi`, `Menurut Bambang`): the matches of
    `_ATTRIBUTION`, tried only where one of its verbs stands (`letter_runs`)."""
    found, end = set(), 0
    for start, _ in _words_at(runs or letter_runs(text), _ATTRIBUTION_WORDS):
        if start >= end and (m := _ATTRIBUTION.match(text, start)):
            found.add(m.group(1))
            end = m.end()
    return found


def _words_at(runs: tuple[bytes, set[bytes]], wanted: frozenset[bytes]) -> list[tuple[int, int]]:
    """(start, end) of every run of letters that is one of the ``wanted`` words, in order."""
    letters, words = runs
    found = []
    for word in wanted.intersection(words):
        needle = b" " + word + b" "
        at = letters.find(needle)
        while at >= 0:
            found.append((at, at + len(word)))  # letters has one space more in front
            at = letters.find(needle, at + 1)
    return sorted(found)


def _strip_degrees(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        nxt = m.group("next")
        return (". " + nxt.strip()) if nxt else ""

    if not _DEGREE_AFTER_COMMA.search(text):  # most texts: a quick search from each comma
        return text
    return _DEGREES.sub(repl, text)


def _windows(text: str, runs: tuple[bytes, set[bytes]] | None = None) -> list[tuple[int, int]]:
    """Stretches of text around position words (whole runs of letters, in any case), within one
    paragraph, merged."""
    spans: list[tuple[int, int]] = []
    for start, end in _words_at(runs or letter_runs(text), _HEAD_WORDS):
        para_start = text.rfind("\n", 0, start) + 1
        para_end = text.find("\n", end)
        para_end = len(text) if para_end < 0 else para_end
        lo = max(para_start, start - _LOOK_BEHIND)
        if lo > para_start:
            lo = text.find(" ", lo, start) + 1 or start
        stop = text.find(". ", min(end + _LOOK_AHEAD, para_end), para_end)
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
    runs = letter_runs(clean)
    referred = _referred(clean, runs)
    found: list[tuple[int, Person]] = []
    for lo, hi in _windows(clean, runs):
        found.extend((lo + at, p) for at, p in _people_in(clean[lo:hi], referred))
    return _merge(found)
