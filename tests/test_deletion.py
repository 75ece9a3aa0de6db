"""The deletion policy (scraper.deletion): examples, then properties over random fault patterns."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from scraper.deletion import (
    Answer,
    Lookup,
    Sweep,
    absent_from_listing,
    candidates,
    gone_by_answer,
    is_site_not_found,
    led_elsewhere,
    not_found_fingerprint,
)

PER_PAGE = 3
NOT_FOUND = b"<html><head><title>Page not found - HAM</title></head><body>Nothing</body></html>"
BLOCKED = b"<html><head><title>Access denied</title></head><body>Blocked</body></html>"


def complete_sweep(ids: set[int]) -> Sweep:
    pages = -(-len(ids) // PER_PAGE)
    return Sweep(
        total_start=len(ids),
        total_end=len(ids),
        pages=pages,
        pages_done=set(range(1, pages + 1)),
        ids=set(ids),
        capture_ids=[1, 2],
    )


def test_a_complete_sweep_and_a_lookup_prove_a_deletion():
    known = {1: "u1", 2: "u2", 3: "u3"}
    sweep = complete_sweep({1, 3})
    assert sweep.incomplete() is None
    assert candidates(known, sweep) == {2}
    lookup = Lookup(asked={2}, found=set(), capture_ids=[9])
    evidence = absent_from_listing(known, sweep, lookup)
    assert list(evidence) == [2]
    assert evidence[2].as_json() == {
        "reasons": [
            "absent from a complete listing of 2 posts",
            "not returned when asked for by id",
        ],
        "capture_ids": [1, 2, 9],
    }


def test_what_the_lookup_finds_or_fails_on_is_not_deleted():
    known = {1: "u1", 2: "u2", 3: "u3"}
    sweep = complete_sweep({1})
    assert absent_from_listing(known, sweep, Lookup(asked={2, 3}, found={2}, failed={3})) == {}
    assert absent_from_listing(known, sweep, None) == {}
    assert absent_from_listing(known, sweep, Lookup(asked=set())) == {}  # never asked


def test_every_kind_of_incomplete_sweep_deletes_nothing():
    known = {n: f"u{n}" for n in range(1, 8)}
    lookup = Lookup(asked=set(known))
    cases = {
        "listing total unknown": {"total_start": None},
        "listing page count unknown": {"pages": None},
        "1 listing page(s) failed": {"pages_failed": {2}},
        "1 listing page(s) not fetched": {"pages_done": {1}},
        "listing total not read again at the end": {"total_end": None},
        "listing total went 5 -> 6 during the sweep": {"total_end": 6},
        "1 ids listed where the total says 5": {"ids": {1}},
    }
    for reason, change in cases.items():
        sweep = complete_sweep({1, 2, 3, 4, 5})
        for name, value in change.items():
            setattr(sweep, name, value)
        assert sweep.incomplete() == reason
        assert candidates(known, sweep) == set()
        assert absent_from_listing(known, sweep, lookup) == {}


def test_a_not_found_needs_the_sites_own_page_and_a_second_signal():
    kind = "text/html; charset=UTF-8"
    probe = Answer(404, not_found_fingerprint(kind, NOT_FOUND), capture_id=5)
    answer = Answer(404, not_found_fingerprint(kind, NOT_FOUND), capture_id=7)
    firewall = Answer(404, not_found_fingerprint(kind, BLOCKED), capture_id=8)
    assert is_site_not_found(answer, probe) and not is_site_not_found(firewall, probe)
    assert gone_by_answer(answer, probe) is None  # one signal only
    evidence = gone_by_answer(answer, probe, unlisted=True)
    assert sorted(evidence.as_json()["capture_ids"]) == [5, 7]
    assert len(evidence.reasons) == 2
    earlier = Answer(404, "", capture_id=3)
    evidence = gone_by_answer(answer, probe, earlier=earlier)
    assert sorted(evidence.as_json()["capture_ids"]) == [3, 5, 7]
    assert gone_by_answer(firewall, probe, unlisted=True, earlier=earlier) is None
    assert gone_by_answer(answer, None, unlisted=True, earlier=earlier) is None  # no probe
    soft = Answer(200, probe.fingerprint)  # a site that answers 200 to anything proves nothing
    assert gone_by_answer(answer, soft, unlisted=True) is None
    assert gone_by_answer(Answer(503, probe.fingerprint), probe, unlisted=True) is None


def test_the_rest_apis_word_is_a_deletion_only_with_the_posts_own_not_found_page():
    """A listing and a lookup that do not have a post are one source (a plugin that filters
    the REST API's queries lists nothing, completely): its URL must say so too."""
    kind = "text/html; charset=UTF-8"
    probe = Answer(404, not_found_fingerprint(kind, NOT_FOUND), capture_id=5)
    known = {2: "u2"}
    absent = absent_from_listing(known, complete_sweep(set()), Lookup(asked={2}, capture_ids=[9]))
    assert list(absent) == [2]
    page = Answer(200, not_found_fingerprint(kind, b"<title>Siaran pers</title>"), capture_id=6)
    assert gone_by_answer(page, probe, absent=absent[2]) is None  # the page is there
    blocked = Answer(404, not_found_fingerprint(kind, BLOCKED), capture_id=8)
    assert gone_by_answer(blocked, probe, absent=absent[2]) is None  # not the site's 404
    answer = Answer(404, not_found_fingerprint(kind, NOT_FOUND), capture_id=7)
    assert gone_by_answer(answer, probe, absent=absent[2]).as_json() == {
        "reasons": [
            "HTTP 404 with the site's not-found page",
            "absent from a complete listing of 0 posts",
            "not returned when asked for by id",
        ],
        "capture_ids": [7, 5, 1, 2, 9],
    }


def test_a_url_that_leads_to_another_post_backs_the_rest_apis_word():
    absent = absent_from_listing(
        {2: "u2"}, complete_sweep(set()), Lookup(asked={2}, capture_ids=[9])
    )[2]
    served = Answer(200, "", capture_id=6)
    assert led_elsewhere(absent, 2, 2, served) is None  # the same post, moved: not gone
    assert led_elsewhere(absent, 2, None, served) is None  # a page that names no post
    assert led_elsewhere(absent, 2, 5, served).as_json() == {
        "reasons": [
            "its URL now leads to another post (id 5)",
            "absent from a complete listing of 0 posts",
            "not returned when asked for by id",
        ],
        "capture_ids": [6, 1, 2, 9],
    }


def test_the_fingerprint_ignores_the_body_but_not_the_title():
    page = b"<title>Page not found</title><p>/2022/09/14/a/ was not found</p>"
    other = b"<title>Page not found</title><p>/2023/01/01/b/ was not found</p>"
    assert not_found_fingerprint("text/html", page) == not_found_fingerprint("text/html", other)
    assert not_found_fingerprint("text/html", page) != not_found_fingerprint("text/html", BLOCKED)
    assert not_found_fingerprint("application/json", b"{}") != not_found_fingerprint(
        "application/json", b"[]"
    )


# Properties: a site whose posts change during the sweep, and a network that fails at random.

events = st.lists(
    st.tuples(st.sampled_from(["publish", "delete", "nothing"]), st.integers(0, 10_000)),
    max_size=8,
)
rarely = st.sampled_from([False, False, False, True])
faults = st.fixed_dictionaries(
    {
        "strip_start": rarely,
        "strip_end": rarely,
        "garble_pages": rarely,
        "failed_pages": st.sets(st.integers(1, 12), max_size=2),
        "failed_lookup": rarely,
    }
)
NO_FAULT = {"strip_start": False, "strip_end": False, "garble_pages": False, "failed_pages": set()}


def simulate(site: list[int], known: set[int], changes, fault: dict):
    """One sweep ordered by id over a site that changes between page fetches, then a lookup."""
    site = sorted(site)
    next_id = max(site + list(known) + [0]) + 1
    sweep = Sweep(total_start=None if fault["strip_start"] else len(site))
    if not fault["garble_pages"] and sweep.total_start is not None:
        sweep.pages = -(-len(site) // PER_PAGE)
    number = 1
    while True:
        if changes:
            change, pick = changes.pop(0)
            if change == "publish":
                site.append(next_id)
                next_id += 1
            elif change == "delete" and site:
                site.remove(site[pick % len(site)])
        page = site[(number - 1) * PER_PAGE : number * PER_PAGE]
        if number in fault["failed_pages"]:
            sweep.pages_failed.add(number)
        else:
            sweep.pages_done.add(number)
            sweep.ids |= set(page)
        if len(page) < PER_PAGE or number > 12:
            break
        number += 1
    sweep.total_end = None if fault["strip_end"] else len(site)
    asked = candidates({post_id: "" for post_id in known}, sweep)
    lookup = Lookup(asked=asked)
    if fault["failed_lookup"]:
        lookup.failed = set(asked)
    else:
        lookup.found = asked & set(site)
    return site, sweep, lookup


@settings(max_examples=300, deadline=None)
@given(
    site=st.sets(st.integers(1, 60), max_size=25),
    known_extra=st.sets(st.integers(1, 60), max_size=10),
    changes=events,
    fault=faults,
)
@example(  # a deletion and a publication during the sweep: same total, one post shifted off
    site=set(range(1, 10)),
    known_extra=set(),
    changes=[("nothing", 0), ("delete", 1), ("publish", 0)],
    fault=NO_FAULT | {"failed_lookup": False},
)
def test_nothing_live_is_ever_deleted(site, known_extra, changes, fault):
    known = set(site) | known_extra
    final, sweep, lookup = simulate(list(site), known, list(changes), fault)
    gone = absent_from_listing({post_id: "" for post_id in known}, sweep, lookup)
    assert not set(gone) & set(final), "a post still on the site was taken for deleted"
    assert set(gone) <= known - set(final)
    if sweep.incomplete() is not None or fault["failed_lookup"]:
        assert gone == {}


@settings(max_examples=200, deadline=None)
@given(site=st.sets(st.integers(1, 60), max_size=25), deleted=st.sets(st.integers(61, 80)))
def test_a_clean_sweep_finds_every_deletion(site, deleted):
    quiet = {k: False for k in ("strip_start", "strip_end", "garble_pages", "failed_lookup")}
    _, sweep, lookup = simulate(
        list(site), set(site) | deleted, [], quiet | {"failed_pages": set()}
    )
    assert sweep.incomplete() is None
    gone = absent_from_listing({post_id: "" for post_id in set(site) | deleted}, sweep, lookup)
    assert set(gone) == deleted


answers = st.builds(
    Answer,
    status=st.sampled_from([200, 301, 403, 404, 410, 429, 500, 503]),
    fingerprint=st.sampled_from(["site", "firewall", "cdn"]),
    capture_id=st.integers(1, 100),
)


@settings(max_examples=300, deadline=None)
@given(
    answer=answers, probe=st.none() | answers, unlisted=st.booleans(), earlier=st.none() | answers
)
def test_a_not_found_is_a_deletion_only_with_two_signals(answer, probe, unlisted, earlier):
    evidence = gone_by_answer(answer, probe, unlisted=unlisted, earlier=earlier)
    if evidence is None:
        return
    assert answer.status in (404, 410) and probe.status in (404, 410)
    assert answer.fingerprint == probe.fingerprint
    assert unlisted or earlier.status in (404, 410)
    assert len(evidence.reasons) >= 2 and answer.capture_id in evidence.capture_ids
