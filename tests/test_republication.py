"""The policy that links one release published on two sites (scraper/republication.py)."""

import sys
from pathlib import Path

from scraper.republication import same_release

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

POSTS = corpus.published(corpus.make_corpus(40))


def row(post: dict, site: str, **changes) -> dict:
    base = {
        "site": site,
        "title": post["title"],
        "published_at": corpus.published_at_iso(post["date"]),
        "body_text": post["expected_text"],
    }
    return base | changes


def test_a_republication_on_the_portal_is_the_same_release():
    seed = POSTS[0]
    portal_text = seed["expected_text"].replace("ham.go.id", "portal.ham.go.id", 1)
    original = row(seed, "https://ham.go.id")
    copy = row(
        seed,
        "https://portal.ham.go.id",
        body_text=portal_text,
        title=seed["title"].upper(),
        published_at=corpus.published_at_iso(seed["date"]).replace("09:00", "15:30"),
    )
    assert same_release(original, copy) and same_release(copy, original)


def test_every_corpus_release_matches_itself_elsewhere_and_no_other():
    sites = ("https://ham.go.id", "https://kemenham.go.id")
    for i, post in enumerate(POSTS):
        for j, other in enumerate(POSTS):
            assert same_release(row(post, sites[0]), row(other, sites[1])) == (i == j), (i, j)


def test_the_same_site_never_links_to_itself():
    assert not same_release(row(POSTS[1], "https://ham.go.id"), row(POSTS[1], "https://ham.go.id"))


def test_far_apart_dates_are_different_releases():
    later = corpus.published_at_iso(POSTS[2]["date"]).replace(POSTS[2]["date"][:4], "2099", 1)
    a = row(POSTS[2], "https://ham.go.id")
    assert not same_release(a, row(POSTS[2], "https://kemenham.go.id", published_at=later))


def test_a_rewritten_text_under_the_same_title_is_not_linked():
    a = row(POSTS[3], "https://ham.go.id")
    b = row(POSTS[3], "https://kemenham.go.id", body_text=POSTS[4]["expected_text"])
    assert not same_release(a, b)


def test_broken_dates_are_never_linked():
    a = row(POSTS[5], "https://ham.go.id")
    assert not same_release(a, row(POSTS[5], "https://kemenham.go.id", published_at="kemarin"))
