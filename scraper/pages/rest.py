"""Posts from the WordPress REST API (``/wp-json/wp/v2/posts?_embed=...``)."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from scraper.items import Article
from scraper.pages.article import NotAnArticle, Unreadable, Withheld, make_article
from scraper.pages.html import parse_fragment
from scraper.text import absolute_url, plain, site_time

EMBED = "author,wp:term,wp:featuredmedia"


class RestRefused(Exception):
    """The REST API did not answer with posts: disabled, locked, or not WordPress."""


def rest_posts(status: int, content_type: str, body: bytes) -> list[dict[str, Any]]:
    """The posts of one page of ``/wp/v2/posts``; RestRefused with the reason otherwise."""
    if status != 200:
        code = ""
        try:
            code = f" {json.loads(body)['code']}"
        except (ValueError, KeyError, TypeError):
            pass
        raise RestRefused(f"HTTP {status}{code}")
    if "json" not in content_type:
        raise RestRefused(f"{content_type or 'no content type'} where JSON was expected")
    try:
        posts = json.loads(body)
    except ValueError:
        raise RestRefused("invalid JSON") from None
    if not isinstance(posts, list):
        raise RestRefused(f"a JSON {type(posts).__name__} where a list of posts was expected")
    return posts


class RestPost:
    """One post object of the REST API, with its ``_embedded`` author and terms."""

    EXTRACTOR = "wordpress-rest"

    def __init__(self, data: dict[str, Any], site: str):
        self.data = data
        self.site = site
        self.embedded = data.get("_embedded") or {}

    def to_article(self) -> Article:
        data = self.data
        if data.get("type", "post") != "post" or data.get("status", "publish") != "publish":
            raise NotAnArticle(f"not a published post: {data.get('link')}")
        given = data.get("content") or {}
        content = given.get("rendered") or ""
        if given.get("protected") and not content.strip():
            raise Withheld(f"password-protected: {data.get('link')}")
        url = absolute_url(self.site, data["link"], self.site)
        if url is None:
            raise Unreadable(f"post {data.get('id')} has a link that is not a URL")
        return make_article(
            url=url,
            title=plain((data.get("title") or {}).get("rendered")),
            published_at=self._time("date_gmt", "date"),
            body=parse_fragment(content),
            source="rest",
            post_id=data.get("id"),
            slug=data.get("slug"),
            modified_at=self._time("modified_gmt", "modified"),
            author=self.author,
            categories=self._terms("category", "categories"),
            tags=self._terms("post_tag", "tags"),
            featured_image=self.featured_image,
            extractor=self.EXTRACTOR,
        )

    def _time(self, gmt_field: str, local_field: str) -> str | None:
        """Prefer the UTC field: the local one carries no offset."""
        return site_time(self.data.get(gmt_field), UTC) or site_time(self.data.get(local_field))

    @property
    def author(self) -> str | None:
        authors = [a for a in self.embedded.get("author", []) if "name" in a]
        return plain(authors[0]["name"]) if authors else None

    def _terms(self, taxonomy: str, ids: str) -> list[str] | None:
        """The names of the post's terms of ``taxonomy``; None when it has some (``ids``) but
        their names did not come (a site that hides its term routes embeds an error)."""
        terms = [
            term
            for group in self.embedded.get("wp:term", [])
            if isinstance(group, list)  # an error object where the terms could not be embedded
            for term in group
            if isinstance(term, dict) and term.get("taxonomy") == taxonomy
        ]
        names = list(dict.fromkeys(name for term in terms if (name := plain(term.get("name")))))
        return None if not names and self.data.get(ids) else names

    @property
    def featured_image(self) -> str | None:
        media = [m for m in self.embedded.get("wp:featuredmedia", []) if m.get("source_url")]
        return absolute_url(self.site, media[0]["source_url"], self.site) if media else None
