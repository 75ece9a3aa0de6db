"""What every convention reader shares: a same-length plain copy of the text, where the
article ends, and the calendar words (months, weekdays) of Indonesian and English."""

from __future__ import annotations

import re

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
_BOILERPLATE_LINE = re.compile(
    r"^\s*(?:post\s+author\s*:.*|bagikan\b.*|share\b.*|leave\s+a\s+reply.*|skip\s+to\s+content"
    r"|tags?\s*:.*|kategori\s*:.*|like\s+this:?|related|print|facebook|twitter|whatsapp|email"
    r"|previous\s+post.*|next\s+post.*|\d*\s*views?)\s*$",
    re.I,
)
_TRAILING_POST_AUTHOR = re.compile(r"\s*Post\s+Author\s*:\s*\S*\s*$", re.I)


_ODD_CHARS = [(chr(odd), plain) for odd, plain in _SAME_LENGTH.items()]


def _prepare(text: str) -> str:
    """Same-length copy of the text with odd spaces and apostrophes made plain (one
    ``str.replace`` for each that occurs: ``str.translate`` with a table costs 35 ns a
    character)."""
    for odd, plain in _ODD_CHARS:
        if odd in text:
            text = text.replace(odd, plain)
    return text


_NOT_A_TO_Z = bytes(c if 97 <= c <= 122 else 32 for c in range(256))


def letter_runs(text: str) -> tuple[bytes, set[bytes]]:
    """The text's runs of ASCII letters, lower-cased, as bytes: a copy with every other
    character a space (one for each character, so offsets are the text's, plus one: it starts
    with a space, and ends with one), and the set of the runs. A word's place is then a search
    for it between spaces, at C speed."""
    letters = text.encode("ascii", "replace").lower().translate(_NOT_A_TO_Z)
    return b" " + letters + b" ", set(letters.split())


def _squash(text: str) -> str:
    return " ".join(text.split())  # what collapsing ``\s+`` gives, faster


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
