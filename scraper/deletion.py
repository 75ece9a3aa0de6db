"""What counts as a deletion: pure rules over the evidence a run gathered, no network, no db.

An archived post is marked deleted only on positive evidence, never because something is missing:

* **absent from a provably complete listing**, confirmed by a lookup: the listing's total was
  known at the start and the same at the end of the sweep, every page was fetched, the ids seen
  are as many as the total, and a direct lookup of the post (REST ``include=``) answered with a
  valid list that does not contain it. The lookup makes a sweep that raced with a publication or
  a deletion harmless: a post shifted off the pages is found by it, and archived. Both are the
  REST API's word, one source (a plugin that filters its queries lists nothing, completely), so
  the post's own URL must also answer with the site's not-found page (``gone_by_answer``,
  ``absent``), or lead to another post (``led_elsewhere``);
* or **its own URL answers 404/410 with the site's real not-found page** (the same page a random
  URL of the same site gets in the same run, so a firewall's or a CDN's 404 does not count),
  backed by a second signal: absent from the sitemaps read completely in the same run, or the
  same answer on an earlier run.

Whatever is incomplete (a missing or garbled total, a failed page, a changed total, a refused
lookup, a not-found page unlike the site's own, no probe) deletes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

GONE_STATUSES = (404, 410)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(rb"\s+")


@dataclass(frozen=True)
class Evidence:
    """Why a post is taken for deleted, with the captures (captures.id) a researcher can read."""

    reasons: tuple[str, ...]
    capture_ids: tuple[int, ...] = ()

    def as_json(self) -> dict:
        # Each capture once, in the order gathered; the pipeline sorts them once their ids are
        # known (a live crawl's ids are assigned by the archive writer, after the spider).
        return {"reasons": list(self.reasons), "capture_ids": list(dict.fromkeys(self.capture_ids))}


@dataclass
class Sweep:
    """One pass over a paginated listing (the REST ids, or the REST posts of a full run)."""

    total_start: int | None = None  # X-WP-Total when the sweep started; None: unknown
    total_end: int | None = None  # X-WP-Total read again once every page was in
    pages: int | None = None  # X-WP-TotalPages; None: unknown
    pages_done: set[int] = field(default_factory=set)
    pages_failed: set[int] = field(default_factory=set)
    ids: set[Hashable] = field(default_factory=set)
    capture_ids: list[int] = field(default_factory=list)

    def incomplete(self) -> str | None:
        """Why this sweep does not prove anything absent; None when it is complete."""
        if self.total_start is None:
            return "listing total unknown"
        if self.pages is None:
            return "listing page count unknown"
        if self.pages_failed:
            return f"{len(self.pages_failed)} listing page(s) failed"
        if not set(range(1, self.pages + 1)) <= self.pages_done:
            return f"{self.pages - len(self.pages_done)} listing page(s) not fetched"
        if self.total_end is None:
            return "listing total not read again at the end"
        if self.total_end != self.total_start:
            return f"listing total went {self.total_start} -> {self.total_end} during the sweep"
        if len(self.ids) != self.total_start:
            return f"{len(self.ids)} ids listed where the total says {self.total_start}"
        return None


@dataclass
class Lookup:
    """A direct lookup of some ids (REST ``include=``): which were asked, which came back."""

    asked: set[Hashable] = field(default_factory=set)
    found: set[Hashable] = field(default_factory=set)
    failed: set[Hashable] = field(default_factory=set)  # asked in a request that failed
    capture_ids: list[int] = field(default_factory=list)


def absent_from_listing(
    known: Mapping[Hashable, str], sweep: Sweep, lookup: Lookup | None
) -> dict[Hashable, Evidence]:
    """Known posts (id -> url) that a complete sweep did not list and the lookup did not find."""
    if sweep.incomplete() is not None or lookup is None:
        return {}
    gone = {}
    for key in known:
        if key in sweep.ids or key not in lookup.asked or key in lookup.found | lookup.failed:
            continue
        gone[key] = Evidence(
            reasons=(
                f"absent from a complete listing of {sweep.total_start} posts",
                "not returned when asked for by id",
            ),
            capture_ids=tuple(sweep.capture_ids) + tuple(lookup.capture_ids),
        )
    return gone


def candidates(known: Mapping[Hashable, str], sweep: Sweep) -> set[Hashable]:
    """Known posts a complete sweep did not list: to be looked up before anything is concluded."""
    if sweep.incomplete() is not None:
        return set()
    return set(known) - sweep.ids


@dataclass(frozen=True)
class Answer:
    """An HTTP answer reduced to what tells a site's not-found page from someone else's."""

    status: int
    fingerprint: str
    capture_id: int | None = None


def led_elsewhere(
    absent: Evidence, post_id: Hashable, served_id: Hashable | None, served: Answer
) -> Evidence | None:
    """Evidence that a post the REST API no longer has (``absent``) is gone, when its own URL
    now leads, by a redirect, to another post (``served_id``): WordPress answers the URL of a
    deleted post so when another post's slug begins with its own. None when the post served
    is the same one, or unknown."""
    if served_id is None or served_id == post_id:
        return None
    reasons = (f"its URL now leads to another post (id {served_id})", *absent.reasons)
    return Evidence(reasons, tuple(c for c in (served.capture_id, *absent.capture_ids) if c))


def not_found_fingerprint(content_type: str, body: bytes) -> str:
    """The type and the ``<title>`` of a page (or a digest of the whole body when it has none).

    A WordPress not-found page has the same title for every URL; a firewall's or a CDN's block
    page has another.
    """
    kind = content_type.split(";")[0].strip().lower()
    title = _TITLE.search(body[:200_000])
    if title:
        text = _SPACE.sub(b" ", title.group(1)).strip()
        return f"{kind} title:{hashlib.sha256(text).hexdigest()[:16]}"
    return f"{kind} body:{hashlib.sha256(body).hexdigest()[:16]}"


def is_site_not_found(answer: Answer, probe: Answer | None) -> bool:
    """The answer is the site's own not-found page: 404/410 looking like a random URL's answer."""
    return (
        answer.status in GONE_STATUSES
        and probe is not None
        and probe.status in GONE_STATUSES
        and answer.fingerprint == probe.fingerprint
    )


def gone_by_answer(
    answer: Answer,
    probe: Answer | None,
    *,
    unlisted: bool = False,
    earlier: Answer | None = None,
    absent: Evidence | None = None,
) -> Evidence | None:
    """Evidence that a post's own URL says it is gone, or None.

    ``unlisted``: the sitemaps were read completely in the same run and do not list the URL.
    ``earlier``: the answer an earlier run got, already checked against that run's probe.
    ``absent``: the REST API's word (``absent_from_listing``), which needs this answer too.
    """
    if not is_site_not_found(answer, probe):
        return None
    reasons = [f"HTTP {answer.status} with the site's not-found page"]
    captures = [answer.capture_id, probe.capture_id]
    if unlisted:
        reasons.append("absent from the sitemaps read completely in the same run")
    if earlier is not None and earlier.status in GONE_STATUSES:
        reasons.append("the same not-found answer on an earlier run")
        captures.append(earlier.capture_id)
    if absent is not None:
        reasons.extend(absent.reasons)
        captures.extend(absent.capture_ids)
    if len(reasons) < 2:
        return None
    return Evidence(tuple(reasons), tuple(c for c in captures if c is not None))
