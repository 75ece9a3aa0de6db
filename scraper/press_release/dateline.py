"""The dateline: `City, ham.go.id – ` at the start of a release, and its variants."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scraper.press_release.common import _DASH, _MONTH_RE, _WD, _prepare, _squash

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
