"""What a ham.go.id press release says about itself: dateline, event date, credit, people,
language. Pure parsing of the body text, no network; one module per convention.
`read_press_release` is the entry point for the page objects (images and documents are read
from the body HTML in `scraper.pages.article`)."""

from __future__ import annotations

from datetime import date

from scraper.press_release.common import _content_end, _prepare
from scraper.press_release.credit import (
    Credit,
    _credit,
    _source_note,
    _strip_source_notes,
    find_credit,
    find_source_note,
    normalise_credit,
)
from scraper.press_release.dateline import _find_dateline, parse_dateline
from scraper.press_release.event_date import EventDate, _event_date, find_event_date
from scraper.press_release.language import detect_language
from scraper.press_release.people import _people, extract_people


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
    "extract_people",
    "find_credit",
    "find_event_date",
    "find_source_note",
    "normalise_credit",
    "parse_dateline",
    "read_press_release",
]
