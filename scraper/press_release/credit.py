"""The close of a release: the press-office credit `(Humas DJHAM)`, a `Disadur dari` source line."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scraper.press_release.common import _content_end, _prepare, _squash

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
