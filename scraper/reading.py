"""What the reading page says about one press release: dates in Indonesian, its publisher, and
ready citations (APA and BibTeX). Pure: strings in, strings out."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
ZONES = {"+07:00": "WIB", "+08:00": "WITA", "+09:00": "WIT"}
# The Directorate General of Human Rights became a ministry with the cabinet sworn in on
# 21 October 2024; releases from that day on are the ministry's.
MINISTRY_SINCE = "2024-10-21"
DIRECTORATE = "Direktorat Jenderal Hak Asasi Manusia"
MINISTRY = "Kementerian Hak Asasi Manusia"
BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def _parse(value: str) -> datetime | date | None:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


def tanggal(value: str | None) -> str | None:
    """An ISO 8601 date or time in Indonesian: ``Rabu, 14 September 2022`` and, for a time,
    ``pukul 09.00 WIB`` after it (the zone named when it is one of Indonesia's three)."""
    parsed = _parse(value or "")
    if parsed is None:
        return None
    day = parsed.date() if isinstance(parsed, datetime) else parsed
    text = f"{HARI[day.weekday()]}, {day.day} {BULAN[day.month - 1]} {day.year}"
    if isinstance(parsed, datetime):
        offset = parsed.isoformat()[19:]
        zone = ZONES.get(offset, "UTC" if offset in ("+00:00", "") else f"UTC{offset}")
        text += f" pukul {parsed:%H.%M} {zone}"
    return text


def publisher(published_at: str | None) -> str:
    """Who issued a release published at ``published_at``: the directorate, or the ministry."""
    return MINISTRY if (published_at or "")[:10] >= MINISTRY_SINCE else DIRECTORATE


def _host(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url).split("/", 1)[0]


def apa(article: dict, archived_url: str, captured_at: str | None) -> str:
    """An APA 7 reference to the release, with the archive's copy and its capture time."""
    published = _parse(article.get("published_at") or "")
    when = "n.d."
    if published is not None:
        when = f"{published.year}, {MONTHS[published.month - 1]} {published.day}"
    title = (article.get("title") or "").strip().rstrip(".")
    reference = (
        f"{publisher(article.get('published_at'))}. ({when}). {title} [Press release]. "
        f"{_host(article['url'])}. {article['url']}"
    )
    archived = f" Archived at {archived_url}"
    if captured_at:
        archived += f" (captured {captured_at})"
    return reference + archived + "."


def _bib(value: str) -> str:
    return BIBTEX_SPECIAL.sub(r"\\\1", value)


def bibtex_key(article: dict) -> str:
    """``ham2022-<post id>``, or ``ham2022-<slug's first words>`` for a post without an id."""
    year = (article.get("published_at") or "")[:4]
    if article.get("post_id"):
        return f"ham{year}-{article['post_id']}"
    slug = unicodedata.normalize("NFKD", article.get("slug") or article["url"])
    words = re.findall(r"[a-z0-9]+", slug.encode("ascii", "ignore").decode().lower())
    return f"ham{year}-" + "-".join(words[:4])


def bibtex(article: dict, archived_url: str, captured_at: str | None) -> str:
    """A BibTeX ``@misc`` entry: the release's URL, the archive's URL and the capture time."""
    published = _parse(article.get("published_at") or "")
    fields = [
        ("author", "{" + _bib(publisher(article.get("published_at"))) + "}"),
        ("title", "{" + _bib((article.get("title") or "").strip()) + "}"),
        ("howpublished", f"Press release, {_bib(_host(article['url']))}"),
    ]
    if published is not None:
        fields += [("year", str(published.year)), ("month", str(published.month))]
        fields.append(("date", published.date().isoformat()))
    fields.append(("url", article["url"]))
    note = f"Archived by ham-archive at \\url{{{archived_url}}}"
    if captured_at:
        note += f", captured {captured_at}"
        fields.append(("urldate", captured_at[:10]))
    fields.append(("note", note))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(article)},\n{body}\n}}"
