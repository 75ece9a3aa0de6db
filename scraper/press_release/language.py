"""The language of a release: Indonesian or English from stop words, other scripts by block."""

from __future__ import annotations

import functools
import re

from scraper.press_release.common import _NOT_A_TO_Z

_ID_WORDS = frozenset(
    b"yang dan di dengan untuk dalam ini itu pada tidak dari ke akan juga oleh sebagai adalah "
    b"bahwa telah dapat para atau kami kita serta tersebut karena sudah agar bagi antara menjadi "
    b"secara lebih kepada hal ia mereka masih bisa harus saat sejumlah melalui terhadap hari "
    b"tahun kegiatan acara menyampaikan mengatakan pun jika apabila maka setiap seluruh semua "
    b"hingga sampai sebuah salah satu lain baik namun tetapi atas yakni yaitu sejak tentang "
    b"mengenai terkait sehingga sedangkan bahkan hanya masing ada belum juga selain bersama "
    b"pemerintah daerah peserta masyarakat".split()
)
_EN_WORDS = frozenset(
    b"the and of to in is that for on with as by this was are be from at it an which have has "
    b"were will their also its or not but been would said can our we they such".split()
)
# Words are the runs of a-z in the lower-cased text, read as bytes: any other character,
# once encoded as ASCII (one "?" for each that is not), is turned into a space.
_ID_AFFIXED = re.compile(rb"^(?:me|ber|di|ter|pe)[a-z]{2,}(?:kan|an|nya)$")  # kegiatannya
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
def _is_id_word(word: bytes) -> bool:
    """An Indonesian stop word or affixed verb (cached: the same words recur)."""
    return word in _ID_WORDS or _ID_AFFIXED.match(word) is not None


def detect_language(text: str) -> str | None:
    """`id` or `en` from stop words; other scripts by Unicode block; None when unsure."""
    sample = text[:_LANG_SAMPLE]
    words = sample.lower().encode("ascii", "replace").translate(_NOT_A_TO_Z).split()
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
