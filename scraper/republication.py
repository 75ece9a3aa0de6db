"""The same release on two sites: a pure policy, so that the archive links, never merges.

``portal.ham.go.id`` republished ham.go.id's releases under its own permalinks, and a ministry
that moves may publish old releases again on its new site. Two rows are the same release when
they come from different sites, were published within ``MAX_DAYS`` of each other, and their
titles and texts agree once normalised (case, punctuation, a site name in the dateline):
titles at least ``MIN_TITLE`` alike and texts at least ``MIN_BODY`` alike (difflib ratios over
words). The archive keeps both rows and points the later one's ``same_as`` at the earlier.
"""

from __future__ import annotations

import re
from datetime import datetime
from difflib import SequenceMatcher

MAX_DAYS = 3
MIN_TITLE = 0.9
MIN_BODY = 0.85
UNTITLED_BODY = 0.95
SITE_NAMES = re.compile(r"\b(?:www\.|portal\.)?(?:kemenham|ham)\.go\.?\s?id\b", re.IGNORECASE)
NOT_WORD = re.compile(r"[^\w]+")


def words(text: str | None) -> list[str]:
    """Lower-case words, site names and punctuation left out."""
    return NOT_WORD.sub(" ", SITE_NAMES.sub(" ", text or "").casefold()).split()


def similarity(a: str | None, b: str | None) -> float:
    left, right = words(a), words(b)
    if not left or not right:
        return 0.0
    return SequenceMatcher(None, left, right, autojunk=False).ratio()


def same_release(a: dict, b: dict) -> bool:
    """Do two archived rows (``site``, ``title``, ``published_at``, ``body_text``) carry one
    release published on two sites?"""
    if not a.get("site") or a.get("site") == b.get("site"):
        return False
    try:
        apart = datetime.fromisoformat(a["published_at"]) - datetime.fromisoformat(
            b["published_at"]
        )
    except (KeyError, TypeError, ValueError):
        return False
    if abs(apart.total_seconds()) > MAX_DAYS * 86400:
        return False
    body = similarity(a.get("body_text"), b.get("body_text"))
    if not words(a.get("title")) and not words(b.get("title")):  # untitled: the text decides
        return body >= UNTITLED_BODY
    return similarity(a.get("title"), b.get("title")) >= MIN_TITLE and body >= MIN_BODY
