"""A story's original is the copy published first, whatever order its copies were stored in
(newscrawl.store.originals), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from newscrawl.stages.fingerprint import fingerprint
from newscrawl.store import Site, Story, Version, store_page
from newscrawl.store.matching import compare_with_first
from newscrawl.store.originals import published_before

from evaluation.articles import TRAM, TRAM_EDITED

UTC = dt.timezone.utc
NOON = dt.datetime(2025, 10, 14, 12, 30, tzinfo=UTC)
EVENING = dt.datetime(2025, 10, 14, 18, 5, tzinfo=UTC)
MIDNIGHT = dt.datetime(2025, 10, 14, tzinfo=UTC)
DAY_BEFORE = dt.datetime(2025, 10, 13, tzinfo=UTC)


@pytest.mark.parametrize(("at", "source", "other_at", "other_source", "before"), [
    (NOON, "json-ld", EVENING, "json-ld", True),            # two declared moments
    (EVENING, "json-ld", NOON, "meta:article:published_time", False),
    (NOON, "json-ld", NOON, "json-ld", False),              # the same moment: not before
    (NOON, "htmldate", EVENING, "json-ld", False),          # a found date says a day only
    (MIDNIGHT, "json-ld", EVENING, "json-ld", False),       # a declared date without a time
    (DAY_BEFORE, "htmldate", EVENING, "json-ld", True),     # an earlier day is before
    (DAY_BEFORE, "json-ld", None, None, False),             # unknown dates are never compared
    (None, None, NOON, "json-ld", False),
    (dt.datetime(2025, 10, 14, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=4))), "json-ld",
     NOON, "json-ld", True),                                # offsets compared in UTC
])
def test_published_before(at, source, other_at, other_source, before):
    assert published_before(at, source, other_at, other_source) is before


def copy(article, url, body, title, published_at, source="json-ld"):
    art = article(url, body, title=title)
    return dataclasses.replace(art, record=dataclasses.replace(
        art.record, published_at=published_at, published_source=source))


ORIGINAL = ("https://wire.example/tram", TRAM, "Council approves eastern tram line")
REPRINT = ("https://reprints.example/tram", TRAM_EDITED, "Tram line approved (reprint)")
# A lead-only reprint: the original's first three paragraphs.
TRIMMED = ("https://briefs.example/tram", "\n\n".join(TRAM.split("\n\n")[:3]) + "\n",
           "Tram: council says yes")


def stored(session, art):
    out = store_page(session, art.page, art.record)
    session.commit()
    return out


def versions(session) -> dict[str, tuple[str, float]]:
    return {v.url: (v.derivation, round(v.similarity, 6))
            for v in session.execute(select(Version)).scalars()}


def test_a_copy_published_earlier_becomes_the_original(db_session, article):
    """The reprint is stored first; the wire's copy, published hours before it, comes next:
    the story shows the wire's copy as its original, under the reprint's key."""
    first = stored(db_session, copy(article, *REPRINT, EVENING))
    second = stored(db_session, copy(article, *ORIGINAL, NOON))
    assert second.outcome == "stored_new_version" and second.story_key == first.story_key

    story = db_session.execute(select(Story)).scalar_one()
    assert story.key == fingerprint(TRAM_EDITED).body_hash[:16]  # the key stays
    assert story.canonical_version_id == second.version_id
    assert story.title == ORIGINAL[2]
    # Every version described against the original, as if it had been stored first.
    assert versions(db_session) == {
        ORIGINAL[0]: ("original", 1.0),
        REPRINT[0]: tuple(round(x, 6) if isinstance(x, float) else x
                          for x in compare_with_first(TRAM, TRAM_EDITED)),
    }
    assert versions(db_session)[REPRINT[0]][0] == "edited"
    # The sites' counts of stories they originated follow the canonical version.
    originated = dict(db_session.execute(select(Site.host, Site.stories_originated)).all())
    assert originated == {"wire.example": 1, "reprints.example": 0}

    # A copy stored after the change is measured against the original too.
    stored(db_session, copy(article, *TRIMMED, EVENING))
    derivation, similarity = compare_with_first(TRAM, TRIMMED[1])
    assert versions(db_session)[TRIMMED[0]] == (derivation, round(similarity, 6))
    assert derivation == "trimmed" and similarity == 1.0


def test_stored_in_order_of_publication_the_story_reads_the_same(db_session, article):
    """The same copies stored in the order they came out: the same original, title and
    derivations as when the reprint came first (the test above); only the key differs."""
    for item in (ORIGINAL, REPRINT, TRIMMED):
        stored(db_session, copy(article, *item, NOON if item is ORIGINAL else EVENING))
    story = db_session.execute(select(Story)).scalar_one()
    assert story.key == fingerprint(TRAM).body_hash[:16]
    assert (story.title, db_session.get(Version, story.canonical_version_id).url) == \
        (ORIGINAL[2], ORIGINAL[0])
    expected = {url: tuple(round(x, 6) if isinstance(x, float) else x
                           for x in compare_with_first(TRAM, body))
                for url, body, _ in (REPRINT, TRIMMED)}
    assert versions(db_session) == {ORIGINAL[0]: ("original", 1.0), **expected}


@pytest.mark.parametrize(("published_at", "source"), [
    (EVENING + dt.timedelta(hours=1), "json-ld"),   # published after the canonical version
    (NOON, "htmldate"),                             # the same day, found only by a reading
    (None, None),                                   # no date at all
])
def test_a_copy_not_shown_earlier_leaves_the_original(db_session, article, published_at, source):
    first = stored(db_session, copy(article, *REPRINT, EVENING))
    stored(db_session, copy(article, *ORIGINAL, published_at, source))
    story = db_session.execute(select(Story)).scalar_one()
    assert story.canonical_version_id == first.version_id and story.title == REPRINT[2]
    assert versions(db_session)[REPRINT[0]] == ("original", 1.0)
