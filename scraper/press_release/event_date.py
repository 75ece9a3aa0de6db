"""The event date: `Selasa (13/9)` and its variants, its year chosen from the publication."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from scraper.press_release.common import (
    _MONTH_RE,
    _MONTHS,
    _RANGE_SEP,
    _TOD,
    _WD,
    _WEEKDAY_NAMES,
    _WEEKDAYS,
    _content_end,
    _prepare,
)
from scraper.press_release.credit import _strip_source_notes
from scraper.press_release.dateline import _Dateline, _find_dateline

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
    """The first acceptable date after the dateline and before `body_end` (no source note).

    A date written with its weekday is the event's own: one without (an anniversary, `setiap
    tanggal 10 Desember`, a deadline) yields to a weekday-anchored date later in its paragraph.
    """
    begin = dateline.end if dateline else 0
    clean = clean[:body_end]  # a source's date is not the event's
    first = None
    for w in _date_expressions(clean, begin):
        if first and clean.find("\n", first[0].m.end(), w.start) >= 0:
            break  # the paragraph of the first date is over
        span = _resolve(w.m, pub)
        if span and _accept(w, span, pub):
            if w.weekday:
                return _event_from(w, span, pub, original)
            first = first or (w, span)
    if first:
        return _event_from(*first, pub, original)
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
